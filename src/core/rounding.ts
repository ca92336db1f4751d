/** Milliseconds to 0.1 ms: finer digits are noise from the timer, not information. */
export const tenth = (v: number): number => Math.round(v * 10) / 10;

export const tenthOrNull = (v: number | null): number | null => (v === null ? null : tenth(v));

/** The nearest-rank percentile (q in 0..1) of values sorted ascending; undefined for none. */
export function nearestRank(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
