import { writeFileSync } from 'node:fs';
import type { DrillAnalysis, MonitorFigures } from '../analysis.js';
import { ExitCode } from '../errors.js';
import type { ServiceEvent } from '../history.js';
import type { Outage } from '../outages.js';
import type { RepeatSummary, Spread } from '../repeats.js';
import { tenth, tenthOrNull } from '../rounding.js';
import { redactText } from '../secrets.js';
import { type GateFailure, type Gates, type Verdict, verdict } from '../verdict.js';
import type { RenderContext, Renderer, RunResult, SessionResult } from './renderer.js';

/** Bump on any change that could break a reader of the report; documented in README.md and schema/. */
export const schemaVersion = 1;

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
    label: m.label,
    dns: m.dns,
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

export function buildRun(run: RunResult) {
  const { analysis, verdict: result } = run;
  return {
    startedAt: run.startedAt,
    target: run.target,
    trigger: analysis.trigger && {
      name: analysis.trigger.name,
      requestedAtMs: ms(analysis.trigger.requestedAtMs),
      acknowledgedAtMs: msOrNull(analysis.trigger.acknowledgedAtMs),
      completedAtMs: msOrNull(analysis.trigger.completedAtMs),
      failed: analysis.trigger.failed,
    },
    stoppedBy: run.stop,
    interruptedBy: run.interruptedBy ?? null,
    elapsedMs: ms(analysis.elapsedMs),
    gates: { maxDowntimeMs: run.gates.maxDowntimeMs ?? null },
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

export function buildReport(tool: { name: string; version: string }, session: SessionResult) {
  return {
    schemaVersion,
    tool,
    startedAt: session.startedAt,
    exitCode: session.exitCode,
    interruptedBy: session.interruptedBy ?? null,
    runs: session.runs.map(buildRun),
    repeats: session.repeats && roundRepeats(session.repeats),
  };
}

/** `json`: the report (schema/report.schema.json) on stdout (`to` '-') or in a file, secrets redacted. */
export function jsonRenderer(ctx: RenderContext, to: string | undefined): Renderer {
  return {
    name: 'json',
    sessionEnded(session) {
      const text = `${redactText(JSON.stringify(buildReport(ctx.tool, session), null, 2))}\n`;
      if (to === undefined || to === '-') ctx.stdout.write(text);
      else writeFileSync(to, text);
    },
  };
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

/**
 * A saved JSON report read back into what renderers take (`drill report FILE.json`): the figures as they were
 * written, rounded to the tenth. A report has no probes, so renderers that draw them get none; a --history file
 * is the source of truth for those.
 */
export function sessionFromReport(report: unknown): SessionResult {
  const r = report as ReturnType<typeof buildReport>;
  if (!r || typeof r !== 'object' || r.schemaVersion !== schemaVersion || !Array.isArray(r.runs)) {
    throw new Error(`not a drill JSON report of schema version ${schemaVersion}`);
  }
  return {
    startedAt: r.startedAt,
    exitCode: r.exitCode,
    interrupted: r.exitCode === ExitCode.interrupted,
    // Reports written before the signal was kept have no such field.
    ...(typeof r.interruptedBy === 'string' ? { interruptedBy: r.interruptedBy } : {}),
    runs: r.runs.map(runFromReport),
    repeats: (r.repeats as RepeatSummary | null) ?? null,
  };
}

function runFromReport(run: RunReport, index: number): RunResult {
  if (!run || !Array.isArray(run.monitors)) throw new Error(`run ${index + 1} has no monitors`);
  const analysis: DrillAnalysis = {
    triggerAtMs: run.trigger?.requestedAtMs ?? null,
    trigger: run.trigger,
    elapsedMs: run.elapsedMs,
    monitors: run.monitors.map(
      (m): MonitorFigures => ({
        ...m,
        monitor: m.name,
        // Reports written before the label was kept have none: the table shows the target then.
        label: m.label ?? null,
        dns: m.dns ?? null,
        // The report keeps no probe spacing at the outages' edges; the resolution it kept stands for it.
        outages: m.outages.map((o) => ({ ...o, edgeSpacingMs: m.resolutionMs })),
      }),
    ),
    events: run.events.map(
      (e): ServiceEvent => ({
        kind: 'service-event',
        t: e.atMs,
        at: e.at,
        source: e.source,
        message: e.message,
      }),
    ),
    groundTruth: run.groundTruth,
    provider: run.provider,
    writes: run.writes,
    ddl: run.ddl,
    // Reports written before timeline points said how long they cover had one point per second, and before late
    // windows were counted, none counted.
    load: run.load && {
      ...run.load,
      timeline: run.load.timeline.map((p) => ({ ...p, spanMs: p.spanMs ?? 1000 })),
      lateWindows: run.load.lateWindows ?? 0,
    },
    notifications: run.notifications,
  };
  const gates: Gates = run.gates.maxDowntimeMs === null ? {} : { maxDowntimeMs: run.gates.maxDowntimeMs };
  if (run.trigger) gates.trigger = run.trigger.name;
  return {
    index,
    startedAt: run.startedAt,
    target: run.target,
    stop: run.stoppedBy,
    ...(typeof run.interruptedBy === 'string' ? { interruptedBy: run.interruptedBy } : {}),
    gates,
    analysis,
    verdict: verdictFromReport(run, verdict(analysis, gates, run.stoppedBy)),
  };
}

/**
 * The report's own reasons stand; judging its figures again only tells which gate each belongs to. The one a
 * report cannot show again is a trigger that never fired (it has no trigger then), so such a reason is the trigger's.
 */
function verdictFromReport(run: RunReport, again: Verdict): Verdict {
  const failures = run.reasons.map(
    (reason): GateFailure =>
      again.failures.find((f) => f.reason === reason) ?? {
        gate: reason.startsWith('trigger ') ? 'trigger' : 'recovered',
        reason,
      },
  );
  const exitCode =
    run.stoppedBy === 'interrupted' ? ExitCode.interrupted : run.passed ? ExitCode.passed : ExitCode.failed;
  return { exitCode, passed: run.passed, reasons: run.reasons, failures };
}
