import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FailoverShardCommand, MemoryDBClient } from '@aws-sdk/client-memorydb';
import { Redis } from 'ioredis';
import { memorydbTokenMaker } from '../../src/aws/memorydb-token.js';
import type { LabStatus } from '../../src/lab/client.js';
import { clusterClient } from '../../src/memorydb/connection.js';
import { parseEndpoint } from '../../src/net/endpoint.js';
import { addresses } from '../support/addresses.js';
import { drill, startDrill, until } from '../support/cli.js';
import { withClockBack } from '../support/iam.js';
import { labStatus, startTestLab, stopTestLab, type TestLab } from '../support/lab.js';
import { reportProblems } from '../support/schema.js';

// The lab of this file (test/support/addresses.ts): Aurora on 127.0.0.211+, MemoryDB nodes on 127.0.1.101-.106.
const block = addresses.memorydbDrill;
const dir = mkdtempSync(join(tmpdir(), 'drill-memorydb-'));
let lab: TestLab;

before(async () => {
  lab = await startTestLab(join(dir, 'lab'), block.lab.first, [
    '--memorydb',
    '--memorydb-first-address',
    String(block.memorydb.first),
  ]);
});
after(async () => {
  try {
    await stopTestLab(join(dir, 'lab'));
    rmSync(dir, { recursive: true, force: true });
  } finally {
    removeGlideSockets();
  }
});

/**
 * Valkey GLIDE leaves its process's socket (glide-socket-PID-*.sock) behind when the process ends, in
 * XDG_RUNTIME_DIR when it is set, else in the temporary folder.
 */
function removeGlideSockets(): void {
  const folders = [process.env.XDG_RUNTIME_DIR, tmpdir(), '/tmp'].filter((f): f is string => !!f);
  for (const folder of new Set(folders)) {
    let names: string[] = [];
    try {
      names = readdirSync(folder);
    } catch {
      continue; // no such folder
    }
    for (const name of names) {
      if (name.startsWith(`glide-socket-${process.pid}-`)) rmSync(join(folder, name), { force: true });
    }
  }
}

const base = () => ['memorydb', '--lab-state-dir', lab.stateDir];
const primaries = (s: LabStatus) =>
  (s.memorydb?.shards ?? []).map((shard) => shard.nodes.find((n) => n.role === 'primary')?.name);
const report = (stdout: string) => JSON.parse(stdout).runs[0];
const monitor = (run: { monitors: { name: string }[] }, name: string) =>
  run.monitors.find((m) => m.name === name) as unknown as {
    downtimeMs: number | null;
    probes: number;
    failed: number;
    nodes: string[];
    errors: Record<string, number>;
    firstNewWriterSeenMs: number;
  };

