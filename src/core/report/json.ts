import { writeFileSync } from 'node:fs';
import type { MonitorFigures } from '../analysis.js';
import type { Outage } from '../outages.js';
import type { RepeatSummary, Spread } from '../repeats.js';
import { tenth, tenthOrNull } from '../rounding.js';
import { redactText } from '../secrets.js';
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
