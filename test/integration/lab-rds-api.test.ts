import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  CreateEventSubscriptionCommand,
  DeleteEventSubscriptionCommand,
  DescribeDBClusterEndpointsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBProxiesCommand,
  DescribeEventSubscriptionsCommand,
  DescribeEventsCommand,
  type Event,
  FailoverDBClusterCommand,
  ModifyDBInstanceCommand,
  paginateDescribeEvents,
  RDSClient,
  RebootDBInstanceCommand,
} from '@aws-sdk/client-rds';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { parseNdjson, type ServiceEvent } from '../../src/core/history.js';
import { exportLines } from '../../src/lab/lab.js';
import { addresses } from '../support/addresses.js';
import { drill, drillBin, startDrill, until } from '../support/cli.js';
import { startTestLab, stopTestLab, type TestLab } from '../support/lab.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const run = promisify(execFile);
const first = addresses.labRdsApi.lab.first; // instances on 127.0.0.66-.68, the proxy on .65
let dir: string;
let lab: TestLab;
let rds: RDSClient;
let sns: SNSClient;
let startedAt: number;

const clusterId = () => lab.status.aurora.clusterId;
const node = (n: number) => `auroralab-mysql-node-${String(n).padStart(2, '0')}`;
const arn = (kind: string, id: string) => `arn:aws:rds:${lab.status.region}:000000000000:${kind}:${id}`;

/** An SDK error as the test checks it: the RDS error code on the wire (`Code`) and the HTTP status. */
const rdsError =
  (code: string, status: number, message?: RegExp) =>
  (err: Error & { Code?: string; $metadata?: { httpStatusCode?: number } }): boolean => {
    assert.equal(err.Code, code, err.message);
    assert.equal(err.$metadata?.httpStatusCode, status);
    if (message) assert.match(err.message, message);
    return true;
  };

async function eventually<T>(
  get: () => Promise<T>,
  ok: (v: T) => boolean,
  ms: number,
  what: string,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: last ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const cluster = async () =>
  (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId() }))).DBClusters?.[0];
const instances = async () => (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
const allAvailable = async () =>
  (await cluster())?.Status === 'available' &&
  (await instances()).every((i) => i.DBInstanceStatus === 'available');

before(
  async () => {
    dir = mkdtempSync(join(tmpdir(), 'drill-lab-rds-api-test-'));
    startedAt = Date.now();
    lab = await startTestLab(dir, first, ['--readers', '2']);
    const config = { region: lab.status.region, credentials: { accessKeyId: 'lab', secretAccessKey: 'lab' } };
    rds = new RDSClient({ ...config, endpoint: lab.status.apiEndpoint });
    sns = new SNSClient({ ...config, endpoint: lab.status.snsEndpoint });
  },
  { timeout: 150_000 },
);

after(async () => {
  rds?.destroy();
  sns?.destroy();
  await stopTestLab(dir);
  rmSync(dir, { recursive: true, force: true });
});

/** The environment `lab up`'s export lines make, as a shell that pasted them has it. */
function exportedEnv(lines: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of lines) {
    const m = /^export (\w+)='(.*)'$/.exec(line);
    assert.ok(m, `an export line: ${line}`);
    env[m[1] as string] = (m[2] as string).replaceAll(`'\\''`, "'");
  }
  return env;
}

/** `aws ARGS` against the lab's API with any credentials, as a user of the lab runs it: its stdout. */
async function awsCli(args: string[]): Promise<string> {
  const { stdout } = await run('aws', [...args, '--endpoint-url', lab.status.apiEndpoint], {
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'lab',
      AWS_SECRET_ACCESS_KEY: 'lab',
      AWS_DEFAULT_REGION: lab.status.region,
    },
    timeout: 20_000,
  });
  return stdout;
}

