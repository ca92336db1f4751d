import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { Clock } from '../clock.js';
import type { History, LoadStart, LoadStop, LoadWindow } from '../history.js';
import type { LoadShape, LoadWorkerData, WorkerMessage } from './messages.js';

/** How long the worker thread gets to hand over its last window before it is terminated. */
const stopGraceMs = 3000;

/**
 * `--load N`, the drill's side: N application connections run in a worker thread (the service's module at
 * `worker`, built on runLoadWorker), which reports a window of throughput and latency every `windowMs` into the
 * drill's history. Meanwhile this thread's event-loop delay is measured: it is how late the monitors' probes
 * could have started because of the load.
 */
export class LoadWorkload<S> {
  private thread: Worker | undefined;
  private done: Promise<void> | undefined;
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });

  constructor(
    private readonly history: History,
    private readonly clock: Clock,
    private readonly options: LoadShape & { worker: URL; target: string; windowMs: number; service: S },
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
    const data: LoadWorkerData<S> = {
      workers,
      mix,
      rateLimit,
      windowMs,
      originEpochMs: performance.timeOrigin + performance.now() - this.clock.now(),
      service,
    };
    this.loopDelay.enable();
    const thread = new Worker(module, { workerData: data });
    this.thread = thread;
    this.done = new Promise<void>((resolve) => {
      thread.on('message', (m: WorkerMessage) => {
        if (m.type === 'window') this.history.append<LoadWindow>({ kind: 'load', ...m.window });
        else if (m.type === 'done') resolve();
      });
      thread.on('error', (err) => {
        this.history.note(`load stopped early: ${err.message}`, 'warn', 'load');
        resolve();
      });
      thread.on('exit', () => resolve());
    });
  }

  /** Stops the workers, takes their last window, and records how late the drill's timers ran meanwhile. */
  async stop(): Promise<void> {
    const thread = this.thread;
    if (!thread) return;
    this.thread = undefined;
    thread.postMessage({ type: 'stop', at: this.clock.now() });
    const timer = setTimeout(() => void thread.terminate(), stopGraceMs);
    await this.done;
    clearTimeout(timer);
    await thread.terminate();
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
