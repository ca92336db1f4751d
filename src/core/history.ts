import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { Clock } from './clock.js';
import type { LatencyHistogram } from './histogram.js';
import { KeptRecords, type MonitorProbes } from './probes.js';
import type { ReportTarget } from './report/renderer.js';
import { redactStrings } from './secrets.js';
import type { Gates, StopReason } from './verdict.js';

export type Role = 'writer' | 'reader';

/** What a probe reports when it did not get an answer. `code` is the key errors are counted by. */
export interface ProbeError {
  /** A MySQL errno as a string (`1290`), or a driver/system code (`ECONNREFUSED`). */
  code: string;
  errno?: number;
  /** The symbolic name of a MySQL error number (`ER_OPTION_PREVENTS_STATEMENT`). */
  name?: string;
  message: string;
  /** Set by the service that classified it: the server refused because the node is read-only (a demoted writer). */
  readOnly?: boolean;
}

/** Where a provider's failover stands, as the service side reads its event or notification texts. */
export type FailoverPhase = 'failover-started' | 'failover-completed';

/** A monitor announces itself before its first probe, so a history file describes itself. */
export interface MonitorStart {
  kind: 'monitor';
  t: number;
  at: string;
  monitor: string;
  mode: string;
  target: string;
  expect: Role;
  intervalMs: number;
  /** A short name for the target in tables (the service knows which parts of a long host name matter). */
  label?: string;
  /** How the monitor resolved names (`127.0.0.1:10053, no cache`): a caching client sees a moved record later. */
  dns?: string;
}

/** One timed probe: monotonic start/end on the drill's axis, what was reached, and what it said. */
export interface Observation {
  kind: 'observation';
  monitor: string;
  seq: number;
  t0: number;
  t1: number;
  at: string;
  target: string;
  /** The address actually connected to (what DNS said, for a name). */
  address?: string;
  ok: boolean;
  role?: Role;
  expect: Role;
  nodeId?: string;
  version?: string;
  error?: ProbeError;
  /** How the probe got there, for monitors with more than one way in (`cluster`, `instance`, `sweep`). */
  route?: string;
  /** The TLS handshake's share of the probe (ms), when it made a new TLS connection. */
  tlsMs?: number;
  /** For the write checker: which ledger write this was and what became of it. */
  write?: { seq: number; outcome: 'acknowledged' | 'failed' | 'indeterminate' };
}

/** `--ddl`: what happened to a long ALTER TABLE run through the fault. */
export interface DdlStep {
  kind: 'ddl';
  t: number;
  at: string;
  step: 'started' | 'completed' | 'failed' | 'checked';
  detail?: string;
  rows?: number;
  columnAdded?: boolean;
}

/** The write checker's ledger as read back from the writer after the drill. */
export interface WriteReadback {
  kind: 'write-readback';
  t: number;
  at: string;
  /** Sequence numbers found. */
  present: number[];
}

export interface TriggerStep {
  kind: 'trigger';
  t: number;
  at: string;
  trigger: string;
  step: 'requested' | 'acknowledged' | 'completed' | 'failed';
  detail?: string;
}

/** What the provider says happened (RDS/MemoryDB events, SNS notifications), placed on the drill's axis. */
export interface ServiceEvent {
  kind: 'service-event';
  t: number;
  at: string;
  source: string;
  message: string;
  eventId?: string;
  /** The failover phase this event marks, when it marks one. */
  phase?: FailoverPhase;
}

/** What the lab knows happened (an instance stopped accepting, a role changed), placed on the drill's axis. */
export interface GroundTruthEvent {
  kind: 'ground-truth';
  t: number;
  at: string;
  what: string;
  /**
   * What this means for a drill, as the lab classifies it: a node stopped taking writes or went down, a node came
   * up as the writer, the writer endpoint's DNS record moved. Other ground truth has no fact and is shown only.
   */
  fact?: GroundTruthFact;
  /** The node the fact is about. */
  node?: string;
  detail?: Record<string, unknown>;
}

