import { quote, usageError } from '../core/errors.js';

/** A whole-number option within bounds, or a usage error naming the flag and the range. */
export function parseWhole(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    throw usageError(`${flag} must be a whole number from ${min} to ${max}, got ${quote(text)}`);
  }
  return n;
}
