import type {
  HistoryRecord,
  MonitorStart,
  Observation,
  Role,
  RunEnd,
  RunStart,
  TriggerStep,
} from '../../src/core/history.js';
import type { Gates, StopReason } from '../../src/core/verdict.js';

/** Builds synthetic histories for analysis tests: probes on a fixed grid unless told otherwise. */
export class HistoryBuilder {
  readonly records: HistoryRecord[] = [];
  private seq = 0;
  private t = 0;

  constructor(
    readonly intervalMs = 250,
    readonly latencyMs = 5,
    readonly monitor = 'simple',
  ) {
    this.records.push({
      kind: 'monitor',
      t: 0,
      at: iso(0),
      monitor,
      mode: 'simple',
      target: 'db:3306',
      expect: 'writer',
      intervalMs,
    } satisfies MonitorStart);
  }

  /** `n` probes answered by `role` on `node`. */
  role(role: Role, node: string, n = 1, latencyMs = this.latencyMs): this {
    for (let i = 0; i < n; i++) this.push({ ok: true, role, nodeId: node }, latencyMs);
    return this;
  }

  writer(node = 'node-01', n = 1): this {
    return this.role('writer', node, n);
  }

  reader(node = 'node-02', n = 1): this {
    return this.role('reader', node, n);
  }

  fail(code: string, n = 1, latencyMs = this.latencyMs): this {
    for (let i = 0; i < n; i++)
      this.push({ ok: false, error: { code, message: `failed with ${code}` } }, latencyMs);
    return this;
  }

  trigger(atMs: number, name = 'failover'): this {
    this.records.push({
      kind: 'trigger',
      t: atMs,
      at: iso(atMs),
      trigger: name,
      step: 'requested',
    } satisfies TriggerStep);
    return this;
  }

  /** Leaves time without probes (a probe that took longer, or a paused monitor). */
  gap(ms: number): this {
    this.t += ms;
    return this;
  }

  get now(): number {
    return this.t;
  }

  private push(fields: Pick<Observation, 'ok' | 'role' | 'nodeId' | 'error'>, latencyMs: number): void {
    const t0 = this.t;
    const t1 = t0 + latencyMs;
    this.records.push({
      kind: 'observation',
      monitor: this.monitor,
      seq: this.seq++,
      t0,
      t1,
      at: iso(t0),
      target: 'db:3306',
      expect: 'writer',
      address: '10.0.0.1',
      ...fields,
    });
    // The next probe starts on the next grid slot after this one ended (as the scheduler does).
    this.t = Math.max(t0 + this.intervalMs, Math.ceil(t1 / this.intervalMs) * this.intervalMs);
  }
}

function iso(t: number): string {
  return new Date(Date.UTC(2026, 0, 1) + t).toISOString();
}

/** One run of a saved history: its records, and how the drill ended it. */
export interface SavedRunFixture {
  records: readonly HistoryRecord[];
  stop?: StopReason;
  gates?: Gates;
  /** Leave the run-end record out, as a drill that was killed does. */
  killed?: boolean;
}

/** A history file as `--history` writes it: each run between its run-start and run-end records, as NDJSON. */
export function savedHistory(runs: readonly SavedRunFixture[], endpoint = 'db:3306'): string {
  const lines: HistoryRecord[] = [];
  runs.forEach((run, index) => {
    const start: RunStart = {
      kind: 'run-start',
      t: 0,
      at: iso(0),
      index,
      total: runs.length,
      startedAt: iso(0),
      sessionStartedAt: iso(0),
    };
    lines.push(start, ...run.records);
    if (run.killed) return;
    const lastT = run.records.reduce((m, r) => Math.max(m, 't1' in r ? r.t1 : 't' in r ? r.t : 0), 0);
    const [host, port] = endpoint.split(':');
    const end: RunEnd = {
      kind: 'run-end',
      t: lastT,
      at: iso(lastT),
      stop: run.stop ?? 'recovered',
      gates: run.gates ?? {},
      target: { endpoint, host: host ?? endpoint, port: Number(port ?? 0) },
      header: { title: `drill ${endpoint}`, details: 'a saved fixture' },
    };
    lines.push(end);
  });
  return `${lines.map((r) => JSON.stringify(r)).join('\n')}\n`;
}
