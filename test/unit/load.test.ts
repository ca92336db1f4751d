import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planAurora } from '../../src/aurora/plan.js';
import { DrillError, ExitCode } from '../../src/core/errors.js';
import { emptyHistogram, merge, quantile, record, summarize } from '../../src/core/histogram.js';
import type { HistoryRecord, LoadWindow } from '../../src/core/history.js';
import { loadFigures } from '../../src/core/load/figures.js';
import { spread, threadsFor, WindowMerger } from '../../src/core/load/threads.js';
import { LoadWindows, mergeWindows } from '../../src/core/load/windows.js';

describe('latency histogram', () => {
  it('reads percentiles back within about 1% and never above the true maximum', () => {
    const h = emptyHistogram();
    for (let v = 1; v <= 1000; v++) record(h, v / 10); // 0.1 .. 100 ms
    const near = (got: number | null, want: number) =>
      assert.ok(got !== null && Math.abs(got - want) / want < 0.012, `${got} vs ${want}`);
    near(quantile(h, 0.5), 50);
    near(quantile(h, 0.99), 99);
    assert.equal(summarize(h)?.max, 100);
    assert.ok((quantile(h, 1) as number) <= 100);
  });

  it('two halves merged give the percentiles of the whole', () => {
    const a = emptyHistogram();
    const b = emptyHistogram();
    const whole = emptyHistogram();
    for (let v = 1; v <= 500; v++) {
      record(v % 2 ? a : b, v);
      record(whole, v);
    }
    assert.deepEqual(summarize(merge([a, b])), summarize(whole));
    assert.equal(summarize(emptyHistogram()), null);
  });
});

describe('load windows', () => {
  it('hands windows over in order, empty ones too, the first starting with the load', () => {
    const w = new LoadWindows(1000, 300);
    w.succeeded('read', 400, 410);
    w.succeeded('write', 900, 950);
    w.failed('1290', 2100);
    const taken = w.take(3500);
    assert.deepEqual(
      taken.map((x) => [x.t, x.windowMs, x.reads, x.writes, x.failed]),
      [
        [300, 700, 1, 1, 0],
        [1000, 1000, 0, 0, 0],
        [2000, 1000, 0, 0, 1],
      ],
    );
    assert.deepEqual(taken[2]?.errors, { '1290': 1 });
    const last = w.take(3200 + 400, true);
    assert.deepEqual(
      last.map((x) => [x.t, x.windowMs]),
      [[3000, 600]],
    );
  });

  it('a load started a fraction of a millisecond before a boundary: windows that touch and do not overlap', () => {
    const w = new LoadWindows(1000, 999.6);
    w.succeeded('read', 999.6, 999.8);
    w.succeeded('read', 1000.5, 1001);
    // Stopped exactly on a boundary: no window of no time after the last one.
    const taken = [...w.take(2500), ...w.take(3000, true)];
    assert.deepEqual(
      taken.map((x) => [x.t, Number(x.windowMs.toFixed(6)), x.reads]),
      [
        [999.6, 0.4, 1],
        [1000, 1000, 1],
        [2000, 1000, 0],
      ],
    );
    for (let i = 1; i < taken.length; i++) {
      const [before, next] = [taken[i - 1], taken[i]];
      assert.ok(
        before && next && before.t + before.windowMs <= next.t,
        `window ${i - 1} overlaps window ${i}`,
      );
    }
  });

  it('an operation that ended on the instant the load stopped, on a boundary, keeps a window of a hair of time', () => {
    const w = new LoadWindows(1000, 0);
    w.succeeded('read', 990, 1000);
    assert.deepEqual(
      w.take(1000, true).map((x) => [x.t, x.windowMs, x.reads]),
      [
        [0, 1000, 0],
        [1000, 0.001, 1],
      ],
    );
  });

  it('keeps the longest wait between two successes inside a window', () => {
    const w = new LoadWindows(1000, 0);
    for (const end of [100, 200, 700, 750]) w.succeeded('read', end - 1, end);
    const [first] = w.take(1000);
    assert.deepEqual(first?.innerGap, { fromT: 200, toT: 700 });
    assert.equal(first?.firstOkT, 100);
    assert.equal(first?.lastOkT, 750);
  });
});

