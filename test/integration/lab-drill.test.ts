import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseNdjson } from '../../src/core/history.js';
import { freePort } from '../../src/lab/ports.js';
import { addresses } from '../support/addresses.js';
import { drill, startDrill, until } from '../support/cli.js';
import { reportProblems } from '../support/schema.js';

// Throwaway labs: instances on 127.0.0.71 and .72 (proxy .70); ledger labs: .76 and .77 (proxy .75).
const { throwaway, ledger } = addresses.labDrill;
const env = { DRILL_LAB_FIRST_ADDRESS: String(throwaway.first) };
const dir = mkdtempSync(join(tmpdir(), 'drill-lab-drill-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ephemeralDirs = () => readdirSync(tmpdir()).filter((d) => d.startsWith('drill-ephemeral-lab-'));
const mariadbdOf = (prefix: string) =>
  readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
        return cmd.includes('mariadbd') && cmd.includes(prefix);
      } catch {
        return false;
      }
    });

describe('drill aurora --lab', () => {
  it('--trigger failover: one outage, the writer moves, the trigger completes, and the lab is gone afterwards', async () => {
    const before = ephemeralDirs();
    const r = await drill(
      [
        'aurora',
        '--lab',
        '--trigger',
        'failover',
        '--at',
        '1s',
        '--until-recovered',
        '--settle',
        '1s',
        '--json',
      ],
      env,
      120_000,
    );
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(reportProblems(report), []);
    const run = report.runs[0];
    assert.equal(run.trigger.name, 'failover');
    assert.equal(run.trigger.failed, null);
    assert.ok(run.trigger.acknowledgedAtMs >= run.trigger.requestedAtMs);
    const m = run.monitors[0];
    assert.equal(m.outages.length, 1);
    assert.ok(m.downtimeMs > 0);
    assert.deepEqual(m.nodes, ['auroralab-mysql-node-01', 'auroralab-mysql-node-02']);
    // By default the drill keeps no DNS answer, and says so.
    assert.match(m.dns, /^127\.0\.0\.1:\d+, no cache$/);
    assert.match(r.stderr, /^DNS: 127\.0\.0\.1:\d+, no cache$/m);
    assert.match(r.stderr, /lab\s+failover started: auroralab-mysql-node-01 -> auroralab-mysql-node-02/);
    assert.match(r.stderr, /trigger\s+failover completed: writer is now auroralab-mysql-node-02/);
    assert.deepEqual(ephemeralDirs(), before, 'the throwaway state dir is removed');
    assert.deepEqual(mariadbdOf('drill-ephemeral-lab-'), [], 'no lab server left running');
  });

  it('--trigger crash: the same writer comes back after a real crash', async () => {
    const r = await drill(
      [
        'aurora',
        '--lab',
        '--trigger',
        'crash',
        '--at',
        '1s',
        '--until-recovered',
        '--settle',
        '1s',
        '--dns-cache',
        '30s',
        '--json',
      ],
      env,
      120_000,
    );
    assert.equal(r.code, 0, r.stderr);
    const m = JSON.parse(r.stdout).runs[0].monitors[0];
    assert.equal(m.outages.length, 1);
    assert.deepEqual(m.nodes, ['auroralab-mysql-node-01']);
    assert.match(m.dns, /^127\.0\.0\.1:\d+, cached 30 s$/);
    assert.match(r.stderr, /crash acknowledged: the connection was cut by the crash/);
  });

  it('Ctrl+C during a lab drill ends with 130 and tears the lab down', async () => {
    const history = join(dir, 'interrupted.ndjson');
    const before = ephemeralDirs();
    const run = startDrill(['aurora', '--lab', '--history', history], env, 120_000);
    let exited = false;
    void run.finished.then(() => {
      exited = true;
    });
    await until(
      () =>
        exited ||
        (existsSync(history) &&
          parseNdjson(readFileSync(history, 'utf8')).some((r) => r.kind === 'observation')),
      60_000,
      'the first probe',
    );
    // A drill that ended on its own (the lab could not start, say) says why here rather than as a timeout.
    assert.equal(exited, false, `drill exited before its first probe: ${run.stderr}`);
    run.child.kill('SIGINT');
    const r = await run.finished;
    assert.equal(r.code, 130, r.stderr);
    assert.deepEqual(ephemeralDirs(), before);
    assert.deepEqual(mariadbdOf('drill-ephemeral-lab-'), []);
  });

  it('an error after the lab started (a bad --target) still tears the lab down', async () => {
    const before = ephemeralDirs();
    const r = await drill(
      ['aurora', '--lab', '--trigger', 'failover', '--target', 'no-such-node'],
      env,
      120_000,
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /--target no-such-node is not a reader of auroralab-mysql-cluster \(readers: auroralab-mysql-node-02\)/,
    );
    assert.deepEqual(ephemeralDirs(), before);
    assert.deepEqual(mariadbdOf('drill-ephemeral-lab-'), []);
  });

  it('--dry-run prints the plan and the aws command, and starts nothing', async () => {
    const r = await drill([
      'aurora',
      '-e',
      'db.example',
      '-u',
      'x',
      '--trigger',
      'failover',
      '--cluster',
      'prod-db',
      '--dry-run',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /aws rds failover-db-cluster --db-cluster-identifier prod-db/);
    assert.match(r.stdout, /dry run: nothing was touched/);
  });
});

describe('drill lab: bad input and faults', () => {
  it('a port in use: one clear line, exit 3, nothing left behind', async () => {
    const blocker = createServer();
    const port = await freePort();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()));
    const state = join(dir, 'busy');
    try {
      const r = await drill([
        'lab',
        'up',
        '--detach',
        '--state-dir',
        state,
        '--api-port',
        String(port),
        '--dns-port',
        String(await freePort()),
        '--first-address',
        String(throwaway.first),
      ]);
      assert.equal(r.code, 3, r.stdout + r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`127\\.0\\.0\\.1:${port} is taken .*start this lab elsewhere with --api-port`),
      );
      assert.deepEqual(mariadbdOf(state), []);
      assert.equal(existsSync(join(state, 'lab.json')), false);
    } finally {
      blocker.close();
    }
  });

  it('mariadbd missing from DRILL_SERVER_BIN_DIR: exit 3 naming that folder', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'drill-no-bin-'));
    const r = await drill(
      [
        'lab',
        'up',
        '--detach',
        '--state-dir',
        join(dir, 'nobin'),
        '--first-address',
        String(throwaway.first),
        '--api-port',
        String(await freePort()),
        '--dns-port',
        String(await freePort()),
      ],
      {
        DRILL_SERVER_BIN_DIR: empty,
      },
    );
    rmSync(empty, { recursive: true, force: true });
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /not found in DRILL_SERVER_BIN_DIR \(.*\): put it there, or unset DRILL_SERVER_BIN_DIR/,
    );
  });

  it('bad --readers and --timing values are usage errors', async () => {
    const a = await drill(['lab', 'up', '--readers', 'many']);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /^drill: --readers must be a whole number from 0 to 8, got 'many'/);
    const b = await drill(['lab', 'up', '--timing', 'slow']);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /^drill: --timing must be fast or aurora, got 'slow'/);
  });
});

