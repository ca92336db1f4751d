import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  DescribeDBClustersCommand,
  DescribeDBProxiesCommand,
  DescribeEventsCommand,
  FailoverDBClusterCommand,
  RDSClient,
  RebootDBInstanceCommand,
} from '@aws-sdk/client-rds';
import mysql from 'mysql2/promise';
import { alive, type LabStatus, readLabStatus } from '../../src/lab/client.js';
import { freePort } from '../../src/lab/ports.js';
import { addresses } from '../support/addresses.js';
import { drill, until } from '../support/cli.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const run = promisify(execFile);
const first = addresses.lab.lab.first; // instances on 127.0.0.61 and .62, the proxy on .60
const writerAddress = `127.0.0.${first}`;
const readerAddress = `127.0.0.${first + 1}`;
const password = 'lab-Secret-pw1';
let dir: string;
let status: LabStatus;
let rds: RDSClient;

const truth = () =>
  readFileSync(status.groundTruthFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { at: string; kind: string; instance?: string; [k: string]: unknown });
const db = (host: string) => mysql.createConnection({ host, port: 3306, user: 'admin', password });
const listening = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
async function writerId(): Promise<string | undefined> {
  const out = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: status.aurora.clusterId }));
  return out.DBClusters?.[0]?.DBClusterMembers?.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier;
}
async function clusterStatus(): Promise<string | undefined> {
  const out = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: status.aurora.clusterId }));
  return out.DBClusters?.[0]?.Status;
}
async function resolveCluster(): Promise<{ address: string; ttl: number }> {
  const { Resolver } = await import('node:dns/promises');
  const r = new Resolver();
  r.setServers([status.dnsServer]);
  const [a] = await r.resolve4(status.aurora.clusterEndpoint, { ttl: true });
  assert.ok(a);
  return a;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'drill-lab-test-'));
  const [dnsPort, apiPort] = [await freePort(), await freePort()];
  const up = await drill(
    ['lab', 'up', '--detach', '--state-dir', dir, '--first-address', String(first)].concat([
      '--dns-port',
      String(dnsPort),
      '--api-port',
      String(apiPort),
      '--password',
      password,
    ]),
  );
  assert.equal(up.code, 0, up.stderr + up.stdout);
  assert.match(up.stdout, /export AWS_ENDPOINT_URL_RDS='http:\/\/127\.0\.0\.1:\d+'/);
  assert.match(up.stdout, new RegExp(`export DRILL_PASSWORD='${password}'`));
  const st = await drill(['lab', 'status', '--json', '--state-dir', dir]);
  assert.equal(st.code, 0, st.stderr);
  status = JSON.parse(st.stdout);
  rds = new RDSClient({
    region: status.region,
    endpoint: status.apiEndpoint,
    credentials: { accessKeyId: 'lab', secretAccessKey: 'lab' },
  });
});

after(async () => {
  await drill(['lab', 'down', '--state-dir', dir]);
  rmSync(dir, { recursive: true, force: true });
});

