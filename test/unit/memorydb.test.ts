import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import calculateSlot from 'cluster-key-slot';
import { DrillError, ExitCode } from '../../src/core/errors.js';
import { clusterFromEndpoint } from '../../src/memorydb/endpoint-names.js';
import { classifyRedisError } from '../../src/memorydb/errors.js';
import { failoverPhase } from '../../src/memorydb/events.js';
import type { MemoryDbOptions } from '../../src/memorydb/options.js';
import { planMemoryDb } from '../../src/memorydb/plan.js';
import { tagFor } from '../../src/memorydb/topology.js';

describe('MemoryDB: Redis errors counted by kind', () => {
  it('names server errors by their first word and flags READONLY as a write on a demoted primary', () => {
    const readonly = classifyRedisError(new Error("READONLY You can't write against a read only replica."));
    assert.deepEqual(readonly, {
      code: 'READONLY',
      message: "READONLY You can't write against a read only replica.",
      readOnly: true,
    });
    assert.equal(classifyRedisError(new Error('CLUSTERDOWN The cluster is down')).code, 'CLUSTERDOWN');
    assert.equal(classifyRedisError(new Error('MOVED 3999 127.0.1.12:6379')).code, 'MOVED');
    assert.equal(
      classifyRedisError(new Error('TRYAGAIN Multiple keys request during rehashing')).code,
      'TRYAGAIN',
    );
    assert.equal(classifyRedisError(new Error('WRONGPASS invalid username-password pair')).code, 'WRONGPASS');
    assert.equal(classifyRedisError(new Error('CLUSTERDOWN x')).readOnly, undefined);
  });

  it('names client failures: a timeout, a closed connection, a refused one', () => {
    assert.equal(classifyRedisError(new Error('Command timed out')).code, 'TIMEOUT');
    assert.equal(classifyRedisError(new Error('Connection is closed.')).code, 'CLOSED');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.1.11:6379'), {
      code: 'ECONNREFUSED',
    });
    assert.equal(classifyRedisError(refused).code, 'ECONNREFUSED');
    assert.equal(
      classifyRedisError(new Error('Too many Cluster redirections. Last error: x')).code,
      'REDIRECTIONS',
    );
  });
});

describe('MemoryDB: events read loosely, in both of the guide wordings', () => {
  const cases: [string, string | undefined][] = [
    ['FailoverShard API called for shard 0001', 'failover-started'],
    ['Starting failover for shard 0001', 'failover-started'],
    [
      'Failover from primary node my-cluster-0001-001 to replica node my-cluster-0001-002 completed',
      'failover-completed',
    ],
    ['Failover to replica node my-cluster-0001-002 completed', 'failover-completed'],
    ['Recovering nodes my-cluster-0001-001', undefined],
    ['Finished recovery for nodes my-cluster-0001-001', undefined],
  ];
  for (const [message, phase] of cases) {
    it(`'${message}' -> ${phase ?? 'no phase'}`, () => assert.equal(failoverPhase(message), phase));
  }
});

describe('MemoryDB: a key for every shard', () => {
  it('finds a hash tag whose slot falls in the shard, for the usual three-shard split', () => {
    for (const ranges of [
      [[0, 5460]],
      [[5461, 10922]],
      [[10923, 16383]],
      [
        [0, 10],
        [16000, 16383],
      ],
    ] as [number, number][][]) {
      const tag = tagFor(ranges);
      const slot = calculateSlot(`drill:${tag}:run:1`);
      assert.ok(
        ranges.some(([a, b]) => slot >= a && slot <= b),
        `${tag} -> ${slot}`,
      );
    }
  });

  it("reads the cluster's name from its endpoint", () => {
    assert.equal(
      clusterFromEndpoint('clustercfg.my-cluster.abc1de.memorydb.us-east-1.amazonaws.com'),
      'my-cluster',
    );
    assert.equal(
      clusterFromEndpoint('my-cluster-0001-001.my-cluster.abc1de.memorydb.us-east-1.amazonaws.com'),
      undefined,
    );
    assert.equal(clusterFromEndpoint('10.0.0.5'), undefined);
  });
});

