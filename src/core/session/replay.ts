import { readFileSync } from 'node:fs';
import type { ChalkInstance } from 'chalk';
import { analyze } from '../analysis.js';
import { manualClock } from '../clock.js';
import { History, type MonitorStart, parseRecord, type RunEnd, type RunStart } from '../history.js';
import { fileLines, textLines } from '../lines.js';
import { sessionFromReport } from '../report/json.js';
import type { Renderer, ReportTarget, RunResult, SessionResult } from '../report/renderer.js';
import { verdict } from '../verdict.js';
import { each, sessionResult } from './session.js';

/**
 * A run as a history file holds it, from a first read of the file: its `run-start`, its `run-end` when it has one,
 * when its trigger was requested, and its first monitor. Its records are read again, one at a time, to replay it.
 */
interface SavedRun {
  start: RunStart;
  end: RunEnd | undefined;
  triggerAtMs: number | null;
  monitor: MonitorStart | undefined;
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

/** The lines of a saved drill, from the start each time it is called (a history is read twice). */
type Lines = () => Iterable<string>;

/**
 * Reads a saved drill: a JSON report (`--report`, `--json`) or an NDJSON history (`--history`), told apart by
 * their content. Throws an Error saying what the text is not.
 */
export function readSavedDrill(text: string): SavedDrill {
  return savedDrill(
    () => textLines(text),
    () => text,
  );
}

/**
 * `readSavedDrill` of a file, read a chunk at a time: a history of days (hundreds of MB) is replayed in the memory
 * a drill of minutes takes. A JSON report (figures only) is read whole.
 */
export function readSavedDrillFile(path: string): SavedDrill {
  return savedDrill(
    () => fileLines(path),
    () => readFileSync(path, 'utf8'),
  );
}

function savedDrill(lines: Lines, whole: () => string): SavedDrill {
  if (looksLikeReport(lines)) {
    const report = parseJsonObject(whole());
    if (report !== undefined) {
      const session = sessionFromReport(report);
      return { kind: 'report', replay: (io) => replayReport(session, io) };
    }
  }
  const runs = splitRuns(lines);
  return { kind: 'history', replay: (io) => replayHistory(runs, lines, io) };
}

/**
 * A JSON report is one object over many lines; a history is one object per line. So a file whose first line is
 * not JSON, and that starts with `{`, may be a report.
 */
function looksLikeReport(lines: Lines): boolean {
  for (const line of lines()) {
    if (line.trim() === '') continue;
    return line.trimStart().startsWith('{') && parseRecord(line) === undefined;
  }
  return false;
}

function parseJsonObject(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') || !trimmed.includes('\n')) return undefined;
  try {
    return JSON.parse(trimmed);
  } catch {
    return undefined;
  }
}

/** Only these records are parsed on the first read; any line that may hold one is looked at. */
const firstReadKinds = ['"run-start"', '"run-end"', '"trigger"', '"monitor"'];

/** The first read of a history: where its runs start and end, and what each needs known before it is replayed. */
function splitRuns(lines: Lines): SavedRun[] {
  const runs: SavedRun[] = [];
  for (const line of lines()) {
    // Most lines are probes and load windows, and a drill writes `kind` first: those are passed over at a glance.
    if (line.startsWith('{"kind":"')) {
      const c = line.charCodeAt(9);
      if (c === 111 || c === 108) continue; // o(bservation), l(oad...)
    }
    if (!firstReadKinds.some((k) => line.includes(k))) continue;
    const r = parseRecord(line);
    if (!r) continue;
    if (r.kind === 'run-start')
      runs.push({ start: r, end: undefined, triggerAtMs: null, monitor: undefined });
    const run = runs[runs.length - 1];
    if (!run) continue;
    if (r.kind === 'run-end') run.end = r;
    else if (r.kind === 'trigger' && r.step === 'requested') run.triggerAtMs ??= r.t;
    else if (r.kind === 'monitor') run.monitor ??= r;
  }
  if (runs.length === 0) {
    throw new Error(
      hasRecord(lines)
        ? 'a history without run records (written by an older drill, or not a drill history)'
        : 'neither a drill JSON report nor a history (no JSON lines)',
    );
  }
  return runs;
}

function hasRecord(lines: Lines): boolean {
  for (const line of lines()) if (parseRecord(line)) return true;
  return false;
}

/**
 * Each run analysed and judged again exactly as the live session did: the same records, the gates and stop
 * reason the run recorded. A run without its end (the drill was killed) counts as interrupted. The records are
 * read a line at a time and folded as a live drill folds them.
 */
function replayHistory(runs: readonly SavedRun[], lines: Lines, io: ReplayIO): SessionResult {
  const results: RunResult[] = [];
  let index = -1;
  let history: History | undefined;
  let clock: ReturnType<typeof manualClock> | undefined;
  const finish = (): void => {
    const saved = runs[index];
    if (!history || !clock || !saved) return;
    const { start, end } = saved;
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
  };
  for (const line of lines()) {
    const record = parseRecord(line);
    if (!record) continue;
    if (record.kind === 'run-start') {
      finish();
      index++;
      const saved = runs[index];
      if (!saved) break;
      const { start, end } = saved;
      clock = manualClock(Date.parse(start.startedAt));
      history = new History(clock, saved.triggerAtMs);
      const h = history;
      each(io, (r) => r.runStarted?.(h, { index: start.index, total: start.total }));
      each(io, (r) =>
        r.runHeader?.(end?.header ?? { title: targetOf(saved).endpoint, details: 'unfinished run' }),
      );
    }
    history?.restore(record);
  }
  finish();
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
  const endpoint = saved.monitor?.target ?? 'unknown';
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
