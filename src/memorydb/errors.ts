import type { ProbeError } from '../core/history.js';

/**
 * Names a Redis failure by the key errors are counted by: the error's first word for errors the server sent
 * (`MOVED`, `ASK`, `CLUSTERDOWN`, `READONLY`, `TRYAGAIN`, `NOAUTH`, `WRONGPASS`), the system or client code
 * otherwise (`ECONNREFUSED`, `TIMEOUT` for a command timeout, `CLOSED` for a connection that went away).
 */
export function classifyRedisError(err: unknown): ProbeError {
  const e = (err ?? {}) as { message?: unknown; code?: unknown; name?: unknown };
  const message = String(e.message ?? err).split('\n')[0] as string;
  if (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) return { code: e.code, message };
  if (/Command timed out/i.test(message)) return { code: 'TIMEOUT', message };
  if (/Connection is closed|Stream isn't writeable|enableOfflineQueue/i.test(message)) {
    return { code: 'CLOSED', message };
  }
  if (/Too many Cluster redirections/i.test(message)) return { code: 'REDIRECTIONS', message };
  if (/Failed to refresh slots cache|None of startup nodes is available/i.test(message)) {
    return { code: 'NO_NODES', message };
  }
  const word = /^([A-Z]{3,})\b/.exec(message)?.[1];
  if (word) {
    const classified: ProbeError = { code: word, message };
    // A write on a demoted primary: the error users meet after a failover (ioredis #1835, #144).
    if (word === 'READONLY') classified.readOnly = true;
    return classified;
  }
  return { code: typeof e.code === 'string' ? e.code : 'UNKNOWN', message };
}

/** Failures that mean nobody answered at that address, as opposed to an answer that said no. */
export const unreachableCodes = new Set([
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'CLOSED',
  'TIMEOUT',
  'DEADLINE',
]);
export const lookupCodes = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'ENODATA']);
export const authCodes = new Set(['WRONGPASS', 'NOAUTH', 'NOPERM']);
