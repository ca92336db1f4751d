import type {
  FailoverPhase,
  HistoryRecord,
  NotificationReceived,
  NotificationsSubscribed,
} from './history.js';
import { tenth, tenthOrNull } from './rounding.js';

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
  list: {
    atMs: number;
    eventAtMs: number | null;
    /** Arrival minus the event's own time: how long the notification took. */
    delayMs: number | null;
    eventId: string | null;
    message: string;
  }[];
}

/** Pure: the notifications of a history, or null when the drill did not listen for any. */
export function notificationFigures(records: readonly HistoryRecord[]): NotificationFigures | null {
  const subscribed = records.find((r): r is NotificationsSubscribed => r.kind === 'notifications');
  if (!subscribed) return null;
  const got = records.filter((r): r is NotificationReceived => r.kind === 'notification');
  const first = (phase: FailoverPhase) => got.find((n) => n.phase === phase)?.t ?? null;
  const delays = got.map(notificationDelayMs).filter((d): d is number => d !== null);
  return {
    topic: subscribed.topic,
    confirmed: subscribed.confirmed,
    received: got.length,
    failoverStartedMs: first('failover-started'),
    failoverCompletedMs: first('failover-completed'),
    maxDelayMs: delays.length ? Math.round(Math.max(...delays)) : null,
    list: got.map((n) => ({
      atMs: tenth(n.t),
      eventAtMs: tenthOrNull(n.eventT),
      delayMs: tenthOrNull(notificationDelayMs(n)),
      eventId: n.eventId ?? null,
      message: n.message,
    })),
  };
}

/** How long one notification took: its arrival minus the provider's time for the event; null when unknown. */
export function notificationDelayMs(n: NotificationReceived): number | null {
  return n.eventT === null ? null : n.t - n.eventT;
}
