import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Chalk } from 'chalk';
import { analyze } from '../../src/core/analysis.js';
import { emptyHistogram, record } from '../../src/core/histogram.js';
import { History, type HistoryRecord } from '../../src/core/history.js';
import { summarizeRuns } from '../../src/core/repeats.js';
import { marksPerLane } from '../../src/core/report/html/marks.js';
import { createRenderers } from '../../src/core/report/index.js';
import type { RendererSpec, RunResult } from '../../src/core/report/renderer.js';
import { htmlHint } from '../../src/core/report/summary.js';
import { addSecret } from '../../src/core/secrets.js';
import { verdict } from '../../src/core/verdict.js';
import { HistoryBuilder } from '../support/histories.js';

const dir = mkdtempSync(join(tmpdir(), 'drill-html-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const secret = 'pw&<"x>';
const hostile = '<img src=x onerror=alert(1)>';

/** A failover as a history: a writer, errors carrying markup and the password, a reader, the new writer. */
function failoverHistory(): HistoryRecord[] {
  const b = new HistoryBuilder(250, 5, 'simple "quoted"')
    .writer('node-01', 8)
    .trigger(2000)
    .fail('ECONNREFUSED', 4)
    .reader('node-01', 3)
    .writer('node-02', 6);
  const records = b.records;
  const failed = records.find((r) => r.kind === 'observation' && !r.ok);
  if (failed?.kind === 'observation') {
    failed.error = { code: 'ECONNREFUSED', message: `${hostile} as admin/${secret}` };
  }
  records.push(
    { kind: 'trigger', t: 2030, at: '', trigger: 'failover', step: 'acknowledged', detail: 'accepted' },
    {
      kind: 'service-event',
      t: 2100,
      at: '',
      source: 'rds:c',
      message: '</svg><script>alert(2)</script>',
      phase: 'failover-started',
    },
    {
      kind: 'ground-truth',
      t: 2050,
      at: '',
      what: 'writes-stopped node-01',
      fact: 'node-down',
      node: 'node-01',
    },
    {
      kind: 'ground-truth',
      t: 3300,
      at: '',
      what: 'writes-accepted node-02',
      fact: 'writer-up',
      node: 'node-02',
    },
    { kind: 'ground-truth', t: 3500, at: '', what: 'dns cluster -> 10.0.0.2', fact: 'writer-endpoint-moved' },
  );
  return records;
}

/** Load windows beside the probes, one a second. */
function withLoad(records: HistoryRecord[], seconds = 5): HistoryRecord[] {
  const out = [...records];
  out.push({
    kind: 'load-start',
    t: 0,
    at: '',
    target: 'db:3306',
    workers: 2,
    mix: { read: 1, write: 1 },
    rateLimit: null,
  });
  for (let t = 0; t < seconds * 1000; t += 1000) {
    const latency = emptyHistogram();
    const ok = t === 2000 ? 0 : 40;
    for (let i = 0; i < ok; i++) record(latency, 2 + i / 10);
    out.push({
      kind: 'load',
      t,
      at: '',
      windowMs: 1000,
      reads: ok / 2,
      writes: ok / 2,
      failed: t === 2000 ? 12 : 0,
      errors: t === 2000 ? { ECONNREFUSED: 12 } : {},
      latency,
      firstOkT: ok ? t + 1 : null,
      lastOkT: ok ? t + 999 : null,
      innerGap: null,
    });
  }
  return out;
}

function runOf(records: HistoryRecord[], index: number): RunResult {
  const analysis = analyze(records);
  const gates = { trigger: 'failover' };
  return {
    index,
    startedAt: '2026-01-01T00:00:00.000Z',
    target: { endpoint: 'db:3306', host: 'db', port: 3306 },
    stop: 'recovered',
    gates,
    analysis,
    verdict: verdict(analysis, gates, 'recovered'),
  };
}

/** Drives renderers through the session's hooks, as a live drill (or a re-render of a history) does. */
function render(specs: RendererSpec[], runs: HistoryRecord[][]): string {
  let human = '';
  const sink = {
    write(chunk: string) {
      human += chunk;
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  const renderers = createRenderers(specs, {
    human: sink,
    stdout: sink,
    style: new Chalk({ level: 0 }),
    tty: false,
    tool: { name: 'failover-drill', version: 'test' },
  });
  const results: RunResult[] = [];
  runs.forEach((records, index) => {
    const history = new History({ now: () => 0, isoAt: () => '', originWallMs: 0 } as never);
    for (const r of renderers) r.runStarted?.(history, { index, total: runs.length });
    for (const record of records) history.restore(record);
    for (const r of renderers)
      r.runHeader?.({ title: `drill test <b>${index}</b>`, details: 'probe every 250 ms' });
    const run = runOf(records, index);
    results.push(run);
    for (const r of renderers) r.runEnded?.(run);
  });
  const repeats = runs.length > 1 ? summarizeRuns(results.map((r) => r.analysis)) : null;
  const session = {
    startedAt: '2026-01-01T00:00:00.000Z',
    exitCode: 0,
    interrupted: false,
    runs: results,
    repeats,
  };
  for (const r of renderers) r.sessionEnded?.(session);
  return human;
}

describe('html report', () => {
  it('draws lanes, probes by outcome, the outage with its length and the labelled marks', () => {
    const file = join(dir, 'one.html');
    render([{ name: 'html', to: file }], [withLoad(failoverHistory())]);
    const html = readFileSync(file, 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /<g class="lane" data-monitor="simple &quot;quoted&quot;">/);
    for (const outcome of ['good', 'wrong-role', 'failed'])
      assert.match(html, new RegExp(`class="probe ${outcome}"`));
    assert.match(html, /<g class="outage"[^>]*>.*?>1\.\d{3} s<\/text>/);
    for (const id of [
      'trigger-requested',
      'trigger-acknowledged',
      'failover-started',
      'writer-down',
      'writer-up',
    ]) {
      assert.match(html, new RegExp(`data-marker="${id}"`), id);
    }
    assert.match(html, /data-marker="dns-moved"[^>]*>.*?DNS moved/);
    assert.match(html, /<g class="load">/);
    assert.match(html, /p99 latency/);
    assert.match(html, /<div class="verdict pass">PASS<\/div>/);
    // Hovering a probe shows it: address, node, latency.
    assert.match(
      html,
      /data-tip="simple &quot;quoted&quot; #0 at \+0 ms: right role\nwriter\naddress 10\.0\.0\.1\nnode node-01\nlatency 5\.0 ms"/,
    );
  });

  it('draws a long load as its joined points, each as wide as it covers and its rate per second', () => {
    const file = join(dir, 'long-load.html');
    // 4000 windows: past 3600 points, neighbours are joined in pairs (2 s each, 80 operations: 40 a second).
    render([{ name: 'html', to: file }], [withLoad(failoverHistory(), 4000)]);
    const html = readFileSync(file, 'utf8');
    const windows = html.match(/<g class="window"/g)?.length ?? 0;
    assert.ok(windows === 2000, `${windows} points`);
    assert.match(html, /load at [^:]+: 40 ops\/s ok, 0 failed\/s/);
    assert.doesNotMatch(html, /: 80 ops\/s ok/);
  });

  it('fetches nothing, runs only its own script, and escapes what the drill saw', () => {
    const file = join(dir, 'hostile.html');
    render([{ name: 'html', to: file }], [failoverHistory()]);
    const html = readFileSync(file, 'utf8');
    assert.match(html, /Content-Security-Policy" content="default-src 'none'; [^"]*script-src 'sha256-/);
    assert.equal(html.match(/<script/g)?.length, 1);
    assert.doesNotMatch(html, /<img|<\/svg><script|<b>/);
    assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.match(html, /&lt;\/svg&gt;&lt;script&gt;alert\(2\)&lt;\/script&gt;/);
    assert.doesNotMatch(html, /(?:src|href)="(?!#)/, 'no resource is referenced');
  });

  it('never shows a password, even one that escaping would change', () => {
    addSecret(secret);
    const file = join(dir, 'secret.html');
    render([{ name: 'html', to: file }], [failoverHistory()]);
    const html = readFileSync(file, 'utf8');
    assert.ok(!html.includes(secret));
    assert.ok(!html.includes('pw&amp;&lt;&quot;x&gt;'));
    assert.match(html, /as admin\/\*\*\*/);
  });

  it('--repeat: a chart a run and the table of repeat statistics', () => {
    const file = join(dir, 'repeat.html');
    render([{ name: 'html', to: file }], [failoverHistory(), failoverHistory()]);
    const html = readFileSync(file, 'utf8');
    assert.equal(html.match(/<svg class="timeline"/g)?.length, 2);
    assert.match(html, /<section class="run" id="run-2">\n<h2>Run 2 of 2<\/h2>/);
    assert.match(html, /<table class="repeats" data-runs="2">/);
    for (const k of ['min', 'median', 'p95', 'max']) assert.match(html, new RegExp(`<th>${k}</th>`));
  });

  it('the summary points at --html only when no timeline was asked for', () => {
    const plain = render([{ name: 'summary' }], [failoverHistory()]);
    assert.ok(plain.includes(htmlHint), plain);
    assert.match(htmlHint, /--html FILE/);
    const withHtml = render(
      [{ name: 'summary' }, { name: 'html', to: join(dir, 'h.html') }],
      [failoverHistory()],
    );
    assert.ok(!withHtml.includes(htmlHint));
  });

  it('joins neighbouring probes once a lane holds more than it can draw apart, and still shows a lone failure', () => {
    const b = new HistoryBuilder(100, 2)
      .writer('node-01', 6000)
      .fail('ECONNREFUSED', 1)
      .writer('node-01', 6000);
    const file = join(dir, 'long.html');
    render([{ name: 'html', to: file }], [b.records]);
    const html = readFileSync(file, 'utf8');
    const marks = html.match(/<rect class="probe /g)?.length ?? 0;
    assert.ok(marks > 0 && marks <= marksPerLane, `${marks} probe marks`);
    assert.equal(html.match(/<rect class="probe failed"/g)?.length, 1);
    // A joined mark says which probes it holds and how they went; the failure keeps its own tip.
    assert.match(
      html,
      /data-tip="simple #0–#\d+ from \+0 ms to \+\d+ ms: \d+ probes\n\d+ right role, 0 wrong role, 0 errors"/,
    );
    assert.match(
      html,
      /data-tip="simple #6000 at \+10 m 00 s: error\naddress 10\.0\.0\.1\nlatency 2\.0 ms\nerror ECONNREFUSED/,
    );
  });

  it('draws every probe of a lane that fits', () => {
    const file = join(dir, 'fits.html');
    render(
      [{ name: 'html', to: file }],
      [new HistoryBuilder(100, 2).writer('node-01', marksPerLane).records],
    );
    const html = readFileSync(file, 'utf8');
    assert.equal(html.match(/<rect class="probe good"/g)?.length, marksPerLane);
  });
});