export type GroundTruthFact = 'node-down' | 'writer-up' | 'writer-endpoint-moved';

/** `--load`: the workload, announced before it starts. */
export interface LoadStart {
  kind: 'load-start';
  t: number;
  at: string;
  target: string;
  workers: number;
  /** Relative weights of point reads and writes. */
  mix: { read: number; write: number };
  /** Total operations per second the workers are held to; null when they run flat out. */
  rateLimit: number | null;
}

/** One window of the `--load` workload: the operations that completed in [t, t + windowMs). */
export interface LoadWindow {
  kind: 'load';
  t: number;
  at: string;
  windowMs: number;
  reads: number;
  writes: number;
  failed: number;
  /** Failed operations by error code. */
  errors: Record<string, number>;
  /** Of the failed operations, those a read-only node refused (the service flags them). */
  readOnly?: number;
  /** Latency of the operations that succeeded. */
  latency: LatencyHistogram;
  /** Completion times of the first and last operation that succeeded in the window, if any. */
  firstOkT: number | null;
  lastOkT: number | null;
  /** The longest wait between two successes inside the window (a stall shorter than a window shows here). */
  innerGap: { fromT: number; toT: number } | null;
}

/** The workload stopped; how late the drill's own timers ran meanwhile (what load could do to the monitors). */
export interface LoadStop {
  kind: 'load-stop';
  t: number;
  at: string;
  loopDelayMs: { p50: number; p99: number; max: number };
}

/** `--notifications`: the drill subscribed a listener to an SNS topic (confirmed or not). */
export interface NotificationsSubscribed {
  kind: 'notifications';
  t: number;
  at: string;
  topic: string;
  /** Where SNS delivers to. */
  url: string;
  confirmed: boolean;
}

/** An SNS notification the drill received (`--notifications`), placed on the axis when it arrived. */
export interface NotificationReceived {
  kind: 'notification';
  t: number;
  at: string;
  topic: string;
  message: string;
  eventId?: string;
  sourceId?: string;
  /** The failover phase this notification marks, when it marks one. */
  phase?: FailoverPhase;
  /** When the provider says the event happened, on the drill's axis; null when the message does not say. */
  eventT: number | null;
}

/**
 * A run of the session begins. With `RunEnd` it makes a saved history self-describing: `drill report` splits a
 * file of several runs (--repeat) at these records and judges each run as the drill did.
 */
export interface RunStart {
  kind: 'run-start';
  t: number;
  at: string;
  index: number;
  total: number;
  /** When this run's clock started (its axis' 0). */
  startedAt: string;
  /** When the session (the first run) started: the JSON report's `startedAt`. */
  sessionStartedAt: string;
}

/** A run ended: why, the gates it is judged by, and what was drilled. Absent when the drill was killed. */
export interface RunEnd {
  kind: 'run-end';
  t: number;
  at: string;
  stop: StopReason;
  /** The signal that interrupted the run (stop `interrupted`). */
  interruptedBy?: string;
  gates: Gates;
  target: ReportTarget;
  header: { title: string; details: string };
}

export interface Note {
  kind: 'note';
  t: number;
  at: string;
  level: 'info' | 'warn';
  monitor?: string;
  text: string;
}

export type HistoryRecord =
  | MonitorStart
  | Observation
  | TriggerStep
  | ServiceEvent
  | GroundTruthEvent
  | Note
  | WriteReadback
  | DdlStep
  | LoadStart
  | LoadWindow
  | LoadStop
  | NotificationsSubscribed
  | NotificationReceived
  | RunStart
  | RunEnd;

/** A record before the history stamps it with its wall time. */
export type Unstamped<R> = R extends HistoryRecord ? Omit<R, 'at'> : never;

type Listener = (record: HistoryRecord) => void;

