import { emptyHistogram, record } from '../histogram.js';
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
      // The first window starts with the load, not at the window boundary before it.
      if (w.t < this.startT) w.t = this.startT;
      w.windowMs = Math.max(1, end - w.t);
      out.push(w);
    }
    return out;
  }
}