/** Writes numbered rows to the writer through a failover; returns what was acknowledged and what was lost. */
async function ledgerThroughFailover(
  lossy: boolean,
  first: number,
): Promise<{ acknowledged: number; lost: number[] }> {
  const state = join(dir, `ledger-${lossy}`);
  const password = 'pw-ledger';
  const up = await drill(
    [
      'lab',
      'up',
      '--detach',
      '--state-dir',
      state,
      '--first-address',
      String(first),
      '--password',
      password,
    ].concat(
      ['--api-port', String(await freePort()), '--dns-port', String(await freePort())],
      lossy ? ['--lossy'] : [],
    ),
  );
  assert.equal(up.code, 0, up.stderr + up.stdout);
  try {
    const { default: mysql } = await import('mysql2/promise');
    const { RDSClient, FailoverDBClusterCommand } = await import('@aws-sdk/client-rds');
    const status = JSON.parse((await drill(['lab', 'status', '--json', '--state-dir', state])).stdout);
    const w = await mysql.createConnection({ host: `127.0.0.${first}`, user: 'admin', password });
    await w.query('CREATE DATABASE app');
    await w.query('CREATE TABLE app.ledger (id INT PRIMARY KEY)');
    await new Promise((r) => setTimeout(r, 300));
    const acknowledged: number[] = [];
    const writer = (async () => {
      for (let id = 1; ; id++) {
        try {
          await w.query('INSERT INTO app.ledger VALUES (?)', [id]);
          acknowledged.push(id);
        } catch {
          return; // the writer went away: from here on nothing is acknowledged
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    const rds = new RDSClient({
      region: 'us-east-1',
      endpoint: status.apiEndpoint,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    await rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: 'auroralab-mysql-cluster' }));
    await writer;
    w.destroy();
    await new Promise((r) => setTimeout(r, 1500));
    const n = await mysql.createConnection({ host: `127.0.0.${first + 1}`, user: 'admin', password });
    const [rows] = (await n.query('SELECT id FROM app.ledger')) as unknown as [{ id: number }[]];
    await n.end();
    const present = new Set(rows.map((r) => r.id));
    return { acknowledged: acknowledged.length, lost: acknowledged.filter((id) => !present.has(id)) };
  } finally {
    await drill(['lab', 'down', '--state-dir', state]);
  }
}

describe('failover and acknowledged writes', () => {
  it('a normal failover loses no acknowledged write: the target catches up before promotion', async () => {
    const { acknowledged, lost } = await ledgerThroughFailover(false, ledger.first);
    assert.ok(acknowledged > 10, `only ${acknowledged} writes were acknowledged`);
    assert.deepEqual(lost, []);
  });

  it('--lossy loses writes the old writer acknowledged, so a write checker has something to catch', async () => {
    const { acknowledged, lost } = await ledgerThroughFailover(true, ledger.first);
    assert.ok(acknowledged > 10, `only ${acknowledged} writes were acknowledged`);
    assert.ok(lost.length > 0, `no acknowledged write was lost out of ${acknowledged}`);
  });
});
