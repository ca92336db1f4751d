import type { ProbeError } from '../core/history.js';

/** The fields of a mysql2 or Node error that say what went wrong. */
interface DriverError {
  code?: unknown;
  errno?: unknown;
  sqlMessage?: unknown;
  message?: unknown;
}

/**
 * Names a failure by the key errors are counted by: the MySQL error number for errors the server sent (`1290`,
 * `1045`), the driver or system code otherwise (`ECONNREFUSED`, `PROTOCOL_CONNECTION_LOST`, `ENOTFOUND`).
 */
export function classifyError(err: unknown): ProbeError {
  const e = (err ?? {}) as DriverError;
  const message = String(e.sqlMessage ?? e.message ?? err).split('\n')[0] as string;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const errno = typeof e.errno === 'number' ? e.errno : undefined;
  if (errno !== undefined && errno >= 1000 && e.sqlMessage !== undefined) {
    const classified: ProbeError = { code: String(errno), errno, name: code, message };
    if (readOnlyErrnos.has(errno)) classified.readOnly = true;
    return classified;
  }
  return { code: code ?? 'UNKNOWN', message, ...(errno !== undefined ? { errno } : {}) };
}

/** MySQL's "the server is read-only" errors: --read-only (1290), read-only transaction (1792), super_read_only (1836). */
const readOnlyErrnos = new Set([1290, 1792, 1836]);

/** Whether a driver error says the server is read-only (a demoted writer). */
export function isReadOnlyError(err: unknown): boolean {
  const errno = (err as DriverError | null)?.errno;
  return typeof errno === 'number' && readOnlyErrnos.has(errno);
}

/** MySQL error numbers a drill reasons about. */
export const MysqlErrno = {
  accessDenied: 1045,
  badDb: 1049,
  unknownSystemVariable: 1193,
  readOnly: 1290,
} as const;

/** Failures that mean "nobody answered at that address" (as opposed to "it answered and said no"). */
export const unreachableCodes = new Set([
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'EADDRNOTAVAIL',
  'PROTOCOL_CONNECTION_LOST',
  'DEADLINE',
]);

export const lookupCodes = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'ENODATA']);
