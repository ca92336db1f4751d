/**
 * The drill's one rounding: to `digits` decimals, a half away from zero (412.5 -> 413, -0.25 -> -0.3 at one
 * digit), judged on the decimal the number stands for. 1.005 is stored as 1.00499999...: `Math.round(1.005 * 100)`
 * and `(1.005).toFixed(2)` both round it down; a nudge of a few units in the last place rounds it as written.
 */
export function roundHalfUp(v: number, digits = 0): number {
  if (!Number.isFinite(v)) return v;
  const scale = 10 ** digits;
  const rounded = Math.round(Math.abs(v) * scale * (1 + 4 * Number.EPSILON)) / scale;
  return v < 0 && rounded !== 0 ? -rounded : rounded;
}

/** Milliseconds to 0.1 ms: finer digits are noise from the timer, not information. */
export const tenth = (v: number): number => roundHalfUp(v, 1);

/**
 * Whole milliseconds of a figure, as summaries and tables show it: from the tenth the reports keep, so that a
 * downtime the JSON report says is 412.5 ms reads 413 ms in the summary, in `drill report` and in `compare` alike.
 */
export const wholeMs = (v: number): number => roundHalfUp(tenth(v));

/** A figure to one decimal, as text: `2.5` (no binary leftovers, no rounding other than `tenth`). */
export const tenthText = (v: number): string => tenth(v).toFixed(1);

export const tenthOrNull = (v: number | null): number | null => (v === null ? null : tenth(v));

/** The nearest-rank percentile (q in 0..1) of values sorted ascending; undefined for none. */
export function nearestRank(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
