import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { manualClock } from '../../src/core/clock.js';
import { abortable, type ProbeAborted, ProbeScheduler, raceAbort } from '../../src/core/scheduler.js';

/** A probe that takes `ms` of (mocked) time, or less if its signal aborts first. */
function busy(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Moves the clock and the mocked timers together, letting promise callbacks run in between. */
async function advance(clock: ReturnType<typeof manualClock>, ms: number, step = 1): Promise<void> {
  for (let i = 0; i < ms; i += step) {
    clock.set(clock.now() + step);
    mock.timers.tick(step);
    await new Promise<void>((r) => setImmediate(r));
  }
}

describe('probe scheduler', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  it('starts probes on a fixed grid without drift when probes are fast', async () => {
    const clock = manualClock();
    const starts: number[] = [];
    const s = new ProbeScheduler(clock, { intervalMs: 100, deadlineMs: 1000 }, async (_seq, signal) => {
      starts.push(clock.now());
      // each probe costs 37 ms: a scheduler that waited interval *after* each probe would drift by 37 ms a probe
      await busy(37, signal);
    });
    s.start();
    await advance(clock, 1000);
    await s.stop();
    assert.deepEqual(starts, [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    assert.equal(s.skipped, 0);
  });

  it('never runs two probes at once: a slow probe makes it skip the slots it covered', async () => {
    const clock = manualClock();
    const starts: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const s = new ProbeScheduler(clock, { intervalMs: 100, deadlineMs: 1000 }, async (seq, signal) => {
      starts.push(clock.now());
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await busy(seq === 1 ? 250 : 10, signal);
      inFlight--;
    });
    s.start();
    await advance(clock, 700);
    await s.stop();
    assert.equal(maxInFlight, 1);
    // probe 1 starts at 100 and ends at 350: slots 200 and 300 are skipped, the next starts at 400
    assert.deepEqual(starts.slice(0, 4), [0, 100, 400, 500]);
    assert.equal(s.skipped, 2);
  });

  it('aborts a probe at its deadline, and stop() aborts the one in flight as STOPPED', async () => {
    const clock = manualClock();
    const reasons: string[] = [];
    const s = new ProbeScheduler(clock, { intervalMs: 100, deadlineMs: 60 }, (_seq, signal) => {
      return new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => {
          reasons.push(`${(signal.reason as ProbeAborted).code}@${clock.now()}`);
          resolve();
        });
      });
    });
    s.start();
    await advance(clock, 130);
    await s.stop();
    assert.deepEqual(reasons, ['DEADLINE@60', 'STOPPED@130']);
  });

  it("counts each probe's deadline from its own start when probes are shorter than the deadline", async () => {
    const clock = manualClock();
    const aborted: string[] = [];
    const s = new ProbeScheduler(clock, { intervalMs: 10, deadlineMs: 25 }, async (seq, signal) => {
      // Probes 0-6 take 2 ms; probe 7 (due at 70) hangs until its deadline, 25 ms after its start.
      await busy(seq === 7 ? 1000 : 2, signal);
      if ((signal.reason as ProbeAborted | undefined)?.code === 'DEADLINE')
        aborted.push(`${seq}@${clock.now()}`);
    });
    s.start();
    await advance(clock, 120);
    await s.stop();
    assert.deepEqual(aborted, ['7@95']);
  });

  it('probes that wait on their signal leave one listener on it, and a deadline gives the next probe a fresh one', async () => {
    const clock = manualClock();
    const signals = new Set<AbortSignal>();
    let last: AbortSignal | undefined;
    const s = new ProbeScheduler(clock, { intervalMs: 10, deadlineMs: 5 }, async (seq, signal) => {
      signals.add(signal);
      last = signal;
      await raceAbort(Promise.resolve(), signal);
      await abortable(signal, (done) => setTimeout(() => done(null), 1));
      // Probe 50 hangs past its deadline.
      if (seq === 50) await busy(100, signal);
    });
    s.start();
    await advance(clock, 1000);
    // The waits of the probes since then left on the current signal left only the one listener every wait goes through.
    assert.equal(getEventListeners(last as AbortSignal, 'abort').length, 1);
    await s.stop();
    // One signal until probe 50's deadline aborted it, one from there on (aborted by the stop).
    const [first, second] = [...signals] as AbortSignal[];
    assert.equal(signals.size, 2);
    assert.equal((first?.reason as ProbeAborted | undefined)?.code, 'DEADLINE');
    assert.equal(second, last);
    assert.equal((second?.reason as ProbeAborted | undefined)?.code, 'STOPPED');
  });

  it('refuses a zero interval', () => {
    assert.throws(() => new ProbeScheduler(manualClock(), { intervalMs: 0, deadlineMs: 10 }, async () => {}));
  });
});

describe('pause', () => {
  it('leaves no listener behind on the signal it watches (a wait loop must not pile them up)', async () => {
    const { pause } = await import('../../src/core/scheduler.js');
    const stop = new AbortController();
    for (let i = 0; i < 20; i++) await pause(1, stop.signal);
    assert.equal(getEventListeners(stop.signal, 'abort').length, 0);
  });
});
