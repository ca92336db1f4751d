import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  CreateEventSubscriptionCommand,
  DeleteEventSubscriptionCommand,
  DescribeDBClustersCommand,
  DescribeEventSubscriptionsCommand,
  FailoverDBClusterCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  ListSubscriptionsCommand,
  ListTopicsCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import type { LabStatus } from '../../src/lab/client.js';
import { freePort } from '../../src/lab/ports.js';
import { NotificationListener, type SnsNotification } from '../../src/notify/listener.js';
import type { NotifyStatus } from '../../src/notify/status.js';
import { addresses } from '../support/addresses.js';
import { drill, drillBin, until } from '../support/cli.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const first = addresses.notify.lab.first; // instances on 127.0.0.121 and .122
let dir: string;
let status: LabStatus;
let sns: SNSClient;
let rds: RDSClient;
const notifications: SnsNotification[] = [];
let listener: NotificationListener;
let listenerUrl: string;

/** `drill notify ...` against this file's lab. */
const notify = (args: string[]) =>
  drill(['notify', ...args, '--lab-state-dir', dir, '--no-color'], {}, 30_000);

async function notifyStatus(topic?: string): Promise<NotifyStatus> {
  const r = await notify(['status', '--json', ...(topic ? ['--topic', topic] : [])]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as NotifyStatus;
}

const empty = { topic: null, subscriptions: [], eventSubscription: null, memorydb: null };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'drill-notify-test-'));
  const [dnsPort, apiPort] = [await freePort(), await freePort()];
  const up = await drill(
    ['lab', 'up', '--detach', '--state-dir', dir, '--first-address', String(first)].concat([
      '--dns-port',
      String(dnsPort),
      '--api-port',
      String(apiPort),
    ]),
    {},
    120_000,
  );
  assert.equal(up.code, 0, up.stderr + up.stdout);
  status = JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8')) as LabStatus;
  const client = {
    region: status.region,
    endpoint: status.apiEndpoint,
    credentials: { accessKeyId: 'lab', secretAccessKey: 'lab' },
  };
  sns = new SNSClient(client);
  rds = new RDSClient(client);
  listener = new NotificationListener({ onNotification: (n) => notifications.push(n) });
  listenerUrl = await listener.start();
});

after(async () => {
  await listener?.stop();
  sns?.destroy();
  rds?.destroy();
  await drill(['lab', 'down', '--state-dir', dir]);
  rmSync(dir, { recursive: true, force: true });
});