describe('MemoryDB: the plan', () => {
  const base: MemoryDbOptions = {
    endpoint: 'clustercfg.my-cluster.abc1de.memorydb.us-east-1.amazonaws.com',
    user: 'my-user',
    tls: true,
    mode: 'app,nodes',
    dnsCache: 'off',
    loadMix: 'read=80,write=20',
    interval: '250ms',
    fastInterval: '100ms',
    connectTimeout: '1s',
    commandTimeout: '1s',
    trigger: 'none',
    shard: '0001',
    events: true,
    labTiming: 'fast',
    settle: '5s',
    timeout: '5m',
    at: '3s',
    baseline: '2s',
    repeat: '1',
    cooldown: '30s',
    color: false,
    stepSummary: false,
  };
  it('defaults: port 6379, TLS on, both monitors, the password from REDISCLI_AUTH', () => {
    const plan = planMemoryDb(base, { REDISCLI_AUTH: 'pw' });
    assert.equal(plan.endpoint?.port, 6379);
    assert.equal(plan.tls, true);
    assert.deepEqual(plan.modes, ['app', 'nodes']);
    assert.equal(plan.password, 'pw');
  });

  it("--iam-auth: no password from the environment; the region from the endpoint's name when none is set", () => {
    const plan = planMemoryDb({ ...base, iamAuth: true }, { DRILL_PASSWORD: 'pw' });
    assert.equal(plan.iamAuth, true);
    assert.equal(plan.password, undefined);
    assert.equal(plan.aws.region, 'us-east-1');
    assert.equal(planMemoryDb({ ...base, region: 'us-east-1', iamAuth: true }, {}).aws.region, 'us-east-1');
    assert.equal(planMemoryDb({ ...base, endpoint: 'redis.example.com' }, {}).aws.region, undefined);
  });

  const refusals: [string, Partial<MemoryDbOptions>, RegExp][] = [
    ['no endpoint', { endpoint: undefined }, /^missing --endpoint/],
    ['an unknown mode', { mode: 'psychic' }, /^unknown mode 'psychic': choose from app, nodes/],
    [
      'an unknown trigger',
      { trigger: 'reboot' },
      /^unknown trigger 'reboot': choose from none, failover-shard/,
    ],
    ['a shard not named as MemoryDB names them', { shard: '1' }, /^--shard '1': MemoryDB names shards 0001/],
    ['a CA file that does not exist', { ca: '/nonexistent/ca.pem' }, /^--ca \/nonexistent\/ca\.pem: ENOENT/],
    ['--lab with --lab-state-dir', { lab: true, labStateDir: '/tmp' }, /^--lab starts a throwaway lab/],
    [
      '--iam-auth with -p',
      { iamAuth: true, password: 'pw' },
      /^-p gives a password, which --iam-auth replaces/,
    ],
    ['--iam-auth with --no-tls', { iamAuth: true, tls: false }, /^--iam-auth sends its token over TLS only/],
    [
      '--iam-auth without -u',
      { iamAuth: true, user: undefined },
      /^--iam-auth logs in as a MemoryDB user .*-u/,
    ],
    [
      '--iam-auth on an endpoint that names no cluster',
      { iamAuth: true, endpoint: 'redis.internal.example.com' },
      /^--iam-auth signs its token for the cluster's name, which redis\.internal\.example\.com does not give: name it with --cluster/,
    ],
    [
      "--iam-auth with another cluster than the endpoint's",
      { iamAuth: true, cluster: 'other' },
      /^--iam-auth: --cluster other, but the endpoint is cluster my-cluster's/,
    ],
    [
      "--iam-auth with another region than the endpoint's",
      { iamAuth: true, region: 'eu-west-1' },
      /^--iam-auth: the region is eu-west-1 \(--region or AWS_REGION\), but the endpoint is in us-east-1/,
    ],
  ];
  for (const [what, change, message] of refusals) {
    it(`refuses ${what}, exit 2`, () => {
      assert.throws(
        () => planMemoryDb({ ...base, ...change }, {}),
        (e: unknown) => e instanceof DrillError && e.exitCode === ExitCode.usage && message.test(e.message),
      );
    });
  }
});

describe('MemoryDB: the shards of a Redis 6.2 engine, from CLUSTER SLOTS', () => {
  it('groups slot ranges by primary, primary first, names from the node names', async () => {
    const { fromSlots } = await import('../../src/memorydb/topology.js');
    const node = (n: string, id: string) => [
      `my-cluster-${n}.my-cluster.abc.memorydb.us-east-1.amazonaws.com`,
      6379,
      id,
    ];
    const shards = fromSlots([
      [0, 100, node('0001-001', 'a'), node('0001-002', 'b')],
      [101, 5460, node('0001-001', 'a'), node('0001-002', 'b')],
      [5461, 16383, node('0002-002', 'c'), node('0002-001', 'd')],
    ]);
    assert.deepEqual(
      shards.map((s) => [s.name, s.slots, s.nodes.map((n) => `${n.name}:${n.role}`)]),
      [
        [
          '0001',
          [
            [0, 100],
            [101, 5460],
          ],
          ['my-cluster-0001-001:primary', 'my-cluster-0001-002:replica'],
        ],
        ['0002', [[5461, 16383]], ['my-cluster-0002-001:replica', 'my-cluster-0002-002:primary']],
      ],
    );
  });
});
