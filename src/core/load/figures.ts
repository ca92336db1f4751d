import {
  emptyHistogram,
  type LatencyHistogram,
  type LatencySummary,
  mergeInto,
  summarize,
} from '../histogram.js';
import type { HistoryRecord, LoadStart, LoadStop, LoadWindow } from '../history.js';
import { tenth } from '../rounding.js';
import { LoadTimeline, type LoadTimelinePoint } from './timeline.js';

export interface LoadPhase {
  /** Operations that succeeded per second, in all and by kind. */
  opsPerSec: number | null;
  readsPerSec: number | null;
  writesPerSec: number | null;
  latencyMs: LatencySummary | null;
}

/** `--load`: what the workload went through — throughput and latency before and after, and how long it stalled. */
export interface LoadFigures {
  target: string;
  workers: number;
  mix: { read: number; write: number };
  rateLimit: number | null;
  reads: number;
  writes: number;
  failed: number;
  errors: Record<string, number>;
  /** Of the failed operations, those a read-only node refused: connections kept on a demoted writer. */
  readOnlyErrors: number;
  /** Share of reads in the mix, in percent. */
  readSharePct: number;
  latencyMs: LatencySummary | null;
  /** Windows that ended before the trigger (the whole run without a trigger). */
  before: LoadPhase;
  /** Windows from `recoveredMs` on. */
  after: LoadPhase;
  /** The longest time, at or after the trigger, between two operations that succeeded. */
  longestGapMs: number | null;
  /**
   * Trigger -> start of the first window from which every window runs at >= half the `before` throughput, of
   * reads and of writes each (reads alone coming back while every write is refused is not recovery).
   */
  recoveredMs: number | null;
  /** How late the drill's own timers ran under load: large values would mean skewed probe timing. */
  loopDelayMs: LoadStop['loopDelayMs'] | null;
  /** One point per window, neighbours joined past an hour of them (see LoadTimeline). */
  timeline: LoadTimelinePoint[];
  /**
   * Windows that arrived after a window starting more than `holdBackMs` later had been folded: counted in every
   * total, but the phases, the longest gap and recovery took them out of order. A drill writes its windows in
   * order; only a history file whose lines were moved can hold such windows.
   */
  lateWindows: number;
}

/** Throughput at or above this share of the baseline counts as recovered. */
export const recoveredShare = 0.5;

/**
 * Windows are held back this long (by their start, behind the latest window seen) before they are folded, sorted:
 * the windows of several threads, and of a history file, can arrive slightly out of order.
 */
export const holdBackMs = 60_000;

/** Pure: the load figures of a list of records (the trigger given), or null when it ran no load. */
export function loadFigures(
  records: readonly HistoryRecord[],
  triggerAtMs: number | null,
): LoadFigures | null {
  const fold = new LoadFold(triggerAtMs);
  for (const r of records) fold.add(r);
  return fold.figures();
}

type Kind = 'reads' | 'writes';
const kinds: Kind[] = ['reads', 'writes'];
const round = (ms: number): number => Math.round(ms);

/** Running sums over windows in time order: what a phase's throughput and latency are computed from. */
class PhaseSums {
  spanMs = 0;
  ok = 0;
  reads = 0;
  writes = 0;
  readonly latency: LatencyHistogram = emptyHistogram();

  add(w: LoadWindow): this {
    this.spanMs += w.windowMs;
    this.ok += w.reads + w.writes;
    this.reads += w.reads;
    this.writes += w.writes;
    mergeInto(this.latency, w.latency);
    return this;
  }

  copy(): PhaseSums {
    const c = new PhaseSums();
    c.spanMs = this.spanMs;
    c.ok = this.ok;
    c.reads = this.reads;
    c.writes = this.writes;
    mergeInto(c.latency, this.latency);
    return c;
  }

  /** Successes per second, of one kind or in all; null over no time at all. */
  rate(kind?: Kind): number | null {
    if (this.spanMs <= 0) return null;
    return ((kind ? this[kind] : this.ok) * 1000) / this.spanMs;
  }

