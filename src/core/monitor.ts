import type { Clock } from './clock.js';
import type { Monitor } from './drill.js';
import type { History, MonitorStart, Observation, Role, Unstamped } from './history.js';
import { ProbeScheduler } from './scheduler.js';

/** What one probe found, before it is placed on the drill's axis. */
export type ProbeOutcome = Pick<
  Observation,
  'ok' | 'address' | 'role' | 'nodeId' | 'version' | 'error' | 'route' | 'write' | 'tlsMs'
>;

/**
 * A monitor that probes on a schedule and records each probe as an observation. Subclasses say how one probe
 * goes (`probe`); this class times it, places it on the drill's axis, and drops probes cut short by the stop.
 */
export abstract class ScheduledMonitor implements Monitor {
  abstract readonly name: string;
  abstract readonly mode: string;
  readonly expect: Role = 'writer';
  /** How tables show the target, when the service has a shorter name for it than `target`. */
  protected label: string | undefined;
  /** How this monitor's client resolves names, as reports say it; the service sets it. */
  dns: string | undefined;
  protected scheduler: ProbeScheduler | undefined;

  constructor(
    protected readonly history: History,
    protected readonly clock: Clock,
    readonly target: string,
    readonly intervalMs: number,
  ) {}

  /** How long one probe may take before it is aborted; asked as each probe starts. */
  abstract get deadlineMs(): number;

  /** One probe, not recorded: the CLI's preflight uses it to fail fast with a clear message. */
  abstract probe(signal: AbortSignal): Promise<ProbeOutcome>;

  /** Told of every recorded observation (a monitor may change its rate or route from what it saw). */
  protected observed(_o: Observation): void {}

  start(): void {
    const start: Unstamped<MonitorStart> = {
      kind: 'monitor',
      t: this.clock.now(),
      monitor: this.name,
      mode: this.mode,
      target: this.target,
      expect: this.expect,
      intervalMs: this.intervalMs,
    };
    if (this.label !== undefined) start.label = this.label;
    if (this.dns !== undefined) start.dns = this.dns;
    this.history.append<MonitorStart>(start);
    this.scheduler = new ProbeScheduler(
      this.clock,
      { intervalMs: this.intervalMs, deadlineMs: () => this.deadlineMs },
      (seq, signal) => this.record(seq, signal),
    );
    this.scheduler.start();
  }

  async stop(): Promise<void> {
    await this.scheduler?.stop();
  }

  /** A then rather than an async function: one promise fewer per probe, which showed in what a probe cost. */
  private record(seq: number, signal: AbortSignal): Promise<void> {
    const t0 = this.clock.now();
    return this.probe(signal).then((outcome) => {
      const t1 = this.clock.now();
      if (outcome.error?.code === 'STOPPED') return; // cut short by the end of the drill: says nothing
      const o = this.history.append<Observation>({
        kind: 'observation',
        monitor: this.name,
        seq,
        t0,
        t1,
        target: this.target,
        expect: this.expect,
        ...outcome,
      });
      this.observed(o);
    });
  }
}