describe('load windows from several threads', () => {
  /** A thread's window [t, t+1000) with successes at `oks` (ms) and failures of `code`. */
  const part = (t: number, oks: number[], failed = 0, code = '1290') => {
    const w = new LoadWindows(1000, t);
    for (const end of oks) w.succeeded(end % 2 ? 'read' : 'write', end - 2, end);
    for (let i = 0; i < failed; i++) w.failed(code, t + 500, code === '1290');
    return w.take(t + 1000)[0] as ReturnType<LoadWindows['take']>[number];
  };

  it('adds counts, errors and latencies up into one window of the same span', () => {
    const merged = mergeWindows([
      part(1000, [1101, 1200, 1301], 2),
      part(1000, [1400, 1501], 1, 'ECONNRESET'),
    ]);
    assert.deepEqual(
      [merged.t, merged.windowMs, merged.reads, merged.writes, merged.failed, merged.readOnly],
      [1000, 1000, 3, 2, 3, 2],
    );
    assert.deepEqual(merged.errors, { '1290': 2, ECONNRESET: 1 });
    assert.equal(merged.latency.count, 5);
    assert.deepEqual([merged.firstOkT, merged.lastOkT], [1101, 1501]);
  });

  it('the longest wait is where no thread had a success, never longer than the real one', () => {
    // Thread A waits 1100 -> 1800, thread B 1050 -> 1500: nothing succeeded from 1100 to 1500.
    const merged = mergeWindows([part(1000, [1010, 1100, 1800, 1900]), part(1000, [1020, 1050, 1500, 1950])]);
    assert.deepEqual(merged.innerGap, { fromT: 1100, toT: 1500 });
    // One thread stalled the whole window while the other kept going: no wait longer than the other's.
    const stalled = mergeWindows([part(1000, []), part(1000, [1100, 1300, 1400])]);
    assert.deepEqual(stalled.innerGap, { fromT: 1100, toT: 1300 });
    assert.equal(mergeWindows([part(1000, []), part(1000, [])]).innerGap, null);
  });

  it('hands a window on once every running thread posted it, in order, and the rest when they finish', () => {
    const out: number[][] = [];
    const merger = new WindowMerger(2, 1000, (w) => out.push([w.t, w.reads + w.writes]));
    merger.add(0, part(0, [100]));
    merger.add(0, part(1000, [1100]));
    assert.deepEqual(out, []);
    merger.add(1, part(0, [200, 300]));
    assert.deepEqual(out, [[0, 3]]);
    merger.add(0, part(2000, [2100]));
    merger.finished(1); // died: windows no longer wait for it
    assert.deepEqual(out, [
      [0, 3],
      [1000, 1],
      [2000, 1],
    ]);
  });

  it('two threads started on either side of a second: one window a second, each handed on once both posted it', () => {
    const out: [number, number, number][] = [];
    const merger = new WindowMerger(2, 1000, (w) => out.push([w.t, w.windowMs, w.reads + w.writes]));
    // Thread A starts just before the boundary at 1000, thread B just after: B has no window before 1000.
    const a = new LoadWindows(1000, 999.5);
    const b = new LoadWindows(1000, 1000.2);
    a.succeeded('read', 999.6, 999.9);
    for (const t of [1100, 1500, 2100]) {
      a.succeeded('read', t - 5, t);
      b.succeeded('write', t - 5, t + 1);
    }
    for (const w of a.take(2500)) merger.add(0, w);
    assert.deepEqual(out, [], 'B may yet post a window before 1000');
    // B's first window starts after 1000: the one before it is A's alone, handed on, not held to the end.
    for (const w of b.take(2500)) merger.add(1, w);
    assert.deepEqual(out, [
      [999.5, 0.5, 1],
      [1000, 1000, 4],
    ]);
    for (const w of a.take(3200, true)) merger.add(0, w);
    assert.equal(out.length, 2, 'the window from 2000 waits for B');
    for (const w of b.take(3200, true)) merger.add(1, w);
    assert.deepEqual(out.slice(2), [
      [2000, 1000, 2],
      [3000, 200, 0],
    ]);
    merger.finished(0);
    merger.finished(1);
    assert.equal(out.length, 4, 'no window handed on twice');
  });

  it('spreads connections evenly over threads: one per 16 connections, at most one per core', () => {
    assert.deepEqual(spread(32, 2), [16, 16]);
    assert.deepEqual(spread(5, 2), [3, 2]);
    assert.deepEqual(spread(1, 4), [1]);
    assert.equal(threadsFor(8, 2), 1);
    assert.equal(threadsFor(32, 2), 2);
    assert.equal(threadsFor(256, 2), 2);
    assert.equal(threadsFor(64, 8), 4);
  });
});