  phase(): LoadPhase {
    const r = (kind?: Kind) => {
      const v = this.rate(kind);
      return v === null ? null : tenth(v);
    };
    return {
      opsPerSec: r(),
      readsPerSec: r('reads'),
      writesPerSec: r('writes'),
      latencyMs: summarize(this.latency),
    };
  }
}

/**
 * The `--load` figures folded record by record, in memory that does not grow with the drill's length: running
 * totals, the `before` phase, the longest gap, and the candidate start of recovery with what has run since it.
 * The trigger's time is given (a history file read twice) or learnt from its record when it arrives; windows are
 * held back `holdBackMs` and folded in order of their start, so figures equal those of the whole list sorted —
 * as long as no window arrives more than that late (those that do are counted: `lateWindows`), and the trigger
 * arrives before the windows after it are folded (a live drill records the trigger when it happens, and windows
 * after they end).
 */
export class LoadFold {
  private start: LoadStart | undefined;
  private stop: LoadStop | undefined;
  private trigger: number | null;
  private readonly triggerGiven: boolean;
  /** Windows not folded yet, sorted by start (arrival order among equal starts). */
  private readonly held: LoadWindow[] = [];
  private latestT = -Infinity;
  /** End of the latest window seen: the drill's elapsed time counts it. */
  lastEndT = 0;

  private reads = 0;
  private writes = 0;
  private failed = 0;
  private readOnly = 0;
  private readonly errors: Record<string, number> = {};
  private readonly latency: LatencyHistogram = emptyHistogram();
  private readonly before = new PhaseSums();
  private readonly timeline = new LoadTimeline();
  /** Windows folded after one that started later (see `lateWindows`), and the latest start folded so far. */
  private late = 0;
  private foldedT = -Infinity;

  /** Longest gap: the last success so far, and the longest gap at or after the trigger. */
  private previousOkT: number | null = null;
  private longestGap: number | null = null;
  private last: LoadWindow | undefined;

  /** Recovery, over the windows that end after the trigger ("since" windows). */
  private baselines: { kind: Kind; rate: number }[] | undefined;
  private fullMs: number | undefined;
  /**
   * Good windows since the latest one that was not: from the first of them (`all`), and without it (`rest`).
   * `after` starts at trigger + recoveredMs, rounded and never before the trigger, so it can leave out the first
   * window (one that started before the trigger, or half a millisecond before the rounded start) and no other:
   * windows start at least 1 ms apart. Both sums are added in window order, as the whole-list sums were.
   */
  private streak: { first: LoadWindow; all: PhaseSums; rest: PhaseSums } | null = null;
  /** A short last window below the bar, skipped by recovery but part of `after`. */
  private trailing: LoadWindow | undefined;
  private finished = false;

  constructor(triggerAtMs: number | null = null) {
    this.trigger = triggerAtMs;
    this.triggerGiven = triggerAtMs !== null;
  }

  /** Takes any record; only the load's records and the trigger's request matter. */
  add(r: HistoryRecord): void {
    switch (r.kind) {
      case 'load-start':
        this.start ??= r;
        return;
      case 'load-stop':
        this.stop ??= r;
        return;
      case 'trigger':
        if (r.step === 'requested' && !this.triggerGiven && this.trigger === null) this.trigger = r.t;
        return;
      case 'load':
        this.window(r);
        return;
      default:
        return;
    }
  }

