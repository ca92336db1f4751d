import type {
  DdlStep,
  GroundTruthEvent,
  HistoryRecord,
  MonitorStart,
  ServiceEvent,
  TriggerStep,
  WriteReadback,
} from './history.js';
import type { LoadFigures } from './load/figures.js';
import { type NotificationFigures, notificationFigures } from './notifications.js';
import { type Outage, outageAfterTrigger } from './outages.js';
import { KeptRecords, MonitorProbes } from './probes.js';

/** Figures for one monitor, all in milliseconds on the drill's axis (0 = the drill's start). */
export interface MonitorFigures {
  monitor: string;
  mode: string;
  target: string;
  /** The target as tables show it (the monitor's short label), when the monitor gave one. */
  label: string | null;
  /** How the monitor resolved names, when it said. */
  dns: string | null;
  expect: string;
  intervalMs: number;
  probes: number;
  good: number;
  wrongRole: number;
  failed: number;
  outages: Outage[];
  /** Length of the outage that follows the trigger; null when there was none. A lower bound if not recovered. */
  downtimeMs: number | null;
  /** Its tighter bound: last good probe end to first good probe start. */
  tightDowntimeMs: number | null;
  /** How precise the downtime is: the probe interval, or the real probe spacing at the outage's edges if wider. */
  resolutionMs: number;
  /** False when an outage was still open at the end of the drill. */
  recovered: boolean;
  timeToFirstConnectMs: number | null;
  timeToFirstGoodMs: number | null;
  /** Time spent connected to the wrong role (the stale-DNS window for a writer monitor). */
  staleRoleMs: number;
  /** Role changes seen after the first good probe (writer -> reader -> writer counts 2). */
  flipFlops: number;
  /** Node ids that answered with the expected role, in the order first seen. */
  nodes: string[];
  errors: Record<string, number>;
  latencyMs: { p50: number; p95: number; max: number } | null;
  /** Probes refused because they reached a read-only node (the service flags them): writes on a demoted writer. */
  readOnlyErrors: number;
  /** From the first to the end of the last such probe; 0 when there was none. */
  readOnlySpanMs: number;
  /** End of the first good probe answered by another node than the first one (a new writer); null if none. */
  firstNewWriterSeenMs: number | null;
  /** The route that probe took (aware: `instance`, `sweep:instance`, ...); null when the monitor has one way in. */
  firstNewWriterRoute: string | null;
}

export interface TriggerFigures {
  name: string;
  requestedAtMs: number;
  acknowledgedAtMs: number | null;
  completedAtMs: number | null;
  /** Why the trigger failed, when it did. */
  failed: string | null;
}

/** What really happened, from a lab's ground truth, on the drill's axis. */
export interface GroundTruthFigures {
  /** A writer the monitors first saw (the first node each saw answer) stopped taking writes or went down. */
  writerDownMs: number | null;
  /** After that, an instance came up as the writer (the promoted reader, or the same one after a crash). */
  writerUpMs: number | null;
  /** Writer up minus writer down: how long the cluster really had no writer. */
  writerRecoveryMs: number | null;
  /** After that, the cluster endpoint's DNS record moved; null when it did not (a crash). */
  dnsSwitchedMs: number | null;
}

/** The provider's own account of a failover, from its events. */
export interface ProviderFigures {
  failoverStartedMs: number | null;
  failoverCompletedMs: number | null;
  /** Completed minus started: the provider's failover duration, to set beside the client's downtime. */
  failoverMs: number | null;
}

/** The write checker's ledger: what was acknowledged, and what of that the writer no longer has. */
export interface WriteFigures {
  attempted: number;
  acknowledged: number;
  failed: number;
  indeterminate: number;
  /** Acknowledged but absent when read back after recovery; null when the ledger could not be read back. */
  lost: number | null;
  /** The first lost sequence numbers (at most 20), to look for in the database. */
  lostSeqs: number[];
}

/** `--ddl`: how the long ALTER TABLE went through the fault, and the table afterwards. */
export interface DdlFigures {
  statement: string | null;
  startedAtMs: number | null;
  endedAtMs: number | null;
  outcome: 'completed' | 'failed' | 'running';
  /** From the ALTER's start to its end; null while it ran. */
  durationMs: number | null;
  error: string | null;
  rowsAfter: number | null;
  columnAdded: boolean | null;
}

