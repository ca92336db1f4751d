import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { Clock } from '../clock.js';
import type { History, LoadStart, LoadStop, LoadWindow } from '../history.js';
import type { LoadShape, LoadWorkerData, WorkerMessage } from './messages.js';
import { spread, threadsFor, WindowMerger } from './threads.js';

/** How long the worker thread gets to hand over its last window before it is terminated. */
const stopGraceMs = 3000;

/**
 * `--load N`, the drill's side: N application connections run in worker threads (the service's module at
 * `worker`, built on runLoadWorker; several when N is large, see `threadsFor`), whose windows of throughput and
 * latency are merged into one every `windowMs` in the drill's history. Meanwhile this thread's event-loop delay is measured: it is how late the monitors' probes
 * could have started because of the load.
 */
export class LoadWorkload<S> {
  private threads: Worker[] = [];
  private done: Promise<void> | undefined;
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });

  constructor(
    private readonly history: History,
    private readonly clock: Clock,
    private readonly options: LoadShape & {
      worker: URL;
      target: string;
      windowMs: number;
      service: S;
      /** Worker threads to spread the connections over; by default as `threadsFor` decides. */
      threads?: number;
    },
  ) {}

  start(): void {
    const { worker: module, target, service, windowMs, workers, mix, rateLimit } = this.options;
    this.history.append<LoadStart>({
      kind: 'load-start',
      t: this.clock.now(),
      target,
      workers,
      mix,
      rateLimit,
    });
    const originEpochMs = performance.timeOrigin + performance.now() - this.clock.now();
    const shares = spread(workers, this.options.threads ?? threadsFor(workers));
    const merger = new WindowMerger(shares.length, windowMs, (w) =>
      this.history.append<LoadWindow>({ kind: 'load', ...w }),
    );
    this.loopDelay.enable();
    this.threads = shares.map((share) => {
      const data: LoadWorkerData<S> = {
        workers: share,
        mix,
        // Each thread holds its share of the rate, as each connection holds its share.
        rateLimit: rateLimit === null ? null : (rateLimit * share) / workers,
        windowMs,
        originEpochMs,
        service,
      };
      return new Worker(module, { workerData: data });
    });
    this.done = Promise.all(
      this.threads.map(
        (thread, i) =>
          new Promise<void>((resolve) => {
            const finished = (): void => {
              merger.finished(i);
              resolve();
            };
            thread.on('message', (m: WorkerMessage) => {
              if (m.type === 'window') merger.add(i, m.window);
              else if (m.type === 'done') finished();
            });
            thread.on('error', (err) => {
              this.history.note(`load stopped early: ${err.message}`, 'warn', 'load');
              finished();
            });
            thread.on('exit', finished);
          }),
      ),
    ).then(() => {});
  }

  /** Stops the workers, takes their last window, and records how late the drill's timers ran meanwhile. */
  async stop(): Promise<void> {
    const threads = this.threads;
    if (threads.length === 0) return;
    this.threads = [];
    const at = this.clock.now();
    for (const thread of threads) thread.postMessage({ type: 'stop', at });
    const timer = setTimeout(() => {
      for (const thread of threads) void thread.terminate();
    }, stopGraceMs);
    await this.done;
    clearTimeout(timer);
    await Promise.all(threads.map((thread) => thread.terminate()));
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
}