  private window(w: LoadWindow): void {
    this.lastEndT = Math.max(this.lastEndT, w.t + w.windowMs);
    this.latestT = Math.max(this.latestT, w.t);
    // Sorted insert after any window of the same start (a stable sort keeps arrival order among equals).
    let lo = 0;
    let hi = this.held.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.held[mid] as LoadWindow).t <= w.t) lo = mid + 1;
      else hi = mid;
    }
    this.held.splice(lo, 0, w);
    while (this.held.length > 0 && (this.held[0] as LoadWindow).t < this.latestT - holdBackMs)
      this.fold(this.held.shift() as LoadWindow, false);
  }

  private fold(w: LoadWindow, lastOne: boolean): void {
    if (w.t < this.foldedT) this.late++;
    else this.foldedT = w.t;
    this.reads += w.reads;
    this.writes += w.writes;
    this.failed += w.failed;
    this.readOnly += w.readOnly ?? 0;
    for (const [code, n] of Object.entries(w.errors)) this.errors[code] = (this.errors[code] ?? 0) + n;
    mergeInto(this.latency, w.latency);
    this.timeline.add(w);

    const trigger = this.trigger;
    if (trigger === null || w.t + w.windowMs <= trigger) this.before.add(w);
    else this.since(w, lastOne);

    // Gaps between consecutive successes, counting only what lies after the trigger.
    if (w.innerGap) this.consider(w.innerGap.fromT, w.innerGap.toT);
    if (w.firstOkT !== null && w.lastOkT !== null) {
      if (this.previousOkT !== null) this.consider(this.previousOkT, w.firstOkT);
      this.previousOkT = w.lastOkT;
    }
    this.last = w;
  }

  private consider(fromT: number, toT: number): void {
    const trigger = this.trigger;
    if (trigger === null || toT <= trigger) return;
    const gap = toT - Math.max(fromT, trigger);
    this.longestGap = this.longestGap === null ? gap : Math.max(this.longestGap, gap);
  }

  /** A window that ends after the trigger: does it keep (or start) the run of windows at the recovered rate? */
  private since(w: LoadWindow, lastOne: boolean): void {
    this.baselines ??= kinds
      .map((kind) => ({ kind, rate: this.before.rate(kind) }))
      .filter((b): b is { kind: Kind; rate: number } => b.rate !== null && b.rate > 0);
    this.fullMs ??= w.windowMs;
    if (this.baselines.length === 0) return;
    const good = this.baselines.every((b) => (w[b.kind] * 1000) / w.windowMs >= b.rate * recoveredShare);
    if (!good) {
      // The last window is usually cut short by the drill's end: too short to judge unless it is good.
      if (lastOne && w.windowMs < this.fullMs / 2) this.trailing = w;
      else this.streak = null;
      return;
    }
    if (this.streak) {
      this.streak.all.add(w);
      this.streak.rest.add(w);
    } else {
      this.streak = { first: w, all: new PhaseSums().add(w), rest: new PhaseSums() };
    }
  }

  /** The figures; null when the drill ran no load. Folds the windows still held: call it once the load is over. */
  figures(): LoadFigures | null {
    if (!this.finished) {
      this.finished = true;
      const held = this.held.splice(0);
      held.forEach((w, i) => {
        this.fold(w, i === held.length - 1);
      });
      // Never back before the drill ended: the stall lasted at least to the end of the last window.
      const last = this.last;
      if (last && last.lastOkT === null && this.previousOkT !== null)
        this.consider(this.previousOkT, last.t + last.windowMs);
    }
    const start = this.start;
    if (!start) return null;
    const trigger = this.trigger;
    const from = trigger === null ? null : (this.streak?.first.t ?? null);
    const recoveredMs = from === null || trigger === null ? null : round(Math.max(0, from - trigger));
    let after = new PhaseSums();
    if (recoveredMs !== null && trigger !== null && this.streak) {
      const threshold = trigger + recoveredMs;
      after = (this.streak.first.t >= threshold ? this.streak.all : this.streak.rest).copy();
      if (this.trailing && this.trailing.t >= threshold) after.add(this.trailing);
    }
    return {
      target: start.target,
      workers: start.workers,
      mix: start.mix,
      rateLimit: start.rateLimit,
      reads: this.reads,
      writes: this.writes,
      failed: this.failed,
      errors: { ...this.errors },
      readOnlyErrors: this.readOnly,
      readSharePct: Math.round((start.mix.read / (start.mix.read + start.mix.write)) * 100),
      latencyMs: summarize(this.latency),
      before: this.before.phase(),
      after: after.phase(),
      longestGapMs: trigger === null || this.longestGap === null ? null : round(this.longestGap),
      recoveredMs,
      loopDelayMs: this.stop?.loopDelayMs ?? null,
      lateWindows: this.late,
      timeline: this.timeline.list(),
    };
  }
}
