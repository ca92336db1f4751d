import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analysis.js';
import { manualClock } from '../../src/core/clock.js';
import { History } from '../../src/core/history.js';
import { buildReport, buildRun, schemaVersion } from '../../src/core/report/json.js';
import { LiveView } from '../../src/core/report/live.js';
import type { RunResult } from '../../src/core/report/renderer.js';
import { styleFor } from '../../src/core/report/style.js';
import { renderSummary } from '../../src/core/report/summary.js';
import { verdict } from '../../src/core/verdict.js';
import { HistoryBuilder } from '../support/histories.js';
import { reportProblems } from '../support/schema.js';

const plain = styleFor(new PassThrough(), false);
const failover = () =>
  new HistoryBuilder().writer('node-01', 8).fail('ECONNREFUSED', 6).reader('node-01', 3).writer('node-02', 8);

function reportOf(h: HistoryBuilder) {
  const a = analyze(h.records);
  const v = verdict(a, { maxDowntimeMs: 10_000 }, 'recovered');
  const run: RunResult = {
    index: 0,
    startedAt: '2026-01-01T00:00:00.000Z',
    target: { endpoint: 'db:3306', host: 'db', port: 3306, user: 'admin' },
    stop: 'recovered',
    gates: { maxDowntimeMs: 10_000 },
    analysis: a,
    verdict: v,
  };
  assert.deepEqual(buildRun(run).gates, { maxDowntimeMs: 10_000 });
  return buildReport(
    { name: 'failover-drill', version: '0.0.0' },
    {
      startedAt: '2026-01-01T00:00:00.000Z',
      exitCode: v.exitCode,
      interrupted: false,
      runs: [run],
      repeats: null,
    },
  );
}

describe('JSON report', () => {
  it('validates against its documented schema, with the figures of the analysis', () => {
    const report = reportOf(failover());
    assert.deepEqual(reportProblems(report), []);
    assert.equal(report.schemaVersion, schemaVersion);
    const m = report.runs[0]?.monitors[0];
    assert.equal(m?.mode, 'simple');
    assert.equal(m?.downtimeMs, 4250 + 5 - 2000);
    assert.deepEqual(
      m?.outages.map((o) => [o.startMs, o.endMs]),
      [[2000, 4255]],
    );
    assert.deepEqual(m?.errors, { ECONNREFUSED: 6 });
    assert.equal(report.exitCode, 0);
  });

  it('reports an open outage with endMs null and still validates', () => {
    const report = reportOf(new HistoryBuilder().writer('node-01', 3).fail('ETIMEDOUT', 3));
    assert.deepEqual(reportProblems(report), []);
    assert.equal(report.runs[0]?.monitors[0]?.outages[0]?.endMs, null);
    assert.equal(report.exitCode, 1);
  });

  it('the schema rejects a report that lacks a documented field or carries a password', () => {
    const report = reportOf(failover()) as unknown as { runs: { monitors: Record<string, unknown>[] }[] };
    const broken = structuredClone(report);
    delete broken.runs[0]?.monitors[0]?.downtimeMs;
    assert.match(reportProblems(broken).join('\n'), /downtimeMs/);
    const leaky = structuredClone(report) as unknown as { runs: { target: Record<string, unknown> }[] };
    (leaky.runs[0] as { target: Record<string, unknown> }).target.password = 'x';
    assert.notDeepEqual(reportProblems(leaky), []);
  });
});

describe('summary table', () => {
  it('prints the downtime with its resolution, the tighter bound, the nodes and the verdict', () => {
    const a = analyze(failover().records);
    const text = renderSummary(a, verdict(a, {}, 'recovered'), { stop: 'recovered' }, plain);
    assert.match(text, /downtime\s+2\.255 s ± 250 ms/);
    assert.match(text, /tighter bound\s+2\.495 s/); // 4250 - (1750 + 5)
    assert.match(text, /stale-role time\s+750 ms/);
    assert.match(text, /nodes seen\s+node-01 → node-02/);
    assert.match(text, /errors\s+ECONNREFUSED ×6/);
    assert.match(text, /^PASS$/m);
    assert.ok(!text.includes('\u001b['), 'no colour codes in plain mode');
  });

  it('splits six monitors into tables that fit the width, each monitor once, as MemoryDB drills have', () => {
    const names = ['app:0001', 'app:0002', 'app:0003', 'nodes:0001', 'nodes:0002', 'nodes:0003'];
    const records = names.flatMap(
      (n) =>
        new HistoryBuilder(250, 5, n)
          .writer('my-cluster-0001-001', 8)
          .fail('CLUSTERDOWN', 3)
          .writer('my-cluster-0001-002', 8).records,
    );
    const a = analyze(records);
    const text = renderSummary(a, verdict(a, {}, 'recovered'), { stop: 'recovered' }, plain, 120);
    const lines = text.split('\n');
    assert.ok(Math.max(...lines.map((l) => l.trimEnd().length)) <= 120, text);
    for (const n of names) assert.equal(text.split(` ${n} `).length - 1, 1, `${n} heads one column: ${text}`);
    assert.ok(lines.filter((l) => /^ downtime /.test(l)).length >= 2, 'more than one table');
    // Wide enough, one table.
    const wide = renderSummary(a, verdict(a, {}, 'recovered'), { stop: 'recovered' }, plain, 400);
    assert.equal(wide.split('\n').filter((l) => /^ downtime /.test(l)).length, 1);
  });

  it('says FAIL and why when a gate is breached', () => {
    const a = analyze(failover().records);
    const text = renderSummary(
      a,
      verdict(a, { maxDowntimeMs: 1000 }, 'recovered'),
      { stop: 'recovered' },
      plain,
    );
    assert.match(text, /FAIL simple: downtime 2\.255 s exceeds --max-downtime 1\.000 s/);
  });
});

describe('live view', () => {
  it('prints one line per state change and folds repeated results into a counter', () => {
    const out = new PassThrough();
    // As a drill feeds it: the history folds each probe, then tells the view.
    const history = new History(manualClock(0));
    const view = new LiveView(out, plain, false, (monitor) => history.probes(monitor)?.change);
    history.subscribe(view.onRecord);
    for (const r of failover().records) history.restore(r);
    view.finish();
    const lines = String(out.read()).trimEnd().split('\n');
    assert.equal(lines.length, 4, lines.join('\n'));
    assert.match(lines[0] ?? '', /\+0\.000s\s+simple\s+● writer node-01/);
    assert.match(lines[1] ?? '', /\+2\.000s\s+simple\s+✗ ECONNREFUSED .*\(after 8 × writer node-01\)/);
    assert.match(lines[2] ?? '', /◐ reader \(wanted writer\) node-01 .*\(after 6 × ECONNREFUSED\)/);
    assert.match(
      lines[3] ?? '',
      /● writer node-02 .*\(after 3 × reader node-01\)\s+recovered: outage 2\.255 s/,
    );
  });

  it('uses colour only when asked and allowed', () => {
    const tty = Object.assign(new PassThrough(), { isTTY: true });
    assert.equal(styleFor(tty, true, { FORCE_COLOR: undefined }).level > 0, true);
    assert.equal(styleFor(tty, true, { NO_COLOR: '1' }).level, 0);
    assert.equal(styleFor(tty, false, {}).level, 0);
    assert.equal(styleFor(new PassThrough(), true, {}).level, 0);
    assert.equal(styleFor(new PassThrough(), true, { FORCE_COLOR: '1' }).level > 0, true);
  });
});
