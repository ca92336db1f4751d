import type { FailoverPhase, History, ServiceEvent, Unstamped } from '../core/history.js';
import type { DrillPart } from '../core/session/part.js';
import { awsErrorCode, awsErrorKind } from './errors.js';

/** One event as a provider's DescribeEvents gives it. */
export interface ProviderEvent {
  date: Date;
  /** The cluster, instance or node it is about. */
  source: string;
  message: string;
}

export interface EventSource {
  /** `rds`, `memorydb`: the prefix of each event's source on the timeline, and the API in messages. */
  service: string;
  /** The IAM action, for the note when it is refused. */
  action: string;
  /** This drill's events since `since` (the caller filters to its cluster and members). */
  fetch(since: Date): Promise<ProviderEvent[]>;
  /** The service's reading of an event's text: which failover phase it marks, if any. */
  phaseOf(message: string): FailoverPhase | undefined;
  /**
   * Followed only if it answers: nobody asked for it (the cluster was read from the endpoint's name), so a first
   * fetch that fails for any reason but throttling is one note and the end of it, not a note every poll.
   */
  optional?: boolean;
}

/**
 * Follows a provider's DescribeEvents during a drill and places each new event on the drill's axis by its date.
 * One fetch every `everyMs`; throttling doubles the wait (up to 16 s) and the next poll retries; a refusal is a
 * note and ends polling: the drill goes on without provider events.
 */
export class EventFollower {
  private timer: NodeJS.Timeout | undefined;
  private readonly seen = new Set<string>();
  private waitMs: number;
  private stopped = false;
  private answered = false;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly source: EventSource,
    private readonly history: History,
    private readonly everyMs = 2000,
  ) {
    this.waitMs = everyMs;
  }

  start(): void {
    this.schedule(0);
  }

  /** Polls once more (events of the last moments) and stops. */
  async stop(): Promise<void> {
    const wasStopped = this.stopped;
    this.stopped = true; // a poll in flight must not schedule another
    clearTimeout(this.timer);
    await this.running;
    if (!wasStopped) await this.poll();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      if (this.stopped) return;
      this.running = this.poll().then(() => this.schedule(this.waitMs));
    }, ms);
  }

  async poll(): Promise<void> {
    // From a minute before the drill: providers date events to the second, and clocks differ.
    const since = new Date(this.history.clock.originWallMs - 60_000);
    const name = `${this.source.service.toUpperCase()} DescribeEvents`;
    try {
      const events = await this.source.fetch(since);
      for (const e of [...events].sort((a, b) => a.date.getTime() - b.date.getTime())) this.add(e);
      this.waitMs = this.everyMs;
      this.answered = true;
    } catch (err) {
      const code = awsErrorCode(err);
      const kind = awsErrorKind(err);
      if (kind === 'throttled') {
        this.waitMs = Math.min(this.waitMs * 2, 16_000);
        this.history.note(`${name} throttled (${code}): next try in ${this.waitMs / 1000} s`, 'warn');
      } else if (kind === 'denied' || kind === 'credentials') {
        // Not a passing state: asking again every few seconds would only repeat the refusal.
        this.history.note(
          `no permission for ${this.source.action} (${code}): provider events are left out, the drill goes on`,
          'warn',
        );
        this.stopped = true;
      } else if (this.source.optional && !this.answered) {
        this.history.note(
          `${name} not followed: ${(err as Error).message}; provider events are left out, the drill goes on`,
          'warn',
        );
        this.stopped = true;
      } else {
        this.history.note(`${name} failed: ${(err as Error).message}`, 'warn');
      }
    }
  }

  private add(e: ProviderEvent): void {
    const key = `${e.date.toISOString()}|${e.source}|${e.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const t = this.history.clock.fromWall(e.date.getTime());
    if (t < -2000) return; // an earlier failover's events are not this drill's
    const event: Unstamped<ServiceEvent> = {
      kind: 'service-event',
      t,
      source: `${this.source.service}:${e.source}`,
      message: e.message,
    };
    const phase = this.source.phaseOf(e.message);
    if (phase) event.phase = phase;
    this.history.append<ServiceEvent>(event);
  }
}

/**
 * A drill part that follows a provider's events from its prepare to its finish, when `source` finds the cluster
 * (it resolves to undefined when the drill does not know it: no events, and no credentials needed).
 */
export function eventsPart(history: History, source: () => Promise<EventSource | undefined>): DrillPart {
  let follower: EventFollower | undefined;
  return {
    name: 'events',
    async prepare() {
      const found = await source();
      if (!found) return;
      follower = new EventFollower(found, history);
      follower.start();
    },
    finish: async () => follower?.stop(),
  };
}