describe('drill memorydb against a lab of real redis-server nodes', () => {
  it('FailoverShard of shard 0002: only that shard changes primary, events in order, no acknowledged write lost', async () => {
    const before = primaries(await labStatus(lab.stateDir));
    const r = await drill(
      [...base(), '--trigger', 'failover-shard', '--shard', '0002', '--at', '1s', '--until-recovered'].concat(
        ['--settle', '1s', '--write-check', '--json'],
      ),
      {},
      120_000,
    );
    assert.equal(r.code, 0, r.stderr);
    const run = report(r.stdout);
    const afterwards = primaries(await labStatus(lab.stateDir));
    assert.equal(afterwards[0], before[0], 'shard 0001 kept its primary');
    assert.notEqual(afterwards[1], before[1], 'shard 0002 has a new primary');
    assert.equal(afterwards[2], before[2], 'shard 0003 kept its primary');
    assert.equal(run.trigger.name, 'failover-shard');
    assert.notEqual(run.trigger.completedAtMs, null);
    // The provider's account, in order, on the same timeline.
    const messages: string[] = run.events.map((e: { message: string }) => e.message);
    const called = messages.findIndex((m) => /^FailoverShard API called for shard 0002/.test(m));
    const done = messages.findIndex((m) =>
      /^Failover from primary node .* to replica node .* completed/.test(m),
    );
    assert.ok(called >= 0 && done > called, messages.join(' | '));
    assert.ok(run.provider.failoverMs >= 0);
    // Every shard was written all along (the blast radius is in the other columns), and nothing was lost.
    for (const name of ['app:0001', 'app:0002', 'app:0003', 'nodes:0001', 'nodes:0002', 'nodes:0003']) {
      assert.ok(monitor(run, name).probes > 0, name);
    }
    assert.deepEqual(monitor(run, 'app:0002').nodes, [before[1], afterwards[1]]);
    assert.equal(run.writes.lost, 0, JSON.stringify(run.writes));
    assert.ok(run.writes.acknowledged > 10);
    // The client's downtime agrees with what really happened, to one probe interval and 100 ms.
    const truthMs = run.groundTruth.writerRecoveryMs;
    assert.notEqual(truthMs, null, JSON.stringify(run.groundTruth));
    const measured = monitor(run, 'nodes:0002').downtimeMs ?? 0;
    assert.ok(
      Math.abs(measured - truthMs) <= 100 + 100,
      `nodes:0002 measured ${measured} ms, the truth ${truthMs} ms`,
    );
  });

  it('--load 2: application clients GET and SET across every shard through a FailoverShard, per second', async () => {
    const r = await drill(
      [...base(), '--trigger', 'failover-shard', '--shard', '0003', '--at', '1s', '--until-recovered'].concat(
        ['--settle', '1s', '--load', '2', '--load-mix', 'read=50,write=50', '--json'],
      ),
      {},
      120_000,
    );
    assert.equal(r.code, 0, r.stderr);
    const run = report(r.stdout);
    assert.deepEqual(reportProblems(JSON.parse(r.stdout)), []);
    assert.equal(run.load.workers, 2);
    assert.ok(run.load.reads > 100 && run.load.writes > 100, JSON.stringify(run.load));
    assert.ok(run.load.before.opsPerSec > 0, 'throughput before the trigger');
    assert.ok(run.load.timeline.length >= 2, 'a window per second');
    assert.match(r.stderr, /^load: 2 connections, 50% reads: \d+ reads and \d+ writes ok/m);
  });

  it('a hard kill of a primary (drill lab kill): the replica is promoted, the drill measures it, nothing is lost', async () => {
    const status = await labStatus(lab.stateDir);
    const victim = status.memorydb?.shards[0]?.nodes.find((n) => n.role === 'primary')?.name as string;
    const running = startDrill(
      [...base(), '--duration', '14s', '--write-check', '--json', '--mode', 'app,nodes'],
      {},
      120_000,
    );
    await until(() => running.stderr.includes('app:0001'), 20_000, 'the drill to start');
    await new Promise((r) => setTimeout(r, 2000));
    const killed = await drill(['lab', 'kill', victim, '--state-dir', lab.stateDir]);
    assert.equal(killed.code, 0, killed.stderr);
    const r = await running.finished;
    assert.equal(r.code, 0, r.stderr);
    const run = report(r.stdout);
    const app = monitor(run, 'app:0001');
    const nodes = monitor(run, 'nodes:0001');
    assert.ok((nodes.downtimeMs ?? 0) > 0, JSON.stringify(nodes));
    assert.ok(Object.keys(nodes.errors).length > 0, JSON.stringify(nodes.errors));
    assert.equal(run.writes.lost, 0, JSON.stringify(run.writes));
    // The application wrote to the new primary no sooner than the service could take writes (to 100 ms).
    assert.ok(
      app.firstNewWriterSeenMs !== null && nodes.firstNewWriterSeenMs !== null,
      JSON.stringify({ app, nodes }),
    );
    assert.ok(app.firstNewWriterSeenMs + 100 >= nodes.firstNewWriterSeenMs, JSON.stringify({ app, nodes }));
    // The lab brings the node back (as a replica), as MemoryDB replaces a node: the next tests need it.
    for (let i = 0; i < 600; i++) {
      const nodes = (await labStatus(lab.stateDir)).memorydb?.shards[0]?.nodes ?? [];
      if (nodes.length > 0 && nodes.every((n) => n.pid !== null)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  const m = () => lab.status.memorydb as NonNullable<LabStatus['memorydb']>;
  const by = () => [
    'memorydb',
    '-e',
    `${m().clusterEndpoint}:${m().port}`,
    '--dns-server',
    lab.status.dnsServer,
    '--duration',
    '2s',
  ];

  it('by hand, as a user would: the CA and the password given, a short drill passes', async () => {
    const r = await drill([...by(), '-u', m().user, '--ca', m().caFile as string], {
      DRILL_PASSWORD: lab.password,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /PASS/);
  });

  const refusals: [string, string[], Record<string, string>, number, RegExp][] = [
    [
      'a wrong password',
      ['-u', 'admin', '--ca', 'CA'],
      { DRILL_PASSWORD: 'not-the-pw-4711' },
      3,
      /refused user 'admin' \(WRONGPASS\): check --user and the password/,
    ],
    ['no --ca for the lab CA', ['-u', 'admin'], { DRILL_PASSWORD: 'PW' }, 3, /TLS with .* failed .*--ca/],
    [
      '--no-tls against TLS nodes',
      ['-u', 'admin', '--no-tls'],
      { DRILL_PASSWORD: 'PW' },
      3,
      /^drill: cannot reach .*TLS \(--no-tls, --ca\)|^drill: .* refused the first call/,
    ],
  ];
  for (const [what, args, env, code, message] of refusals) {
    it(`${what}: exit ${code}, one line, no password printed`, async () => {
      const fill = (a: string) => (a === 'CA' ? (m().caFile as string) : a === 'PW' ? lab.password : a);
      const r = await drill(
        [...by(), ...args.map(fill)],
        Object.fromEntries(Object.entries(env).map(([k, v]) => [k, fill(v)])),
        60_000,
      );
      assert.equal(r.code, code, r.stderr);
      const line = r.stderr.trim().split('\n').pop() as string;
      assert.match(line, message);
      assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at |internal error/);
      assert.ok(!(r.stderr + r.stdout).includes(lab.password), 'the lab password never appears');
      assert.ok(!(r.stderr + r.stdout).includes('not-the-pw-4711'), 'a wrong password never appears either');
    });
  }

  describe('IAM authentication (--iam-auth), as MemoryDB checks tokens', () => {
    const outputs: string[] = [];
    /** Shard 0001's primary now (the tests before moved it). */
    const nodeAddress = async () =>
      (await labStatus(lab.stateDir)).memorydb?.shards[0]?.nodes.find((n) => n.role === 'primary')
        ?.address as string;
    /** A connection of ioredis to a node, as `user` with `password`: ACL WHOAMI, or the error. */
    const whoami = async (user: string, password: string) => {
      const conn = new Redis({
        host: await nodeAddress(),
        port: m().port,
        username: user,
        password,
        tls: { ca: readFileSync(m().caFile as string), servername: m().clusterEndpoint },
        lazyConnect: true,
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
      });
      // ioredis emits the server's refusal, then rejects the connect with "Connection is closed".
      let refusal: Error | undefined;
      conn.on('error', (err: Error) => {
        refusal ??= err;
      });
      try {
        await conn.connect();
        return String(await conn.call('ACL', 'WHOAMI'));
      } catch (err) {
        return (refusal ?? (err as Error)).message;
      } finally {
        conn.disconnect();
      }
    };
    const token = async (secret = 'lab', agoMs = 0, cluster = m().clusterName) =>
      withClockBack(agoMs, async () =>
        (
          await memorydbTokenMaker(
            { region: lab.status.region, credentials: { accessKeyId: 'lab', secretAccessKey: secret } },
            cluster,
            m().iamUser as string,
          )
        )(),
      );

    it("a drill logs in as the lab's IAM user with tokens: monitors, load and write check; exit 0", async () => {
      assert.equal(m().iamUser, 'drill-iam');
      const history = join(dir, 'iam.ndjson');
      const reportFile = join(dir, 'iam.json');
      const r = await drill(
        [...base(), '--iam-auth', '--write-check', '--load', '1', '--duration', '2s'].concat([
          '--history',
          history,
          '--report',
          reportFile,
        ]),
        {},
        60_000,
      );
      outputs.push(r.stdout, r.stderr, readFileSync(history, 'utf8'), readFileSync(reportFile, 'utf8'));
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /as drill-iam/);
      const run = JSON.parse(readFileSync(reportFile, 'utf8')).runs[0];
      assert.ok(run.writes.acknowledged > 0, JSON.stringify(run.writes));
      assert.ok(monitor(run, 'app:0001').probes > 0 && monitor(run, 'app:0001').failed === 0);
      assert.ok(run.load.reads > 0 && run.load.failed === 0, JSON.stringify(run.load));
    });

    it('a token signed with other keys (forged): exit 3, one line about the IAM token', async () => {
      const r = await drill(
        [...by(), '-u', 'drill-iam', '--iam-auth', '--ca', m().caFile as string],
        {
          AWS_ENDPOINT_URL_MEMORYDB: lab.status.apiEndpoint,
          AWS_REGION: lab.status.region,
          AWS_ACCESS_KEY_ID: 'lab',
          AWS_SECRET_ACCESS_KEY: 'forged',
        },
        60_000,
      );
      outputs.push(r.stdout, r.stderr);
      assert.equal(r.code, 3, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(
        r.stderr,
        /refused the IAM token of user 'drill-iam' \(WRONGPASS; signed for cluster my-cluster, region us-east-1\): check that the user's authentication mode is IAM, that your AWS credentials/,
      );
    });

    it('refused as MemoryDB refuses (WRONGPASS): expired, signed for another cluster, forged; a fresh token logs in', async () => {
      const wrongpass = /^WRONGPASS invalid username-password pair or user is disabled\.$/;
      assert.match(await whoami('drill-iam', await token('lab', 16 * 60_000)), wrongpass);
      assert.match(await whoami('drill-iam', await token('lab', 0, 'other-cluster')), wrongpass);
      assert.match(await whoami('drill-iam', await token('forged')), wrongpass);
      assert.equal(await whoami('drill-iam', await token('lab', 14 * 60_000)), 'drill-iam');
      assert.equal(await whoami('drill-iam', await token()), 'drill-iam');
    });

    it("Valkey GLIDE (AWS's client, its own IAM token for MemoryDB) logs in; with other keys it is refused", async () => {
      const { GlideClient, Logger, ServiceType } = await import('@valkey/valkey-glide');
      Logger.init('off'); // its refusals are asserted here, not logged to the test's output
      const login = async (secret: string) => {
        // GLIDE reads the standard credential chain: the lab's keys are in the environment for this call only.
        process.env.AWS_ACCESS_KEY_ID = 'lab';
        process.env.AWS_SECRET_ACCESS_KEY = secret;
        try {
          const client = await GlideClient.createClient({
            addresses: [{ host: await nodeAddress(), port: m().port }],
            useTLS: true,
            advancedConfiguration: {
              tlsAdvancedConfiguration: { rootCertificates: readFileSync(m().caFile as string) },
              connectionTimeout: 3000,
            },
            credentials: {
              username: 'drill-iam',
              iamConfig: {
                clusterName: m().clusterName,
                service: ServiceType.MemoryDB,
                region: lab.status.region,
              },
            },
            requestTimeout: 3000,
          });
          try {
            return String(await client.customCommand(['ACL', 'WHOAMI']));
          } finally {
            client.close();
          }
        } catch (err) {
          return (err as Error).message;
        } finally {
          delete process.env.AWS_ACCESS_KEY_ID;
          delete process.env.AWS_SECRET_ACCESS_KEY;
        }
      };
      assert.equal(await login('lab'), 'drill-iam');
      assert.match(await login('forged'), /WRONGPASS/);
    });

    it("every reconnection of the drill's cluster client sends the token current then", async () => {
      let current = await token();
      const { makeResolver } = await import('../../src/net/resolver.js');
      const target = {
        user: 'drill-iam',
        password: undefined,
        token: () => current,
        tls: true,
        ca: readFileSync(m().caFile as string, 'utf8'),
        connectTimeoutMs: 2000,
        commandTimeoutMs: 2000,
        resolver: makeResolver({ server: parseEndpoint(lab.status.dnsServer, 53), cache: 'off' }),
        passthrough: false,
      };
      const hosts = m().shards.flatMap((sh) => sh.nodes.map((n) => n.host));
      const { cluster } = await clusterClient(
        target,
        parseEndpoint(`${m().clusterEndpoint}:${m().port}`),
        hosts,
      );
      try {
        assert.equal(await cluster.set('drill:iam:probe', '1'), 'OK');
        // Each node's client reads the password when it connects: it must be the token current now.
        current = await token('forged');
        const nodes = cluster.nodes();
        assert.ok(nodes.length > 0);
        for (const node of nodes) assert.equal(node.options.password, current);
        // And a node that connects again sends it: the forged one is refused.
        const node = nodes[0] as (typeof nodes)[number];
        let refusal = '';
        node.on('error', (err: Error) => {
          refusal ||= err.message;
        });
        node.disconnect();
        await new Promise((r) => setTimeout(r, 100));
        const why = await node.connect().then(
          () => 'connected',
          (err: Error) => refusal || err.message,
        );
        assert.match(String(why), /^WRONGPASS/);
      } finally {
        cluster.disconnect();
      }
    });

    after(() => {
      // No token (a presigned URL: its signature and its Action=connect) in any output, report or history.
      for (const text of outputs) {
        assert.doesNotMatch(text, /X-Amz-Signature|Action=connect/);
        assert.ok(!text.includes(lab.password), 'the lab password never appears');
      }
    });
  });

  it('watching by hand, no --cluster: the endpoint names the cluster, whose events are followed; without AWS, one note', async () => {
    const aws = {
      AWS_ENDPOINT_URL_MEMORYDB: lab.status.apiEndpoint,
      AWS_REGION: lab.status.region,
      AWS_ACCESS_KEY_ID: 'lab',
      AWS_SECRET_ACCESS_KEY: 'lab',
    };
    const args = [...by().slice(0, -2), '-u', m().user, '--ca', m().caFile as string, '--json'];
    const running = startDrill(
      [...args, '--duration', '10s'],
      { DRILL_PASSWORD: lab.password, ...aws },
      60_000,
    );
    await until(() => running.stderr.includes('app:0003'), 20_000, 'the drill to start');
    // A failover made elsewhere (the console, a runbook) while the drill watches.
    const api = new MemoryDBClient({
      region: lab.status.region,
      endpoint: lab.status.apiEndpoint,
      credentials: { accessKeyId: 'lab', secretAccessKey: 'lab' },
      maxAttempts: 1,
    });
    await api.send(new FailoverShardCommand({ ClusterName: m().clusterName, ShardName: '0003' }));
    const r = await running.finished;
    assert.equal(r.code, 0, r.stderr);
    const messages: string[] = report(r.stdout).events.map((e: { message: string }) => e.message);
    assert.ok(
      messages.some((msg) => /^FailoverShard API called for shard 0003/.test(msg)),
      messages.join(' | '),
    );
    // No AWS to ask: the drill runs as before and says once that events are left out.
    const offline = await drill([...args, '--duration', '2s'], {
      DRILL_PASSWORD: lab.password,
      ...aws,
      AWS_ENDPOINT_URL_MEMORYDB: 'http://127.0.0.1:9',
    });
    assert.equal(offline.code, 0, offline.stderr);
    assert.equal(offline.stderr.match(/DescribeEvents not followed/g)?.length, 1, offline.stderr);
  });

  it('a shard that does not exist: exit 2, naming the shards there are', async () => {
    const r = await drill([...base(), '--trigger', 'failover-shard', '--shard', '0009', '--duration', '5s']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /cluster my-cluster has no shard 0009 \(its shards: 0001, 0002, 0003\)/);
  });

  it('--dry-run prints the aws memorydb commands and touches nothing', async () => {
    const before = readFileSync(lab.status.groundTruthFile, 'utf8');
    const r = await drill([...base(), '--trigger', 'failover-shard', '--shard', '0003', '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /aws memorydb failover-shard --cluster-name my-cluster --shard-name 0003/);
    assert.match(r.stdout, /aws memorydb describe-events --source-name my-cluster/);
    assert.match(r.stdout, /^login: as admin with a password; TLS: on, --ca given$/m);
    const iam = await drill([...base(), '--iam-auth', '--dry-run']);
    assert.match(
      iam.stdout,
      /^login: as drill-iam with IAM tokens \(memorydb:Connect\), renewed every 10 min; TLS: on/m,
    );
    assert.equal(readFileSync(lab.status.groundTruthFile, 'utf8'), before);
  });

  it('Ctrl+C mid-drill: exit 130, the summary and the report all the same', async () => {
    const reportFile = join(dir, 'interrupted.json');
    const running = startDrill([...base(), '--report', reportFile], {}, 60_000);
    await until(
      () => running.stderr.includes('nodes:0003') || running.stdout.includes('nodes:0003'),
      20_000,
      'probes',
    );
    running.child.kill('SIGINT');
    const r = await running.finished;
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stdout, /interrupted \(Ctrl\+C\)/);
    assert.equal(JSON.parse(readFileSync(reportFile, 'utf8')).runs[0].stoppedBy, 'interrupted');
  });

  it('a --lossy lab: the write check catches the acknowledged writes a FailoverShard lost, exit 1', async () => {
    const stateDir = join(dir, 'lossy');
    await startTestLab(stateDir, block.lossyLab.first, [
      ...['--memorydb', '--lossy', '--shards', '1'],
      ...['--memorydb-first-address', String(block.lossyMemorydb.first)],
    ]);
    try {
      const r = await drill(
        ['memorydb', '--lab-state-dir', stateDir, '--trigger', 'failover-shard', '--at', '1s'].concat([
          '--until-recovered',
          '--settle',
          '1s',
          '--write-check',
          '--interval',
          '50ms',
          '--json',
        ]),
        {},
        120_000,
      );
      assert.equal(r.code, 1, r.stderr);
      const run = report(r.stdout);
      assert.ok(run.writes.lost > 0, JSON.stringify(run.writes));
      assert.match(run.reasons.join('\n'), /acknowledged writes? lost \(ledger seq /);
      assert.match(r.stderr, /FAIL \d+ acknowledged writes? lost/);

      // That was the cluster's first FailoverShard of the day; four more use up MemoryDB's five per 24 h.
      const status = await labStatus(stateDir);
      const api = new MemoryDBClient({
        region: status.region,
        endpoint: status.apiEndpoint,
        credentials: { accessKeyId: 'lab', secretAccessKey: 'lab' },
        maxAttempts: 1,
      });
      const clusterName = status.memorydb?.clusterName as string;
      for (let i = 0; i < 4; i++) {
        // One failover at a time: while the last one runs the API answers InvalidClusterStateFault; 10 s at most.
        for (let waited = 0; ; waited += 200) {
          const call = api.send(new FailoverShardCommand({ ClusterName: clusterName, ShardName: '0001' }));
          const err = await call.then(
            () => undefined,
            (e: Error) => e,
          );
          if (!err) break;
          if (err.name !== 'InvalidClusterStateFault' || waited > 10_000) throw err;
          await new Promise((res) => setTimeout(res, 200));
        }
      }
      const sixth = await drill(
        ['memorydb', '--lab-state-dir', stateDir, '--trigger', 'failover-shard', '--duration', '5s'],
        {},
        60_000,
      );
      assert.equal(sixth.code, 3, sixth.stderr);
      assert.match(
        sixth.stderr.trim(),
        /^drill: cluster my-cluster had 5 FailoverShard calls in the last 24 h: MemoryDB allows 5; try again later$/m,
      );
    } finally {
      await stopTestLab(stateDir);
    }
  });
});
