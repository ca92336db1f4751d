import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { LoadFold } from '../../src/core/load/figures.js';
import { LoadTimeline } from '../../src/core/load/timeline.js';
import { KeptRecords } from '../../src/core/probes.js';
import { buildReport, sessionFromReport } from '../../src/core/report/json.js';
import { styleFor } from '../../src/core/report/style.js';
import { renderSummary } from '../../src/core/report/summary.js';
import { readSavedDrill } from '../../src/core/session/replay.js';
import { HistoryBuilder, savedHistory } from '../support/histories.js';
import { loadStart, loadStop, randomDrill, synthWindow } from '../support/load-drills.js';
import { referenceLoadFigures } from '../support/load-reference.js';

describe('--load windows folded as they arrive', () => {
  it('equal the whole-list computation over 300 random drills', () => {
    let triggered = 0;
    let recovered = 0;
    let readOnly = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const { records, triggerAtMs } = randomDrill(seed);
      // As a live drill keeps them: the trigger learnt from its record when it arrives.
      const kept = new KeptRecords();
      for (const r of records) kept.add(r);
      const fold = kept.load.figures();
      const reference = referenceLoadFigures(records, triggerAtMs);
      assert.ok(fold && reference, `seed ${seed}`);
      const { timeline, ...figures } = fold;
      const { timeline: refTimeline, ...refFigures } = reference;
      assert.deepEqual(figures, refFigures, `seed ${seed}`);
      // Same codes in the same order: a report's JSON is the same text.
      assert.equal(JSON.stringify(figures.errors), JSON.stringify(refFigures.errors), `seed ${seed}`);
      assert.deepEqual(
        timeline.map(({ spanMs: _, ...p }) => p),
        refTimeline,
        `seed ${seed}`,
      );
      // Also when the trigger is known before the records are read (a history file read twice).
      const given = new LoadFold(triggerAtMs);
      for (const r of records) given.add(r);
      const { timeline: _t, ...givenFigures } = given.figures() ?? fold;
      assert.deepEqual(givenFigures, refFigures, `seed ${seed}, trigger given`);
      if (triggerAtMs !== null) triggered++;
      if (fold.recoveredMs !== null) recovered++;
      if (fold.readOnlyErrors > 0) readOnly++;
    }
    // The drills cover what they should.
    assert.ok(triggered > 200 && triggered < 300, `${triggered} triggered`);
    assert.ok(recovered > 100, `${recovered} recovered`);
    assert.ok(readOnly > 30, `${readOnly} with read-only refusals`);
  });

  it('fold a week of one-second windows within a few MB of heap', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const week = 7 * 24 * 3600;
    const fold = new LoadFold();
    fold.add(loadStart(0));
    fold.add({ kind: 'trigger', t: 3_600_000, at: '', trigger: 'failover', step: 'requested' });
    gc();
    const before = process.memoryUsage().heapUsed;
    let peak = 0;
    for (let i = 0; i < week; i++) {
      const down = i >= 3600 && i < 3620;
      fold.add(synthWindow(i * 1000, 1000, down ? 0 : 800, down ? 0 : 200, down ? 50 : 0));
      if (i % 100_000 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - before);
      }
    }
    fold.add(loadStop(week * 1000));
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    const l = fold.figures();
    assert.ok(l);
    assert.equal(l.reads, (week - 20) * 800);
    assert.equal(l.recoveredMs, 20_000);
    assert.ok(l.timeline.length <= 3600, `${l.timeline.length} points`);
    assert.equal(
      l.timeline.reduce((a, p) => a + p.spanMs, 0),
      week * 1000,
    );
    const mb = (b: number) => (b / 1024 / 1024).toFixed(2);
    assert.ok(
      grown < 4 * 1024 * 1024 && peak < 4 * 1024 * 1024,
      `heap grew ${mb(grown)} MB (peak ${mb(peak)} MB)`,
    );
  });

  it('counts windows that come more than 60 s out of order, and says so in the summary', () => {
    // Three minutes of windows, the 10th and 11th seconds' at the end, as if their lines had been moved.
    const windows = Array.from({ length: 180 }, (_, i) => i)
      .filter((i) => i !== 10 && i !== 11)
      .map((i) => synthWindow(i * 1000, 1000, 100, 0));
    const records = [
      ...new HistoryBuilder(250, 5, 'simple').writer('node-01', 8).records,
      loadStart(0),
      ...windows,
      synthWindow(10_000, 1000, 7, 0),
      synthWindow(11_000, 1000, 7, 0),
      loadStop(180_000),
    ];
    const plain = styleFor(new PassThrough(), false);
    const session = readSavedDrill(savedHistory([{ records }])).replay({
      human: new PassThrough(),
      style: plain,
      renderers: [],
    });
    const run = session.runs[0];
    const l = run?.analysis.load;
    assert.ok(run && l);
    assert.equal(l.lateWindows, 2);
    assert.equal(l.reads, 178 * 100 + 2 * 7, 'the late windows still count');
    assert.match(
      renderSummary(run.analysis, run.verdict, run, plain),
      /2 load windows came more than 60 s out of order \(lines moved in the history file\?\): counted in the totals/,
    );

    // Out of order by less than 60 s, as threads and history files may be: folded in order, nothing said.
    const shuffled = new LoadFold();
    shuffled.add(loadStart(0));
    for (const i of [0, 2, 1, 30, 3, 4]) shuffled.add(synthWindow(i * 1000, 1000, 100, 0));
    assert.equal(shuffled.figures()?.lateWindows, 0);
  });
});

