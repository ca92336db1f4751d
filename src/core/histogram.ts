/**
 * Latencies as a sparse log-bucket histogram: 32 buckets per doubling, so a percentile read back is within
 * about 1.1% of the true value. Plain JSON, and two histograms merge by adding counts — a drill's history can
 * carry one per second of load and analysis can add any span of them up.
 */
export interface LatencyHistogram {
  /** Count per bucket index (as a string key, so it survives JSON). */
  buckets: Record<string, number>;
  count: number;
  /** Exact largest value seen, in ms. */
  maxMs: number;
}

const perDoubling = 32;
/** Values are kept in microseconds; anything under 1 µs counts as 1 µs. */
const bucketOf = (ms: number): number => Math.floor(Math.log2(Math.max(1, ms * 1000)) * perDoubling);
/** The middle of a bucket (geometric), in ms. */
const bucketMiddle = (bucket: number): number => 2 ** ((bucket + 0.5) / perDoubling) / 1000;

export function emptyHistogram(): LatencyHistogram {
  return { buckets: {}, count: 0, maxMs: 0 };
}

export function record(h: LatencyHistogram, ms: number): void {
  const key = String(bucketOf(ms));
  h.buckets[key] = (h.buckets[key] ?? 0) + 1;
  h.count++;
  if (ms > h.maxMs) h.maxMs = ms;
}

/** A new histogram holding every value of `parts`. */
export function merge(parts: readonly LatencyHistogram[]): LatencyHistogram {
  const out = emptyHistogram();
  for (const p of parts) mergeInto(out, p);
  return out;
}

/** Adds every value of `part` to `into` (a running total, as windows are folded one by one). */
export function mergeInto(into: LatencyHistogram, part: LatencyHistogram): void {
  for (const [k, n] of Object.entries(part.buckets)) into.buckets[k] = (into.buckets[k] ?? 0) + n;
  into.count += part.count;
  into.maxMs = Math.max(into.maxMs, part.maxMs);
}

/** The value at quantile `q` (0..1), never above the true maximum; null when empty. */
export function quantile(h: LatencyHistogram, q: number): number | null {
  if (h.count === 0) return null;
  const rank = Math.max(1, Math.ceil(q * h.count));
  const keys = Object.keys(h.buckets)
    .map(Number)
    .sort((a, b) => a - b);
  let seen = 0;
  for (const k of keys) {
    seen += h.buckets[String(k)] ?? 0;
    if (seen >= rank) return Math.min(bucketMiddle(k), h.maxMs);
  }
  return h.maxMs;
}

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** p50/p95/p99/max rounded to 0.01 ms; null when nothing was recorded. */
export function summarize(h: LatencyHistogram): LatencySummary | null {
  if (h.count === 0) return null;
  const r = (v: number | null) => Math.round((v ?? 0) * 100) / 100;
  return { p50: r(quantile(h, 0.5)), p95: r(quantile(h, 0.95)), p99: r(quantile(h, 0.99)), max: r(h.maxMs) };
}
