import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Observation, parseNdjson } from '../../src/core/history.js';
import { addresses, loopback } from '../support/addresses.js';
import { drill, startDrill, until } from '../support/cli.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { reportProblems } from '../support/schema.js';

const address = loopback(addresses.simpleMonitor.database.first);
const intervalMs = 250;
let t: TestDatabase;
let dir: string;

before(async () => {
  t = await startTestDatabase(address);
  dir = mkdtempSync(join(tmpdir(), 'drill-it-'));
});
after(async () => {
  await t?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Generous connect and query timeouts: the server is healthy whenever a probe should succeed, and on a busy
 * machine the defaults (1 s, 2 s) can expire on a healthy server, open an outage nobody caused, and end a
 * `--until-recovered` drill before the test kills the server. A killed server refuses at once (ECONNREFUSED),
 * so the outages the tests cause are seen as fast as ever.
 */
const healthyTimeouts = ['--connect-timeout', '10s', '--query-timeout', '10s'];
const base = () => [
  'aurora',
  '--mode',
  'simple',
  '-e',
  address,
  '-u',
  t.user,
  '--interval',
  `${intervalMs}ms`,
  ...healthyTimeouts,
];
const observationsIn = (file: string): Observation[] =>
  existsSync(file)
    ? parseNdjson(readFileSync(file, 'utf8')).filter((r): r is Observation => r.kind === 'observation')
    : [];

/** Lets the drill see a writer for a while, kills the server, restarts it after `downMs`; returns stop-to-ready. */
async function crashAndRestart(historyFile: string, downMs: number): Promise<number> {
  await until(() => observationsIn(historyFile).length >= 4, 15_000, 'a baseline of good probes');
  const killedAt = Date.now();
  await t.db.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, downMs));
  const readyAt = await t.db.start();
  return readyAt - killedAt;
}

