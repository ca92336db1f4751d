import { setMaxListeners } from 'node:events';
import type { Clock } from './clock.js';

export interface ProbeSchedule {
  intervalMs: number;
  /**
   * A probe still running this long after its start is aborted (connect timeout + query timeout); a function is
   * asked at each probe's start (a probe on a kept connection has no connect to wait for).
   */
  deadlineMs: number | (() => number);
}

/** Why a probe's signal aborted: its deadline passed, or the drill stopped (then the probe says nothing). */
export class ProbeAborted extends Error {
  constructor(readonly code: 'DEADLINE' | 'STOPPED') {
    super(code === 'DEADLINE' ? 'no answer before the probe deadline' : 'drill stopped');
  }
}

/** The reason a probe's signal carries (the scheduler always aborts with a ProbeAborted). */
export function abortReason(signal: AbortSignal): ProbeAborted {
  return signal.reason instanceof ProbeAborted ? signal.reason : new ProbeAborted('DEADLINE');
}

/** What waits on each signal: one listener on the signal however many waits come and go on it. */
const waiting = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Calls `onAbort` when `signal` aborts, until the returned function is called. A probe waits on its signal once
 * or more, and adding and removing a listener of Node's EventTarget each time showed in the profile of a probe on
 * a kept connection; a set of callbacks behind one listener is a fraction of that.
 */
export function whenAborted(signal: AbortSignal, onAbort: () => void): () => void {
  let callbacks = waiting.get(signal);
  if (!callbacks) {
    const waits = new Set<() => void>();
    signal.addEventListener(
      'abort',
      () => {
        for (const call of [...waits]) call();
        waits.clear();
      },
      { once: true },
    );
    waiting.set(signal, waits);
    callbacks = waits;
  }
  const waits = callbacks;
  waits.add(onAbort);
  return () => {
    waits.delete(onAbort);
  };
}

/**
 * A callback-style call as a promise that also rejects with the abort reason as soon as `signal` aborts: what
 * `raceAbort` does for a promise, without a second promise for a driver call made on every probe.
 */
export function abortable<T>(
  signal: AbortSignal,
  call: (done: (err: Error | null, value?: T) => void) => void,
): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const forget = whenAborted(signal, () => reject(abortReason(signal)));
    try {
      call((err, value) => {
        forget();
        if (err) reject(err);
        else resolve(value as T);
      });
    } catch (err) {
      forget();
      reject(err);
    }
  });
}

/** Settles with `promise`, or rejects with the abort reason as soon as `signal` aborts. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const forget = whenAborted(signal, () => reject(abortReason(signal)));
    promise.then(
      (value) => {
        forget();
        resolve(value);
      },
      (err) => {
        forget();
        reject(err);
      },
    );
  });
}

/** Waits `ms`, or less if `signal` aborts first (then resolves, not rejects: the caller checks the signal). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    // The listener goes when the pause ends: a wait loop pausing every 500 ms must not pile them up on one signal.
    const done = (): void => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** One probe run: it must settle soon after `signal` aborts, which happens at its deadline or on stop. */
export type ProbeRun = (seq: number, signal: AbortSignal) => Promise<void>;

/**
 * Starts probes at a fixed rate without drift: probe k is due at start + k * interval, whatever the previous ones
 * cost. Never two in flight: a probe that overruns makes the scheduler skip the slots it covered (counted in
 * `skipped`) and start at the next slot boundary. Each probe is aborted at its deadline; `stop()` aborts the one
 * in flight and resolves once it has settled.
 */
export class ProbeScheduler {
  private timer: NodeJS.Timeout | undefined;
  /**
   * The deadline's timer, made per deadline rather than per probe: when it fires it aborts the probe in flight if
   * that probe's time is up, or waits again for the rest of it. A timer made and cleared per probe showed in a
   * probe's cost (Node builds and drops a timer list for its duration each time).
   */
  private deadline: NodeJS.Timeout | undefined;
  /** When the deadline timer fires, and when the probe in flight is due. */
  private deadlineFiresAt = 0;
  private probeDueAt = 0;
  private inFlight: Promise<void> | undefined;
  private current: AbortController | undefined;
  /** The signal probes get, one after another, until one is aborted (a deadline): then the next gets a new one. */
  private controller: AbortController | undefined;
  private stopped = false;
  private origin = 0;
  private seq = 0;
  private rebased = false;
  skipped = 0;

  constructor(
    private readonly clock: Clock,
    private schedule: ProbeSchedule,
    private readonly run: ProbeRun,
  ) {
    if (!(schedule.intervalMs > 0)) throw new RangeError('interval must be positive');
  }

  start(): void {
    this.origin = this.clock.now();
    this.fire(0);
  }

  /**
   * Changes the rate from now on (a monitor probing faster during an outage): the grid restarts at this moment,
   * so the next probe starts as soon as the current one ends.
   */
  retime(intervalMs: number): void {
    if (intervalMs === this.schedule.intervalMs || !(intervalMs > 0)) return;
    this.schedule = { ...this.schedule, intervalMs };
    this.origin = this.clock.now();
    this.rebased = true;
  }

  get intervalMs(): number {
    return this.schedule.intervalMs;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.deadline) clearTimeout(this.deadline);
    this.current?.abort(new ProbeAborted('STOPPED'));
    await this.inFlight;
  }

  private fire(slot: number): void {
    if (this.stopped) return;
    // Making a signal showed in the profile of a probe on a kept connection. A probe's waits let go of its signal
    // when they end (whenAborted), so a signal no deadline aborted serves the next probe as a new one would.
    if (!this.controller || this.controller.signal.aborted) {
      this.controller = new AbortController();
      // Waits share one listener; this leaves room for code that listens on the signal itself.
      setMaxListeners(256, this.controller.signal);
    }
    const controller = this.controller;
    this.current = controller;
    const { deadlineMs } = this.schedule;
    const ms = typeof deadlineMs === 'number' ? deadlineMs : deadlineMs();
    this.probeDueAt = this.clock.now() + ms;
    if (this.deadline && this.deadlineFiresAt > this.probeDueAt) {
      clearTimeout(this.deadline);
      this.deadline = undefined;
    }
    if (!this.deadline) this.watchDeadline(ms);
    // A probe records its own failures; a throw here must not stop the drill.
    const settled = (): void => {
      this.current = undefined;
      this.inFlight = undefined;
      this.planAfter(slot);
    };
    let running: Promise<void>;
    try {
      running = this.run(this.seq++, controller.signal);
    } catch {
      running = Promise.resolve();
    }
    this.inFlight = running.then(settled, settled);
  }

  private watchDeadline(inMs: number): void {
    // Node fires a timer of more than 2^31 - 1 ms at once: wait at most that, and again for the rest.
    const waitMs = Math.min(inMs, 2_147_483_647);
    this.deadlineFiresAt = this.clock.now() + waitMs;
    this.deadline = setTimeout(() => {
      this.deadline = undefined;
      const current = this.current;
      if (!current || this.stopped) return;
      const left = this.probeDueAt - this.clock.now();
      if (left > 0) this.watchDeadline(left);
      else current.abort(new ProbeAborted('DEADLINE'));
    }, waitMs);
  }

  private planAfter(slot: number): void {
    if (this.stopped) return;
    const { intervalMs } = this.schedule;
    const now = this.clock.now();
    const from = this.rebased ? -1 : slot;
    this.rebased = false;
    const due = Math.max(from + 1, Math.ceil((now - this.origin) / intervalMs));
    this.skipped += due - from - 1;
    this.timer = setTimeout(() => this.fire(due), Math.max(0, this.origin + due * intervalMs - now));
  }
}
