import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  APICallRateForCustomerExceededFault,
  ClusterNotFoundFault,
  DescribeClustersCommand,
  DescribeEventsCommand,
  FailoverShardCommand,
  InvalidClusterStateFault,
  InvalidParameterValueException,
  MemoryDBClient,
  ShardNotFoundFault,
  TestFailoverNotAvailableFault,
  UpdateClusterCommand,
} from '@aws-sdk/client-memorydb';
import { Cluster, Redis } from 'ioredis';
import type { GroundTruthRecord, LabStatus } from '../../src/lab/client.js';
import { addresses } from '../support/addresses.js';
import { drill, until } from '../support/cli.js';
import { startTestLab, stopTestLab, type TestLab } from '../support/lab.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const run = promisify(execFile);
const block = addresses.labMemorydb;
type MemoryDb = NonNullable<LabStatus['memorydb']>;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const truth = (s: LabStatus): GroundTruthRecord[] =>
  readFileSync(s.groundTruthFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as GroundTruthRecord);
const nodesOf = (m: MemoryDb) => m.shards.flatMap((s) => s.nodes);
const sdk = (s: LabStatus) =>
  new MemoryDBClient({
    region: s.region,
    endpoint: s.apiEndpoint,
    credentials: { accessKeyId: 'lab', secretAccessKey: 'lab' },
    maxAttempts: 1,
  });
const rejectsWith = async (p: Promise<unknown>, type: new (...a: never[]) => Error, name: string) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof type, `expected ${name}, got ${String(err)}`);
  assert.equal((err as Error).name, name);
};
const listening = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
async function redisServersOf(stateDir: string): Promise<string[]> {
  const { stdout } = await run('ps', ['-eo', 'pid,args']);
  return stdout.split('\n').filter((l) => l.includes('redis-server') && l.includes(stateDir));
}

