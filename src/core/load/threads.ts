import { availableParallelism } from 'node:os';
import type { PostedWindow } from './messages.js';
import { mergeWindows } from './windows.js';

/** Connections one worker thread runs before another one is worth its start-up and its share of the CPU. */
export const connectionsPerThread = 16;

/** Worker threads for `workers` connections: one per `connectionsPerThread`, at most one per core. */
export function threadsFor(workers: number, cores = availableParallelism()): number {
  return Math.max(1, Math.min(cores, Math.ceil(workers / connectionsPerThread)));
}

/** `workers` connections dealt over `threads` threads as evenly as can be (no thread without one). */
export function spread(workers: number, threads: number): number[] {
  const n = Math.max(1, Math.min(threads, workers));
  return Array.from({ length: n }, (_, i) => Math.floor(workers / n) + (i < workers % n ? 1 : 0));
}

/**
 * Puts together the windows several threads post, one per window on the drill's axis: a window is handed on once
 * every thread still running has posted it or a later one (each thread posts its windows in order, empty ones too,
 * from the window it started in: a thread started after a second's boundary has no part in the second before),
 * and whatever is left once they have all finished.
 */
export class WindowMerger {
  private readonly pending = new Map<number, Map<number, PostedWindow>>();
  private readonly running: Set<number>;
  /** The latest window each thread has posted. */
  private readonly latest = new Map<number, number>();

  constructor(
    threads: number,
    private readonly windowMs: number,
    private readonly emit: (w: PostedWindow) => void,
  ) {
    this.running = new Set(Array.from({ length: threads }, (_, i) => i));
  }

  add(thread: number, window: PostedWindow): void {
    const index = Math.floor(window.t / this.windowMs);
    let parts = this.pending.get(index);
    if (!parts) {
      parts = new Map();
      this.pending.set(index, parts);
    }
    parts.set(thread, window);
    this.latest.set(thread, Math.max(index, this.latest.get(thread) ?? index));
    this.flush();
  }

  /** A thread has posted its last window (or died): windows no longer wait for it. */
  finished(thread: number): void {
    if (!this.running.delete(thread)) return;
    this.flush();
  }

  private flush(): void {
    const all = this.running.size === 0;
    for (const index of [...this.pending.keys()].sort((a, b) => a - b)) {
      const parts = this.pending.get(index) as Map<number, PostedWindow>;
      // A thread that has posted no window yet may still post this one (it may have started before its end).
      if (!all && ![...this.running].every((t) => (this.latest.get(t) ?? -Infinity) >= index)) break;
      this.pending.delete(index);
      this.emit(mergeWindows([...parts.values()]));
    }
  }
}
