import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addresses } from '../support/addresses.js';
import { drill, startDrill, until } from '../support/cli.js';
import { labStatus, startTestLab, stopTestLab, type TestLab } from '../support/lab.js';
import { reportProblems } from '../support/schema.js';

// Labs of this file (test/support/addresses.ts): instances on 127.0.0.86+ (proxy .85), 127.0.0.91 (no reader),
// 127.0.0.96+ (lossy).
const dir = mkdtempSync(join(tmpdir(), 'drill-modes-'));
const labs: Record<string, TestLab> = {};
const intervalMs = 250;

async function startLab(name: string, first: number, more: string[] = []): Promise<void> {
  labs[name] = await startTestLab(join(dir, name), first, ['--password', `pw-${name}`, ...more]);
}

/** `drill aurora --lab-state-dir <lab> ARGS` through a failover-sized timeout. */
const drillLab = (name: string, args: string[]) =>
  drill(['aurora', '--lab-state-dir', lab(name).stateDir, ...args], {}, 180_000);

const lab = (name: string) => labs[name] as TestLab;
const report = (stdout: string) => {
  const r = JSON.parse(stdout);
  assert.deepEqual(reportProblems(r), []);
  return r.runs[0];
};
const monitor = (run: { monitors: { name: string }[] }, name: string) =>
  run.monitors.find((m) => m.name === name) as unknown as {
    downtimeMs: number;
    recovered: boolean;
    outages: unknown[];
    nodes: string[];
    firstNewWriterRoute: string | null;
    good: number;
  };

before(async () => {
  await startLab('main', addresses.auroraModes.main.first);
});
after(async () => {
  for (const l of Object.values(labs)) await stopTestLab(l.stateDir);
  rmSync(dir, { recursive: true, force: true });
});