function awsCli(): boolean {
  try {
    execFileSync('aws', ['--version'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/** An unmodified ioredis Cluster as AWS tells users to set it up, with the lab's DNS and CA. */
function clusterClient(s: LabStatus, password: string): Cluster {
  const m = s.memorydb as MemoryDb;
  const resolver = new Resolver();
  resolver.setServers([s.dnsServer]);
  // Node host names are the lab's: clients that cannot ask the lab's DNS map them, as NAT users do.
  const natMap = Object.fromEntries(
    nodesOf(m).map((n) => [`${n.host}:${m.port}`, { host: n.address, port: m.port }]),
  );
  const cluster = new Cluster([{ host: m.clusterEndpoint, port: m.port }], {
    dnsLookup: (address, callback) => {
      resolver.resolve4(address).then(
        (a) => callback(null, a[0] as string),
        (err: Error) => callback(err, ''),
      );
    },
    natMap,
    redisOptions: {
      username: m.user,
      password,
      ...(m.tls ? { tls: { ca: readFileSync(m.caFile as string) } } : {}),
      commandTimeout: 2000,
    },
    slotsRefreshTimeout: 2000,
  });
  cluster.on('error', () => {});
  return cluster;
}

/** A direct connection to one node (the admin user), for what a test checks behind the cluster's back. */
function nodeClient(s: LabStatus, password: string, address: string): Redis {
  const m = s.memorydb as MemoryDb;
  const r = new Redis({
    host: address,
    port: m.port,
    username: m.user,
    password,
    ...(m.tls ? { tls: { ca: readFileSync(m.caFile as string) } } : {}),
    maxRetriesPerRequest: 1,
    commandTimeout: 2000,
  });
  r.on('error', () => {});
  return r;
}

/** A hash tag whose keys live in `shard` (by CLUSTER KEYSLOT, asked of a node). */
async function tagIn(s: LabStatus, password: string, shard: string): Promise<string> {
  const m = s.memorydb as MemoryDb;
  const [from, to] = (m.shards.find((x) => x.name === shard)?.slots ?? '').split('-').map(Number);
  const r = nodeClient(s, password, nodesOf(m)[0]?.address as string);
  try {
    for (let i = 0; ; i++) {
      const slot = Number(await r.call('CLUSTER', 'KEYSLOT', `t${i}`));
      if (slot >= (from as number) && slot <= (to as number)) return `{t${i}}`;
    }
  } finally {
    r.disconnect();
  }
}

/** Writes keys in a loop until stopped: what was acknowledged, and the longest stretch without an ack. */
function writer(cluster: Cluster | Redis, tag: string) {
  const acked: string[] = [];
  let stop = false;
  let lastAck = Date.now();
  let longestGapMs = 0;
  const until = Date.now() + 60_000;
  const done = (async () => {
    for (let i = 0; !stop && Date.now() < until; i++) {
      const key = `${tag}:${i}`;
      try {
        await cluster.set(key, String(i));
        const now = Date.now();
        longestGapMs = Math.max(longestGapMs, now - lastAck);
        lastAck = now;
        acked.push(key);
      } catch {
        await sleep(5);
      }
    }
  })();
  return {
    acked,
    get longestGapMs() {
      return longestGapMs;
    },
    async stop() {
      stop = true;
      await done;
    },
  };
}

describe('drill lab --memorydb: 3 shards x (primary + replica), TLS', { timeout: 300_000 }, () => {
  let lab: TestLab;
  let s: LabStatus;
  let m: MemoryDb;
  let client: MemoryDBClient;
  const dir = mkdtempSync(join(tmpdir(), 'drill-lab-memorydb-'));

  before(async () => {
    lab = await startTestLab(dir, block.lab.first, [
      '--memorydb',
      '--memorydb-first-address',
      String(block.memorydb.first),
    ]);
    s = lab.status;
    m = s.memorydb as MemoryDb;
    client = sdk(s);
  });

  after(async () => {
    client?.destroy();
    await stopTestLab(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  // First: the moment the lab says it is up. A node that had not yet heard a replica follow its primary listed it as
  // a primary of no slots, and a drill reading CLUSTER SHARDS there watched that shard without its replica.
  it("as soon as it is up, every node puts every replica in its primary's shard (CLUSTER SHARDS)", async () => {
    for (const n of nodesOf(m)) {
      const r = nodeClient(s, lab.password, n.address);
      try {
        const shards = ((await r.call('CLUSTER', 'SHARDS')) as unknown[][]).map((raw) => {
          const at = (key: string) => raw[raw.indexOf(key) + 1] as unknown[];
          const hosts = (at('nodes') as unknown[][]).map((node) =>
            String(node[node.indexOf('hostname') + 1]),
          );
          return { slots: at('slots').length, hosts: hosts.sort() };
        });
        assert.deepEqual(
          shards.map((x) => [x.slots > 0, x.hosts]).sort(),
          m.shards.map((x) => [true, x.nodes.map((y) => y.host).sort()]).sort(),
          `CLUSTER SHARDS of ${n.name}`,
        );
      } finally {
        r.disconnect();
      }
    }
  });

  it('status --json: the cluster, its shards and nodes, as documented', async () => {
    assert.equal(m.clusterName, 'my-cluster');
    assert.match(
      m.clusterEndpoint,
      /^clustercfg\.my-cluster\.[a-z0-9]+\.memorydb\.us-east-1\.amazonaws\.com$/,
    );
    assert.equal(m.port, 6379);
    assert.equal(m.user, 'admin');
    assert.equal(m.tls, true);
    assert.ok(m.caFile && existsSync(m.caFile));
    assert.deepEqual(
      m.shards.map((x) => [x.name, x.slots]),
      [
        ['0001', '0-5460'],
        ['0002', '5461-10922'],
        ['0003', '10923-16383'],
      ],
    );
    const first = block.memorydb.first;
    assert.deepEqual(
      nodesOf(m).map((n) => [n.name, n.address, n.role]),
      [
        ['my-cluster-0001-001', `127.0.1.${first}`, 'primary'],
        ['my-cluster-0001-002', `127.0.1.${first + 1}`, 'replica'],
        ['my-cluster-0002-001', `127.0.1.${first + 2}`, 'primary'],
        ['my-cluster-0002-002', `127.0.1.${first + 3}`, 'replica'],
        ['my-cluster-0003-001', `127.0.1.${first + 4}`, 'primary'],
        ['my-cluster-0003-002', `127.0.1.${first + 5}`, 'replica'],
      ],
    );
    for (const n of nodesOf(m)) {
      assert.equal(n.host, `${n.name}.${m.clusterEndpoint.replace(/^clustercfg\./, '')}`);
      assert.ok(n.pid && (await redisServersOf(s.stateDir)).some((l) => l.trim().startsWith(String(n.pid))));
    }
    const text = await drill(['lab', 'status', '--state-dir', s.stateDir, '--no-color']);
    assert.match(text.stdout, /export AWS_ENDPOINT_URL_MEMORYDB='http:\/\/127\.0\.0\.1:\d+'/);
    assert.match(text.stdout, /node +my-cluster-0002-002 \(shard 0002, replica\)/);
    assert.ok(!text.stdout.includes(lab.password));
  });

  it("the lab's DNS answers every node's host name and the cluster endpoint (every node), TTL 5 s", async () => {
    const r = new Resolver();
    r.setServers([s.dnsServer]);
    for (const n of nodesOf(m)) {
      const [a] = await r.resolve4(n.host, { ttl: true });
      assert.deepEqual(a, { address: n.address, ttl: 5 });
    }
    const all = await r.resolve4(m.clusterEndpoint, { ttl: true });
    assert.deepEqual(
      all.map((a) => a.address).sort(),
      nodesOf(m)
        .map((n) => n.address)
        .sort(),
    );
    assert.ok(all.every((a) => a.ttl === 5));
  });

  it('an unmodified ioredis Cluster (TLS, the ACL user) writes and reads keys on every shard', async () => {
    const cluster = clusterClient(s, lab.password);
    try {
      const keys = Array.from({ length: 200 }, (_, i) => `key-${i}`);
      for (const k of keys) assert.equal(await cluster.set(k, `value-${k}`), 'OK');
      for (const k of keys) assert.equal(await cluster.get(k), `value-${k}`);
      const masters = cluster.nodes('master');
      assert.equal(masters.length, 3);
      for (const node of masters) assert.ok(Number(await node.dbsize()) > 30, 'every shard holds keys');
    } finally {
      cluster.disconnect();
    }
  });

  it('redis-cli over TLS: CLUSTER SHARDS names the hosts; the default user is off', async () => {
    const cli = ['--tls', '--cacert', m.caFile as string, '-h', nodesOf(m)[0]?.address as string];
    const { stdout } = await run('redis-cli', [
      ...cli,
      '--user',
      'admin',
      '--pass',
      lab.password,
      '--no-auth-warning',
      'CLUSTER',
      'SHARDS',
    ]);
    for (const n of nodesOf(m)) assert.ok(stdout.includes(n.host), `CLUSTER SHARDS names ${n.host}`);
    const anonymous = await run('redis-cli', [...cli, 'SET', 'k', 'v']);
    assert.match(anonymous.stdout, /NOAUTH/);
    const plain = await run('redis-cli', ['-h', nodesOf(m)[0]?.address as string, 'PING']).catch((e) => e);
    assert.doesNotMatch(String(plain.stdout), /PONG/);
  });

  it('DescribeClusters through the unmodified SDK: endpoint, shards, nodes; ClusterNotFoundFault by name', async () => {
    const out = await client.send(
      new DescribeClustersCommand({ ClusterName: 'my-cluster', ShowShardDetails: true }),
    );
    const c = out.Clusters?.[0];
    assert.equal(c?.Status, 'available');
    assert.equal(c?.NumberOfShards, 3);
    assert.equal(c?.TLSEnabled, true);
    assert.equal(c?.EngineVersion, '7.0');
    assert.deepEqual(c?.ClusterEndpoint, { Address: m.clusterEndpoint, Port: 6379 });
    assert.deepEqual(
      c?.Shards?.map((x) => [x.Name, x.Slots, x.Nodes?.map((n) => n.Name)]),
      m.shards.map((x) => [x.name, x.slots, x.nodes.map((n) => n.name)]),
    );
    const node = c?.Shards?.[0]?.Nodes?.[0];
    assert.equal(node?.Status, 'available');
    assert.ok(node?.CreateTime instanceof Date);
    assert.deepEqual(node?.Endpoint, { Address: m.shards[0]?.nodes[0]?.host, Port: 6379 });
    assert.equal((await client.send(new DescribeClustersCommand({}))).Clusters?.[0]?.Shards, undefined);
    await rejectsWith(
      client.send(new DescribeClustersCommand({ ClusterName: 'nope' })),
      ClusterNotFoundFault,
      'ClusterNotFoundFault',
    );
  });

  it('FailoverShard faults by name, and an unknown operation as the service answers it', async () => {
    await rejectsWith(
      client.send(new FailoverShardCommand({ ClusterName: 'nope', ShardName: '0001' })),
      ClusterNotFoundFault,
      'ClusterNotFoundFault',
    );
    await rejectsWith(
      client.send(new FailoverShardCommand({ ClusterName: 'my-cluster', ShardName: '0009' })),
      ShardNotFoundFault,
      'ShardNotFoundFault',
    );
    await rejectsWith(
      client.send(new FailoverShardCommand({ ClusterName: 'my-cluster' } as never)),
      InvalidParameterValueException,
      'InvalidParameterValueException',
    );
    const raw = await fetch(s.apiEndpoint, {
      method: 'POST',
      headers: { 'x-amz-target': 'AmazonMemoryDB.NoSuchThing', 'content-type': 'application/x-amz-json-1.1' },
      body: '{}',
    });
    assert.equal(raw.status, 400);
    assert.equal(((await raw.json()) as { __type: string }).__type, 'UnknownOperationException');
  });

  it('the aws CLI (--endpoint-url) reads the cluster and gets faults by name', {
    skip: !awsCli(),
  }, async () => {
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'lab',
      AWS_SECRET_ACCESS_KEY: 'lab',
      AWS_DEFAULT_REGION: s.region,
    };
    const aws = (args: string[]) =>
      run('aws', ['memorydb', ...args, '--endpoint-url', s.apiEndpoint, '--output', 'json'], {
        env,
        timeout: 30_000,
      });
    const out = JSON.parse((await aws(['describe-clusters', '--show-shard-details'])).stdout);
    assert.equal(out.Clusters[0].Shards[2].Nodes[1].Name, 'my-cluster-0003-002');
    const bad = await aws(['failover-shard', '--cluster-name', 'my-cluster', '--shard-name', '0042']).catch(
      (e) => e,
    );
    assert.match(String(bad.stderr), /ShardNotFoundFault/);
  });

  it('UpdateCluster: drill notify setup --memorydb sets the topic; SnsTopicStatus follows', async () => {
    const r = await drill([
      'notify',
      'setup',
      '--memorydb',
      'my-cluster',
      '--topic',
      'memorydb-events',
      '--sqs',
      `arn:aws:sqs:${s.region}:000000000000:memorydb-events`,
      '--lab-state-dir',
      s.stateDir,
      '--no-color',
    ]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const c = async () =>
      (await client.send(new DescribeClustersCommand({ ClusterName: 'my-cluster' }))).Clusters?.[0];
    assert.equal((await c())?.SnsTopicArn, `arn:aws:sns:${s.region}:000000000000:memorydb-events`);
    assert.equal((await c())?.SnsTopicStatus, 'active');
    await client.send(new UpdateClusterCommand({ ClusterName: 'my-cluster', SnsTopicStatus: 'inactive' }));
    assert.equal((await c())?.SnsTopicStatus, 'inactive');
    await client.send(new UpdateClusterCommand({ ClusterName: 'my-cluster', SnsTopicStatus: 'active' }));
    await rejectsWith(
      client.send(new UpdateClusterCommand({ ClusterName: 'nope', SnsTopicStatus: 'active' })),
      ClusterNotFoundFault,
      'ClusterNotFoundFault',
    );
  });

  it('FailoverShard: a graceful CLUSTER FAILOVER that loses no acknowledged write; events in order', async (t) => {
    const tag = await tagIn(s, lab.password, '0001');
    const cluster = clusterClient(s, lab.password);
    const from = truth(s).length;
    const w = writer(cluster, tag);
    try {
      await sleep(300);
      const called = Date.now();
      await client.send(new FailoverShardCommand({ ClusterName: 'my-cluster', ShardName: '0001' }));
      // From the call until recovery, DescribeClusters shows the shard modifying; the others stay available.
      const shardStatuses = async () =>
        (
          await client.send(
            new DescribeClustersCommand({ ClusterName: 'my-cluster', ShowShardDetails: true }),
          )
        ).Clusters?.[0]?.Shards?.map((x) => `${x.Name} ${x.Status}`);
      assert.deepEqual(await shardStatuses(), ['0001 modifying', '0002 available', '0003 available']);
      await rejectsWith(
        client.send(new FailoverShardCommand({ ClusterName: 'my-cluster', ShardName: '0002' })),
        InvalidClusterStateFault,
        'InvalidClusterStateFault',
      );
      const messages = async () =>
        (
          await client.send(new DescribeEventsCommand({ SourceName: 'my-cluster', SourceType: 'cluster' }))
        ).Events?.filter((e) => (e.Date?.getTime() ?? 0) >= called - 1000)
          .map((e) => e.Message)
          .reverse() ?? [];
      const end = Date.now() + 20_000;
      let sawRecovering = false;
      while (!(await messages()).some((x) => x?.startsWith('Finished recovery')) && Date.now() < end) {
        if ((await messages()).some((x) => x?.startsWith('Recovering nodes'))) {
          // Recovery under way: still modifying.
          const now = await shardStatuses();
          if (!(await messages()).some((x) => x?.startsWith('Finished recovery'))) {
            assert.equal(now?.[0], '0001 modifying');
            sawRecovering = true;
          }
        }
        await sleep(100);
      }
      t.diagnostic(`shard status seen during recovery: ${sawRecovering}`);
      await sleep(300);
      assert.deepEqual(await shardStatuses(), ['0001 available', '0002 available', '0003 available']);
      await w.stop();
      assert.deepEqual(await messages(), [
        'FailoverShard API called for shard 0001',
        'Failover from primary node my-cluster-0001-001 to replica node my-cluster-0001-002 completed',
        'Recovering nodes my-cluster-0001-001',
        'Finished recovery for nodes my-cluster-0001-001',
      ]);
      const values = await cluster.mget(...w.acked);
      assert.equal(values.filter((v) => v === null).length, 0, 'no acknowledged write lost');
      t.diagnostic(`${w.acked.length} writes acknowledged; longest gap ${w.longestGapMs} ms`);
      assert.ok(w.longestGapMs < 5000, `writes resumed (longest gap ${w.longestGapMs} ms)`);
    } finally {
      await w.stop();
      cluster.disconnect();
    }
    const records = truth(s)
      .slice(from)
      .filter((r) => r.shard === '0001');
    const kinds = records.map((r) => `${r.kind} ${r.instance ?? ''} ${r.role ?? ''}`.trim());
    const at = (k: string) => kinds.indexOf(k);
    assert.ok(at('failover-started') >= 0 || records[0]?.kind === 'failover-started', kinds.join('\n'));
    assert.equal(records[0]?.from, 'my-cluster-0001-001');
    assert.equal(records[0]?.to, 'my-cluster-0001-002');
    const order = [
      'writes-stopped my-cluster-0001-001',
      'role my-cluster-0001-002 primary',
      'writes-accepted my-cluster-0001-002',
      'failover-completed my-cluster-0001-002',
    ];
    for (const k of order) assert.ok(at(k) > 0, `${k} in\n${kinds.join('\n')}`);
    assert.deepEqual(
      order.map(at),
      order.map(at).sort((a, b) => a - b),
    );
    assert.ok(kinds.includes('role my-cluster-0001-001 replica'));
    assert.ok(
      records.every(
        (r) => (r.shard === '0001' && typeof r.instance === 'string') || r.kind === 'failover-started',
      ),
    );
    const status = (await drill(['lab', 'status', '--json', '--state-dir', s.stateDir])).stdout;
    const roles = (JSON.parse(status) as LabStatus).memorydb?.shards[0]?.nodes.map((n) => n.role);
    assert.deepEqual(roles, ['replica', 'primary']);
  });

  it("that failover's events reached the cluster's SNS topic (the lab's SQS outbox)", async () => {
    const published = () =>
      truth(s)
        .filter((r) => r.kind === 'notification' && r.source === 'memorydb-event')
        .map((r) => String(r.eventMessage));
    await until(() => published().length >= 4, 5000, 'four notifications');
    assert.deepEqual(published().slice(0, 4), [
      'FailoverShard API called for shard 0001',
      'Failover from primary node my-cluster-0001-001 to replica node my-cluster-0001-002 completed',
      'Recovering nodes my-cluster-0001-001',
      'Finished recovery for nodes my-cluster-0001-001',
    ]);
    assert.ok(
      truth(s)
        .filter((r) => r.source === 'memorydb-event')
        .every((r) => r.delivered === true),
    );
  });

  it('DescribeEvents: SourceType, time window, MaxResults', async () => {
    const all = (await client.send(new DescribeEventsCommand({}))).Events ?? [];
    assert.ok(all.length >= 4);
    assert.ok(
      all.every((e) => e.SourceName === 'my-cluster' && e.SourceType === 'cluster' && e.Date instanceof Date),
    );
    assert.deepEqual((await client.send(new DescribeEventsCommand({ SourceType: 'node' }))).Events, []);
    assert.equal((await client.send(new DescribeEventsCommand({ MaxResults: 2 }))).Events?.length, 2);
    const future = new Date(Date.now() + 3600_000);
    assert.deepEqual((await client.send(new DescribeEventsCommand({ StartTime: future }))).Events, []);
  });

  it('FailoverShard allows 5 calls in 24 h, counted in a file in the state dir (deleting it resets)', async () => {
    const file = join(s.stateDir, 'memorydb-failover-calls.json');
    assert.ok(existsSync(file), 'the call above was counted');
    const saved = readFileSync(file, 'utf8');
    const recent = Array.from({ length: 5 }, (_, i) => new Date(Date.now() - i * 60_000).toISOString());
    writeFileSync(file, JSON.stringify({ failoverShardCalls: recent }));
    try {
      await rejectsWith(
        client.send(new FailoverShardCommand({ ClusterName: 'my-cluster', ShardName: '0003' })),
        APICallRateForCustomerExceededFault,
        'APICallRateForCustomerExceededFault',
      );
      // Calls older than 24 h no longer count.
      const old = recent.map((x) => new Date(Date.parse(x) - 24 * 3600_000).toISOString());
      writeFileSync(file, JSON.stringify({ failoverShardCalls: old }));
      await rejectsWith(
        client.send(new FailoverShardCommand({ ClusterName: 'my-cluster', ShardName: '0009' })),
        ShardNotFoundFault,
        'ShardNotFoundFault',
      );
    } finally {
      writeFileSync(file, saved);
    }
  });

  it('drill lab kill: the replica takes over by itself, the node comes back as a replica', async (t) => {
    const from = truth(s).length;
    const killed = await drill(['lab', 'kill', 'my-cluster-0002-001', '--state-dir', s.stateDir]);
    assert.equal(killed.code, 0, killed.stderr);
    // A shard whose replica is down has nothing to fail over to.
    const replicaKill = await drill(['lab', 'kill', 'my-cluster-0003-002', '--state-dir', s.stateDir]);
    assert.equal(replicaKill.code, 0, replicaKill.stderr);
    await sleep(100);
    await rejectsWith(
      client.send(new FailoverShardCommand({ ClusterName: 'my-cluster', ShardName: '0003' })),
      TestFailoverNotAvailableFault,
      'TestFailoverNotAvailableFault',
    );
    const recs = () => truth(s).slice(from);
    const find = (kind: string, instance: string) =>
      recs().find((r) => r.kind === kind && r.instance === instance);
    await until(
      () => find('instance-up', 'my-cluster-0002-001') !== undefined,
      30_000,
      'the killed primary back',
    );
    await until(
      () => find('instance-up', 'my-cluster-0003-002') !== undefined,
      30_000,
      'the killed replica back',
    );
    const down = find('instance-down', 'my-cluster-0002-001');
    const promoted = find('failover-completed', 'my-cluster-0002-002');
    assert.equal(down?.why, 'killed');
    assert.equal(down?.shard, '0002');
    assert.ok(find('writes-stopped', 'my-cluster-0002-001'));
    assert.ok(promoted, 'the replica was promoted');
    assert.equal(find('instance-up', 'my-cluster-0002-001')?.role, 'replica');
    const ms = Date.parse(promoted.at) - Date.parse(down?.at as string);
    t.diagnostic(`kill -> replica promoted in ${ms} ms`);
    assert.ok(ms > 0 && ms < 15_000);
    const st = JSON.parse(
      (await drill(['lab', 'status', '--json', '--state-dir', s.stateDir])).stdout,
    ) as LabStatus;
    assert.deepEqual(
      st.memorydb?.shards[1]?.nodes.map((n) => n.role),
      ['replica', 'primary'],
    );
    const pid = st.memorydb?.shards[1]?.nodes[0]?.pid;
    assert.ok(pid && pid !== m.shards[1]?.nodes[0]?.pid, 'a new process');
    const bad = await drill(['lab', 'kill', 'my-cluster-0009-001', '--state-dir', s.stateDir]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /no MemoryDB node 'my-cluster-0009-001'/);
  });

  it('drill lab pause: SIGSTOP then SIGCONT, with ground truth', async () => {
    const from = truth(s).length;
    const r = await drill(['lab', 'pause', 'my-cluster-0001-001', '300ms', '--state-dir', s.stateDir]);
    assert.equal(r.code, 0, r.stderr);
    const recs = () =>
      truth(s)
        .slice(from)
        .filter((x) => x.instance === 'my-cluster-0001-001');
    await until(() => recs().some((x) => x.kind === 'instance-up'), 10_000, 'the paused node back');
    const [down, up] = [
      recs().find((x) => x.kind === 'instance-down'),
      recs().find((x) => x.kind === 'instance-up'),
    ];
    assert.equal(down?.why, 'paused');
    const ms = Date.parse(up?.at as string) - Date.parse(down?.at as string);
    assert.ok(ms >= 290 && ms < 3000, `paused for ${ms} ms`);
  });

  it('drill lab down stops every redis-server and leaves no listener', async () => {
    assert.ok((await redisServersOf(s.stateDir)).length >= 6);
    const down = await drill(['lab', 'down', '--state-dir', s.stateDir]);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(await redisServersOf(s.stateDir), []);
    for (const n of nodesOf(m)) {
      assert.equal(await listening(n.address, 6379), false, `${n.address}:6379`);
      assert.equal(await listening(n.address, 16379), false, `${n.address}:16379`);
    }
    assert.ok(existsSync(join(s.stateDir, 'memorydb-failover-calls.json')), 'the quota file is kept');
  });
});

describe('drill lab --memorydb --lossy --no-tls: one shard', { timeout: 180_000 }, () => {
  let lab: TestLab | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'drill-lab-memorydb-lossy-'));

  after(async () => {
    await stopTestLab(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the quota file survives a new lab; --lossy FailoverShard loses acknowledged writes', async (t) => {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'memorydb-failover-calls.json');
    const recent = Array.from({ length: 5 }, () => new Date().toISOString());
    writeFileSync(file, JSON.stringify({ failoverShardCalls: recent }));
    lab = await startTestLab(dir, block.lossyLab.first, [
      '--readers',
      '0',
      '--lossy',
      '--memorydb',
      '--no-tls',
      '--shards',
      '1',
      '--memorydb-first-address',
      String(block.lossyMemorydb.first),
    ]);
    const s = lab.status;
    const m = s.memorydb as MemoryDb;
    assert.equal(m.tls, false);
    assert.equal(m.caFile, null);
    assert.deepEqual(
      m.shards.map((x) => x.slots),
      ['0-16383'],
    );
    const client = sdk(s);
    const primary = nodeClient(s, lab.password, m.shards[0]?.nodes[0]?.address as string);
    let w: ReturnType<typeof writer> | undefined;
    try {
      await rejectsWith(
        client.send(new FailoverShardCommand({ ClusterName: 'my-cluster', ShardName: '0001' })),
        APICallRateForCustomerExceededFault,
        'APICallRateForCustomerExceededFault',
      );
      rmSync(file);
      w = writer(primary, '{lossy}');
      await sleep(200);
      const from = truth(s).length;
      await client.send(new FailoverShardCommand({ ClusterName: 'my-cluster', ShardName: '0001' }));
      await until(
        () =>
          truth(s)
            .slice(from)
            .some((r) => r.kind === 'failover-completed'),
        15_000,
        'the takeover',
      );
      await sleep(500);
      await w.stop();
      const newPrimary = nodeClient(s, lab.password, m.shards[0]?.nodes[1]?.address as string);
      try {
        const values = await newPrimary.mget(...w.acked);
        const lost = values.filter((v) => v === null).length;
        t.diagnostic(`${w.acked.length} writes acknowledged, ${lost} lost`);
        assert.ok(lost > 0, 'acknowledged writes were lost');
      } finally {
        newPrimary.disconnect();
      }
      const kinds = truth(s)
        .slice(from)
        .map((r) => `${r.kind} ${r.instance ?? ''}`.trim());
      assert.equal(kinds[0], 'failover-started');
      assert.ok(kinds.includes('failover-completed my-cluster-0001-002'), kinds.join('\n'));
      assert.ok(kinds.includes('writes-stopped my-cluster-0001-001'), kinds.join('\n'));
    } finally {
      await w?.stop();
      primary.disconnect();
      client.destroy();
    }
  });
});
