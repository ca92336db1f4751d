import { awsErrorCode, awsErrorKind } from '../aws/errors.js';
import type { FailoverPhase, History, ServiceEvent, Unstamped } from '../core/history.js';
import type { RdsControl, RdsEvent } from './rds.js';

/**
 * Follows RDS DescribeEvents for the cluster and its instances during a drill and places each new event on the
 * drill's axis by its date. At most one call per source type every `everyMs`; throttling doubles the wait (up to
 * 16 s) and the next poll retries; a permission error is a warning and ends polling: the drill goes on without.
 */
export class RdsEventFollower {
  private timer: NodeJS.Timeout | undefined;
  private readonly seen = new Set<string>();
  private waitMs: number;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly rds: RdsControl,
    private readonly history: History,
    private readonly clusterId: string,
    private readonly instanceIds: () => string[],
    private readonly everyMs = 2000,
  ) {
    this.waitMs = everyMs;
  }

  start(): void {
    this.schedule(0);
  }

  /** Polls once more (events of the last moments) and stops. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    await this.running;
    if (!this.stopped) await this.poll();
    this.stopped = true;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.poll().then(() => this.schedule(this.waitMs));
    }, ms);
  }

  async poll(): Promise<void> {
    // From a minute before the drill: RDS dates events to the second, and clocks differ.
    const since = new Date(this.history.clock.originWallMs - 60_000);
    try {
      const cluster = (await this.rds.describeEvents('db-cluster', since, this.clusterId)).filter(
        (e) => e.sourceId === this.clusterId,
      );
      const ids = new Set(this.instanceIds());
      const instances = (await this.rds.describeEvents('db-instance', since)).filter((e) =>
        ids.has(e.sourceId),
      );
      for (const e of [...cluster, ...instances].sort((a, b) => a.date.getTime() - b.date.getTime()))
        this.add(e);
      this.waitMs = this.everyMs;
    } catch (err) {
      const code = awsErrorCode(err);
      const kind = awsErrorKind(err);
      if (kind === 'throttled') {
        this.waitMs = Math.min(this.waitMs * 2, 16_000);
        this.history.note(
          `RDS DescribeEvents throttled (${code}): next try in ${this.waitMs / 1000} s`,
          'warn',
        );
      } else if (kind === 'denied' || kind === 'credentials') {
        // Not a passing state: asking again every few seconds would only repeat the refusal.
        this.history.note(
          `no permission for rds:DescribeEvents (${code}): provider events are left out, the drill goes on`,
          'warn',
        );
        this.stopped = true;
      } else {
        this.history.note(`RDS DescribeEvents failed: ${(err as Error).message}`, 'warn');
      }
    }
  }

  private add(e: RdsEvent): void {
    const key = `${e.date.toISOString()}|${e.sourceId}|${e.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const t = this.history.clock.fromWall(e.date.getTime());
    if (t < -2000) return; // an earlier failover's events are not this drill's
    const event: Unstamped<ServiceEvent> = {
      kind: 'service-event',
      t,
      source: `rds:${e.sourceId}`,
      message: e.message,
    };
    const phase = failoverPhase(e.message);
    if (phase) event.phase = phase;
    this.history.append<ServiceEvent>(event);
  }
}

/**
 * Where a failover stands by an RDS event's text (events carry no id in DescribeEvents, so the text is all there
 * is): RDS-EVENT-0073/0072 "Started cross|same AZ failover to DB instance: X", RDS-EVENT-0071 "Completed failover".
 */
export function failoverPhase(message: string): FailoverPhase | undefined {
  if (/^Started (cross AZ |same AZ )?failover/i.test(message)) return 'failover-started';
  if (/^Completed failover/i.test(message)) return 'failover-completed';
  return undefined;
}
