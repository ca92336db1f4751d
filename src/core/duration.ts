import { quote, usageError } from './errors.js';
import { roundHalfUp, wholeMs } from './rounding.js';

const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const part = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;

/** The longest duration any option takes: 7 days (timers beyond 2^31 ms would fire at once). */
export const maxDurationMs = 168 * 3_600_000;

/**
 * Parses durations such as `250ms`, `1s`, `1.5s`, `2m`, `1m30s`. A bare number is refused: `5` could mean
 * seconds or milliseconds, and a drill's timing is too important to guess.
 */
export function parseDuration(text: string, what = 'duration'): number {
  const s = text.trim().toLowerCase();
  let total = 0;
  let consumed = 0;
  part.lastIndex = 0;
  for (let m = part.exec(s); m; m = part.exec(s)) {
    total += Number(m[1]) * (unitMs[m[2] as string] as number);
    consumed = part.lastIndex;
  }
  if (s.length === 0 || consumed !== s.length) {
    throw usageError(
      `invalid ${what} ${quote(text)}: use a number with a unit, e.g. 250ms, 1s, 1.5s, 2m, 1m30s`,
    );
  }
  if (total > maxDurationMs) throw usageError(`${what} '${text}' is too long: at most 168h (7 days)`);
  return total;
}

/**
 * A duration for people: `250 ms`, `2.412 s`, `3 m 05 s`, rounded as every figure is (rounding.ts): whole
 * milliseconds of its tenth, then whole seconds past a minute, halves up.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const whole = wholeMs(Math.abs(ms));
  const sign = ms < 0 && whole !== 0 ? '-' : '';
  if (whole < 1000) return `${sign}${whole} ms`;
  if (whole < 60_000) return `${sign}${Math.floor(whole / 1000)}.${String(whole % 1000).padStart(3, '0')} s`;
  const seconds = roundHalfUp(whole / 1000);
  return `${sign}${Math.floor(seconds / 60)} m ${String(seconds % 60).padStart(2, '0')} s`;
}

/** Drill-relative time for the live view: `+12.345s`. */
export function formatOffset(ms: number): string {
  return `+${(ms / 1000).toFixed(3)}s`;
}
