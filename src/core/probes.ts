import type { HistoryRecord, LoadWindow, Observation, Role, TriggerStep } from './history.js';
import { LoadFold } from './load/figures.js';
import { OutageTracker, type ProbeChange, probeState } from './outages.js';
import { SeqSet } from './seq-set.js';

/**
 * One monitor's probes folded as they are recorded: what analysis and the reports take from them, in memory that
 * grows with what happened (outages, nodes, error codes, distinct latencies) and not with the number of probes, so
 * a drill of a week at 10 Hz holds what a drill of a minute holds. The history file still gets every probe.
 */
export class MonitorProbes {
  /** The first probe: which monitor, target and expected role the probes were recorded with. */
  first: Observation | undefined;
  count = 0;
  good = 0;
  wrongRole = 0;
  failed = 0;
  readonly tracker = new OutageTracker();
  /** What the latest probe changed: an outage opened or closed (the drill's stop rules act on it). */
  change: ProbeChange = {};
  /** End of the latest probe (the drill's elapsed time is the latest end of anything). */
  lastT1 = 0;
  firstConnectT1: number | null = null;
  firstGood: Observation | undefined;
  /** The first good probe from another node than `firstGood`'s (a new writer). */
  newWriter: Observation | undefined;
  /** Node ids that answered with the expected role, in the order first seen. */
  readonly nodes: string[] = [];
  readonly errors: Record<string, number> = {};
  /**
   * Good probes by latency in tenths of a millisecond (the resolution every report shows, see `tenth`):
   * percentiles without keeping every value.
   */
  readonly latencies = new Map<number, number>();
  readOnly = 0;
  readOnlyFromT0 = 0;
  readOnlyToT1 = 0;
  /** Wrong-role time so far: each such probe counts until the next probe starts (or its own end, if last). */
  private staleMs = 0;
  private staleOpen: Observation | undefined;
  /** Role changes among answered probes from the first good one on. */
  flipFlops = 0;
  private lastRole: Role | undefined;
  /** The write ledger's probes: acknowledged and indeterminate by sequence number, failed counted. */
  readonly writes = { attempted: 0, failed: 0, acknowledged: new SeqSet(), indeterminate: new SeqSet() };

  push(o: Observation): void {
    this.first ??= o;
    this.count++;
    this.change = this.tracker.push(o);
    this.lastT1 = Math.max(this.lastT1, o.t1);
    const state = probeState(o);
    if (this.staleOpen) {
      this.staleMs += o.t0 - this.staleOpen.t0;
      this.staleOpen = undefined;
    }
    if (o.ok && this.firstConnectT1 === null) this.firstConnectT1 = o.t1;
    if (state === 'good') {
      this.good++;
      this.firstGood ??= o;
      if (!this.newWriter && o.nodeId !== this.firstGood.nodeId) this.newWriter = o;
      if (o.nodeId !== undefined && !this.nodes.includes(o.nodeId)) this.nodes.push(o.nodeId);
      const tenths = Math.round((o.t1 - o.t0) * 10);
      this.latencies.set(tenths, (this.latencies.get(tenths) ?? 0) + 1);
    } else if (state === 'wrong-role') {
      this.wrongRole++;
      this.staleOpen = o;
    } else {
      this.failed++;
    }
    if (this.firstGood && o.ok && o.role) {
      if (this.lastRole !== undefined && o.role !== this.lastRole) this.flipFlops++;
      this.lastRole = o.role;
    }
    if (o.error) this.errors[o.error.code] = (this.errors[o.error.code] ?? 0) + 1;
    if (o.error?.readOnly === true) {
      if (this.readOnly === 0) this.readOnlyFromT0 = o.t0;
      this.readOnly++;
      this.readOnlyToT1 = o.t1;
    }
    if (o.write) {
      this.writes.attempted++;
      if (o.write.outcome === 'failed') this.writes.failed++;
      else this.writes[o.write.outcome].add(o.write.seq);
    }
  }

  get staleRoleMs(): number {
    return this.staleMs + (this.staleOpen ? this.staleOpen.t1 - this.staleOpen.t0 : 0);
  }

  /** The nearest-rank latency at quantile `q` (0..1) of the good probes; undefined for none. */
  latencyAt(q: number): number | undefined {
    const rank = Math.min(this.good - 1, Math.max(0, Math.ceil(q * this.good) - 1));
    let seen = 0;
    for (const tenths of [...this.latencies.keys()].sort((a, b) => a - b)) {
      seen += this.latencies.get(tenths) as number;
      if (seen > rank) return tenths / 10;
    }
    return undefined;
  }
}

/** Every record but those folded as they come: the probes' observations and the load's windows. */
export type KeptRecord = Exclude<HistoryRecord, Observation | LoadWindow>;

/**
 * A drill's records as memory keeps them: every record but the observations, which are folded per monitor, and
 * the `--load` windows, folded into the load's figures (`load`).
 */
export class KeptRecords {
  readonly records: KeptRecord[] = [];
  readonly monitors = new Map<string, MonitorProbes>();
  readonly load: LoadFold;

  /** `triggerAtMs`: the trigger's time when it is known before the records are read (a history file read twice). */
  constructor(triggerAtMs: number | null = null) {
    this.load = new LoadFold(triggerAtMs);
  }

  add(record: HistoryRecord): void {
    if (record.kind === 'load') {
      this.load.add(record);
      return;
    }
    if (record.kind !== 'observation') {
      if (record.kind === 'load-start' || record.kind === 'load-stop' || record.kind === 'trigger')
        this.load.add(record);
      this.records.push(record);
      return;
    }
    let probes = this.monitors.get(record.monitor);
    if (!probes) {
      probes = new MonitorProbes();
      this.monitors.set(record.monitor, probes);
    }
    probes.push(record);
  }

  static of(records: readonly HistoryRecord[]): KeptRecords {
    const trigger = records.find((r): r is TriggerStep => r.kind === 'trigger' && r.step === 'requested');
    const kept = new KeptRecords(trigger?.t ?? null);
    for (const r of records) kept.add(r);
    return kept;
  }
}