describe('drill aurora --mode simple against a real MariaDB', () => {
  it('sees the writer, says once that the server is not Aurora, and prints only JSON on stdout', async () => {
    const history = join(dir, 'sees-writer.ndjson');
    const r = await drill([...base(), '--duration', '1500ms', '--json', '--history', history], {
      MYSQL_PWD: t.password,
    });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(reportProblems(report), []);
    const m = report.runs[0].monitors[0];
    assert.equal(m.failed, 0);
    assert.ok(m.good >= 4, `expected at least 4 good probes, got ${m.good}`);
    assert.equal(m.nodes.length, 1);
    assert.match(m.nodes[0], /\/101$/, 'node id carries the server id');
    assert.equal(m.downtimeMs, null);
    assert.equal(report.exitCode, 0);
    // MYSQL_PWD: a password login, said in the report and on the header line.
    assert.equal(report.runs[0].target.login, 'password');
    assert.equal(report.runs[0].target.secretId, undefined);
    assert.match(r.stderr, /^drill aurora · simple · 127\.0\.0\.42:3306 as drill with a password · /);
    const obs = observationsIn(history);
    assert.ok(obs.every((o) => o.role === 'writer' && o.address === address));
    assert.equal(r.stderr.match(/is not Aurora MySQL/g)?.length, 1);
    assert.match(r.stderr, /● writer .*\/101 127\.0\.0\.42/);
    assert.ok(!(r.stderr + r.stdout).includes('\u001b['), 'no colour without a terminal');
  });

  it('reads a plain server the same way through --mode proxy (one kept connection)', async () => {
    const history = join(dir, 'proxy-plain.ndjson');
    const args = base().map((a) => (a === 'simple' ? 'proxy' : a));
    const r = await drill([...args, '--duration', '1500ms', '--json', '--history', history], {
      MYSQL_PWD: t.password,
    });
    assert.equal(r.code, 0, r.stderr);
    const m = JSON.parse(r.stdout).runs[0].monitors[0];
    assert.equal(m.failed, 0);
    // After the switch to plain MySQL's variables, every probe on the kept connection reads them as such: the
    // node is hostname/server id, not the server id in the Aurora column.
    assert.deepEqual(m.nodes.length, 1);
    assert.match(m.nodes[0], /\/101$/);
    const obs = observationsIn(history);
    assert.ok(obs.length >= 4, `expected at least 4 probes, got ${obs.length}`);
    assert.ok(
      obs.every(
        (o) => o.ok && o.route === 'proxy' && o.nodeId === m.nodes[0] && /MariaDB/.test(o.version ?? ''),
      ),
    );
    assert.equal(r.stderr.match(/is not Aurora MySQL/g)?.length, 1);
  });

  it('measures a kill -9 and restart as one outage within one interval + 100 ms of what really happened', async () => {
    const history = join(dir, 'restart.ndjson');
    const run = startDrill(
      [...base(), '--until-recovered', '--settle', '1s', '--timeout', '30s', '--json', '--history', history],
      { DRILL_PASSWORD: t.password },
    );
    const stopToReady = await crashAndRestart(history, 1200);
    const r = await run.finished;
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(reportProblems(report), []);
    const m = report.runs[0].monitors[0];
    assert.equal(report.runs[0].stoppedBy, 'recovered');
    assert.equal(m.outages.length, 1);
    assert.equal(m.recovered, true);
    assert.ok(m.errors.ECONNREFUSED >= 3, JSON.stringify(m.errors));
    const error = Math.abs(m.downtimeMs - stopToReady);
    assert.ok(
      error <= intervalMs + 100,
      `measured ${m.downtimeMs} ms, server was down ${stopToReady} ms: off by ${error} ms`,
    );
    assert.match(r.stderr, /✗ ECONNREFUSED/);
    assert.match(r.stderr, /recovered: outage \d\.\d{3} s/);
  });

  it('fails the --max-downtime gate with exit 1, says why, and still writes the report', async () => {
    const history = join(dir, 'gate.ndjson');
    const reportFile = join(dir, 'gate.json');
    const run = startDrill(
      [
        ...base(),
        '--until-recovered',
        '--settle',
        '500ms',
        '--max-downtime',
        '300ms',
        '--report',
        reportFile,
        '--history',
        history,
      ],
      { DRILL_PASSWORD: t.password },
    );
    await crashAndRestart(history, 800);
    const r = await run.finished;
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /FAIL simple: downtime (\d+ ms|\d\.\d{3} s) exceeds --max-downtime 300 ms/);
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    assert.deepEqual(reportProblems(report), []);
    assert.equal(report.exitCode, 1);
    assert.equal(report.runs[0].passed, false);
    assert.equal(report.runs[0].gates.maxDowntimeMs, 300);
  });

  it('Ctrl+C mid-outage ends with exit 130, the partial figures, and the report', async () => {
    const history = join(dir, 'interrupt.ndjson');
    const reportFile = join(dir, 'interrupt.json');
    const run = startDrill([...base(), '--report', reportFile, '--history', history], {
      DRILL_PASSWORD: t.password,
    });
    await until(() => observationsIn(history).length >= 4, 15_000, 'a baseline');
    await t.db.kill('SIGKILL');
    await until(() => observationsIn(history).filter((o) => !o.ok).length >= 3, 10_000, 'failed probes');
    run.child.kill('SIGINT');
    const r = await run.finished;
    await t.db.start();
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stdout, /stopped: interrupted \(Ctrl\+C\)/);
    assert.match(r.stdout, /downtime\s+≥ \d/);
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    assert.deepEqual(reportProblems(report), []);
    assert.equal(report.exitCode, 130);
    assert.equal(report.runs[0].interruptedBy, 'SIGINT');
    const m = report.runs[0].monitors[0];
    assert.equal(m.recovered, false);
    assert.equal(m.outages[0].endMs, null);
    assert.ok(m.downtimeMs > 0);
  });

  it('SIGTERM (a CI job cancelled) ends with exit 130 and says so: the summary, the report, the history read back', async () => {
    const history = join(dir, 'sigterm.ndjson');
    const reportFile = join(dir, 'sigterm.json');
    const run = startDrill([...base(), '--report', reportFile, '--history', history], {
      DRILL_PASSWORD: t.password,
    });
    await until(() => observationsIn(history).length >= 3, 15_000, 'a few probes');
    run.child.kill('SIGTERM');
    const r = await run.finished;
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stdout, /stopped: terminated \(SIGTERM\) after/);
    assert.doesNotMatch(r.stdout, /Ctrl\+C\)/);
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    assert.deepEqual(reportProblems(report), []);
    assert.equal(report.exitCode, 130);
    assert.equal(report.interruptedBy, 'SIGTERM');
    assert.equal(report.runs[0].stoppedBy, 'interrupted');
    assert.equal(report.runs[0].interruptedBy, 'SIGTERM');
    // The history keeps the signal: `drill report` says the same, from it and from the report.
    for (const saved of [history, reportFile]) {
      const again = await drill(['report', saved, '--no-step-summary']);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /stopped: terminated \(SIGTERM\) after/);
    }
  });

  it('gives up after --timeout when the server stays down: exit 1, never recovered', async () => {
    const history = join(dir, 'timeout.ndjson');
    const run = startDrill(
      [...base(), '--until-recovered', '--timeout', '1s', '--json', '--history', history],
      {
        DRILL_PASSWORD: t.password,
      },
    );
    await until(() => observationsIn(history).length >= 4, 15_000, 'a baseline');
    await t.db.kill('SIGKILL');
    const r = await run.finished;
    await t.db.start();
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.runs[0].stoppedBy, 'timeout');
    assert.match(report.runs[0].reasons[0], /simple: never recovered/);
  });

  it('wrong password: exit 3, one clear line, and the password appears nowhere', async () => {
    const wrong = 'Wr0ng-Secret-xyz';
    const r = await drill([...base(), '-p', wrong, '--duration', '1s']);
    assert.equal(r.code, 3);
    const errLines = r.stderr.trim().split('\n');
    assert.equal(errLines.length, 1, r.stderr);
    assert.match(
      errLines[0] ?? '',
      /^drill: access denied for user 'drill' at 127\.0\.0\.42:3306: check --user and the password/,
    );
    assert.doesNotMatch(r.stdout + r.stderr, new RegExp(wrong));
  });

  it('a host that does not resolve at start: exit 3, one clear line', async () => {
    const r = await drill([
      'aurora',
      '-e',
      'no-such-cluster.invalid',
      '-u',
      'x',
      '-p',
      'y',
      '--duration',
      '1s',
    ]);
    assert.equal(r.code, 3);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(
      r.stderr,
      /^drill: cannot resolve 'no-such-cluster\.invalid' \(ENOTFOUND\): check the endpoint name/,
    );
  });

  it('nothing listening at start: exit 3, one clear line', async () => {
    const r = await drill([
      'aurora',
      '-e',
      `${loopback(addresses.simpleMonitor.refused.first)}:3399`,
      '-u',
      'x',
      '-p',
      'y',
      '--duration',
      '1s',
    ]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^drill: cannot reach 127\.0\.0\.43:3399: ECONNREFUSED/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });
});
