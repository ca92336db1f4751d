import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import mysql from 'mysql2';
import { makeResolver } from '../../net/resolver.js';
import { classifyError } from '../errors.js';
import { type LoadWorkerConfig, loadRows, pointRead, pointWrite, type WorkerMessage } from './statements.js';
import { LoadWindows } from './windows.js';

/*
 * The `--load` workload, in its own thread: its drivers' parsing and callbacks run on this thread's event loop,
 * so they cannot delay the timers the drill's monitors probe on. Each worker is one application connection on
 * the cluster endpoint, running point reads and writes back to back (or at a set rate), reconnecting — and
 * resolving the name again — when its connection breaks.
 */

const config = workerData as LoadWorkerConfig;
const now = (): number => performance.timeOrigin + performance.now() - config.originEpochMs;
const post = (m: WorkerMessage): void => parentPort?.postMessage(m);
const resolver = makeResolver(config.dns);
const windows = new LoadWindows(config.windowMs, now());
const connections = new Set<mysql.Connection>();
let stopping = false;

/** Errors after which the connection is no use: drop it and make a new one, as a pool would. */
const fatal = (err: unknown): boolean => (err as { fatal?: boolean }).fatal === true;

async function connect(): Promise<mysql.Connection> {
  const address = await resolver.lookup(config.host);
  const conn = mysql.createConnection({
    host: address,
    port: config.port,
    user: config.user,
    password: config.password,
    connectTimeout: config.connectTimeoutMs,
  });
  conn.on('error', () => {});
  connections.add(conn);
  try {
    await new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
  } catch (err) {
    drop(conn);
    throw err;
  }
  return conn;
}

function drop(conn: mysql.Connection): void {
  connections.delete(conn);
  conn.destroy();
}

function run(conn: mysql.Connection, sql: string, id: number): Promise<void> {
  return new Promise((resolve, reject) =>
    conn.query({ sql, values: [id], timeout: config.queryTimeoutMs }, (err) =>
      err ? reject(err) : resolve(),
    ),
  );
}

async function worker(index: number): Promise<void> {
  const share = config.rateLimit === null ? null : config.rateLimit / config.workers;
  const periodMs = share === null ? 0 : 1000 / share;
  // Workers on a rate start spread over one period, so their operations do not arrive in bursts.
  let nextAt = now() + (periodMs * index) / config.workers;
  let conn: mysql.Connection | undefined;
  const total = config.mix.read + config.mix.write;
  while (!stopping) {
    if (periodMs > 0) {
      const wait = nextAt - now();
      if (wait > 0) await sleep(wait);
      nextAt = Math.max(nextAt + periodMs, now());
      if (stopping) break;
    }
    const kind = Math.random() * total < config.mix.read ? 'read' : 'write';
    const startT = now();
    try {
      conn ??= await connect();
      const id = 1 + Math.floor(Math.random() * loadRows);
      await run(conn, kind === 'read' ? pointRead(config.schema) : pointWrite(config.schema), id);
      if (!stopping) windows.succeeded(kind, startT, now());
    } catch (err) {
      if (stopping) break;
      const e = classifyError(err);
      windows.failed(e.code, now(), e.readOnly === true);
      if (!conn || fatal(err)) {
        if (conn) drop(conn);
        conn = undefined;
        // An application backs off before reconnecting; without it a refused connect would spin.
        await sleep(100);
      }
    }
  }
  if (conn) drop(conn);
}

const flush = setInterval(
  () => {
    for (const window of windows.take(now())) post({ type: 'window', window });
  },
  Math.max(50, config.windowMs / 4),
);

const running = Array.from({ length: config.workers }, (_, i) => worker(i));

parentPort?.on('message', (m: { type: string; at: number }) => {
  if (m.type !== 'stop' || stopping) return;
  stopping = true;
  clearInterval(flush);
  // The drill ended at `at`: the last window ends there, and operations still in flight (a query on a dropped
  // connection can take its whole timeout to fail) are neither successes nor failures.
  const endT = Math.min(m.at, now());
  for (const window of windows.take(endT, true)) post({ type: 'window', window });
  post({ type: 'done' });
  for (const c of [...connections]) drop(c);
  void Promise.allSettled(running).then(() => parentPort?.close());
});