describe('drill notify against a lab', { timeout: 180_000 }, () => {
  it('setup -> status -> a failover notifies start and completion -> teardown leaves nothing', async () => {
    const setup = await notify(['setup', '--email', 'me@example.com', '--https', listenerUrl, '--json']);
    assert.equal(setup.code, 0, setup.stderr);
    const result = JSON.parse(setup.stdout) as { changed: boolean; topic: { arn: string; created: boolean } };
    assert.equal(result.changed, true);
    assert.equal(result.topic.created, true);
    const topicArn = result.topic.arn;
    assert.match(topicArn, /^arn:aws:sns:us-east-1:\d{12}:auroralab-cluster-failovers$/);
    assert.match(setup.stderr, /created\s+SNS topic/);
    assert.match(setup.stderr, /email me@example\.com: pending confirmation/);
    assert.match(setup.stderr, /next:/);

    // The lab posts a SubscriptionConfirmation to the listener, which GETs the SubscribeURL.
    await listener.whenConfirmed(topicArn, 15_000);
    // A new RDS event subscription says `creating` for a moment (500 ms in the lab), then `active`.
    let s = await notifyStatus();
    for (let i = 0; i < 50 && s.eventSubscription?.status === 'creating'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      s = await notifyStatus();
    }
    assert.deepEqual(s.topic && { arn: s.topic.arn, name: s.topic.name }, {
      arn: topicArn,
      name: 'auroralab-cluster-failovers',
    });
    const states = Object.fromEntries(s.subscriptions.map((x) => [`${x.protocol} ${x.endpoint}`, x.state]));
    assert.deepEqual(states, {
      'email me@example.com': 'pending confirmation',
      [`http ${listenerUrl}`]: 'confirmed',
    });
    assert.deepEqual(
      s.eventSubscription && {
        name: s.eventSubscription.name,
        status: s.eventSubscription.status,
        sourceType: s.eventSubscription.sourceType,
        categories: s.eventSubscription.categories,
        sourceIds: s.eventSubscription.sourceIds,
      },
      {
        name: 'auroralab-cluster-failovers',
        status: 'active',
        sourceType: 'db-cluster',
        categories: ['failover'],
        sourceIds: [status.aurora.clusterId],
      },
    );
    const table = await notify(['status']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /pending confirmation/);
    assert.match(table.stdout, /confirmed/);

    const requestedAt = Date.now();
    await rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: status.aurora.clusterId }));
    const rdsEvents = () =>
      notifications.filter((n) => n.topicArn === topicArn && typeof n.message === 'object');
    const find = (pattern: RegExp) =>
      rdsEvents().find((n) => typeof n.message === 'object' && pattern.test(n.message.eventMessage));
    await until(
      () => find(/^Completed failover to DB instance/) !== undefined,
      60_000,
      'the completion notification',
    );
    const started = find(/^Started (cross|same) AZ failover to DB instance/);
    const completed = find(/^Completed failover to DB instance/);
    assert.ok(started && completed, 'a start and a completion notification');
    assert.equal(typeof started.message === 'object' && started.message.sourceId, status.aurora.clusterId);
    assert.equal(typeof started.message === 'object' && started.message.eventId, 'RDS-EVENT-0073');
    assert.equal(typeof completed.message === 'object' && completed.message.eventId, 'RDS-EVENT-0071');
    assert.ok(started.receivedAtWallMs >= requestedAt - 1000);
    assert.ok(started.receivedAtWallMs <= completed.receivedAtWallMs);
    assert.equal(rdsEvents().length, 2, 'only the failover category, each event once');

    const down = await notify(['teardown']);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /deleted\s+RDS event subscription auroralab-cluster-failovers/);
    assert.match(down.stdout, /deleted\s+SNS topic .* and its 2 subscriptions/);
    assert.deepEqual(await notifyStatus(), empty);
    const topics = await sns.send(new ListTopicsCommand({}));
    assert.deepEqual(topics.Topics ?? [], []);
    const subs = await sns.send(new ListSubscriptionsCommand({}));
    assert.deepEqual(subs.Subscriptions ?? [], []);
    await waitAvailable();
  });

  it('setup twice: the second run changes nothing and says so', async () => {
    const args = ['setup', '--topic', 'drill-twice', '--email', 'twice@example.com'];
    const once = await notify(args);
    assert.equal(once.code, 0, once.stderr);
    assert.match(once.stdout, /^set up\.$/m);
    const twice = await notify([...args, '--json']);
    assert.equal(twice.code, 0, twice.stderr);
    const result = JSON.parse(twice.stdout) as { changed: boolean; steps: { outcome: string }[] };
    assert.equal(result.changed, false);
    assert.ok(result.steps.every((x) => x.outcome === 'unchanged'));
    assert.match(twice.stderr, /already set up: nothing changed\./);
    const s = await notifyStatus('drill-twice');
    assert.equal(s.subscriptions.length, 1, 'no second subscription');
    const down = await notify(['teardown', '--topic', 'drill-twice']);
    assert.equal(down.code, 0, down.stderr);
  });

  it("teardown --keep-topic unsubscribes only the endpoints named and takes out drill's policy statement", async () => {
    const setup = await notify([
      'setup',
      '--topic',
      'drill-keep',
      '--email',
      'keep@example.com',
      '--https',
      listenerUrl,
      '--json',
    ]);
    assert.equal(setup.code, 0, setup.stderr);
    const topicArn = (JSON.parse(setup.stdout) as { topic: { arn: string } }).topic.arn;
    await listener.whenConfirmed(topicArn, 15_000);
    const r = await notify(['teardown', '--topic', 'drill-keep', '--keep-topic', '--https', listenerUrl]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deleted\s+RDS event subscription drill-keep/);
    assert.match(r.stdout, new RegExp(`removed\\s+http subscription ${listenerUrl}`));
    assert.match(r.stdout, /updated\s+topic policy: drill's RDS statement removed/);
    assert.match(r.stdout, /kept\s+SNS topic .*:drill-keep \(--keep-topic\)/);
    const s = await notifyStatus('drill-keep');
    assert.equal(s.topic?.arn, topicArn);
    assert.equal(s.topic?.rdsMayPublish, false);
    assert.deepEqual(
      s.subscriptions.map((x) => `${x.protocol} ${x.endpoint} ${x.state}`),
      ['email keep@example.com pending confirmation'],
    );
    assert.equal(s.eventSubscription, null);
    const gone = await notify(['teardown', '--topic', 'drill-keep']);
    assert.equal(gone.code, 0, gone.stderr);
    assert.equal((await notifyStatus('drill-keep')).topic, null);
  });

  it('teardown twice is safe: the second finds everything gone', async () => {
    const first = await notify(['teardown', '--topic', 'never-set-up']);
    assert.equal(first.code, 0, first.stderr);
    const again = await notify(['teardown', '--topic', 'never-set-up']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /absent\s+RDS event subscription never-set-up/);
    assert.match(again.stdout, /absent\s+SNS topic never-set-up/);
    assert.match(again.stdout, /nothing to tear down: already gone\./);
  });

  it('a cluster the lab does not have: exit 3, named, and nothing is created', async () => {
    const r = await notify([
      'setup',
      '--topic',
      'drill-typo',
      '--cluster',
      'auroralab-mysql-clustr',
      '--email',
      'me@example.com',
    ]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /^drill: DBClusterNotFoundFault: .*auroralab-mysql-clustr.*check --cluster/m);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    assert.deepEqual(await notifyStatus('drill-typo'), empty);
  });

  it('--memorydb on a lab without MemoryDB: ClusterNotFoundFault, in one line (exit 3)', async () => {
    const r = await notify(['status', '--memorydb', 'my-cluster']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(
      r.stderr,
      /^drill: ClusterNotFoundFault: Cluster my-cluster not found\. This lab has no MemoryDB cluster: start it with 'drill lab up --memorydb'\. .*check --memorydb/m,
    );
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    assert.doesNotMatch(r.stderr, /SyntaxError|Unexpected token|\n\s+at /);
  });

  it('a failure mid-setup rolls back exactly what this run created, and says what', async () => {
    // Someone else's event subscription holds the name, sending to their topic.
    const theirs = await sns.send(new CreateTopicCommand({ Name: 'someone-elses-topic' }));
    await rds.send(
      new CreateEventSubscriptionCommand({
        SubscriptionName: 'drill-taken',
        SnsTopicArn: theirs.TopicArn,
        SourceType: 'db-instance',
        EventCategories: ['availability'],
      }),
    );
    try {
      const r = await notify([
        'setup',
        '--topic',
        'drill-rollback',
        '--subscription',
        'drill-taken',
        '--email',
        'me@example.com',
      ]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stdout, /created\s+SNS topic .*:drill-rollback/);
      assert.match(r.stdout, /created\s+email subscription me@example\.com/);
      assert.match(
        r.stderr,
        /RDS event subscription drill-taken already exists and it sends to .*someone-elses-topic/,
      );
      assert.match(
        r.stderr,
        /rolled back what this run created: deleted topic arn:aws:sns:[^ ]+:drill-rollback/,
      );
      assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
      assert.deepEqual(await notifyStatus('drill-rollback'), empty);
      const names = ((await sns.send(new ListTopicsCommand({}))).Topics ?? []).map(
        (t) => t.TopicArn?.split(':')[5],
      );
      assert.deepEqual(names, ['someone-elses-topic'], 'their topic stays, ours is gone');
      const kept = await rds.send(new DescribeEventSubscriptionsCommand({ SubscriptionName: 'drill-taken' }));
      assert.equal(
        kept.EventSubscriptionsList?.[0]?.SnsTopicArn,
        theirs.TopicArn,
        'their subscription is untouched',
      );
    } finally {
      await rds.send(new DeleteEventSubscriptionCommand({ SubscriptionName: 'drill-taken' }));
      await sns.send(new DeleteTopicCommand({ TopicArn: theirs.TopicArn }));
    }
  });

  it('teardown leaves alone an event subscription that sends to another topic', async () => {
    const theirs = await sns.send(new CreateTopicCommand({ Name: 'ops-topic' }));
    await rds.send(
      new CreateEventSubscriptionCommand({ SubscriptionName: 'drill-mine', SnsTopicArn: theirs.TopicArn }),
    );
    try {
      const r = await notify(['teardown', '--topic', 'drill-mine']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        /kept\s+RDS event subscription drill-mine: it sends to .*ops-topic, not to this topic/,
      );
      const kept = await rds.send(new DescribeEventSubscriptionsCommand({ SubscriptionName: 'drill-mine' }));
      assert.equal(kept.EventSubscriptionsList?.length, 1);
    } finally {
      await rds.send(new DeleteEventSubscriptionCommand({ SubscriptionName: 'drill-mine' }));
      await sns.send(new DeleteTopicCommand({ TopicArn: theirs.TopicArn }));
    }
  });

  it('--dry-run prints the aws commands with the lab endpoint and touches nothing', async () => {
    const r = await notify(['setup', '--dry-run', '--topic', 'drill-dry', '--email', 'me@example.com']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /aws sns create-topic --name drill-dry .*--endpoint-url http:\/\/127\.0\.0\.1:\d+/,
    );
    assert.match(r.stdout, /aws rds create-event-subscription --subscription-name drill-dry/);
    assert.match(r.stdout, /dry run: nothing was touched/);
    const down = await notify(['teardown', '--dry-run', '--topic', 'drill-dry']);
    assert.match(down.stdout, /aws sns delete-topic --topic-arn "\$TOPIC_ARN"/);
    assert.equal(await notifyStatus('drill-dry').then((s) => s.topic), null);
  });

  it('bad input: one line, exit 2, no stack trace', async () => {
    for (const [args, pattern] of [
      [['setup', '--email', 'me@'], /^drill: --email 'me@' is not an email address/],
      // A value echoed in an error keeps the error on one line.
      [['setup', '--email', 'a@b.c\nx'], /^drill: --email 'a@b\.c\\nx' is not an email address/],
      [
        ['setup', '--https', 'http://hooks.example.com/'],
        /^drill: --https 'http:\/\/hooks\.example\.com\/': use https:\/\//,
      ],
      [['setup', '--sqs', 'my-queue'], /^drill: --sqs 'my-queue' is not an SQS queue ARN/],
      [
        ['setup', '--topic', 'arn:aws:sns:us-east-1:999999999999:theirs', '--email', 'me@example.com'],
        /belongs to account 999999999999/,
      ],
    ] as const) {
      const r = await notify([...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
      assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });
});

describe('drill notify without AWS calls', () => {
  it('--help, --print-policy and --dry-run load no AWS SDK', () => {
    const log = join(dir ?? tmpdir(), `imports-${process.pid}.log`);
    const tracer = fileURLToPath(new URL('../support/trace-imports.js', import.meta.url));
    for (const args of [
      ['notify', '--help'],
      ['notify', 'setup', '--print-policy', '--cluster', 'c'],
      ['notify', 'setup', '--dry-run', '--cluster', 'c', '--email', 'me@example.com'],
      ['notify', 'teardown', '--dry-run'],
    ]) {
      const r = spawnSync(process.execPath, ['--import', tracer, drillBin, ...args], {
        env: { ...process.env, DRILL_TRACE_IMPORTS: log },
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
    }
    const loaded = readFileSync(log, 'utf8');
    assert.match(loaded, /commander/);
    assert.doesNotMatch(loaded, /@aws-sdk|mysql2/);
  });
});

/** Waits until the lab's cluster is available again after a failover (bounded). */
async function waitAvailable(): Promise<void> {
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    const out = await rds.send(
      new DescribeDBClustersCommand({ DBClusterIdentifier: status.aurora.clusterId }),
    );
    if (out.DBClusters?.[0]?.Status === 'available') return;
    await new Promise((r) => setTimeout(r, 200));
  }
}
