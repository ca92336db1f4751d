import { closeSync, openSync, writeSync } from 'node:fs';
import type { HistoryRecord, Observation } from '../../src/core/history.js';
import { loadStart, loadStop, synthWindow } from './load-drills.js';

const iso = (t: number): string => new Date(Date.UTC(2026, 0, 1) + t).toISOString();

/**
 * Writes a drill's history straight to `path` (never whole in memory): `steadyS` seconds of a writer probed every
 * 250 ms and a `--load` of 800 reads and 200 writes a second, then the trigger, 10 s refused, and 30 s of the new
 * writer. The steady part's length changes the counts but not the failover's figures. Returns the file's size.
 */
export function writeLongHistory(path: string, steadyS: number): number {
  const fd = openSync(path, 'w');
  let pending: string[] = [];
  let size = 0;
  let bytes = 0;
  const put = (r: HistoryRecord): void => {
    const line = `${JSON.stringify(r)}\n`;
    pending.push(line);
    bytes += line.length;
    if (bytes > 1 << 20) flush();
  };
  const flush = (): void => {
    const text = pending.join('');
    size += writeSync(fd, text);
    pending = [];
    bytes = 0;
  };
  try {
    put({
      kind: 'run-start',
      t: 0,
      at: iso(0),
      index: 0,
      total: 1,
      startedAt: iso(0),
      sessionStartedAt: iso(0),
    });
    put({
      kind: 'monitor',
      t: 0,
      at: iso(0),
      monitor: 'simple',
      mode: 'simple',
      target: 'db:3306',
      expect: 'writer',
      intervalMs: 250,
    });
    put({ ...loadStart(0), at: iso(0) });
    const triggerAtMs = steadyS * 1000 + 500;
    const downFrom = triggerAtMs + 500;
    const downTo = downFrom + 10_000;
    const endMs = downTo + 30_000;
    let seq = 0;
    const steady = () => 0.5;
    for (let s = 0; s * 1000 < endMs; s++) {
      const t = s * 1000;
      for (let q = 0; q < 4; q++) {
        const t0 = t + q * 250;
        const down = t0 >= downFrom && t0 < downTo;
        const o: Observation = {
          kind: 'observation',
          monitor: 'simple',
          seq: seq++,
          t0,
          t1: t0 + 5,
          at: iso(t0),
          target: 'db:3306',
          expect: 'writer',
          address: '10.0.0.1',
          ok: !down,
          ...(down
            ? { error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' } }
            : { role: 'writer' as const, nodeId: t0 < downFrom ? 'node-01' : 'node-02' }),
        };
        put(o);
      }
      if (t === steadyS * 1000)
        put({
          kind: 'trigger',
          t: triggerAtMs,
          at: iso(triggerAtMs),
          trigger: 'failover',
          step: 'requested',
        });
      const down = t + 1000 > downFrom && t < downTo;
      put({
        ...synthWindow(t, 1000, down ? 0 : 800, down ? 0 : 200, down ? 40 : 0, 'ECONNREFUSED', 0, steady),
        at: iso(t),
      });
    }
    put({ ...loadStop(endMs), at: iso(endMs) });
    put({
      kind: 'run-end',
      t: endMs,
      at: iso(endMs),
      stop: 'recovered',
      gates: { trigger: 'failover' },
      target: { endpoint: 'db:3306', host: 'db', port: 3306 },
      header: { title: 'drill db:3306', details: 'a long synthetic drill' },
    });
    flush();
  } finally {
    closeSync(fd);
  }
  return size;
}
