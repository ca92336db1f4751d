import { performance } from 'node:perf_hooks';

/**
 * One timebase for a drill: every duration comes from a monotonic clock, and the wall-clock instant of the
 * drill's start lets wall-clock sources (provider events, lab ground truth) be placed on the same axis.
 */
export interface Clock {
  /** Milliseconds since the drill's origin, monotonic. */
  now(): number;
  /** Wall-clock time (epoch ms) of the origin. */
  readonly originWallMs: number;
  /** ISO wall time of a point on the drill's axis. */
  isoAt(t: number): string;
  /** The drill's axis position of a wall-clock instant (epoch ms). */
  fromWall(epochMs: number): number;
}

export function monotonicClock(): Clock {
  const originPerf = performance.now();
  const originWallMs = Date.now();
  return {
    originWallMs,
    now: () => performance.now() - originPerf,
    isoAt: (t) => new Date(originWallMs + t).toISOString(),
    fromWall: (epochMs) => epochMs - originWallMs,
  };
}

/** A clock moved by hand, for tests of the scheduler and renderers. */
export function manualClock(originWallMs = Date.UTC(2026, 0, 1)): Clock & { set(t: number): void } {
  let current = 0;
  return {
    originWallMs,
    now: () => current,
    set: (t) => {
      current = t;
    },
    isoAt: (t) => new Date(originWallMs + t).toISOString(),
    fromWall: (epochMs) => epochMs - originWallMs,
  };
}
