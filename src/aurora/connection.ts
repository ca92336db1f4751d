import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import mysql from 'mysql2';
import { abortReason, type ProbeAborted, whenAborted } from '../core/scheduler.js';
import type { Endpoint } from '../net/endpoint.js';
import type { Resolver } from '../net/resolver.js';
import type { TlsChoice } from './tls.js';

/** How a drill logs in: the user, its password or IAM token, and TLS. */
export interface Credentials {
  user: string;
  password?: string;
  /** --iam-auth: the current token, sent with the cleartext plugin instead of a password (over TLS only). */
  token?: () => string;
  tls: TlsChoice;
}

export interface Timeouts {
  connectTimeoutMs: number;
  queryTimeoutMs: number;
}

export type Query = (sql: string) => Promise<unknown[][]>;

/** Where one connection goes: the endpoint's name (what TLS checks) and the address it resolved to. */
export interface Route {
  host: string;
  address: string;
  port: number;
}

/** What a connection learnt while it was made: the TLS handshake's time, when it used TLS. */
export interface Handshake {
  tlsMs: number | undefined;
}

const CLIENT_SSL = 0x800;

/**
 * mysql2's options for one connection. The socket goes to the address the drill resolved (or `socket` makes
 * it), while mysql2 is told the endpoint's name, so TLS sends it (SNI) and verify-identity checks the
 * certificate against it, as a client connecting by name would.
 */
export function connectOptions(
  credentials: Credentials,
  connectTimeoutMs: number,
  route: { host: string; port: number; socket: () => Socket },
): mysql.ConnectionOptions {
  const { tls } = credentials;
  const options: mysql.ConnectionOptions = {
    host: route.host,
    port: route.port,
    user: credentials.user,
    password: credentials.password ?? '',
    connectTimeout: connectTimeoutMs,
    // Probes and checks send text statements; mysql2 would allocate a 16000-slot statement cache for every
    // connection, and simple and aware mode open one per probe.
    maxPreparedStatements: 1,
    stream: (opts: { config: { ssl?: unknown } }) => {
      const socket = route.socket();
      // mysql2 turns Nagle's algorithm off on the sockets it opens itself, not on one it is handed: without this
      // a probe's statement could wait on the ACK of the one before, and each costs more packets to send.
      socket.setNoDelay(true);
      // preferred: TLS when the server offers it. mysql2 knows only "always": read the greeting's flag first.
      if (tls.mode === 'preferred') {
        socket.once('data', (chunk: Buffer) => {
          if (!offersTls(chunk)) opts.config.ssl = false;
        });
      }
      return socket;
    },
  };
  if (tls.mode !== 'disabled') {
    const verify = tls.mode === 'verify-ca' || tls.mode === 'verify-identity';
    options.ssl = {
      ...(tls.ca ? { ca: tls.ca } : {}),
      rejectUnauthorized: verify,
      verifyIdentity: tls.mode === 'verify-identity',
    };
  }
  const token = credentials.token;
  if (token) {
    // RDS asks for the token with an auth switch to mysql_clear_password; mysql2 answers only when told to.
    options.password = undefined;
    options.authPlugins = { mysql_clear_password: () => () => Buffer.from(`${token()}\0`) };
  }
  return options;
}

/** Whether a server greeting (protocol 10, in the first chunk of the stream) offers TLS. */
function offersTls(chunk: Buffer): boolean {
  const payload = chunk.subarray(4);
  if (payload[0] !== 10) return true; // not a greeting we can read: let mysql2 decide
  const versionEnd = payload.indexOf(0, 1);
  const capsAt = versionEnd + 1 + 4 + 8 + 1;
  if (versionEnd < 0 || capsAt + 2 > payload.length) return true;
  return (payload.readUInt16LE(capsAt) & CLIENT_SSL) !== 0;
}

/** Times mysql2's TLS upgrade of `conn` (from the SSL request to a verified session). */
export function timeTls(conn: mysql.Connection): Handshake {
  const handshake: Handshake = { tlsMs: undefined };
  const c = conn as unknown as { startTLS(done: (err?: Error) => void): void };
  const startTLS = c.startTLS.bind(c);
  c.startTLS = (done) => {
    const t0 = performance.now();
    startTLS((err) => {
      if (!err) handshake.tlsMs = performance.now() - t0;
      done(err);
    });
  };
  return handshake;
}

/**
 * Opens a new connection to one address, runs `use` with it, and always destroys it afterwards: a probe must
 * measure a fresh connect each time, as a client reconnecting after a failover does. Aborting `signal`
 * destroys the socket at once, so a probe never outlives its deadline.
 */
export async function withConnection<T>(
  route: Route,
  credentials: Credentials,
  timeouts: Timeouts,
  signal: AbortSignal,
  use: (query: Query, handshake: Handshake) => Promise<T>,
): Promise<T> {
  if (signal.aborted) throw abortReason(signal);
  const conn = mysql.createConnection({
    ...connectOptions(credentials, timeouts.connectTimeoutMs, {
      host: route.host,
      port: route.port,
      socket: () => connect(route.port, route.address),
    }),
    rowsAsArray: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  const handshake = timeTls(conn);
  // Errors reach the pending callback; this listener keeps a late socket error from crashing the drill.
  conn.on('error', () => {});
  let abort: (reason: ProbeAborted) => void = () => {};
  const aborted = new Promise<never>((_, reject) => {
    abort = reject;
  });
  aborted.catch(() => {});
  const forget = whenAborted(signal, () => {
    conn.destroy();
    abort(abortReason(signal));
  });
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
    return await use(query, handshake);
  } finally {
    forget();
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
  return withConnection(
    { host: endpoint.host, address, port: endpoint.port },
    credentials,
    timeouts,
    signal,
    use,
  );
}
