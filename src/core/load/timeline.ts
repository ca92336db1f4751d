import { emptyHistogram, type LatencyHistogram, mergeInto, quantile } from '../histogram.js';
import type { LoadWindow } from '../history.js';

/** One point of the load timeline: one window, or neighbouring windows joined on a long drill. */
export interface LoadTimelinePoint {
  atMs: number;
  /** How long the point covers, in ms: one window's length, or the joined windows' from the first's start. */
  spanMs: number;
  ok: number;
  failed: number;
  p50: number | null;
  p99: number | null;
}

/** Points the timeline holds at most: an hour of one-second windows. */
export const timelinePoints = 3600;

interface OpenPoint {
  t: number;
  end: number;
  ok: number;
  failed: number;
  latency: LatencyHistogram;
  windows: number;
}

/**
 * The `--load` timeline in bounded memory: one point per window up to `max` points; past that, neighbouring
 * points are joined in pairs and each later point takes twice as many windows, so a week of one-second windows
 * still ends as at most `max` points (of 256 s each). Counts add up exactly. Latency: the point being filled
 * takes its p50/p99 from the merged histograms of its windows; when closed points are joined in pairs, the joined
 * point keeps the larger p50 and the larger p99 of the two — a conservative maximum (a percentile of two sets is
 * never above the larger of theirs), as the closed points no longer hold their histograms.
 */
export class LoadTimeline {
  private readonly points: LoadTimelinePoint[] = [];
  private open: OpenPoint | undefined;
  /** Windows per point. */
  private per = 1;

  constructor(private readonly max = timelinePoints) {}

  add(w: LoadWindow): void {
    if (this.open && this.open.windows < this.per) {
      const o = this.open;
      o.end = Math.max(o.end, w.t + w.windowMs);
      o.ok += w.reads + w.writes;
      o.failed += w.failed;
      mergeInto(o.latency, w.latency);
      o.windows++;
      return;
    }
    if (this.open) this.close();
    const latency = emptyHistogram();
    mergeInto(latency, w.latency);
    this.open = {
      t: w.t,
      end: w.t + w.windowMs,
      ok: w.reads + w.writes,
      failed: w.failed,
      latency,
      windows: 1,
    };
  }

  /** The points so far (the one being filled too). */
  list(): LoadTimelinePoint[] {
    return this.open ? [...this.points, pointOf(this.open)] : [...this.points];
  }

  private close(): void {
    this.points.push(pointOf(this.open as OpenPoint));
    this.open = undefined;
    if (this.points.length < this.max) return;
    const joined: LoadTimelinePoint[] = [];
    for (let i = 0; i < this.points.length; i += 2) {
      const a = this.points[i] as LoadTimelinePoint;
      const b = this.points[i + 1];
      joined.push(b ? join(a, b) : a);
    }
    this.points.length = 0;
    this.points.push(...joined);
    this.per *= 2;
  }
}

const maxOf = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.max(a, b);

function join(a: LoadTimelinePoint, b: LoadTimelinePoint): LoadTimelinePoint {
  return {
    atMs: a.atMs,
    spanMs: Math.max(a.atMs + a.spanMs, b.atMs + b.spanMs) - a.atMs,
    ok: a.ok + b.ok,
    failed: a.failed + b.failed,
    p50: maxOf(a.p50, b.p50),
    p99: maxOf(a.p99, b.p99),
  };
}

function pointOf(o: OpenPoint): LoadTimelinePoint {
  const r = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);
  const atMs = Math.round(o.t);
  return {
    atMs,
    spanMs: Math.round(o.end) - atMs,
    ok: o.ok,
    failed: o.failed,
    p50: r(quantile(o.latency, 0.5)),
    p99: r(quantile(o.latency, 0.99)),
  };
}