export interface DrillAnalysis {
  /** When the trigger was requested; null without a trigger. */
  triggerAtMs: number | null;
  trigger: TriggerFigures | null;
  /** Span covered by the history: end of the last record. */
  elapsedMs: number;
  monitors: MonitorFigures[];
  events: ServiceEvent[];
  groundTruth: GroundTruthFigures | null;
  provider: ProviderFigures | null;
  writes: WriteFigures | null;
  ddl: DdlFigures | null;
  load: LoadFigures | null;
  notifications: NotificationFigures | null;
}

/**
 * Pure: from a history to every figure a renderer shows. Reads no clock and does no I/O. Takes the records as a
 * file holds them, or as a live drill keeps them (its probes folded per monitor): both give the same figures.
 */
export function analyze(input: readonly HistoryRecord[] | KeptRecords): DrillAnalysis {
  const kept = input instanceof KeptRecords ? input : KeptRecords.of(input);
  const { records, monitors: probes } = kept;
  const load = kept.load.figures();
  const trigger = records.find((r): r is TriggerStep => r.kind === 'trigger' && r.step === 'requested');
  const triggerAtMs = trigger ? trigger.t : null;
  const starts = records.filter((r): r is MonitorStart => r.kind === 'monitor');
  const names = new Set(starts.map((s) => s.monitor));
  for (const name of probes.keys()) names.add(name);
  const monitors = [...names].map((name) =>
    analyzeMonitor(
      probes.get(name) ?? new MonitorProbes(),
      starts.find((s) => s.monitor === name),
      triggerAtMs,
    ),
  );
  const steps = records.filter((r): r is TriggerStep => r.kind === 'trigger');
  const stepAt = (step: TriggerStep['step']) => steps.find((r) => r.step === step);
  return {
    triggerAtMs,
    trigger: trigger
      ? {
          name: trigger.trigger,
          requestedAtMs: trigger.t,
          acknowledgedAtMs: stepAt('acknowledged')?.t ?? null,
          completedAtMs: stepAt('completed')?.t ?? null,
          failed: stepAt('failed')?.detail ?? null,
        }
      : null,
    elapsedMs: records.reduce(
      (m, r) => Math.max(m, r.t),
      [...probes.values()].reduce((m, p) => Math.max(m, p.lastT1), kept.load.lastEndT),
    ),
    monitors,
    events: records.filter((r): r is ServiceEvent => r.kind === 'service-event'),
    groundTruth: groundTruthFigures(
      records,
      triggerAtMs ?? 0,
      monitors.flatMap((m) => m.nodes.slice(0, 1)),
    ),
    provider: providerFigures(records),
    writes: writeFigures([...probes.values()], records),
    ddl: ddlFigures(records),
    load,
    notifications: notificationFigures(records),
  };
}

function ddlFigures(records: readonly HistoryRecord[]): DdlFigures | null {
  const steps = records.filter((r): r is DdlStep => r.kind === 'ddl');
  if (steps.length === 0) return null;
  const started = steps.find((s) => s.step === 'started');
  const ended = steps.find((s) => s.step === 'completed' || s.step === 'failed');
  const checked = steps.find((s) => s.step === 'checked');
  return {
    statement: started?.detail ?? null,
    startedAtMs: started?.t ?? null,
    endedAtMs: ended?.t ?? null,
    outcome: ended ? (ended.step as 'completed' | 'failed') : 'running',
    durationMs: started && ended ? ended.t - started.t : null,
    error: ended?.step === 'failed' ? (ended.detail ?? null) : null,
    rowsAfter: checked?.rows ?? null,
    columnAdded: checked?.columnAdded ?? null,
  };
}

