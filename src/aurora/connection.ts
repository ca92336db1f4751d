import mysql from 'mysql2';
import { abortReason, type ProbeAborted } from '../core/scheduler.js';
import type { Endpoint } from '../net/endpoint.js';
import type { Resolver } from '../net/resolver.js';

export interface Credentials {
  user: string;
  password?: string;
}

export interface Timeouts {
  connectTimeoutMs: number;
  queryTimeoutMs: number;
}

export type Query = (sql: string) => Promise<unknown[][]>;

/**
 * Opens a new connection to one address, runs `use` with it, and always destroys it afterwards: a probe must
 * measure a fresh connect each time, as a client reconnecting after a failover does. Aborting `signal`
 * destroys the socket at once, so a probe never outlives its deadline.
 */
export async function withConnection<T>(
  address: string,
  port: number,
  credentials: Credentials,
  timeouts: Timeouts,
  signal: AbortSignal,
  use: (query: Query) => Promise<T>,
): Promise<T> {
  if (signal.aborted) throw abortReason(signal);
  const conn = mysql.createConnection({
    host: address,
    port,
    user: credentials.user,
    password: credentials.password ?? '',
    connectTimeout: timeouts.connectTimeoutMs,
    rowsAsArray: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  // Errors reach the pending callback; this listener keeps a late socket error from crashing the drill.
  conn.on('error', () => {});
  let abort: (reason: ProbeAborted) => void = () => {};
  const aborted = new Promise<never>((_, reject) => {
    abort = reject;
  });
  aborted.catch(() => {});
  const onAbort = (): void => {
    conn.destroy();
    abort(abortReason(signal));
  };
  signal.addEventListener('abort', onAbort, { once: true });
  const query: Query = (sql) =>
    Promise.race([
      new Promise<unknown[][]>((resolve, reject) => {
        conn.query({ sql, timeout: timeouts.queryTimeoutMs, rowsAsArray: true }, (err, rows) => {
          if (err) reject(err);
          else resolve(rows as unknown as unknown[][]);
        });
      }),
      aborted,
    ]);
  try {
    return await use(query);
  } finally {
    signal.removeEventListener('abort', onAbort);
    conn.destroy();
  }
}

/** `withConnection` to wherever the endpoint's name resolves now, as a client reconnecting to it would go. */
export async function withEndpoint<T>(
  endpoint: Endpoint,
  resolver: Resolver,
  credentials: Credentials,
  timeouts: Timeouts,
  signal: AbortSignal,
  use: (query: Query) => Promise<T>,
): Promise<T> {
  const address = await resolver.lookup(endpoint.host);
  return withConnection(address, endpoint.port, credentials, timeouts, signal, use);
}
