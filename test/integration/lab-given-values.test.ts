/**
 * `--lab-state-dir` supplies the endpoint, user, password, cluster, proxy endpoint and DNS server: a value typed on
 * the command line that disagrees with the lab's stops the drill with one line (exit 2); the same values from the
 * environment (a previous lab's export lines) give way to the lab's without a word.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LabStatus } from '../../src/lab/client.js';
import { addresses } from '../support/addresses.js';
import { drill } from '../support/cli.js';
import { killMentioning, startTestLab, stopTestLab, type TestLab } from '../support/lab.js';

const block = addresses.labGivenValues;
const root = mkdtempSync(join(tmpdir(), 'drill-given-'));
const stateDir = join(root, 'lab');
const password = 'Lab-Pw-given-1';
let lab: TestLab;

before(async () => {
  lab = await startTestLab(stateDir, block.lab.first, [
    ...['--password', password, '--memorydb', '--shards', '1', '--replicas', '1'],
    ...['--memorydb-first-address', String(block.memorydb.first)],
  ]);
});
after(async () => {
  await stopTestLab(stateDir);
  killMentioning(stateDir);
  rmSync(root, { recursive: true, force: true });
});

const a = (): LabStatus['aurora'] => lab.status.aurora;
const m = () => lab.status.memorydb as NonNullable<LabStatus['memorydb']>;
const oneLine = (stderr: string): string => {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, stderr);
  return lines[0] ?? '';
};
const labDir = `(--lab-state-dir ${stateDir})`;

describe('drill aurora --lab-state-dir with values of its own', () => {
  const aurora = (...more: string[]) => ['aurora', '--lab-state-dir', stateDir, ...more];

  it('a command-line value unlike the lab: exit 2, one line naming the option, the value and the lab value', async () => {
    const cases: [string[], string, string][] = [
      [['-e', 'other.cluster-x.us-east-1.rds.amazonaws.com'], '--endpoint', a().clusterEndpoint],
      [['-u', 'someone'], '--user', a().user],
      [['--cluster', 'prod-cluster'], '--cluster', a().clusterId],
      [
        ['--proxy-endpoint', 'other-proxy.proxy-x.us-east-1.rds.amazonaws.com'],
        '--proxy-endpoint',
        a().proxyEndpoint,
      ],
      [['--dns-server', '127.0.0.1:1'], '--dns-server', lab.status.dnsServer],
    ];
    for (const [args, option, labValue] of cases) {
      const r = await drill(aurora(...args, '--duration', '1s'));
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(
        oneLine(r.stderr),
        `drill: ${option} '${args[1]}' does not match the lab's '${labValue}' ${labDir}: leave it out or give the lab's`,
      );
      assert.equal(r.stdout, '');
    }
  });

  it('a password unlike the lab: exit 2, and neither password is printed', async () => {
    const wrong = 'Wr0ng-given-xyz';
    const r = await drill(aurora('-p', wrong, '--duration', '1s'));
    assert.equal(r.code, 2, r.stderr);
    assert.equal(
      oneLine(r.stderr),
      `drill: the password given (--password) does not match the lab's ${labDir}: leave it out and the lab's is used`,
    );
    assert.doesNotMatch(r.stdout + r.stderr, new RegExp(`${wrong}|${password}`));
  });

  it("values from the environment give way to the lab's; command-line values equal to the lab's are taken", async () => {
    const fromEnv = await drill(aurora('--duration', '1s', '--json'), {
      DRILL_ENDPOINT: 'other.cluster-x.us-east-1.rds.amazonaws.com',
      DRILL_USER: 'someone',
      DRILL_PASSWORD: 'Wr0ng-env-xyz',
      DRILL_DNS_SERVER: '127.0.0.1:1',
    });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    const run = JSON.parse(fromEnv.stdout).runs[0];
    assert.equal(run.monitors[0].failed, 0);
    assert.ok(run.monitors[0].good >= 2, JSON.stringify(run.monitors[0]));
    const same = await drill(
      aurora(
        ...['-e', `${a().clusterEndpoint.toUpperCase()}:3306`, '-u', a().user, '-p', password],
        ...[
          '--cluster',
          a().clusterId,
          '--proxy-endpoint',
          a().proxyEndpoint,
          '--dns-server',
          lab.status.dnsServer,
        ],
        ...['--duration', '1s', '--json'],
      ),
    );
    assert.equal(same.code, 0, same.stderr);
    assert.equal(JSON.parse(same.stdout).runs[0].monitors[0].failed, 0);
  });
});

describe('drill memorydb --lab-state-dir with values of its own', () => {
  const memorydb = (...more: string[]) => ['memorydb', '--lab-state-dir', stateDir, ...more];

  it('a command-line value unlike the lab: exit 2, one line; a wrong password is never printed', async () => {
    const cases: [string[], string, string][] = [
      [
        ['-e', 'clustercfg.other.abc123.memorydb.us-east-1.amazonaws.com'],
        '--endpoint',
        `${m().clusterEndpoint}:${m().port}`,
      ],
      [['-u', 'someone'], '--user', m().user],
      [['--cluster', 'other-cluster'], '--cluster', m().clusterName],
      [['--dns-server', '127.0.0.1:1'], '--dns-server', lab.status.dnsServer],
    ];
    for (const [args, option, labValue] of cases) {
      const r = await drill(memorydb(...args, '--duration', '1s'));
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(
        oneLine(r.stderr),
        `drill: ${option} '${args[1]}' does not match the lab's '${labValue}' ${labDir}: leave it out or give the lab's`,
      );
    }
    const wrong = 'Wr0ng-given-xyz';
    const r = await drill(memorydb('-p', wrong, '--duration', '1s'));
    assert.equal(r.code, 2, r.stderr);
    assert.match(oneLine(r.stderr), /^drill: the password given \(--password\) does not match the lab's/);
    assert.doesNotMatch(r.stdout + r.stderr, new RegExp(`${wrong}|${password}`));
  });

  it("values from the environment give way to the lab's", async () => {
    const r = await drill(memorydb('--duration', '1s', '--json'), {
      DRILL_ENDPOINT: 'clustercfg.other.abc123.memorydb.us-east-1.amazonaws.com',
      DRILL_USER: 'someone',
      DRILL_PASSWORD: 'Wr0ng-env-xyz',
      DRILL_DNS_SERVER: '127.0.0.1:1',
    });
    assert.equal(r.code, 0, r.stderr);
    const monitors = JSON.parse(r.stdout).runs[0].monitors as { failed: number }[];
    assert.ok(monitors.length > 0);
    for (const monitor of monitors) assert.equal(monitor.failed, 0, JSON.stringify(monitor));
  });
});