/**
 * The append-only, time-ordered log of one drill. Monitors and triggers append; analysis and renderers read.
 * When streamed, every record is written (and flushed) as one NDJSON line the moment it is appended, so a crash
 * or Ctrl+C loses nothing already seen. Memory keeps every record but the probes' observations, which are folded
 * per monitor as they come, and the `--load` windows, folded into the load's figures (`kept`): a drill may run for
 * days at 10 Hz; the file has every probe and every window.
 */
export class History {
  readonly kept: KeptRecords;
  private readonly listeners: Listener[] = [];
  private fd: number | undefined;

  /** `triggerAtMs`: when a history read back from a file knows its trigger before its records (see KeptRecords). */
  constructor(
    readonly clock: Clock,
    triggerAtMs: number | null = null,
  ) {
    this.kept = new KeptRecords(triggerAtMs);
  }

  /** Every record kept in memory: all but the observations (see `kept.monitors` for those). */
  get records(): readonly HistoryRecord[] {
    return this.kept.records;
  }

  /** Stream every record to an NDJSON file from now on (appending, for the later runs of --repeat). */
  streamTo(path: string, append = false): void {
    if (this.kept.monitors.size > 0)
      throw new Error('a history streams to a file from before its first probe');
    this.fd = openSync(path, append ? 'a' : 'w');
    for (const r of this.records) this.writeLine(r);
  }

  append<R extends HistoryRecord>(record: Unstamped<R>): R {
    const t = 't0' in record ? record.t0 : record.t;
    // Stamped in place: every caller hands over a record made for this call, and a copy per probe showed in
    // what recording one cost.
    (record as { at?: string }).at = this.clock.isoAt(t);
    const stamped = redactStrings(record as unknown as R);
    this.kept.add(stamped);
    if (this.fd !== undefined) this.writeLine(stamped);
    for (const l of this.listeners) l(stamped);
    return stamped;
  }

  /** A record read back from a history file: it keeps its wall time, and is not streamed again. */
  restore(record: HistoryRecord): void {
    this.kept.add(record);
    for (const l of this.listeners) l(record);
  }

  /** Shorthand for a note at the current time. */
  note(text: string, level: Note['level'] = 'info', monitor?: string): void {
    const note: Unstamped<Note> = { kind: 'note', t: this.clock.now(), level, text };
    if (monitor !== undefined) note.monitor = monitor;
    this.append<Note>(note);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** What memory holds of one monitor's probes; undefined before its first. */
  probes(monitor: string): MonitorProbes | undefined {
    return this.kept.monitors.get(monitor);
  }

  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      fsyncSync(fd);
    } catch {
      // Some files cannot be synced (a pipe, /dev/stdout); what was written stays written.
    }
    closeSync(fd);
  }

  /** A history file that cannot be written (a full disk) stops being streamed; the drill goes on, and says so. */
  private writeLine(record: HistoryRecord): void {
    try {
      writeSync(this.fd as number, `${JSON.stringify(record)}\n`);
    } catch (err) {
      const fd = this.fd as number;
      this.fd = undefined;
      closeSync(fd);
      this.note(
        `--history: could not write the history file any more (${(err as Error).message}): the drill goes on without it`,
        'warn',
      );
    }
  }
}

/** Reads a history written by `streamTo` (one record per line; a torn last line is ignored). */
export function parseNdjson(text: string): HistoryRecord[] {
  const out: HistoryRecord[] = [];
  for (const line of text.split('\n')) {
    const record = parseRecord(line);
    if (record) out.push(record);
  }
  return out;
}

/** One line of a history; undefined for a blank line or one that is not JSON (a torn last line). */
export function parseRecord(line: string): HistoryRecord | undefined {
  if (line.trim() === '') return undefined;
  try {
    return JSON.parse(line) as HistoryRecord;
  } catch {
    // A crash can leave half a line at the end; everything before it is whole.
    return undefined;
  }
}