function writeFigures(
  monitors: readonly MonitorProbes[],
  records: readonly HistoryRecord[],
): WriteFigures | null {
  const writes = monitors.map((p) => p.writes).filter((w) => w.attempted > 0);
  if (writes.length === 0) return null;
  const sum = (count: (w: MonitorProbes['writes']) => number) => writes.reduce((n, w) => n + count(w), 0);
  const readback = records.find((r): r is WriteReadback => r.kind === 'write-readback');
  const present = new Set(readback?.present ?? []);
  // Sequence numbers are the ledger's order (one counter for all monitors of a run): lost writes are listed in it.
  const lost = readback
    ? writes.flatMap((w) => [...w.acknowledged].filter((seq) => !present.has(seq))).sort((a, b) => a - b)
    : [];
  return {
    attempted: sum((w) => w.attempted),
    acknowledged: sum((w) => w.acknowledged.size),
    failed: sum((w) => w.failed),
    indeterminate: sum((w) => w.indeterminate.size),
    lost: readback ? lost.length : null,
    lostSeqs: lost.slice(0, 20),
  };
}

function groundTruthFigures(
  records: readonly HistoryRecord[],
  fromMs: number,
  writers: readonly string[],
): GroundTruthFigures | null {
  const truth = records.filter((r): r is GroundTruthEvent => r.kind === 'ground-truth');
  if (truth.length === 0) return null;
  // The first writer the monitors saw (any shard's primary) going down at or after the trigger.
  const down = truth.find(
    (r) => r.t >= fromMs && r.fact === 'node-down' && r.node !== undefined && writers.includes(r.node),
  );
  const up = down && truth.find((r) => r.t >= down.t && r.fact === 'writer-up');
  const dns = down && truth.find((r) => r.t >= down.t && r.fact === 'writer-endpoint-moved');
  return {
    writerDownMs: down?.t ?? null,
    writerUpMs: up?.t ?? null,
    writerRecoveryMs: down && up ? up.t - down.t : null,
    dnsSwitchedMs: dns?.t ?? null,
  };
}

function providerFigures(records: readonly HistoryRecord[]): ProviderFigures | null {
  const events = records.filter((r): r is ServiceEvent => r.kind === 'service-event');
  if (events.length === 0) return null;
  const started = events.find((e) => e.phase === 'failover-started');
  const completed = events.find((e) => e.phase === 'failover-completed' && (!started || e.t >= started.t));
  return {
    failoverStartedMs: started?.t ?? null,
    failoverCompletedMs: completed?.t ?? null,
    failoverMs: started && completed ? completed.t - started.t : null,
  };
}

/** One monitor's figures from its folded probes; `start` is its announcement, when the history has it. */
export function analyzeMonitor(
  probes: MonitorProbes,
  start: MonitorStart | undefined,
  triggerAtMs: number | null,
): MonitorFigures {
  const { tracker, first, firstGood, newWriter } = probes;
  const intervalMs = start?.intervalMs ?? 0;
  const main = outageAfterTrigger(tracker.outages, triggerAtMs);
  const latency = (q: number) => probes.latencyAt(q) as number;

  return {
    monitor: start?.monitor ?? first?.monitor ?? 'unknown',
    mode: start?.mode ?? 'unknown',
    target: start?.target ?? first?.target ?? '',
    label: start?.label ?? null,
    dns: start?.dns ?? null,
    expect: start?.expect ?? first?.expect ?? 'writer',
    intervalMs,
    probes: probes.count,
    good: probes.good,
    wrongRole: probes.wrongRole,
    failed: probes.failed,
    outages: tracker.outages,
    downtimeMs: main ? main.lengthMs : null,
    tightDowntimeMs: main ? main.tightMs : null,
    resolutionMs: Math.max(intervalMs, main?.edgeSpacingMs ?? 0),
    recovered: tracker.current === undefined,
    timeToFirstConnectMs: probes.firstConnectT1,
    timeToFirstGoodMs: firstGood ? firstGood.t1 : null,
    staleRoleMs: probes.staleRoleMs,
    flipFlops: probes.flipFlops,
    nodes: [...probes.nodes],
    errors: { ...probes.errors },
    latencyMs: probes.good ? { p50: latency(0.5), p95: latency(0.95), max: latency(1) } : null,
    readOnlyErrors: probes.readOnly,
    readOnlySpanMs: probes.readOnly ? probes.readOnlyToT1 - probes.readOnlyFromT0 : 0,
    firstNewWriterSeenMs: newWriter ? newWriter.t1 : null,
    firstNewWriterRoute: newWriter?.route ?? null,
  };
}