describe('drill lab', () => {
  it('status --json has the documented shape and never the password', async () => {
    assert.equal(status.aurora.clusterId, 'auroralab-mysql-cluster');
    assert.match(
      status.aurora.clusterEndpoint,
      /^auroralab-mysql-cluster\.cluster-[a-z0-9]{12}\.us-east-1\.rds\.amazonaws\.com$/,
    );
    assert.match(status.aurora.readerEndpoint, /\.cluster-ro-[a-z0-9]{12}\./);
    assert.deepEqual(
      status.aurora.instances.map((i) => [i.id, i.address, i.role]),
      [
        ['auroralab-mysql-node-01', writerAddress, 'writer'],
        ['auroralab-mysql-node-02', readerAddress, 'reader'],
      ],
    );
    assert.match(status.dnsServer, /^127\.0\.0\.1:\d+$/);
    assert.match(status.apiEndpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(status.groundTruthFile.endsWith('ground-truth.ndjson'));
    const text = (await drill(['lab', 'status', '--json', '--state-dir', dir])).stdout;
    assert.ok(!text.includes(password));
  });

  it('refuses a second lab on the same state dir with one clear line', async () => {
    const r = await drill(['lab', 'up', '--detach', '--state-dir', dir]);
    assert.equal(r.code, 3);
    assert.match(
      r.stderr,
      /^drill: a lab is already running from .* \(pid \d+\): use it, or stop it with 'drill lab down/,
    );
  });

  it('mysql2 and the mariadb CLI connect through the front; a wrong password is refused by MariaDB itself', async () => {
    const c = await db(writerAddress);
    const [rows] = await c.query(
      'SELECT @@innodb_read_only AS ro, @@aurora_server_id AS id, @@aurora_version AS v',
    );
    assert.deepEqual(rows, [{ ro: 0, id: 'auroralab-mysql-node-01', v: '3.05.2' }]);
    await c.end();
    const cli = await run('mariadb', [
      '-h',
      readerAddress,
      '-P',
      '3306',
      '-u',
      'admin',
      `-p${password}`,
      '-N',
      '-e',
      'SELECT @@aurora_server_id, @@innodb_read_only',
    ]);
    assert.equal(cli.stdout.trim(), 'auroralab-mysql-node-02\t1');
    await assert.rejects(
      mysql.createConnection({ host: writerAddress, user: 'admin', password: 'wrong' }),
      (e: { errno?: number }) => e.errno === 1045,
    );
  });

  it('writes on a reader fail with 1290, as on Aurora', async () => {
    const w = await db(writerAddress);
    await w.query('CREATE DATABASE IF NOT EXISTS app');
    await w.query('CREATE TABLE IF NOT EXISTS app.t (id INT PRIMARY KEY)');
    await w.end();
    const r = await db(readerAddress);
    await assert.rejects(
      r.query('INSERT INTO app.t VALUES (1)'),
      (e: { errno?: number }) => e.errno === 1290,
    );
    await r.end();
  });

  it('replica_host_status names the writer, in the forms the AWS scripts and wrappers use', async () => {
    const c = await db(readerAddress);
    const [plain] = await c.query(
      "SELECT server_id, session_id FROM information_schema.replica_host_status WHERE session_id = 'MASTER_SESSION_ID'",
    );
    assert.deepEqual(plain, [{ server_id: 'auroralab-mysql-node-01', session_id: 'MASTER_SESSION_ID' }]);
    const [wrapper] = (await c.query(
      `SELECT SERVER_ID, CASE WHEN SESSION_ID = 'MASTER_SESSION_ID' THEN TRUE ELSE FALSE END AS IS_WRITER, CPU,
       REPLICA_LAG_IN_MILLISECONDS AS LAG, LAST_UPDATE_TIMESTAMP FROM information_schema.replica_host_status
       WHERE time_to_sec(timediff(now(), LAST_UPDATE_TIMESTAMP)) <= 300 OR SESSION_ID = 'MASTER_SESSION_ID'`,
    )) as unknown as [{ SERVER_ID: string; IS_WRITER: number; LAG: number }[]];
    assert.deepEqual(
      wrapper.map((r) => [r.SERVER_ID, r.IS_WRITER]),
      [
        ['auroralab-mysql-node-01', 1],
        ['auroralab-mysql-node-02', 0],
      ],
    );
    const [[show]] = (await c.query("SHOW VARIABLES LIKE 'aurora_version'")) as unknown as [
      [{ Value: string }],
    ];
    assert.equal(show.Value, '3.05.2');
    await c.end();
  });

  it('a malformed ALTER SYSTEM gets a syntax error and the front carries on', async () => {
    const c = await db(writerAddress);
    await assert.rejects(
      c.query('ALTER SYSTEM CRASH EVERYTHING'),
      (e: { errno?: number }) => e.errno === 1064,
    );
    const [rows] = await c.query('SELECT 1 AS one');
    assert.deepEqual(rows, [{ one: 1 }]);
    await c.end();
  });

  it('ALTER SYSTEM SIMULATE: disk failure fails statements, congestion delays them, replica failure pauses replication', async () => {
    const w = await db(writerAddress);
    await w.query('ALTER SYSTEM SIMULATE 100 PERCENT DISK FAILURE FOR INTERVAL 1 SECOND');
    await assert.rejects(w.query('SELECT 1'), (e: { errno?: number }) => e.errno === 1030);
    await new Promise((r) => setTimeout(r, 1100));
    await w.query('SELECT 1');

    await w.query(
      'ALTER SYSTEM SIMULATE 100 PERCENT DISK CONGESTION BETWEEN 300 AND 300 MILLISECONDS FOR INTERVAL 1 SECOND',
    );
    const t0 = Date.now();
    await w.query('SELECT 1');
    assert.ok(Date.now() - t0 >= 290, `a congested statement took ${Date.now() - t0} ms`);
    await new Promise((r) => setTimeout(r, 1000));

    await w.query('CREATE TABLE IF NOT EXISTS app.lagging (id INT PRIMARY KEY)');
    await new Promise((r) => setTimeout(r, 300));
    await w.query(
      'ALTER SYSTEM SIMULATE 100 PERCENT READ REPLICA FAILURE TO "auroralab-mysql-node-02" FOR INTERVAL 2 SECOND',
    );
    await new Promise((r) => setTimeout(r, 200));
    await w.query('INSERT INTO app.lagging VALUES (1)');
    const r = await db(readerAddress);
    await new Promise((res) => setTimeout(res, 500));
    const [[during]] = (await r.query('SELECT COUNT(*) AS n FROM app.lagging')) as unknown as [
      [{ n: number }],
    ];
    assert.equal(during.n, 0, 'replication is paused');
    const end = Date.now() + 5000;
    let n = 0;
    while (n === 0 && Date.now() < end) {
      const [[row]] = (await r.query('SELECT COUNT(*) AS n FROM app.lagging')) as unknown as [
        [{ n: number }],
      ];
      n = row.n;
      if (n === 0) await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(n, 1, 'replication resumes after the interval');
    await r.end();
    await w.end();
  });

  it('RebootDBInstance restarts a reader in place', async () => {
    const before = truth().length;
    const out = await rds.send(
      new RebootDBInstanceCommand({ DBInstanceIdentifier: 'auroralab-mysql-node-02' }),
    );
    assert.equal(out.DBInstance?.DBInstanceStatus, 'rebooting');
    await until(
      () =>
        truth()
          .slice(before)
          .some((r) => r.kind === 'instance-up' && r.instance === 'auroralab-mysql-node-02'),
      20_000,
      'the reader to come back',
    );
    assert.equal(await writerId(), 'auroralab-mysql-node-01');
  });

  it('FailoverDBCluster with an unknown target gets the real error code', async () => {
    await assert.rejects(
      rds.send(
        new FailoverDBClusterCommand({
          DBClusterIdentifier: status.aurora.clusterId,
          TargetDBInstanceIdentifier: 'nope',
        }),
      ),
      (e: { name?: string }) => e.name === 'DBInstanceNotFoundFault',
    );
    await assert.rejects(
      rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: 'no-such-cluster' })),
      (e: { name?: string; $metadata?: { httpStatusCode?: number } }) =>
        e.name === 'DBClusterNotFoundFault' && e.$metadata?.httpStatusCode === 404,
    );
  });

  it('a failover through the AWS SDK swaps the writer, emits both events in order, and DNS follows after the delay', async () => {
    const before = truth().length;
    assert.equal((await resolveCluster()).address, writerAddress);
    const out = await rds.send(
      new FailoverDBClusterCommand({ DBClusterIdentifier: status.aurora.clusterId }),
    );
    assert.equal(out.DBCluster?.Status, 'failing-over');
    await assert.rejects(
      rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: status.aurora.clusterId })),
      (e: { name?: string }) => e.name === 'InvalidDBClusterStateFault',
    );
    // The lab rewrites lab.json at each role change; a drill reading it meanwhile must find a whole file (an empty
    // one read as "no lab is running" once in CI).
    let reading = true;
    const reads = { all: 0, torn: 0 };
    const reader = (async () => {
      while (reading) {
        reads.all++;
        if (!readLabStatus(dir)) reads.torn++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const deadline = Date.now() + 30_000;
    while ((await clusterStatus()) !== 'available' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    reading = false;
    await reader;
    assert.equal(reads.torn, 0, `${reads.torn} of ${reads.all} reads of lab.json found no whole file`);
    assert.equal(await writerId(), 'auroralab-mysql-node-02');
    const dns = await resolveCluster();
    assert.deepEqual(dns, { address: readerAddress, ttl: 5 });

    const events = await rds.send(
      new DescribeEventsCommand({
        SourceType: 'db-cluster',
        SourceIdentifier: status.aurora.clusterId,
        Duration: 60,
      }),
    );
    const messages = (events.Events ?? []).map((e) => e.Message);
    assert.deepEqual(messages.slice(-2), [
      'Started cross AZ failover to DB instance: auroralab-mysql-node-02',
      'Completed failover to DB instance: auroralab-mysql-node-02',
    ]);

    const t = truth().slice(before);
    const kinds = t.map((r) => `${r.kind}${r.instance ? ` ${r.instance}` : ''}`);
    const order = [
      'failover-started',
      'writes-stopped auroralab-mysql-node-01',
      'instance-down auroralab-mysql-node-01',
      'writes-accepted auroralab-mysql-node-02',
      'instance-up auroralab-mysql-node-02',
      'instance-up auroralab-mysql-node-01',
      'failover-completed',
    ];
    let at = -1;
    for (const k of order) {
      const i = kinds.indexOf(k, at + 1);
      assert.ok(i > at, `ground truth: '${k}' missing or out of order in\n${kinds.join('\n')}`);
      at = i;
    }
    const accepted = Date.parse(t.find((r) => r.kind === 'writes-accepted')?.at ?? '');
    const dnsAt = Date.parse(t.find((r) => r.kind === 'dns' && r.name === 'cluster')?.at ?? '');
    assert.ok(
      dnsAt - accepted >= 900 && dnsAt - accepted < 2000,
      `DNS moved ${dnsAt - accepted} ms after promotion`,
    );

    const c = await db(writerAddress); // the old writer, now a reader of the new one
    const [rows] = await c.query(
      "SELECT server_id FROM information_schema.replica_host_status WHERE session_id = 'MASTER_SESSION_ID'",
    );
    assert.deepEqual(rows, [{ server_id: 'auroralab-mysql-node-02' }]);
    await assert.rejects(
      c.query('INSERT INTO app.t VALUES (2)'),
      (e: { errno?: number }) => e.errno === 1290,
    );
    await c.end();
    const status2 = JSON.parse(
      (await drill(['lab', 'status', '--json', '--state-dir', dir])).stdout,
    ) as LabStatus;
    assert.equal(status2.aurora.instances.find((i) => i.role === 'writer')?.id, 'auroralab-mysql-node-02');
  });

  it('ALTER SYSTEM CRASH INSTANCE restarts the same writer (a real crash recovery, no role change)', async () => {
    const before = truth().length;
    const c = await db(readerAddress); // node-02 is the writer now
    await assert.rejects(c.query('ALTER SYSTEM CRASH INSTANCE'));
    c.destroy();
    let back: string | undefined;
    const deadline = Date.now() + 20_000;
    while (!back && Date.now() < deadline) {
      try {
        const again = await db(readerAddress);
        const [[row]] = (await again.query(
          'SELECT @@aurora_server_id AS id, @@innodb_read_only AS ro',
        )) as unknown as [[{ id: string; ro: number }]];
        await again.end();
        if (row.ro === 0) back = row.id;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.equal(back, 'auroralab-mysql-node-02');
    const kinds = truth()
      .slice(before)
      .map((r) => `${r.kind} ${r.instance ?? ''}`.trim());
    assert.ok(kinds.includes('crash auroralab-mysql-node-02'), kinds.join('\n'));
    assert.ok(
      kinds.indexOf('instance-down auroralab-mysql-node-02') <
        kinds.indexOf('instance-up auroralab-mysql-node-02'),
    );
    assert.ok(!kinds.some((k) => k.startsWith('role')), 'no role change');
  });

  it("an instance killed behind the lab's back is restarted, and the ground truth says so", async () => {
    const before = truth().length;
    const st = JSON.parse((await drill(['lab', 'status', '--json', '--state-dir', dir])).stdout) as LabStatus;
    const reader = st.aurora.instances.find((i) => i.role === 'reader');
    assert.ok(reader?.pid);
    process.kill(reader.pid, 'SIGKILL');
    await until(
      () =>
        truth()
          .slice(before)
          .some((r) => r.kind === 'instance-up' && r.instance === reader.id),
      20_000,
      'the killed reader to come back',
    );
    assert.ok(
      truth()
        .slice(before)
        .some((r) => r.kind === 'instance-down' && r.why === 'exited unexpectedly'),
    );
  });

  it('the RDS Proxy keeps the connection through a failover: in-flight gets 1105, the next statement runs on the new writer', async () => {
    const proxies = await rds.send(new DescribeDBProxiesCommand({}));
    assert.equal(proxies.DBProxies?.[0]?.Endpoint, status.aurora.proxyEndpoint);
    const proxyAddress = `127.0.0.${first - 1}`;
    const c = await db(proxyAddress);
    const [[before]] = (await c.query('SELECT @@aurora_server_id AS id')) as unknown as [[{ id: string }]];
    assert.equal(before.id, 'auroralab-mysql-node-02');
    const inFlight = c.query('SELECT SLEEP(5) AS slept').then(
      () => 'finished',
      (e: { errno?: number }) => e.errno,
    );
    await new Promise((r) => setTimeout(r, 200));
    await rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: status.aurora.clusterId }));
    assert.equal(await inFlight, 1105);
    const [[after]] = (await c.query(
      'SELECT @@aurora_server_id AS id, @@innodb_read_only AS ro',
    )) as unknown as [[{ id: string; ro: string }]];
    assert.deepEqual({ ...after, ro: String(after.ro) }, { id: 'auroralab-mysql-node-01', ro: '0' });
    await c.end();
    const deadline = Date.now() + 30_000;
    while ((await clusterStatus()) !== 'available' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
  });

  it('a drill pointed at a running lab by hand follows its ground truth into the history', async () => {
    const history = join(dir, 'pointed.ndjson');
    const r = await drill(
      ['aurora', '-e', status.aurora.clusterEndpoint, '-u', 'admin', '--dns-server', status.dnsServer].concat(
        [
          '--trigger',
          'crash',
          '--at',
          '500ms',
          '--until-recovered',
          '--settle',
          '500ms',
          '--history',
          history,
        ],
      ),
      { DRILL_PASSWORD: password, DRILL_LAB_DIR: dir },
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const records = readFileSync(history, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const truthSeen = records.filter((x) => x.kind === 'ground-truth').map((x) => x.what as string);
    assert.ok(
      truthSeen.some((w) => w.startsWith('crash auroralab-mysql-node-01')),
      truthSeen.join('\n'),
    );
    assert.ok(
      truthSeen.some((w) => w.startsWith('instance-up auroralab-mysql-node-01')),
      truthSeen.join('\n'),
    );
    assert.ok(!readFileSync(history, 'utf8').includes(password), 'no password in the history');
  });

  it('lab down leaves no process and no listener', async () => {
    const st = JSON.parse((await drill(['lab', 'status', '--json', '--state-dir', dir])).stdout) as LabStatus;
    const down = await drill(['lab', 'down', '--state-dir', dir]);
    assert.equal(down.code, 0, down.stderr);
    const said = /^stopped the lab \(pid (\d+)\) and 2 mariadbd \(pids (\d+), (\d+)\)\n$/.exec(down.stdout);
    assert.ok(said, down.stdout);
    assert.equal(Number(said[1]), st.pid);
    assert.deepEqual(said.slice(2).map(Number).sort(), st.aurora.instances.map((i) => i.pid).sort());
    assert.equal(alive(st.pid), false);
    for (const i of st.aurora.instances) assert.equal(alive(i.pid), false, `${i.id} still running`);
    assert.equal(await listening(`127.0.0.${first - 1}`, 3306), false, 'the proxy stopped');
    for (const address of [writerAddress, readerAddress]) {
      assert.equal(await listening(address, 3306), false);
      assert.equal(await listening(address, 3307), false);
    }
    const [, port] = st.apiEndpoint.split(/:(?=\d+$)/);
    assert.equal(await listening('127.0.0.1', Number(port)), false);
    assert.equal(existsSync(join(dir, 'lab.json')), false);
    const again = await drill(['lab', 'down', '--state-dir', dir]);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /no lab is running/);
    const gone = await drill(['lab', 'status', '--state-dir', dir]);
    assert.equal(gone.code, 3);
  });
});