describe('drill aurora modes against the lab', () => {
  it('simple, aware and proxy side by side through one failover: figures agree with the ground truth', async () => {
    const r = await drillLab('main', [
      '--mode',
      'simple,aware,proxy',
      '--trigger',
      'failover',
      '--at',
      '1s',
      '--until-recovered',
      '--settle',
      '1s',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const run = report(r.stdout);
    const g = run.groundTruth;
    assert.ok(
      g.writerDownMs !== null && g.writerUpMs !== null && g.dnsSwitchedMs !== null,
      JSON.stringify(g),
    );
    const truthMs = g.writerUpMs - g.writerDownMs;
    const aware = monitor(run, 'aware');
    const simple = monitor(run, 'simple');
    const proxy = monitor(run, 'proxy');
    for (const m of [aware, simple, proxy]) assert.equal(m.recovered, true);
    assert.ok(
      Math.abs(aware.downtimeMs - truthMs) <= intervalMs + 100,
      `aware measured ${aware.downtimeMs} ms, the writer was away ${truthMs} ms`,
    );
    assert.match(aware.firstNewWriterRoute ?? '', /instance|sweep/);
    // Simple waits for DNS (and its cached answer): never shorter than the ground truth's DNS switch allows.
    assert.ok(
      simple.downtimeMs >= g.dnsSwitchedMs - g.writerDownMs - intervalMs - 100,
      JSON.stringify({ simple, g }),
    );
    assert.ok(aware.downtimeMs < simple.downtimeMs, 'aware recovers before simple');
    assert.ok(run.provider.failoverMs > 0);
    const messages = run.events.map((e: { message: string }) => e.message);
    assert.ok(messages.some((m: string) => m.startsWith('Started cross AZ failover')));
    assert.ok(messages.some((m: string) => m.startsWith('Completed failover')));
  });

  it('--trigger crash: the same writer returns; simple and aware both within one interval + 100 ms of the truth', async () => {
    const r = await drillLab('main', [
      '--mode',
      'simple,aware',
      '--trigger',
      'crash',
      '--at',
      '1s',
      '--until-recovered',
      '--settle',
      '1s',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const run = report(r.stdout);
    const g = run.groundTruth;
    assert.equal(g.dnsSwitchedMs, null, 'a crash moves no DNS record');
    const truthMs = g.writerUpMs - g.writerDownMs;
    for (const name of ['simple', 'aware']) {
      const m = monitor(run, name);
      assert.equal(m.nodes.length, 1, `${name} saw one writer: ${m.nodes}`);
      assert.ok(
        Math.abs(m.downtimeMs - truthMs) <= intervalMs + 100,
        `${name} measured ${m.downtimeMs} ms, the writer was down ${truthMs} ms`,
      );
    }
  });

  it('--write-check: no acknowledged write is lost in a normal failover', async () => {
    const r = await drillLab('main', [
      '--write-check',
      '--write-interval',
      '50ms',
      '--cleanup',
      '--trigger',
      'failover',
      '--at',
      '1s',
      '--until-recovered',
      '--settle',
      '1s',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const run = report(r.stdout);
    assert.ok(run.writes.acknowledged > 10, JSON.stringify(run.writes));
    assert.equal(run.writes.lost, 0);
    assert.ok(run.writes.failed > 0, 'some writes failed while the writer was away');
  });

  it('--trigger reboot restarts the writer in place; with --force-failover a reader takes over', async () => {
    for (const [more, writers] of [
      [[], 1],
      [['--force-failover'], 2],
    ] as const) {
      const r = await drillLab('main', [
        '--mode',
        'aware',
        '--trigger',
        'reboot',
        ...more,
        '--at',
        '1s',
        '--until-recovered',
        '--settle',
        '1s',
        '--json',
      ]);
      assert.equal(r.code, 0, r.stderr);
      const run = report(r.stdout);
      assert.equal(run.trigger.name, 'reboot');
      assert.ok(run.trigger.completedAtMs !== null, r.stderr);
      assert.equal(monitor(run, 'aware').nodes.length, writers, JSON.stringify(monitor(run, 'aware').nodes));
      await new Promise((res) => setTimeout(res, 1500)); // let the old writer rejoin before the next drill
    }
  });

  it('pool mode counts the writes that reach a read-only node and recovers', async () => {
    const r = await drillLab('main', [
      '--mode',
      'pool',
      '--trigger',
      'failover',
      '--at',
      '1s',
      '--until-recovered',
      '--settle',
      '1s',
      '--json',
      '--cleanup',
      '--write-schema',
      'pool_test',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const run = report(r.stdout);
    const pool = run.monitors.find((m: { name: string }) => m.name === 'pool');
    assert.equal(pool.recovered, true);
    assert.equal(pool.outages.length, 1);
    assert.equal(pool.readOnlyErrors, pool.errors['1290'] ?? 0);
  });

  it('a writer that hangs: proxy and pool give up after --query-timeout on a kept connection, drop it and recover', async () => {
    const writer = (await labStatus(lab('main').stateDir)).aurora.instances.find((i) => i.role === 'writer');
    assert.ok(writer?.pid, 'the lab names its writer and its pid');
    const history = join(dir, 'hang.ndjson');
    const running = startDrill(
      ['aurora', '--lab-state-dir', lab('main').stateDir, '--mode', 'proxy,pool', '--query-timeout', '1s']
        .concat(['--interval', '250ms', '--duration', '9s', '--json', '--history', history])
        .concat(['--write-schema', 'hang_test', '--cleanup']),
      {},
      60_000,
    );
    let stopped = false;
    try {
      await until(() => /pool\s+● writer/.test(running.stderr), 20_000, 'the pool probing');
      await new Promise((r) => setTimeout(r, 1000));
      process.kill(writer.pid, 'SIGSTOP');
      stopped = true;
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      if (stopped) process.kill(writer.pid, 'SIGCONT');
    }
    const r = await running.finished;
    assert.equal(r.code, 0, r.stderr);
    const run = report(r.stdout);
    for (const name of ['proxy', 'pool']) {
      const m = run.monitors.find((x: { name: string }) => x.name === name);
      assert.ok(m.errors.DEADLINE >= 1, `${name}: ${JSON.stringify(m.errors)}`);
      assert.equal(m.recovered, true, `${name} recovered after the writer resumed`);
    }
    // The first probe that hung gave up after --query-timeout (1 s) on the proxy's kept connection and on the
    // pool's idle one, not after --connect-timeout + --query-timeout.
    const lines = readFileSync(history, 'utf8').split('\n');
    for (const name of ['proxy', 'pool']) {
      const hung = lines
        .filter((l) => l.includes('"DEADLINE"') && l.includes(`"monitor":"${name}"`))
        .map((l) => JSON.parse(l) as { t0: number; t1: number });
      const first = hung[0];
      assert.ok(first, `${name}: a probe hit its deadline`);
      const took = first.t1 - first.t0;
      assert.ok(took >= 950 && took < 1500, `the hung ${name} probe took ${took} ms`);
    }
  });

  it('--baseline holds the trigger until every monitor has been steady that long', async () => {
    const r = await drillLab('main', [
      '--mode',
      'simple,aware',
      '--trigger',
      'crash',
      '--at',
      '0ms',
      '--baseline',
      '1500ms',
      '--until-recovered',
      '--settle',
      '500ms',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const run = report(r.stdout);
    assert.ok(run.trigger.requestedAtMs >= 1500, `fired at ${run.trigger.requestedAtMs} ms`);
    assert.match(r.stderr, /waiting for 1500 ms of good probes from every monitor before the trigger/);
  });

  it('--repeat 2: two failovers in a row, writers alternate, one report with both runs and their spread', async () => {
    const r = await drillLab('main', [
      '--mode',
      'aware',
      '--trigger',
      'failover',
      '--repeat',
      '2',
      '--cooldown',
      '2s',
      '--at',
      '1s',
      '--until-recovered',
      '--settle',
      '1s',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const full = JSON.parse(r.stdout);
    assert.deepEqual(reportProblems(full), []);
    assert.equal(full.runs.length, 2);
    const [first, second] = full.runs.map(
      (run: { monitors: { nodes: string[] }[] }) => run.monitors[0]?.nodes,
    );
    assert.deepEqual(second, [...first].reverse(), 'the second failover moves the writer back');
    assert.equal(full.repeats.runs, 2);
    assert.equal(full.repeats.monitors.aware.downtimeMs.n, 2);
    assert.match(r.stderr, /2 runs/);
  });

  it('--ddl: a long ALTER TABLE run through a crash is reported, and the table checked afterwards', async () => {
    const r = await drillLab('main', [
      ...[
        '--mode',
        'simple',
        '--trigger',
        'crash',
        '--ddl',
        '--ddl-rows',
        '100000',
        '--write-schema',
        'ddl_test',
      ],
      ...['--at', '1s', '--until-recovered', '--settle', '1s', '--json', '--cleanup'],
    ]);
    assert.equal(r.code, 0, r.stderr);
    const ddl = report(r.stdout).ddl;
    assert.match(
      ddl.statement,
      /^ALTER TABLE `ddl_test`\.ddl_target ADD COLUMN drill_ddl_\w+ INT NOT NULL DEFAULT 0, ALGORITHM=COPY$/,
    );
    assert.ok(['completed', 'failed'].includes(ddl.outcome), JSON.stringify(ddl));
    assert.ok(ddl.rowsAfter >= 100_000, JSON.stringify(ddl));
    // A crash mid-copy rolls the ALTER back; one that finished first keeps its column. One that committed just
    // before the crash, with its answer lost with the connection, failed for the client and kept its column.
    if (ddl.outcome === 'completed') assert.equal(ddl.columnAdded, true, JSON.stringify(ddl));
    else assert.match(ddl.error, /PROTOCOL_CONNECTION_LOST|ECONNRESET|lost/i, JSON.stringify(ddl));
    assert.match(r.stderr, /ddl\s+ALTER TABLE started/);
  });

  it('aware mode works when started on the reader endpoint', async () => {
    const { status, password } = lab('main');
    const r = await drill(
      [
        'aurora',
        '--mode',
        'aware',
        '-e',
        status.aurora.readerEndpoint,
        '-u',
        'admin',
        '--dns-server',
        status.dnsServer,
      ].concat(['--duration', '1s', '--json']),
      { DRILL_PASSWORD: password },
    );
    assert.equal(r.code, 0, r.stderr);
    const m = monitor(report(r.stdout), 'aware');
    assert.ok(m.good >= 3, JSON.stringify(m));
    assert.equal(m.outages.length, 0);
  });

  it('--dry-run touches nothing: the lab ground truth is unchanged', async () => {
    const file = lab('main').status.groundTruthFile;
    const before = readFileSync(file, 'utf8');
    const r = await drillLab('main', ['--trigger', 'failover', '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /aws rds failover-db-cluster --db-cluster-identifier auroralab-mysql-cluster/);
    assert.equal(readFileSync(file, 'utf8'), before);
  });
});

describe('preflight refusals', () => {
  it('a reader endpoint in simple mode: exit 2 and a hint', async () => {
    const { status, password } = lab('main');
    const r = await drill(
      ['aurora', '-e', status.aurora.readerEndpoint, '-u', 'admin', '--dns-server', status.dnsServer],
      {
        DRILL_PASSWORD: password,
      },
    );
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /is a reader endpoint: simple mode watches the writer, so use the cluster endpoint/,
    );
  });

  it('a cluster that does not exist: exit 3, named', async () => {
    const { status, password } = lab('main');
    const bad = await drill(
      ['aurora', '-e', status.aurora.clusterEndpoint, '-u', 'admin', '--dns-server', status.dnsServer].concat(
        ['--cluster', 'no-such-cluster', '--trigger', 'failover'],
      ),
      {
        DRILL_PASSWORD: password,
        AWS_ENDPOINT_URL_RDS: status.apiEndpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'x',
        AWS_SECRET_ACCESS_KEY: 'x',
      },
    );
    assert.equal(bad.code, 3, bad.stderr);
    assert.match(
      bad.stderr,
      /DBClusterNotFoundFault: DBCluster no-such-cluster not found\. \(rds:DescribeDBClusters\): check --cluster and --region/,
    );
  });

  it('a cluster with no reader: a failover is refused, exit 2', async () => {
    await startLab('single', addresses.auroraModes.single.first, ['--readers', '0']);
    const r = await drill(['aurora', '--lab-state-dir', lab('single').stateDir, '--trigger', 'failover']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /cluster auroralab-mysql-cluster has no reader: a failover would only restart the writer/,
    );
  });

  it('--write-check catches the writes a --lossy lab loses', async () => {
    await startLab('lossy', addresses.auroraModes.lossy.first, ['--lossy']);
    const r = await drillLab('lossy', [
      '--write-check',
      '--write-interval',
      '20ms',
      ...['--trigger', 'failover', '--at', '1s', '--until-recovered', '--settle', '1s', '--json'],
    ]);
    assert.equal(r.code, 1, r.stderr);
    const run = report(r.stdout);
    assert.ok(run.writes.lost > 0, JSON.stringify(run.writes));
    assert.match(run.reasons.join('\n'), /acknowledged writes? lost/);
  });
});