/** One second of load: `reads`/`writes` succeeded evenly over [t, t + 1000). */
function second(t: number, reads: number, writes: number, failed = 0): LoadWindow {
  const latency = emptyHistogram();
  for (let i = 0; i < reads + writes; i++) record(latency, 2);
  const ok = reads + writes > 0;
  return {
    kind: 'load',
    t,
    at: '',
    windowMs: 1000,
    reads,
    writes,
    failed,
    errors: failed ? { ECONNREFUSED: failed } : {},
    latency,
    firstOkT: ok ? t + 10 : null,
    lastOkT: ok ? t + 990 : null,
    innerGap: null,
  };
}

const start: HistoryRecord = {
  kind: 'load-start',
  t: 0,
  at: '',
  target: 'db:3306',
  workers: 4,
  mix: { read: 80, write: 20 },
  rateLimit: null,
};

describe('load figures', () => {
  it('a failover: the stall, the recovery of reads and writes, before and after', () => {
    const records: HistoryRecord[] = [
      start,
      second(0, 800, 200),
      second(1000, 800, 200),
      { kind: 'trigger', t: 2000, at: '', trigger: 'failover', step: 'requested' },
      second(2000, 300, 60, 5),
      second(3000, 0, 0, 40),
      second(4000, 700, 150, 3),
      second(5000, 820, 210),
    ];
    const l = loadFigures(records, 2000);
    assert.ok(l);
    assert.equal(l.before.opsPerSec, 1000);
    assert.equal(l.before.writesPerSec, 200);
    assert.equal(l.recoveredMs, 2000); // the window at 4000 is the first from which both stay above half
    assert.equal(l.after.readsPerSec, 760);
    assert.equal(l.longestGapMs, 4010 - 2990); // last success at 2990, next at 4010
    assert.equal(l.failed, 48);
    assert.deepEqual(l.errors, { ECONNREFUSED: 48 });
    assert.equal(l.timeline.length, 6);
  });

  it('reads back but every write refused is not recovered', () => {
    const records: HistoryRecord[] = [
      start,
      second(0, 800, 200),
      second(1000, 800, 200),
      second(2000, 0, 0, 100),
      second(3000, 900, 0, 220),
      second(4000, 900, 0, 220),
    ];
    const l = loadFigures(records, 2000);
    assert.equal(l?.recoveredMs, null);
    assert.equal(l?.after.opsPerSec, null);
  });

  it('a history without load has no load figures', () => {
    assert.equal(loadFigures([], null), null);
  });
});

describe('--load options', () => {
  const base = { endpoint: 'db.example:3306', user: 'u', mode: 'simple', trigger: 'none' } as const;
  const plan = (extra: Record<string, string>) =>
    planAurora({
      ...base,
      sweepInterval: '100ms',
      dnsCache: 'off',
      interval: '250ms',
      connectTimeout: '1s',
      queryTimeout: '2s',
      settle: '5s',
      timeout: '5m',
      at: '3s',
      baseline: '2s',
      repeat: '1',
      cooldown: '30s',
      labTiming: 'fast',
      events: true,
      writeSchema: 'failover_drill',
      poolSize: '4',
      ddlRows: '200000',
      loadMix: 'read=80,write=20',
      topic: 'auroralab-cluster-failovers',
      notificationsListen: '127.0.0.1:0',
      color: false,
      stepSummary: false,
      ...extra,
    });

  it('reads --load, --load-mix and --load-rate', () => {
    assert.deepEqual(plan({ load: '8', loadMix: 'read=0,write=1', loadRate: '500' }).load, {
      workers: 8,
      mix: { read: 0, write: 1 },
      rateLimit: 500,
    });
    assert.equal(plan({}).load, undefined);
  });

  const refused: [Record<string, string>, string][] = [
    [{ load: '0' }, "--load must be a whole number from 1 to 256, got '0'"],
    [{ load: 'many' }, "--load must be a whole number from 1 to 256, got 'many'"],
    [
      { load: '4', loadMix: 'read=80,delete=20' },
      "--load-mix 'read=80,delete=20': use read=W,write=W with whole-number weights, e.g. read=80,write=20",
    ],
    [{ load: '4', loadMix: 'read=0,write=0' }, "--load-mix 'read=0,write=0': the weights add up to 0"],
    [{ load: '4', loadRate: '0' }, "--load-rate must be a whole number from 1 to 1000000, got '0'"],
  ];
  for (const [extra, message] of refused) {
    it(`refuses ${JSON.stringify(extra)}: ${message}`, () => {
      assert.throws(
        () => plan(extra),
        (e: unknown) => e instanceof DrillError && e.exitCode === ExitCode.usage && e.message === message,
      );
    });
  }
});
