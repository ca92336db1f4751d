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
    isoAt: isoFormatter(originWallMs),
    fromWall: (epochMs) => epochMs - originWallMs,
  };
}

/**
 * `Date#toISOString` of origin + t, with the part up to the second made once a second: every probe is stamped,
 * and a date formatted from scratch each time was a good share of what recording a probe cost.
 */
function isoFormatter(originWallMs: number): (t: number) => string {
  let second = Number.NaN;
  let upToSecond = '';
  return (t) => {
    // A Date keeps whole milliseconds (it truncates), so the stamp does too.
    const ms = Math.trunc(originWallMs + t);
    const s = Math.floor(ms / 1000);
    if (s !== second) {
      upToSecond = new Date(s * 1000).toISOString().slice(0, -4);
      second = s;
    }
    const rest = ms - s * 1000;
    return `${upToSecond}${rest < 10 ? '00' : rest < 100 ? '0' : ''}${rest}Z`;
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
    isoAt: isoFormatter(originWallMs),
    fromWall: (epochMs) => epochMs - originWallMs,
  };
}
