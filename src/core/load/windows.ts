import { emptyHistogram, merge, record } from '../histogram.js';
import type { PostedWindow } from './messages.js';

/**
 * Folds completed operations into fixed windows on the drill's axis, by completion time. Successes are also
 * followed across windows, so a stall shorter than a window (the gap between two successes) is not lost.
 */
export class LoadWindows {
  private readonly open = new Map<number, PostedWindow>();
  private lastOkT: number | null = null;
  /** The next window to hand over: windows are handed over in order, empty ones too (a stall has no completions). */
  private next: number;

  constructor(
    private readonly windowMs: number,
    private readonly startT: number,
  ) {
    this.next = Math.floor(startT / windowMs);
  }

  private at(t: number): PostedWindow {
    const index = Math.floor(t / this.windowMs);
    let w = this.open.get(index);
    if (!w) {
      w = {
        t: index * this.windowMs,
        windowMs: this.windowMs,
        reads: 0,
        writes: 0,
        failed: 0,
        errors: {},
        latency: emptyHistogram(),
        firstOkT: null,
        lastOkT: null,
        innerGap: null,
      };
      this.open.set(index, w);
    }
    return w;
  }

  succeeded(kind: 'read' | 'write', startT: number, endT: number): void {
    const w = this.at(endT);
    if (kind === 'read') w.reads++;
    else w.writes++;
    record(w.latency, endT - startT);
    const previous = this.lastOkT;
    if (previous !== null && previous >= w.t) {
      const longest = w.innerGap ? w.innerGap.toT - w.innerGap.fromT : 0;
      if (endT - previous > longest) w.innerGap = { fromT: previous, toT: endT };
    }
    w.firstOkT ??= endT;
    w.lastOkT = endT;
    this.lastOkT = Math.max(previous ?? endT, endT);
  }

  failed(code: string, endT: number, readOnly = false): void {
    const w = this.at(endT);
    w.failed++;
    w.errors[code] = (w.errors[code] ?? 0) + 1;
    if (readOnly) w.readOnly = (w.readOnly ?? 0) + 1;
  }

  /** Hands over the windows that ended by `now`; with `final`, also the current one, cut short at `now`. */
  take(now: number, final = false): PostedWindow[] {
    const out: PostedWindow[] = [];
    const current = Math.floor(now / this.windowMs);
    const last = final ? current : current - 1;
    for (; this.next <= last; this.next++) {
      const w = this.at(this.next * this.windowMs);
      this.open.delete(this.next);
      const end = Math.min(w.t + this.windowMs, now);
      // The first window starts with the load, not at the window boundary before it; it may be a fraction of a
      // millisecond long (rounding it up would overlap the next window).
      if (w.t < this.startT) w.t = this.startT;
      w.windowMs = end - w.t;
      // A last window of no time (the load stopped exactly on a boundary) is dropped when empty; one that holds
      // operations (ended at that very instant) keeps a hair of time, so rates stay finite.
      if (w.windowMs <= 0) {
        if (w.reads + w.writes + w.failed === 0) continue;
        w.windowMs = 0.001;
      }
      out.push(w);
    }
    return out;
  }
}

/**
 * One window from the same window of several worker threads (each runs a share of the connections): counts,
 * errors and latencies add up; it spans from the earliest start to the latest end. Only the threads' summaries
 * are known, so the longest wait inside is the longest stretch in which no thread can have had a success (before
 * its first, inside its longest gap, after its last): never longer than the real one.
 */
export function mergeWindows(parts: readonly PostedWindow[]): PostedWindow {
  const [first, ...rest] = parts;
  if (!first) throw new RangeError('no window to merge');
  if (rest.length === 0) return first;
  const t = Math.min(...parts.map((p) => p.t));
  const end = Math.max(...parts.map((p) => p.t + p.windowMs));
  const errors: Record<string, number> = {};
  for (const p of parts)
    for (const [code, n] of Object.entries(p.errors)) errors[code] = (errors[code] ?? 0) + n;
  const readOnly = parts.reduce((a, p) => a + (p.readOnly ?? 0), 0);
  const oks = parts.filter((p) => p.firstOkT !== null && p.lastOkT !== null);
  const firstOkT = oks.length ? Math.min(...oks.map((p) => p.firstOkT as number)) : null;
  const lastOkT = oks.length ? Math.max(...oks.map((p) => p.lastOkT as number)) : null;
  return {
    t,
    windowMs: end - t,
    reads: parts.reduce((a, p) => a + p.reads, 0),
    writes: parts.reduce((a, p) => a + p.writes, 0),
    failed: parts.reduce((a, p) => a + p.failed, 0),
    errors,
    ...(readOnly > 0 ? { readOnly } : {}),
    latency: merge(parts.map((p) => p.latency)),
    firstOkT,
    lastOkT,
    innerGap: firstOkT === null || lastOkT === null ? null : commonGap(oks, firstOkT, lastOkT),
  };
}

/** The longest stretch within [from, to] free of successes in every one of `parts`. */
function commonGap(parts: readonly PostedWindow[], from: number, to: number): PostedWindow['innerGap'] {
  // Free stretches of the first part, cut down by each of the others in turn.
  let free: [number, number][] = [[from, to]];
  for (const p of parts) {
    const own: [number, number][] = [
      [-Infinity, p.firstOkT as number],
      [p.lastOkT as number, Infinity],
    ];
    if (p.innerGap) own.push([p.innerGap.fromT, p.innerGap.toT]);
    free = free.flatMap(([a, b]) =>
      own.map(([c, d]): [number, number] => [Math.max(a, c), Math.min(b, d)]).filter(([c, d]) => d > c),
    );
  }
  let best: PostedWindow['innerGap'] = null;
  for (const [fromT, toT] of free) if (!best || toT - fromT > best.toT - best.fromT) best = { fromT, toT };
  return best;
}
