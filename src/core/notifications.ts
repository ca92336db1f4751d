import type { HistoryRecord, NotificationReceived, NotificationsSubscribed } from './history.js';

/** `--notifications`: what arrived from the SNS topic, and when, beside what the client saw. */
export interface NotificationFigures {
  topic: string;
  /** Whether the subscription was confirmed before the drill began. */
  confirmed: boolean;
  received: number;
  /** Arrival of the "Started ... failover" and "Completed failover" notifications. */
  failoverStartedMs: number | null;
  failoverCompletedMs: number | null;
  /** The longest time from an event (by the provider's clock) to its notification's arrival. */
  maxDelayMs: number | null;
  list: { atMs: number; eventAtMs: number | null; eventId: string | null; message: string }[];
}

const started = /^Started (cross AZ |same AZ )?failover/i;
const completed = /^Completed failover/i;

/** Pure: the notifications of a history, or null when the drill did not listen for any. */
export function notificationFigures(records: readonly HistoryRecord[]): NotificationFigures | null {
  const subscribed = records.find((r): r is NotificationsSubscribed => r.kind === 'notifications');
  if (!subscribed) return null;
  const got = records.filter((r): r is NotificationReceived => r.kind === 'notification');
  const first = (re: RegExp) => got.find((n) => re.test(n.message))?.t ?? null;
  const delays = got.filter((n) => n.eventT !== null).map((n) => n.t - (n.eventT as number));
  return {
    topic: subscribed.topic,
    confirmed: subscribed.confirmed,
    received: got.length,
    failoverStartedMs: first(started),
    failoverCompletedMs: first(completed),
    maxDelayMs: delays.length ? Math.round(Math.max(...delays)) : null,
    list: got.map((n) => ({
      atMs: Math.round(n.t * 10) / 10,
      eventAtMs: n.eventT === null ? null : Math.round(n.eventT * 10) / 10,
      eventId: n.eventId ?? null,
      message: n.message,
    })),
  };
}
