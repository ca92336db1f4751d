import type { DrillAnalysis, MonitorFigures } from '../analysis.js';
import type { Outage } from '../outages.js';
import type { RepeatSummary, Spread } from '../repeats.js';
import { tenth, tenthOrNull } from '../rounding.js';
import type { StopReason, Verdict } from '../verdict.js';

/** Bump on any change that could break a reader of the report; documented in README.md and schema/. */
export const schemaVersion = 1;

export interface ReportTarget {
  endpoint: string;
  host: string;
  port: number;
  user?: string;
}

export interface RunMeta {
  startedAt: string;
  target: ReportTarget;
  stop: StopReason;
  gates: { maxDowntimeMs: number | null };
}

const ms = tenth;
const msOrNull = tenthOrNull;

function outage(o: Outage) {
  return {
    startMs: ms(o.startMs),
    endMs: msOrNull(o.endMs),
    lengthMs: ms(o.lengthMs),
    tightMs: ms(o.tightMs),
    badProbes: o.badProbes,
    wrongRoleProbes: o.wrongRoleProbes,
    errors: o.errors,
  };
}

function monitor(m: MonitorFigures) {
  return {
    name: m.monitor,
    mode: m.mode,
    target: m.target,
    expect: m.expect,
    intervalMs: m.intervalMs,
    probes: m.probes,
    good: m.good,
    wrongRole: m.wrongRole,
    failed: m.failed,
    downtimeMs: msOrNull(m.downtimeMs),
    tightDowntimeMs: msOrNull(m.tightDowntimeMs),
    resolutionMs: ms(m.resolutionMs),
    recovered: m.recovered,
    outages: m.outages.map(outage),
    timeToFirstConnectMs: msOrNull(m.timeToFirstConnectMs),
    timeToFirstGoodMs: msOrNull(m.timeToFirstGoodMs),
    staleRoleMs: ms(m.staleRoleMs),
    flipFlops: m.flipFlops,
    nodes: m.nodes,
    errors: m.errors,
    latencyMs: m.latencyMs && {
      p50: ms(m.latencyMs.p50),
      p95: ms(m.latencyMs.p95),
      max: ms(m.latencyMs.max),
    },
    readOnlyErrors: m.readOnlyErrors,
    readOnlySpanMs: ms(m.readOnlySpanMs),
    firstNewWriterSeenMs: msOrNull(m.firstNewWriterSeenMs),
    firstNewWriterRoute: m.firstNewWriterRoute,
  };
}

export function buildRun(meta: RunMeta, analysis: DrillAnalysis, result: Verdict) {
  return {
    startedAt: meta.startedAt,
    target: meta.target,
    trigger: analysis.trigger && {
      name: analysis.trigger.name,
      requestedAtMs: ms(analysis.trigger.requestedAtMs),
      acknowledgedAtMs: msOrNull(analysis.trigger.acknowledgedAtMs),
      completedAtMs: msOrNull(analysis.trigger.completedAtMs),
      failed: analysis.trigger.failed,
    },
    stoppedBy: meta.stop,
    elapsedMs: ms(analysis.elapsedMs),
    gates: meta.gates,
    passed: result.passed,
    reasons: result.reasons,
    monitors: analysis.monitors.map(monitor),
    events: analysis.events.map((e) => ({ atMs: ms(e.t), at: e.at, source: e.source, message: e.message })),
    provider: analysis.provider && {
      failoverStartedMs: msOrNull(analysis.provider.failoverStartedMs),
      failoverCompletedMs: msOrNull(analysis.provider.failoverCompletedMs),
      failoverMs: msOrNull(analysis.provider.failoverMs),
    },
    writes: analysis.writes && {
      attempted: analysis.writes.attempted,
      acknowledged: analysis.writes.acknowledged,
      failed: analysis.writes.failed,
      indeterminate: analysis.writes.indeterminate,
      lost: analysis.writes.lost,
      lostSeqs: analysis.writes.lostSeqs,
    },
    ddl: analysis.ddl && {
      ...analysis.ddl,
      startedAtMs: msOrNull(analysis.ddl.startedAtMs),
      endedAtMs: msOrNull(analysis.ddl.endedAtMs),
      durationMs: msOrNull(analysis.ddl.durationMs),
    },
    load: analysis.load && {
      ...analysis.load,
      longestGapMs: msOrNull(analysis.load.longestGapMs),
      recoveredMs: msOrNull(analysis.load.recoveredMs),
    },
    notifications: analysis.notifications && {
      ...analysis.notifications,
      failoverStartedMs: msOrNull(analysis.notifications.failoverStartedMs),
      failoverCompletedMs: msOrNull(analysis.notifications.failoverCompletedMs),
    },
    groundTruth: analysis.groundTruth && {
      writerDownMs: msOrNull(analysis.groundTruth.writerDownMs),
      writerUpMs: msOrNull(analysis.groundTruth.writerUpMs),
      writerRecoveryMs: msOrNull(analysis.groundTruth.writerRecoveryMs),
      dnsSwitchedMs: msOrNull(analysis.groundTruth.dnsSwitchedMs),
    },
  };
}

export type RunReport = ReturnType<typeof buildRun>;

export function buildReport(
  tool: { name: string; version: string },
  startedAt: string,
  exitCode: number,
  runs: RunReport[],
  repeats: RepeatSummary | null = null,
) {
  return { schemaVersion, tool, startedAt, exitCode, runs, repeats: repeats && roundRepeats(repeats) };
}

function roundRepeats(r: RepeatSummary) {
  const s = (x: Spread | null) =>
    x && { min: ms(x.min), median: ms(x.median), p95: ms(x.p95), max: ms(x.max), n: x.n };
  const monitors: Record<string, unknown> = {};
  for (const [name, m] of Object.entries(r.monitors)) {
    monitors[name] = {
      downtimeMs: s(m.downtimeMs),
      staleRoleMs: s(m.staleRoleMs),
      flipFlops: s(m.flipFlops),
    };
  }
  return { runs: r.runs, monitors, providerFailoverMs: s(r.providerFailoverMs) };
}
