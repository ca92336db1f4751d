import type { ChalkInstance } from 'chalk';
import { analyze } from '../analysis.js';
import { manualClock } from '../clock.js';
import {
  History,
  type HistoryRecord,
  type MonitorStart,
  parseNdjson,
  type RunEnd,
  type RunStart,
} from '../history.js';
import { sessionFromReport } from '../report/json.js';
import type { Renderer, ReportTarget, RunResult, SessionResult } from '../report/renderer.js';
import { verdict } from '../verdict.js';
import { each, sessionResult } from './session.js';

/** A run as a history file holds it: its records from its `run-start` on, and its `run-end` when it has one. */
interface SavedRun {
  start: RunStart;
  end: RunEnd | undefined;
  records: HistoryRecord[];
}

/** A saved drill, ready to be rendered again. */
export interface SavedDrill {
  /** What was read: a JSON report (figures only) or a history (every probe, analysed again). */
  kind: 'report' | 'history';
  /** Drives the renderers through the hooks a live session calls, in its order, and returns the session. */
  replay(io: ReplayIO): SessionResult;
}

export interface ReplayIO {
  human: NodeJS.WritableStream;
  style: ChalkInstance;
  renderers: Renderer[];
}

/**
 * Reads a saved drill: a JSON report (`--report`, `--json`) or an NDJSON history (`--history`), told apart by
 * their content. Throws an Error saying what the text is not.
 */
export function readSavedDrill(text: string): SavedDrill {
  const report = parseJsonObject(text);
  if (report !== undefined) {
    const session = sessionFromReport(report);
    return { kind: 'report', replay: (io) => replayReport(session, io) };
  }
  const runs = splitRuns(parseNdjson(text));
  return { kind: 'history', replay: (io) => replayHistory(runs, io) };
}

/** A JSON report is one object over many lines; a history is one object per line. */
function parseJsonObject(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') || !trimmed.includes('\n')) return undefined;
  try {
    return JSON.parse(trimmed);
  } catch {
    return undefined;
  }
}

function splitRuns(records: readonly HistoryRecord[]): SavedRun[] {
  const runs: SavedRun[] = [];
  for (const r of records) {
    if (r.kind === 'run-start') runs.push({ start: r, end: undefined, records: [] });
    const run = runs[runs.length - 1];
    if (!run) continue;
    run.records.push(r);
    if (r.kind === 'run-end') run.end = r;
  }
  if (runs.length === 0) {
    throw new Error(
      records.length === 0
        ? 'neither a drill JSON report nor a history (no JSON lines)'
        : 'a history without run records (written by an older drill, or not a drill history)',
    );
  }
  return runs;
}

/**
 * Each run analysed and judged again exactly as the live session did: the same records, the gates and stop
 * reason the run recorded. A run without its end (the drill was killed) counts as interrupted.
 */
function replayHistory(runs: readonly SavedRun[], io: ReplayIO): SessionResult {
  const results: RunResult[] = [];
  for (const saved of runs) {
    const { start, end } = saved;
    const clock = manualClock(Date.parse(start.startedAt));
    const history = new History(clock);
    each(io, (r) => r.runStarted?.(history, { index: start.index, total: start.total }));
    each(io, (r) =>
      r.runHeader?.(end?.header ?? { title: targetOf(saved).endpoint, details: 'unfinished run' }),
    );
    for (const record of saved.records) history.restore(record);
    const analysis = analyze(history.kept);
    clock.set(analysis.elapsedMs);
    const stop = end?.stop ?? 'interrupted';
    const gates = end?.gates ?? {};
    const run: RunResult = {
      index: start.index,
      startedAt: start.startedAt,
      target: targetOf(saved),
      stop,
      ...(end?.interruptedBy ? { interruptedBy: end.interruptedBy } : {}),
      gates,
      analysis,
      verdict: verdict(analysis, gates, stop),
    };
    each(io, (r) => r.runEnded?.(run));
    results.push(run);
  }
  const first = runs[0] as SavedRun;
  const stopped = results.find((r) => r.stop === 'interrupted');
  const interrupted = stopped?.interruptedBy ?? (stopped !== undefined || runs.length < first.start.total);
  const session = sessionResult(first.start.sessionStartedAt, results, first.start.total, interrupted);
  each(io, (r) => r.sessionEnded?.(session));
  return session;
}

/** What a killed run never recorded, from its first monitor: the endpoint it watched. */
function targetOf(saved: SavedRun): ReportTarget {
  if (saved.end) return saved.end.target;
  const endpoint = saved.records.find((r): r is MonitorStart => r.kind === 'monitor')?.target ?? 'unknown';
  const colon = endpoint.lastIndexOf(':');
  const port = colon > 0 ? Number(endpoint.slice(colon + 1)) : 0;
  return {
    endpoint,
    host: colon > 0 ? endpoint.slice(0, colon) : endpoint,
    port: Number.isFinite(port) ? port : 0,
  };
}

/** A report has figures and no probes: renderers get each run's result, and an empty history. */
function replayReport(session: SessionResult, io: ReplayIO): SessionResult {
  for (const run of session.runs) {
    const history = new History(manualClock(Date.parse(run.startedAt)));
    each(io, (r) => r.runStarted?.(history, { index: run.index, total: session.runs.length }));
    each(io, (r) => r.runHeader?.({ title: run.target.endpoint, details: 'from a JSON report' }));
    each(io, (r) => r.runEnded?.(run));
  }
  each(io, (r) => r.sessionEnded?.(session));
  return session;
}
