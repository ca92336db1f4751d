import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { Clock } from '../../core/clock.js';
import type { History, LoadStart, LoadStop, LoadWindow } from '../../core/history.js';
import type { Endpoint } from '../../net/endpoint.js';
import type { DnsChoice, Resolver } from '../../net/resolver.js';
import { type Credentials, type Timeouts, withEndpoint } from '../connection.js';
import { quoteIdent } from '../sql.js';
import { type LoadWorkerConfig, loadRows, loadTable, type WorkerMessage } from './statements.js';

export interface LoadOptions {
  endpoint: Endpoint;
  credentials: Credentials;
  timeouts: Timeouts;
  resolver: Resolver;
  dns: DnsChoice;
  schema: string;
  workers: number;
  mix: { read: number; write: number };
  rateLimit: number | null;
  windowMs: number;
}

/** How long the worker thread gets to hand over its last window before it is terminated. */
const stopGraceMs = 3000;

/**
 * `--load N`: N application connections on the cluster endpoint, in a worker thread, reporting a window of
 * throughput and latency every second into the drill's history. Meanwhile the main thread's event-loop delay
 * is measured: it is how late the monitors' probes could have started because of the load.
 */
export class LoadWorkload {
  private worker: Worker | undefined;
  private done: Promise<void> | undefined;
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });

  constructor(
    private readonly history: History,
    private readonly clock: Clock,
    private readonly options: LoadOptions,
  ) {}

  /** Creates and fills the table the workload uses (a preflight: an error here stops the drill before it starts). */
  async prepare(): Promise<void> {
    const { endpoint, credentials, timeouts, resolver, schema } = this.options;
    await withEndpoint(
      endpoint,
      resolver,
      credentials,
      timeouts,
      AbortSignal.timeout(30_000),
      async (query) => {
        await query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
        await query(
          `CREATE TABLE IF NOT EXISTS ${loadTable(schema)} (id INT NOT NULL PRIMARY KEY, v BIGINT NOT NULL DEFAULT 0, updated_at DATETIME(6) NULL)`,
        );
        const values = Array.from({ length: loadRows }, (_, i) => `(${i + 1})`).join(',');
        await query(`INSERT IGNORE INTO ${loadTable(schema)} (id) VALUES ${values}`);
      },
    );
  }

  start(): void {
    const o = this.options;
    this.history.append<LoadStart>({
      kind: 'load-start',
      t: this.clock.now(),
      target: o.endpoint.text,
      workers: o.workers,
      mix: o.mix,
      rateLimit: o.rateLimit,
    });
    const config: LoadWorkerConfig = {
      host: o.endpoint.host,
      port: o.endpoint.port,
      dns: o.dns,
      user: o.credentials.user,
      password: o.credentials.password ?? '',
      connectTimeoutMs: o.timeouts.connectTimeoutMs,
      queryTimeoutMs: o.timeouts.queryTimeoutMs,
      schema: o.schema,
      workers: o.workers,
      mix: o.mix,
      rateLimit: o.rateLimit,
      windowMs: o.windowMs,
      originEpochMs: performance.timeOrigin + performance.now() - this.clock.now(),
    };
    this.loopDelay.enable();
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: config });
    this.worker = worker;
    this.done = new Promise<void>((resolve) => {
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'window') this.history.append<LoadWindow>({ kind: 'load', ...m.window });
        else if (m.type === 'done') resolve();
      });
      worker.on('error', (err) => {
        this.history.note(`load stopped early: ${err.message}`, 'warn', 'load');
        resolve();
      });
      worker.on('exit', () => resolve());
    });
  }

  /** Stops the workers, takes their last window, and records how late the drill's timers ran meanwhile. */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    worker.postMessage({ type: 'stop', at: this.clock.now() });
    const timer = setTimeout(() => void worker.terminate(), stopGraceMs);
    await this.done;
    clearTimeout(timer);
    await worker.terminate();
    this.loopDelay.disable();
    // The histogram counts the sampling resolution (10 ms) as delay too; what is beyond it is the lateness.
    const late = (ns: number) => Math.max(0, Math.round((ns / 1e6 - 10) * 100) / 100);
    this.history.append<LoadStop>({
      kind: 'load-stop',
      t: this.clock.now(),
      loopDelayMs: {
        p50: late(this.loopDelay.percentile(50)),
        p99: late(this.loopDelay.percentile(99)),
        max: late(this.loopDelay.max),
      },
    });
  }

  /** `--cleanup`: drops the workload's table. */
  async cleanup(): Promise<void> {
    const { endpoint, credentials, timeouts, resolver, schema } = this.options;
    await withEndpoint(endpoint, resolver, credentials, timeouts, AbortSignal.timeout(10_000), (query) =>
      query(`DROP TABLE IF EXISTS ${loadTable(schema)}`),
    );
  }
}
