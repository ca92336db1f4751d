import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Observation, parseNdjson } from '../../src/core/history.js';
import { addresses } from '../support/addresses.js';
import { drill } from '../support/cli.js';
import { startTestLab, stopTestLab, type TestLab } from '../support/lab.js';

// This file's lab: instances on 127.0.0.116-.117 (proxy .115), from test/support/addresses.ts.
const dir = mkdtempSync(join(tmpdir(), 'drill-tls-'));
const stateDir = join(dir, 'lab');
let lab: TestLab;

before(async () => {
  lab = await startTestLab(stateDir, addresses.auroraTls.lab.first);
});
after(async () => {
  await stopTestLab(stateDir);
  rmSync(dir, { recursive: true, force: true });
});

/** A CA of our own that signed nothing the lab serves. */
function wrongCa(): string {
  const file = join(dir, 'wrong-ca.crt');
  execFileSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    join(dir, 'wrong-ca.key'),
    '-out',
    file,
    '-days',
    '1',
    '-subj',
    '/CN=not the lab',
  ]);
  return file;
}

const observations = (file: string): Observation[] =>
  parseNdjson(readFileSync(file, 'utf8')).filter((r): r is Observation => r.kind === 'observation');

describe('drill aurora over TLS against the lab', () => {
  it('lab status names the CA file and the --ca flag', () => {
    assert.ok(lab.status.aurora.caFile?.endsWith('ca.crt'));
    assert.match(readFileSync(lab.status.aurora.caFile ?? '', 'utf8'), /BEGIN CERTIFICATE/);
  });

  it('a failover drilled with --ssl-mode verify-identity: every probe verified, the new writer by name too', async () => {
    const history = join(dir, 'failover.ndjson');
    const writerBefore = lab.status.aurora.instances.find((i) => i.role === 'writer')?.id;
    const r = await drill(
      [
        'aurora',
        '--lab-state-dir',
        stateDir,
        '--ssl-mode',
        'verify-identity',
        '--ca',
        lab.status.aurora.caFile ?? '',
      ].concat(
        ['--mode', 'simple,pool', '--write-check', '--load', '2', '--trigger', 'failover', '--at', '1s'],
        ['--until-recovered', '--settle', '1s', '--timeout', '60s', '--history', history, '--json'],
      ),
      {},
      120_000,
    );
    assert.equal(r.code, 0, r.stderr + r.stdout.slice(0, 2000));
    const simple = observations(history).filter((o) => o.monitor === 'simple');
    const good = simple.filter((o) => o.ok);
    // Every probe that got in made a TLS handshake, and says how long it took.
    for (const o of good) assert.ok(typeof o.tlsMs === 'number' && o.tlsMs > 0, JSON.stringify(o));
    const newWriter = good.filter((o) => o.nodeId !== writerBefore);
    assert.ok(newWriter.length > 0, 'probes reached the new writer');
    assert.ok(newWriter.every((o) => o.tlsMs !== undefined));
    const records = parseNdjson(readFileSync(history, 'utf8'));
    // The write check, the pool and the load went over the same verified TLS.
    const acknowledged = observations(history).filter((o) => o.write?.outcome === 'acknowledged');
    assert.ok(acknowledged.length > 0, 'ledger writes acknowledged over TLS');
    assert.ok(observations(history).some((o) => o.monitor === 'pool' && o.ok));
    const load = records.filter((x) => x.kind === 'load') as { reads: number; writes: number }[];
    assert.ok(load.reduce((n, w) => n + w.reads + w.writes, 0) > 0, 'load operations over TLS');
  });

  it('--ca naming the wrong CA: exit 3, one line', async () => {
    const r = await drill([
      'aurora',
      '--lab-state-dir',
      stateDir,
      '--ssl-mode',
      'verify-identity',
      '--ca',
      wrongCa(),
    ]);
    assert.equal(r.code, 3, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0] ?? '',
      /^drill: TLS to .* failed: its certificate is not signed by a CA the drill trusts/,
    );
  });

  it('verify-identity by address, not name: exit 3, one line naming the mismatch', async () => {
    const writer = lab.status.aurora.instances.find((i) => i.role === 'writer');
    const r = await drill(
      ['aurora', '-e', writer?.address ?? '', '-u', 'admin', '--ssl-mode', 'verify-identity'].concat([
        '--ca',
        lab.status.aurora.caFile ?? '',
      ]),
      { DRILL_PASSWORD: lab.password },
    );
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /its certificate is not valid for that name/);
  });

  it('a server without TLS (the lab proxy) with --ssl-mode required: exit 3, one line', async () => {
    const r = await drill([
      'aurora',
      '--lab-state-dir',
      stateDir,
      '--mode',
      'proxy',
      '--ssl-mode',
      'required',
      '--duration',
      '1s',
    ]);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /does not offer TLS/);
  });

  it('--ssl-mode preferred uses TLS where offered; disabled stays plain', async () => {
    for (const [mode, tls] of [
      ['preferred', true],
      ['disabled', false],
    ] as const) {
      const history = join(dir, `${mode}.ndjson`);
      const r = await drill([
        'aurora',
        '--lab-state-dir',
        stateDir,
        '--ssl-mode',
        mode,
        '--duration',
        '1s',
        '--history',
        history,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const good = observations(history).filter((o) => o.ok);
      assert.ok(good.length > 0);
      assert.ok(
        good.every((o) => (o.tlsMs !== undefined) === tls),
        mode,
      );
    }
  });
});