async function awsCliInstalled(): Promise<boolean> {
  try {
    await run('aws', ['--version'], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

describe('the lab RDS API through the unmodified SDK', { timeout: 180_000 }, () => {
  it('DescribeDBClusters gives the fields tools read, by any case of the identifier and by ARN', {
    timeout: 10_000,
  }, async () => {
    const byUpper = await rds.send(
      new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId().toUpperCase() }),
    );
    const byArn = await rds.send(
      new DescribeDBClustersCommand({ DBClusterIdentifier: arn('cluster', clusterId()) }),
    );
    const c = byUpper.DBClusters?.[0];
    assert.ok(c);
    // The same cluster either way (LatestRestorableTime moves on between the two calls).
    assert.deepEqual(
      { ...byArn.DBClusters?.[0], LatestRestorableTime: undefined },
      { ...c, LatestRestorableTime: undefined },
    );
    assert.equal(c.DBClusterIdentifier, clusterId());
    assert.equal(c.DBClusterArn, arn('cluster', clusterId()));
    assert.ok(c.ClusterCreateTime instanceof Date);
    assert.ok(Math.abs(c.ClusterCreateTime.getTime() - startedAt) < 150_000, 'created when the lab started');
    assert.equal(c.EngineMode, 'provisioned');
    assert.equal(c.MultiAZ, true);
    assert.match(c.HostedZoneId ?? '', /^Z[A-Z0-9]{10,}$/);
    assert.equal(c.DBClusterParameterGroup, 'default.aurora-mysql8.0');
    assert.equal(c.DBSubnetGroup, 'default');
    assert.match(c.VpcSecurityGroups?.[0]?.VpcSecurityGroupId ?? '', /^sg-[0-9a-f]{17}$/);
    assert.equal(c.VpcSecurityGroups?.[0]?.Status, 'active');
    assert.equal(c.StorageEncrypted, false);
    assert.equal(c.DeletionProtection, false);
    assert.equal(c.IAMDatabaseAuthenticationEnabled, true);
    assert.match(c.DbClusterResourceId ?? '', /^cluster-[A-Z0-9]{26}$/);
    assert.deepEqual(c.AvailabilityZones, ['us-east-1a', 'us-east-1b', 'us-east-1c']);
    assert.deepEqual(
      c.DBClusterMembers?.map((m) => [m.DBInstanceIdentifier, m.IsClusterWriter, m.PromotionTier]),
      [
        [node(1), true, 1],
        [node(2), false, 1],
        [node(3), false, 1],
      ],
    );
    await assert.rejects(
      rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: arn('cluster', 'other-cluster') })),
      rdsError('DBClusterNotFoundFault', 404),
    );
  });

  it("DescribeDBClusters names the master user secret: its ARN opens the lab's secret (SDK, aws CLI, drill --secret-id)", {
    timeout: 30_000,
  }, async (t) => {
    const secret = (await cluster())?.MasterUserSecret;
    assert.equal(secret?.SecretArn, lab.status.aurora.secretId);
    assert.equal(secret?.SecretStatus, 'active');
    assert.match(secret?.KmsKeyId ?? '', /^arn:aws:kms:us-east-1:000000000000:key\/[0-9a-f-]{36}$/);
    const secrets = new SecretsManagerClient({
      region: lab.status.region,
      endpoint: lab.status.apiEndpoint,
      credentials: { accessKeyId: 'lab', secretAccessKey: 'lab' },
    });
    try {
      const value = await secrets.send(new GetSecretValueCommand({ SecretId: secret?.SecretArn }));
      assert.deepEqual(JSON.parse(value.SecretString ?? '{}'), { username: 'admin', password: lab.password });
    } finally {
      secrets.destroy();
    }
    if (!(await awsCliInstalled())) {
      t.skip('the aws CLI is not installed');
      return;
    }
    // What a user types after pasting `lab up`'s export lines (the CLI told the lab's API, as `lab up`'s own aws
    // line does): the ARN from describe-db-clusters into --secret-id, and no password besides.
    const script = [
      'set -e',
      ...exportLines(lab.status, lab.password),
      'unset DRILL_PASSWORD',
      `arn="$(aws rds describe-db-clusters --endpoint-url "$AWS_ENDPOINT_URL_RDS" --db-cluster-identifier ${clusterId()} --query 'DBClusters[0].MasterUserSecret.SecretArn' --output text)"`,
      'echo "secret $arn"',
      '"$NODE" "$DRILL" aurora --duration 1s --secret-id "$arn"',
    ].join('\n');
    const { stdout } = await run('bash', ['-c', script], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE: process.execPath, DRILL: drillBin },
      timeout: 30_000,
    });
    assert.ok(stdout.includes(`secret ${lab.status.aurora.secretId}\n`), stdout);
    assert.match(stdout, /as admin/);
  });

  it('DescribeDBClusters honours --filters db-cluster-id (ids and ARNs) and engine; an unknown filter is refused', {
    timeout: 10_000,
  }, async () => {
    const ids = async (Filters: { Name: string; Values: string[] }[]) =>
      ((await rds.send(new DescribeDBClustersCommand({ Filters }))).DBClusters ?? []).map(
        (c) => c.DBClusterIdentifier,
      );
    assert.deepEqual(await ids([{ Name: 'db-cluster-id', Values: [arn('cluster', clusterId())] }]), [
      clusterId(),
    ]);
    assert.deepEqual(await ids([{ Name: 'db-cluster-id', Values: ['other', clusterId()] }]), [clusterId()]);
    assert.deepEqual(await ids([{ Name: 'db-cluster-id', Values: ['other'] }]), []);
    assert.deepEqual(await ids([{ Name: 'engine', Values: ['aurora-mysql'] }]), [clusterId()]);
    assert.deepEqual(await ids([{ Name: 'engine', Values: ['aurora-postgresql'] }]), []);
    await assert.rejects(
      ids([{ Name: 'colour', Values: ['blue'] }]),
      rdsError('InvalidParameterValue', 400, /colour/),
    );
  });

  it('DescribeDBInstances gives the fields tools read, by ARN and any case, and honours its filters', {
    timeout: 10_000,
  }, async () => {
    const all = await instances();
    assert.deepEqual(
      all.map((i) => [i.DBInstanceIdentifier, i.AvailabilityZone, i.PromotionTier]),
      [
        [node(1), 'us-east-1a', 1],
        [node(2), 'us-east-1b', 1],
        [node(3), 'us-east-1c', 1],
      ],
    );
    const i = all[1];
    assert.ok(i);
    assert.ok(i.InstanceCreateTime instanceof Date);
    assert.match(i.DbiResourceId ?? '', /^db-[A-Z0-9]{26}$/);
    assert.equal(new Set(all.map((x) => x.DbiResourceId)).size, 3, 'one resource id per instance');
    assert.deepEqual(i.DBParameterGroups, [
      { DBParameterGroupName: 'default.aurora-mysql8.0', ParameterApplyStatus: 'in-sync' },
    ]);
    assert.equal(i.CACertificateIdentifier, 'rds-ca-rsa2048-g1');
    assert.equal(i.PerformanceInsightsEnabled, false);
    assert.equal(i.DBInstanceArn, arn('db', node(2)));
    assert.equal(i.DBClusterIdentifier, clusterId());
    assert.equal(i.DBSubnetGroup?.Subnets?.length, 3);

    const one = async (DBInstanceIdentifier: string) =>
      (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier }))).DBInstances?.map(
        (x) => x.DBInstanceIdentifier,
      );
    assert.deepEqual(await one(node(2).toUpperCase()), [node(2)]);
    assert.deepEqual(await one(arn('db', node(3))), [node(3)]);
    await assert.rejects(one('no-such-instance'), rdsError('DBInstanceNotFound', 404));

    const filtered = async (Filters: { Name: string; Values: string[] }[]) =>
      ((await rds.send(new DescribeDBInstancesCommand({ Filters }))).DBInstances ?? []).map(
        (x) => x.DBInstanceIdentifier,
      );
    assert.equal(
      (await filtered([{ Name: 'db-cluster-id', Values: [arn('cluster', clusterId())] }])).length,
      3,
    );
    assert.deepEqual(await filtered([{ Name: 'db-cluster-id', Values: ['other-cluster'] }]), []);
    assert.equal((await filtered([{ Name: 'engine', Values: ['aurora-mysql'] }])).length, 3);
    assert.deepEqual(await filtered([{ Name: 'engine', Values: ['mysql'] }]), []);
    assert.deepEqual(await filtered([{ Name: 'db-instance-id', Values: [arn('db', node(1)), node(3)] }]), [
      node(1),
      node(3),
    ]);
    assert.deepEqual(await filtered([{ Name: 'dbi-resource-id', Values: [i.DbiResourceId as string] }]), [
      node(2),
    ]);
  });

  it('DescribeDBProxies gives Auth, RoleArn, VpcId and CreatedDate', { timeout: 10_000 }, async () => {
    const p = (await rds.send(new DescribeDBProxiesCommand({}))).DBProxies?.[0];
    assert.ok(p);
    assert.deepEqual(
      p.Auth?.map((a) => [a.AuthScheme, a.IAMAuth, a.ClientPasswordAuthType]),
      [['SECRETS', 'DISABLED', 'MYSQL_NATIVE_PASSWORD']],
    );
    assert.match(p.Auth?.[0]?.SecretArn ?? '', /^arn:aws:secretsmanager:us-east-1:000000000000:secret:/);
    assert.match(p.RoleArn ?? '', /^arn:aws:iam::000000000000:role\//);
    assert.match(p.VpcId ?? '', /^vpc-[0-9a-f]{17}$/);
    assert.ok(p.CreatedDate instanceof Date);
    const c = await cluster();
    assert.equal(p.CreatedDate.getTime(), c?.ClusterCreateTime?.getTime());
  });

  it('DescribeDBClusterEndpoints lists the writer and reader endpoints; filters by type; an unknown cluster is DBClusterNotFoundFault', {
    timeout: 10_000,
  }, async () => {
    const all = await rds.send(new DescribeDBClusterEndpointsCommand({ DBClusterIdentifier: clusterId() }));
    assert.deepEqual(
      all.DBClusterEndpoints?.map((e) => [e.EndpointType, e.Endpoint, e.Status, e.DBClusterIdentifier]),
      [
        ['WRITER', lab.status.aurora.clusterEndpoint, 'available', clusterId()],
        ['READER', lab.status.aurora.readerEndpoint, 'available', clusterId()],
      ],
    );
    const readers = await rds.send(
      new DescribeDBClusterEndpointsCommand({
        Filters: [{ Name: 'db-cluster-endpoint-type', Values: ['reader'] }],
      }),
    );
    assert.deepEqual(
      readers.DBClusterEndpoints?.map((e) => e.EndpointType),
      ['READER'],
    );
    await assert.rejects(
      rds.send(new DescribeDBClusterEndpointsCommand({ DBClusterIdentifier: 'other-cluster' })),
      rdsError('DBClusterNotFoundFault', 404),
    );
  });

  it('a new event subscription is creating, then active; DescribeEventSubscriptions pages by MaxRecords and Marker', {
    timeout: 20_000,
  }, async () => {
    const topic = await sns.send(new CreateTopicCommand({ Name: 'rds-api-paging' }));
    const created = await rds.send(
      new CreateEventSubscriptionCommand({
        SubscriptionName: 'sub-00',
        SnsTopicArn: topic.TopicArn,
        SourceType: 'db-instance',
        SourceIds: [node(2).toUpperCase()],
      }),
    );
    assert.equal(created.EventSubscription?.Status, 'creating');
    assert.deepEqual(created.EventSubscription?.SourceIdsList, [node(2)]);
    await eventually(
      async () =>
        (await rds.send(new DescribeEventSubscriptionsCommand({ SubscriptionName: 'sub-00' })))
          .EventSubscriptionsList?.[0]?.Status,
      (s) => s === 'active',
      5000,
      'the subscription to become active',
    );
    const names = Array.from({ length: 25 }, (_, n) => `sub-${String(n).padStart(2, '0')}`);
    for (const name of names.slice(1)) {
      await rds.send(
        new CreateEventSubscriptionCommand({ SubscriptionName: name, SnsTopicArn: topic.TopicArn }),
      );
    }
    try {
      const one = await rds.send(new DescribeEventSubscriptionsCommand({ MaxRecords: 20 }));
      assert.equal(one.EventSubscriptionsList?.length, 20);
      assert.ok(one.Marker, 'a marker when more follow');
      const two = await rds.send(
        new DescribeEventSubscriptionsCommand({ MaxRecords: 20, Marker: one.Marker }),
      );
      assert.equal(two.Marker, undefined);
      assert.deepEqual(
        [...(one.EventSubscriptionsList ?? []), ...(two.EventSubscriptionsList ?? [])].map(
          (s) => s.CustSubscriptionId,
        ),
        names,
      );
      for (const MaxRecords of [19, 101]) {
        await assert.rejects(
          rds.send(new DescribeEventSubscriptionsCommand({ MaxRecords })),
          rdsError('InvalidParameterValue', 400, new RegExp(`Invalid value ${MaxRecords} for MaxRecords`)),
        );
      }
    } finally {
      for (const name of names)
        await rds.send(new DeleteEventSubscriptionCommand({ SubscriptionName: name }));
    }
  });

  it('failover without a target promotes the tier-0 reader (ModifyDBInstance PromotionTier), not the first one', {
    timeout: 60_000,
  }, async () => {
    const modified = await rds.send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: node(3).toUpperCase(),
        PromotionTier: 0,
        ApplyImmediately: true,
      }),
    );
    assert.equal(modified.DBInstance?.PromotionTier, 0);
    await assert.rejects(
      rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: node(2), PromotionTier: 16 })),
      rdsError('InvalidParameterValue', 400),
    );
    assert.equal(
      (await cluster())?.DBClusterMembers?.find((m) => m.DBInstanceIdentifier === node(3))?.PromotionTier,
      0,
    );

    await rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: clusterId().toUpperCase() }));
    const after = await eventually(
      cluster,
      (c) =>
        c?.Status === 'available' &&
        c.DBClusterMembers?.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier !== node(1),
      45_000,
      'the failover to complete',
    );
    assert.equal(after?.DBClusterMembers?.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier, node(3));
  });

  it('RebootDBInstance answers rebooting; DescribeEvents pages by MaxRecords/Marker (the SDK paginator walks it)', {
    timeout: 90_000,
  }, async () => {
    await eventually(allAvailable, (ok) => ok, 30_000, 'every instance available');
    const reboot = await rds.send(
      new RebootDBInstanceCommand({ DBInstanceIdentifier: node(2).toUpperCase() }),
    );
    assert.equal(reboot.DBInstance?.DBInstanceIdentifier, node(2));
    assert.equal(reboot.DBInstance?.DBInstanceStatus, 'rebooting');

    // Enough events for two pages: every reboot is one (DB instance restarted), the failover two.
    const events = async () => (await rds.send(new DescribeEventsCommand({ Duration: 60 }))).Events ?? [];
    while ((await events()).length <= 20) {
      await eventually(allAvailable, (ok) => ok, 30_000, 'every instance available');
      for (const n of [1, 2, 3])
        await rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: node(n) }));
    }
    const total = (await events()).length;
    const one = await rds.send(new DescribeEventsCommand({ Duration: 60, MaxRecords: 20 }));
    assert.equal(one.Events?.length, 20);
    assert.ok(one.Marker);
    const two = await rds.send(
      new DescribeEventsCommand({ Duration: 60, MaxRecords: 20, Marker: one.Marker }),
    );
    assert.equal(two.Events?.length, total - 20);
    const walked: Event[] = [];
    for await (const page of paginateDescribeEvents({ client: rds, pageSize: 20 }, { Duration: 60 })) {
      walked.push(...(page.Events ?? []));
    }
    assert.equal(walked.length, total);
    assert.deepEqual(
      walked.slice(0, 3).map((e) => e.Message),
      [
        `Started cross AZ failover to DB instance: ${node(3)}`,
        `Completed failover to DB instance: ${node(3)}`,
        'DB instance restarted',
      ],
    );
    await assert.rejects(
      rds.send(new DescribeEventsCommand({ Marker: 'bm90LWEtbWFya2Vy' })),
      rdsError('InvalidParameterValue', 400),
    );
    const instanceEvents = await rds.send(
      new DescribeEventsCommand({ SourceType: 'db-instance', SourceIdentifier: node(2).toUpperCase() }),
    );
    assert.ok((instanceEvents.Events?.length ?? 0) > 0);
    assert.ok(instanceEvents.Events?.every((e) => e.SourceIdentifier === node(2)));
    await eventually(allAvailable, (ok) => ok, 30_000, 'every instance available');
  });

  it('a SourceType RDS does not know is InvalidParameterValue', { timeout: 10_000 }, async () => {
    await assert.rejects(
      rds.send(new DescribeEventsCommand({ SourceType: 'db-banana' as 'db-instance' })),
      rdsError('InvalidParameterValue', 400, /db-banana/),
    );
  });

  it("a drill by lab up's export lines follows the cluster's RDS events without --cluster: its own failover, or one made elsewhere", {
    timeout: 90_000,
  }, async () => {
    const env = exportedEnv(exportLines(lab.status, lab.password));
    const events = (file: string) =>
      parseNdjson(readFileSync(file, 'utf8')).filter((r) => r.kind === 'service-event') as ServiceEvent[];
    // This drill's failover: the earlier tests' events may lie just before its start (the follower keeps 2 s).
    const failoverEvents = (file: string) =>
      events(file)
        .filter((e) => e.source === `rds:${clusterId()}` && e.t >= 0)
        .map((e) => e.phase);

    const own = join(dir, 'exports-failover.ndjson');
    const r = await drill(
      ['aurora', '--mode', 'aware', '--trigger', 'failover', '--until-recovered'].concat([
        '--settle',
        '2s',
        '--timeout',
        '45s',
        '--history',
        own,
      ]),
      env,
      60_000,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(failoverEvents(own), ['failover-started', 'failover-completed']);
    assert.match(r.stdout, /provider: failover took \d/);

    // No trigger: the failover comes from elsewhere (another terminal's aws rds failover-db-cluster).
    const external = join(dir, 'exports-external.ndjson');
    const watching = startDrill(
      ['aurora', '--mode', 'aware', '--until-recovered', '--settle', '2s', '--timeout', '45s'].concat([
        '--history',
        external,
      ]),
      env,
      60_000,
    );
    await until(
      () => existsSync(external) && readFileSync(external, 'utf8').includes('"ok":true'),
      15_000,
      'the first good probe',
    );
    await rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: clusterId() }));
    const w = await watching.finished;
    assert.equal(w.code, 0, w.stderr);
    assert.deepEqual(failoverEvents(external), ['failover-started', 'failover-completed']);
    assert.match(w.stdout, /provider: failover took \d/);
  });

  it('the aws CLI reads the same: cluster endpoints, filters, promotion tiers', {
    timeout: 30_000,
  }, async (t) => {
    if (!(await awsCliInstalled())) {
      t.skip('the aws CLI is not installed');
      return;
    }
    const aws = async (args: string[]) => JSON.parse(await awsCli([...args, '--output', 'json']));
    const endpoints = await aws([
      'rds',
      'describe-db-cluster-endpoints',
      '--db-cluster-identifier',
      clusterId(),
    ]);
    assert.deepEqual(
      endpoints.DBClusterEndpoints.map((e: { EndpointType: string }) => e.EndpointType),
      ['WRITER', 'READER'],
    );
    const filtered = await aws([
      'rds',
      'describe-db-instances',
      '--filters',
      `Name=db-cluster-id,Values=${arn('cluster', clusterId())}`,
      'Name=engine,Values=aurora-mysql',
    ]);
    assert.deepEqual(
      filtered.DBInstances.map((i: { DBInstanceIdentifier: string; PromotionTier: number }) => [
        i.DBInstanceIdentifier,
        i.PromotionTier,
      ]),
      [
        [node(1), 1],
        [node(2), 1],
        [node(3), 0],
      ],
    );
  });
});
