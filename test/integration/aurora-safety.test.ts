import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import { readLabPassword } from '../../src/lab/client.js';
import { addresses } from '../support/addresses.js';
import { drill, drillOnTerminal } from '../support/cli.js';
import { labStatus, startTestLab, stopTestLab } from '../support/lab.js';

// The lab of this file: instances on 127.0.0.136+ (proxy .135), from test/support/addresses.ts.
const dir = mkdtempSync(join(tmpdir(), 'drill-safety-'));
const stateDir = join(dir, 'lab');

const status = () => labStatus(stateDir);
const writer = async () => (await status()).aurora.instances.find((i) => i.role === 'writer')?.id;
const failoversSoFar = () =>
  readFileSync(join(stateDir, 'ground-truth.ndjson'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"failover-started"')).length;

before(() => startTestLab(stateDir, addresses.auroraSafety.lab.first));
after(async () => {
  await stopTestLab(stateDir);
  rmSync(dir, { recursive: true, force: true });
});

const failover = ['aurora', '--lab-state-dir', stateDir, '--trigger', 'failover', '--at', '1s'].concat([
  '--until-recovered',
  '--settle',
  '1s',
  '--timeout',
  '30s',
]);
const prompt = "Type 'auroralab-mysql-cluster' to go on: ";

describe('confirmation before a destructive trigger', () => {
  it('on a terminal, a wrong answer: exit 2, nothing done, the cluster untouched', async () => {
    const before = { writer: await writer(), failovers: failoversSoFar() };
    const r = await drillOnTerminal([...failover, '--mode', 'simple,pool', '--write-check'], prompt, 'yes', {
      DRILL_CONFIRM: 'always',
    });
    assert.match(
      r.output,
      /This will fail over cluster auroralab-mysql-cluster \(writer auroralab-mysql-node-0\d\)\./,
    );
    assert.match(r.output, /drill: not confirmed: nothing was done/);
    assert.equal(r.code, 2);
    assert.equal(await writer(), before.writer);
    assert.equal(failoversSoFar(), before.failovers);
    // Nothing was created in the database either: the pool and ledger tables come after the answer.
    const lab = await status();
    const conn = await mysql.createConnection({
      host: lab.aurora.instances[0]?.address,
      user: lab.aurora.user,
      password: readLabPassword(stateDir) ?? '',
    });
    try {
      const [rows] = await conn.query(
        "SELECT schema_name FROM information_schema.schemata WHERE schema_name = 'failover_drill'",
      );
      assert.deepEqual(rows, []);
    } finally {
      await conn.end();
    }
  });

  it('on a terminal, the cluster name typed: the failover runs', async () => {
    const old = await writer();
    const r = await drillOnTerminal(
      failover,
      prompt,
      'auroralab-mysql-cluster',
      { DRILL_CONFIRM: 'always' },
      120_000,
    );
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /failover requested/);
    assert.notEqual(await writer(), old);
  });

  it('without a terminal and without --yes: exit 2 and the reason; with --yes it runs', async () => {
    const before = failoversSoFar();
    const refused = await drill(failover, { DRILL_CONFIRM: 'always' });
    assert.equal(refused.code, 2);
    assert.match(
      refused.stderr,
      /refusing to fail over cluster auroralab-mysql-cluster \(writer [^)]+\) without --yes: DRILL_CONFIRM=always asks first, and there is no terminal to ask on/,
    );
    assert.equal(failoversSoFar(), before);
    const yes = await drill([...failover, '--yes'], { DRILL_CONFIRM: 'always' }, 120_000);
    assert.equal(yes.code, 0, yes.stderr);
    assert.equal(failoversSoFar(), before + 1);
  });

  it('DRILL_CONFIRM with another value is refused by name', async () => {
    const r = await drill(failover, { DRILL_CONFIRM: 'sometimes' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /DRILL_CONFIRM must be 'always' or unset, got 'sometimes'/);
  });

  it('a crash trigger through the reader endpoint is refused: it would crash a reader, not the writer', async () => {
    const lab = await status();
    const password = readLabPassword(stateDir) ?? '';
    const r = await drill(
      [
        'aurora',
        '--dns-server',
        lab.dnsServer,
        '-u',
        lab.aurora.user,
        '-e',
        lab.aurora.readerEndpoint,
        '--mode',
        'aware',
        '--trigger',
        'crash',
        '--duration',
        '3s',
      ],
      { DRILL_PASSWORD: password },
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /--trigger crash crashes the writer behind -e, but .* is a reader endpoint: use the cluster endpoint/,
    );
  });

  it('--target with a reboot is refused: only a failover promotes a chosen reader', async () => {
    const r = await drill([
      'aurora',
      '--lab-state-dir',
      stateDir,
      '--trigger',
      'reboot',
      '--target',
      'auroralab-mysql-node-02',
      '--duration',
      '3s',
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /--target names the reader a failover promotes: it has no effect with --trigger reboot/,
    );
  });
});

describe('every drill ends, and passes only if it happened', () => {
  const base = ['aurora', '--lab-state-dir', stateDir];

  it('a trigger that never fired fails the drill: --at 10s with --duration 3s exits 1 and says why', async () => {
    const r = await drill([...base, '--trigger', 'failover', '--at', '10s', '--duration', '3s', '--json']);
    assert.equal(r.code, 1, r.stderr);
    const run = JSON.parse(r.stdout).runs[0];
    assert.equal(run.trigger, null);
    assert.match(run.reasons.join('\n'), /trigger failover never fired: the drill ended \(duration\)/);
    assert.match(r.stderr, /FAIL trigger failover never fired/);
  });

  it('a dispatcher crash too short for the probes still ends a drill that waits for recovery', async () => {
    const started = Date.now();
    const r = await drill(
      [
        ...base,
        '--trigger',
        'crash-dispatcher',
        '--at',
        '1s',
        '--until-recovered',
        '--settle',
        '1s',
        '--json',
      ],
      {},
      90_000,
    );
    assert.ok(Date.now() - started < 60_000, 'it ended on its own');
    assert.equal(r.code, 0, r.stderr);
    const run = JSON.parse(r.stdout).runs[0];
    assert.ok(['recovered', 'no-outage'].includes(run.stoppedBy), run.stoppedBy);
    assert.notEqual(run.trigger, null);
  });

  it('a closed output pipe (drill ... | head -1) does not crash the drill: it ends and writes its report', async () => {
    const { spawn } = await import('node:child_process');
    const { drillBin } = await import('../support/cli.js');
    const report = join(dir, 'piped.json');
    const child = spawn(process.execPath, [drillBin, ...base, '--duration', '3s', '--report', report], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    // Like `head -1`: read the first line, then go away.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /EPIPE|\n\s+at /);
    const written = JSON.parse(readFileSync(report, 'utf8'));
    assert.equal(written.runs[0].stoppedBy, 'duration');
  });

  it('no Node warning reaches the user through a failover longer than 5 s', async () => {
    const r = await drill([...failover, '--mode', 'simple'], {}, 120_000);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr + r.stdout, /Warning|MaxListeners/);
  });
});
