import { merge, summarize } from '../../src/core/histogram.js';
import type { HistoryRecord, LoadStart, LoadStop, LoadWindow } from '../../src/core/history.js';
import { type LoadFigures, type LoadPhase, recoveredShare } from '../../src/core/load/figures.js';
import { tenth } from '../../src/core/rounding.js';

export type ReferenceLoadFigures = Omit<LoadFigures, 'timeline'> & {
  timeline: { atMs: number; ok: number; failed: number; p50: number | null; p99: number | null }[];
};

/**
 * The load figures as they were computed before windows were folded: from the whole list of records, sorted at the
 * end. Kept as the reference the fold must equal (test/unit/load-fold.test.ts); its timeline has no `spanMs`.
 */
export function referenceLoadFigures(
  records: readonly HistoryRecord[],
  triggerAtMs: number | null,
): ReferenceLoadFigures | null {
  const start = records.find((r): r is LoadStart => r.kind === 'load-start');
  if (!start) return null;
  const windows = records.filter((r): r is LoadWindow => r.kind === 'load').sort((a, b) => a.t - b.t);
  const stop = records.find((r): r is LoadStop => r.kind === 'load-stop');
  const ok = (w: LoadWindow) => w.reads + w.writes;
  const errors: Record<string, number> = {};
  for (const w of windows)
    for (const [code, n] of Object.entries(w.errors)) errors[code] = (errors[code] ?? 0) + n;

  const before = triggerAtMs === null ? windows : windows.filter((w) => w.t + w.windowMs <= triggerAtMs);
  const recoveredMs = triggerAtMs === null ? null : recovery(windows, triggerAtMs, before);
  const after =
    recoveredMs === null || triggerAtMs === null
      ? []
      : windows.filter((w) => w.t >= triggerAtMs + recoveredMs);

  return {
    target: start.target,
    workers: start.workers,
    mix: start.mix,
    rateLimit: start.rateLimit,
    reads: sum(windows.map((w) => w.reads)),
    writes: sum(windows.map((w) => w.writes)),
    failed: sum(windows.map((w) => w.failed)),
    errors,
    readOnlyErrors: sum(windows.map((w) => w.readOnly ?? 0)),
    readSharePct: Math.round((start.mix.read / (start.mix.read + start.mix.write)) * 100),
    latencyMs: summarize(merge(windows.map((w) => w.latency))),
    before: phase(before),
    after: phase(after),
    longestGapMs: triggerAtMs === null ? null : longestGap(windows, triggerAtMs),
    recoveredMs,
    loopDelayMs: stop?.loopDelayMs ?? null,
    // Sorted here: the fold equals this only when none arrived too late to be folded in order.
    lateWindows: 0,
    timeline: windows.map((w) => {
      const s = summarize(w.latency);
      return { atMs: round(w.t), ok: ok(w), failed: w.failed, p50: s?.p50 ?? null, p99: s?.p99 ?? null };
    }),
  };
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const round = (ms: number): number => Math.round(ms);

type Kind = 'reads' | 'writes';
const kinds: Kind[] = ['reads', 'writes'];
const succeeded = (w: LoadWindow, kind?: Kind): number => (kind ? w[kind] : w.reads + w.writes);

/** Successes per second over `windows`, of one kind or in all; null over no time at all. */
function rate(windows: readonly LoadWindow[], kind?: Kind): number | null {
  const span = sum(windows.map((w) => w.windowMs));
  if (span <= 0) return null;
  return (sum(windows.map((w) => succeeded(w, kind))) * 1000) / span;
}

function phase(windows: readonly LoadWindow[]): LoadPhase {
  const r = (kind?: Kind) => {
    const v = rate(windows, kind);
    return v === null ? null : tenth(v);
  };
  return {
    opsPerSec: r(),
    readsPerSec: r('reads'),
    writesPerSec: r('writes'),
    latencyMs: summarize(merge(windows.map((w) => w.latency))),
  };
}

function recovery(
  windows: readonly LoadWindow[],
  triggerAtMs: number,
  before: readonly LoadWindow[],
): number | null {
  const baselines = kinds
    .map((kind) => ({ kind, rate: rate(before, kind) }))
    .filter((b): b is { kind: Kind; rate: number } => b.rate !== null && b.rate > 0);
  if (baselines.length === 0) return null;
  const since = windows.filter((w) => w.t + w.windowMs > triggerAtMs);
  const good = (w: LoadWindow) =>
    baselines.every((b) => (succeeded(w, b.kind) * 1000) / w.windowMs >= b.rate * recoveredShare);
  const full = since[0]?.windowMs ?? 0;
  let from: number | null = null;
  for (let i = since.length - 1; i >= 0; i--) {
    const w = since[i] as LoadWindow;
    if (!good(w)) {
      // The last window is usually cut short by the drill's end: too short to judge unless it is good.
      if (i === since.length - 1 && w.windowMs < full / 2) continue;
      break;
    }
    from = w.t;
  }
  return from === null ? null : round(Math.max(0, from - triggerAtMs));
}

/** Gaps between consecutive successful completions, counting only what lies after the trigger. */
function longestGap(windows: readonly LoadWindow[], triggerAtMs: number): number | null {
  const gaps: number[] = [];
  const consider = (fromT: number, toT: number): void => {
    if (toT > triggerAtMs) gaps.push(toT - Math.max(fromT, triggerAtMs));
  };
  let previous: number | null = null;
  for (const w of windows) {
    if (w.innerGap) consider(w.innerGap.fromT, w.innerGap.toT);
    if (w.firstOkT === null || w.lastOkT === null) continue;
    if (previous !== null) consider(previous, w.firstOkT);
    previous = w.lastOkT;
  }
  // Never back before the drill ended: the stall lasted at least to the end of the last window.
  const last = windows[windows.length - 1];
  if (last && last.lastOkT === null && previous !== null) consider(previous, last.t + last.windowMs);
  return gaps.length === 0 ? null : round(Math.max(...gaps));
}
