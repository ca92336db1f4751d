import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import { addresses } from '../support/addresses.js';
import { drill, startDrill } from '../support/cli.js';
import { labStatus, startTestLab, stopTestLab } from '../support/lab.js';
import { reportProblems } from '../support/schema.js';

// The lab of this file: instances on 127.0.0.131+ (proxy .130), from test/support/addresses.ts.
const dir = mkdtempSync(join(tmpdir(), 'drill-load-'));
const stateDir = join(dir, 'lab');
const password = 'pw-load';

before(() => startTestLab(stateDir, addresses.auroraLoad.lab.first, ['--password', password]));
after(async () => {
  await stopTestLab(stateDir);
  rmSync(dir, { recursive: true, force: true });
});

interface LoadReport {
  workers: number;
  reads: number;
  writes: number;
  failed: number;
  before: { opsPerSec: number; readsPerSec: number; writesPerSec: number };
  longestGapMs: number;
  loopDelayMs: { p99: number };
  timeline: { atMs: number; ok: number }[];
}

describe('--load against the lab', () => {
  it('a failover under load: throughput before, the stall it saw, every second on the timeline, table dropped', async () => {
    const r = await drill(
      ['aurora', '--lab-state-dir', stateDir, '--trigger', 'failover', '--at', '2s', '--until-recovered']
        .concat(['--settle', '2s', '--load', '3', '--load-mix', 'read=50,write=50', '--cleanup', '--json'])
        .concat(['--history', join(dir, 'load.ndjson')]),
      // DRILL_DEBUG shows Node's warnings: a failover's wait loops must leave no abort listener behind.
      { DRILL_DEBUG: '1' },
      120_000,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /MaxListenersExceededWarning/);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(reportProblems(report), []);
    const run = report.runs[0];
    const load = run.load as LoadReport;
    assert.equal(load.workers, 3);
    assert.ok(load.before.readsPerSec > 0 && load.before.writesPerSec > 0, JSON.stringify(load.before));
    assert.ok(load.reads > 0 && load.writes > 0);
    // No operation can succeed while no instance is the writer: the stall covers the lab's writer-less time.
    const g = run.groundTruth;
    assert.ok(
      load.longestGapMs >= g.writerUpMs - g.writerDownMs - 100,
      `stall ${load.longestGapMs} ms vs writer away ${g.writerUpMs - g.writerDownMs} ms`,
    );
    // One window a second, from the load's start to the drill's end.
    assert.ok(
      Math.abs(load.timeline.length - Math.ceil(run.elapsedMs / 1000)) <= 2,
      `${load.timeline.length} windows`,
    );
    assert.ok(load.timeline.some((w) => w.ok === 0 || w.ok < load.before.opsPerSec / 2));
    assert.equal(typeof load.loopDelayMs.p99, 'number');
    assert.match(r.stderr, /load: 3 connections, 50% reads: \d+ reads and \d+ writes ok, \d+ failed/);
    assert.match(r.stderr, /before the trigger: [\d.]+ reads\/s \+ [\d.]+ writes\/s/);

    // The history, read back a chunk at a time and its windows folded again, gives the live report.
    const again = await drill(['report', join(dir, 'load.ndjson'), '--json', '--no-step-summary']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout), report);

    // --cleanup dropped the load table (the cluster replicates it, so any instance tells).
    const lab = await labStatus(stateDir);
    const conn = await mysql.createConnection({
      host: lab.aurora.instances[0]?.address,
      port: 3306,
      user: lab.aurora.user,
      password,
    });
    try {
      const [rows] = await conn.query(
        "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'failover_drill' AND table_name = 'load_rows'",
      );
      assert.equal(Number((rows as { n: number }[])[0]?.n), 0);
    } finally {
      await conn.end();
    }
  });

  it('--load without a trigger: throughput and latency over the whole run; the password never printed', async () => {
    const r = await drill(
      [
        'aurora',
        '--lab-state-dir',
        stateDir,
        '--duration',
        '3s',
        '--load',
        '2',
        '--load-rate',
        '200',
        '--json',
      ],
      {},
      60_000,
    );
    assert.equal(r.code, 0, r.stderr);
    const load = JSON.parse(r.stdout).runs[0].load as LoadReport & { rateLimit: number; recoveredMs: null };
    assert.equal(load.rateLimit, 200);
    assert.equal(load.recoveredMs, null);
    // Held to 200 operations a second in all (give or take the first connects).
    assert.ok(load.before.opsPerSec > 100 && load.before.opsPerSec < 230, `${load.before.opsPerSec} ops/s`);
    assert.equal(load.failed, 0);
    assert.ok(!r.stdout.includes(password) && !r.stderr.includes(password));
  });
  it('--load 20 (two worker threads on two cores): every write it counted landed on the table', async () => {
    await writerQuery('DROP TABLE IF EXISTS failover_drill.load_rows');
    const r = await drill(
      ['aurora', '--lab-state-dir', stateDir, '--duration', '3s', '--load', '20'].concat([
        '--load-mix',
        'read=50,write=50',
        '--json',
      ]),
      {},
      60_000,
    );
    assert.equal(r.code, 0, r.stderr);
    const load = JSON.parse(r.stdout).runs[0].load as LoadReport;
    assert.equal(load.workers, 20);
    assert.equal(load.failed, 0);
    assert.ok(load.reads > 0 && load.writes > 0, `${load.reads} reads, ${load.writes} writes`);
    // One window a second, however many threads ran the connections.
    assert.ok(load.timeline.length <= 5, `${load.timeline.length} windows`);
    const [row] = await writerQuery('SELECT SUM(v) AS total FROM failover_drill.load_rows');
    const total = Number(row?.total);
    // Each write adds 1; writes still in flight when the drill ended (at most one per connection) are not counted.
    assert.ok(total >= load.writes && total <= load.writes + 20, `table ${total} vs ${load.writes} writes`);
  });

  it('a statement the server refuses is counted by its error number, and the connections go on', async () => {
    const running = startDrill(
      ['aurora', '--lab-state-dir', stateDir, '--duration', '4s', '--load', '2', '--json'],
      {},
      60_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await writerQuery('DROP TABLE IF EXISTS failover_drill.load_rows');
    const r = await running.finished;
    assert.equal(r.code, 0, r.stderr);
    const load = JSON.parse(r.stdout).runs[0].load as LoadReport & { errors: Record<string, number> };
    assert.ok(load.reads + load.writes > 0);
    // 1146: no such table. The connections were kept: no reconnect and no connection error.
    assert.ok((load.errors['1146'] ?? 0) > 0, JSON.stringify(load.errors));
    assert.deepEqual(Object.keys(load.errors), ['1146']);
  });
});

/** Runs `sql` on the lab's writer instance. */
async function writerQuery(sql: string): Promise<Record<string, unknown>[]> {
  const lab = await labStatus(stateDir);
  const writer = lab.aurora.instances.find((i) => i.role === 'writer') ?? lab.aurora.instances[0];
  const conn = await mysql.createConnection({
    host: writer?.address,
    port: 3306,
    user: lab.aurora.user,
    password,
  });
  try {
    const [rows] = await conn.query(sql);
    return rows as Record<string, unknown>[];
  } finally {
    await conn.end();
  }
}
