import { emptyHistogram, record } from '../../src/core/histogram.js';
import type { HistoryRecord, LoadStart, LoadStop, LoadWindow, TriggerStep } from '../../src/core/history.js';

/** A small seeded generator (mulberry32): the same seed, the same drill. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const loadStart = (t = 0): LoadStart => ({
  kind: 'load-start',
  t,
  at: '',
  target: 'db:3306',
  workers: 8,
  mix: { read: 80, write: 20 },
  rateLimit: null,
});

export const loadStop = (t: number): LoadStop => ({
  kind: 'load-stop',
  t,
  at: '',
  loopDelayMs: { p50: 0.1, p99: 0.5, max: 2 },
});

/** One window with `reads` and `writes` spread over it and `failed` of `code`, as a worker thread would post it. */
export function synthWindow(
  t: number,
  windowMs: number,
  reads: number,
  writes: number,
  failed = 0,
  code = 'ECONNREFUSED',
  readOnly = 0,
  rand: () => number = Math.random,
): LoadWindow {
  const latency = emptyHistogram();
  const ok = reads + writes;
  // A handful of latencies stand for the window's successes.
  for (let i = 0; i < Math.min(ok, 4); i++) record(latency, 0.5 + rand() * 20);
  const firstOkT = ok > 0 ? t + rand() * windowMs * 0.2 : null;
  const lastOkT = ok > 0 ? t + windowMs * (0.8 + rand() * 0.2) : null;
  const inner =
    ok > 1 && firstOkT !== null && lastOkT !== null && rand() < 0.3
      ? {
          fromT: firstOkT + (lastOkT - firstOkT) * 0.2,
          toT: firstOkT + (lastOkT - firstOkT) * (0.3 + rand() * 0.6),
        }
      : null;
  return {
    kind: 'load',
    t,
    at: '',
    windowMs,
    reads,
    writes,
    failed,
    errors: failed > 0 ? { [code]: failed } : {},
    ...(readOnly > 0 ? { readOnly } : {}),
    latency,
    firstOkT,
    lastOkT,
    innerGap: inner,
  };
}

export interface RandomDrill {
  /** In the order a live drill appends them (windows reach the history up to a few seconds out of order). */
  records: HistoryRecord[];
  triggerAtMs: number | null;
}

/**
 * A drill of one-second windows with, at random: a trigger or none (sometimes inside a window), an outage after
 * it, read-only refusals of the writes, dips during recovery, no writes or no reads at all, a short first and last
 * window, and windows arriving up to a few seconds late.
 */
export function randomDrill(seed: number): RandomDrill {
  const rand = seeded(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const n = int(5, 400);
  const startT = rand() * 900;
  const readRate = rand() < 0.1 ? 0 : int(50, 1200);
  const writeRate = rand() < 0.15 ? 0 : int(10, 300);
  const firstBoundary = Math.ceil(startT / 1000) * 1000 || 1000;
  const endT = firstBoundary + (n - 2) * 1000 + 1 + rand() * 999;
  const triggered = rand() < 0.8;
  const triggerAtMs = triggered
    ? rand() < 0.3
      ? startT + rand() * (endT - startT)
      : Math.round(startT + rand() * (endT - startT))
    : null;
  const outageFrom = triggerAtMs === null ? Infinity : triggerAtMs + rand() * 3000;
  const outageTo = outageFrom + (rand() < 0.2 ? 0 : rand() * 40_000);
  const readOnlyTo = outageTo + (rand() < 0.4 ? rand() * 20_000 : 0);
  const dips = rand() < 0.3 ? int(1, 5) : 0;
  const dipAt = new Set(Array.from({ length: dips }, () => int(0, n - 1)));
  const code = ['ECONNREFUSED', '1290', 'ETIMEDOUT', 'PROTOCOL_CONNECTION_LOST'];

  type Arrival = { at: number; record: HistoryRecord };
  const arrivals: Arrival[] = [];
  let t = startT;
  for (let i = 0; t < endT; i++) {
    const end = Math.min(i === 0 ? firstBoundary : t + 1000, endT);
    const windowMs = Math.max(1, end - t);
    const share = windowMs / 1000;
    const jitter = () => 0.85 + rand() * 0.3;
    let reads = Math.round(readRate * share * jitter());
    let writes = Math.round(writeRate * share * jitter());
    let failed = 0;
    let readOnly = 0;
    let c = code[int(0, code.length - 1)] as string;
    if (t + windowMs > outageFrom && t < outageTo) {
      failed = reads + writes + int(0, 5);
      reads = 0;
      writes = 0;
    } else if (t + windowMs > outageTo && t < readOnlyTo) {
      readOnly = writes;
      failed = writes;
      writes = 0;
      c = '1290';
    } else if (dipAt.has(i)) {
      reads = Math.round(reads * rand() * 0.6);
      writes = Math.round(writes * rand() * 0.6);
      failed = int(0, 20);
    }
    const w = synthWindow(t, windowMs, reads, writes, failed, c, readOnly, rand);
    arrivals.push({ at: end + rand() * 3000, record: w });
    t = end;
  }
  if (triggerAtMs !== null) {
    const trigger: TriggerStep = {
      kind: 'trigger',
      t: triggerAtMs,
      at: '',
      trigger: 'failover',
      step: 'requested',
    };
    arrivals.push({ at: triggerAtMs, record: trigger });
  }
  arrivals.sort((a, b) => a.at - b.at);
  const last = arrivals.reduce((m, a) => Math.max(m, a.at), endT);
  return {
    records: [loadStart(startT), ...arrivals.map((a) => a.record), loadStop(last)],
    triggerAtMs,
  };
}
