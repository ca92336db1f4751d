/**
 * Strings that must never reach output, reports, logs or error messages (passwords, tokens). Process-wide on
 * purpose: whatever prints anything asks here, so no path can forget a secret it was never handed.
 */
const secrets: string[] = [];
/** A string shorter than every secret holds none: most strings of a record are, and need no search. */
let shortest = Number.POSITIVE_INFINITY;

export function addSecret(secret: string | undefined): void {
  if (secret && !secrets.includes(secret)) {
    secrets.push(secret);
    shortest = Math.min(shortest, secret.length);
  }
}

export function redactText(text: string): string {
  let s = text;
  for (const secret of secrets) if (s.includes(secret)) s = s.split(secret).join('***');
  return s;
}

/** Redacts inside string values (never keys) of a JSON-like value: a copy when it holds a secret, else itself. */
export function redactStrings<T>(value: T): T {
  if (secrets.length === 0 || !holdsSecret(value)) return value;
  return walk(value) as T;
}

/**
 * Whether any string inside `value` holds a secret: most records hold none, and need no copy. Every record of a
 * drill comes through here, so strings and numbers are looked at in place, without a call each.
 */
function holdsSecret(value: unknown): boolean {
  if (typeof value === 'string') return stringHoldsSecret(value);
  if (!value || typeof value !== 'object') return false;
  // for...in, not Object.values: no array made per record (arrays' indices are its keys too).
  const object = value as Record<string, unknown>;
  for (const key in object) {
    const v = object[key];
    if (typeof v === 'string' ? stringHoldsSecret(v) : typeof v === 'object' && holdsSecret(v)) return true;
  }
  return false;
}

function stringHoldsSecret(text: string): boolean {
  if (text.length < shortest) return false;
  for (const secret of secrets) if (text.includes(secret)) return true;
  return false;
}

function walk(value: unknown): unknown {
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map(walk);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = walk(v);
    return out;
  }
  return value;
}
