import type { LoadWindow } from '../history.js';

/** The shape of a `--load` workload, whatever it runs against. */
export interface LoadShape {
  /** Application connections (clients), each running one operation at a time. */
  workers: number;
  /** Relative weights of reads and writes. */
  mix: { read: number; write: number };
  /** Total operations per second, shared evenly by the workers; null for flat out. */
  rateLimit: number | null;
}

/** What a load worker thread is given: the shape and timing, and the service's own settings (plain data). */
export interface LoadWorkerData<S> extends LoadShape {
  windowMs: number;
  /** The drill's time origin as `performance.timeOrigin + performance.now()` would give it. */
  originEpochMs: number;
  service: S;
}

/** A window as the worker thread posts it (a LoadWindow without the history's stamps). */
export type PostedWindow = Omit<LoadWindow, 'kind' | 'at'>;

export type WorkerMessage = { type: 'window'; window: PostedWindow } | { type: 'done' };