describe('--load timeline', () => {
  it('joins neighbouring points in pairs past its limit: counts add up, spans cover the drill, p99 never lower', () => {
    const tl = new LoadTimeline(8);
    const windows = Array.from({ length: 37 }, (_, i) => synthWindow(i * 1000, 1000, i, 1, i % 3));
    for (const w of windows) tl.add(w);
    const points = tl.list();
    assert.ok(points.length <= 8, `${points.length} points`);
    assert.equal(
      points.reduce((a, p) => a + p.ok, 0),
      windows.reduce((a, w) => a + w.reads + w.writes, 0),
    );
    assert.equal(
      points.reduce((a, p) => a + p.failed, 0),
      windows.reduce((a, w) => a + w.failed, 0),
    );
    // Contiguous: each point starts where the one before ends, from the first window to the last one's end.
    assert.equal(points[0]?.atMs, 0);
    for (let i = 1; i < points.length; i++) {
      const prev = points[i - 1];
      assert.equal(points[i]?.atMs, (prev?.atMs ?? 0) + (prev?.spanMs ?? 0));
    }
    const last = points[points.length - 1];
    assert.equal((last?.atMs ?? 0) + (last?.spanMs ?? 0), 37_000);
    // Until the limit, one point per window, of its own length.
    const short = new LoadTimeline(8);
    for (const w of windows.slice(0, 7)) short.add(w);
    assert.deepEqual(
      short.list().map((p) => [p.atMs, p.spanMs]),
      windows.slice(0, 7).map((w) => [w.t, 1000]),
    );
  });

  it('a report written before points had spanMs reads back with 1000 (and before late windows, with none)', () => {
    const builder = new HistoryBuilder(250, 5, 'simple').writer('node-01', 8);
    const records = [
      ...builder.records,
      loadStart(0),
      synthWindow(0, 1000, 10, 2),
      synthWindow(1000, 1000, 10, 2),
      loadStop(2000),
    ];
    const session = readSavedDrill(savedHistory([{ records }])).replay({
      human: new PassThrough(),
      style: styleFor(new PassThrough(), false),
      renderers: [],
    });
    const report = buildReport({ name: 'failover-drill', version: '0' }, session);
    const load = report.runs[0]?.load;
    assert.ok(load);
    assert.deepEqual(
      load.timeline.map((p) => p.spanMs),
      [1000, 1000],
    );
    const old = JSON.parse(JSON.stringify(report), (k, v) =>
      k === 'spanMs' || k === 'lateWindows' ? undefined : v,
    );
    const again = sessionFromReport(old);
    assert.deepEqual(
      again.runs[0]?.analysis.load?.timeline.map((p) => p.spanMs),
      [1000, 1000],
    );
    assert.equal(again.runs[0]?.analysis.load?.lateWindows, 0, 'and no late windows');
  });
});
