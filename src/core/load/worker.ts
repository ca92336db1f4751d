import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import type { LoadWorkerData, WorkerMessage } from './messages.js';
import { LoadWindows } from './windows.js';

/** How a service's client does the load's work: one connection, one read or write at a time. */
export interface LoadDriver<C> {
  connect(): Promise<C>;
  run(conn: C, kind: 'read' | 'write'): Promise<void>;
  close(conn: C): void;
  /** The key the failure is counted by; `fatal` when the connection is no use after it (a new one is made). */
  classify(err: unknown): { code: string; readOnly?: boolean; fatal: boolean };
}

/** The service's settings, as the drill handed them to the worker thread. */
export function loadServiceData<S>(): S {
  return (workerData as LoadWorkerData<S>).service;
}

/**
 * The `--load` workload, in its own thread: its drivers' parsing and callbacks run on this thread's event loop,
 * so they cannot delay the timers the drill's monitors probe on. Each worker is one application connection,
 * running reads and writes back to back (or at a set rate), reconnecting when its connection breaks.
 */
export function runLoadWorker<C>(driver: LoadDriver<C>): void {
  const config = workerData as LoadWorkerData<unknown>;
  const now = (): number => performance.timeOrigin + performance.now() - config.originEpochMs;
  const post = (m: WorkerMessage): void => parentPort?.postMessage(m);
  const windows = new LoadWindows(config.windowMs, now());
  const open = new Set<C>();
  let stopping = false;

  const connect = async (): Promise<C> => {
    const conn = await driver.connect();
    if (stopping) driver.close(conn);
    else open.add(conn);
    return conn;
  };
  const drop = (conn: C): void => {
    open.delete(conn);
    driver.close(conn);
  };

  async function worker(index: number): Promise<void> {
    const share = config.rateLimit === null ? null : config.rateLimit / config.workers;
    const periodMs = share === null ? 0 : 1000 / share;
    // Workers on a rate start spread over one period, so their operations do not arrive in bursts.
    let nextAt = now() + (periodMs * index) / config.workers;
    let conn: C | undefined;
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
        await driver.run(conn, kind);
        if (!stopping) windows.succeeded(kind, startT, now());
      } catch (err) {
        if (stopping) break;
        const e = driver.classify(err);
        windows.failed(e.code, now(), e.readOnly === true);
        if (!conn || e.fatal) {
          if (conn) drop(conn);
          conn = undefined;
          // An application backs off before reconnecting; without it a refused connect would spin.
          await sleep(100);
        }
      }
    }
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
    for (const c of [...open]) drop(c);
    void Promise.allSettled(running).then(() => parentPort?.close());
  });
}
