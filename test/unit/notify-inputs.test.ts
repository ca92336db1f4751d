import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DrillError, ExitCode } from '../../src/core/errors.js';
import {
  checkTopicAccount,
  parseEmail,
  parseHttpsEndpoint,
  parseSqsEndpoint,
  parseTopic,
} from '../../src/notify/inputs.js';
import { type NotifyOptions, planNotify } from '../../src/notify/plan.js';
import { actionsByCommand, iamPolicy, withoutRdsPublish, withRdsPublish } from '../../src/notify/policy.js';
import { setupCommands, statusCommands, teardownCommands } from '../../src/notify/runbook.js';

const usage = (pattern: RegExp) => (e: unknown) =>
  e instanceof DrillError && e.exitCode === ExitCode.usage && pattern.test(e.message);

const options = (more: Partial<NotifyOptions> = {}): NotifyOptions => ({
  topic: 'auroralab-cluster-failovers',
  color: false,
  ...more,
});

const lab = {
  stateDir: '/tmp/lab',
  apiEndpoint: 'http://127.0.0.1:10080',
  region: 'us-east-1',
  clusterId: 'auroralab-mysql-cluster',
};

describe('notify: bad input is named, exit 2, before anything is created', () => {
  for (const bad of [
    'me',
    'me@',
    '@example.com',
    'me@example',
    'me @example.com',
    'me@exa mple.com',
    'a@b@c.com',
  ]) {
    it(`--email '${bad}'`, () => {
      assert.throws(() => parseEmail(bad), usage(new RegExp(`--email '${bad}' is not an email address`)));
    });
  }

  it('takes ordinary addresses, plus-tags included', () => {
    assert.deepEqual(parseEmail('ops+drill@example.co.uk'), {
      protocol: 'email',
      endpoint: 'ops+drill@example.co.uk',
    });
  });

  for (const [bad, pattern] of [
    ['not a url', /--https 'not a url' is not a URL/],
    ['ftp://hooks.example.com/x', /must start with https:\/\//],
    [
      'http://hooks.example.com/sns',
      /use https:\/\/ \(plain http:\/\/ is accepted only for a loopback listener/,
    ],
    ['https://user:pw@hooks.example.com/', /leave credentials out of the URL/],
  ] as const) {
    it(`--https '${bad}'`, () => {
      assert.throws(() => parseHttpsEndpoint(bad, false), usage(pattern));
    });
  }

  it('--https: public https is protocol https; loopback http only against a local API, as protocol http', () => {
    assert.deepEqual(parseHttpsEndpoint('https://hooks.example.com/sns', false), {
      protocol: 'https',
      endpoint: 'https://hooks.example.com/sns',
    });
    assert.deepEqual(parseHttpsEndpoint('http://127.0.0.1:8080/', true), {
      protocol: 'http',
      endpoint: 'http://127.0.0.1:8080/',
    });
    assert.throws(
      () => parseHttpsEndpoint('http://127.0.0.1:8080/', false),
      usage(/loopback address that AWS cannot reach: use it with a lab/),
    );
  });

  for (const [bad, pattern] of [
    ['my-queue', /--sqs 'my-queue' is not an SQS queue ARN/],
    ['arn:aws:sns:us-east-1:123456789012:topic', /is not an SQS queue ARN/],
    ['arn:aws:sqs:us-east-1:1234:q', /is not an SQS queue ARN/],
    ['arn:aws:sqs:us-east-1:123456789012:q.fifo', /is a FIFO queue/],
  ] as const) {
    it(`--sqs '${bad}'`, () => {
      assert.throws(() => parseSqsEndpoint(bad), usage(pattern));
    });
  }

  it('--topic: a name, or an SNS topic ARN in the same region; never FIFO', () => {
    assert.equal(parseTopic('auroralab-cluster-failovers', 'us-east-1').arn, undefined);
    const arn = 'arn:aws:sns:us-east-1:123456789012:ops-failovers';
    assert.deepEqual(parseTopic(arn, 'us-east-1'), {
      name: 'ops-failovers',
      arn,
      account: '123456789012',
      region: 'us-east-1',
    });
    assert.throws(() => parseTopic('bad name', undefined), usage(/a topic name is 1-256 letters/));
    assert.throws(() => parseTopic('alerts.fifo', undefined), usage(/not FIFO/));
    assert.throws(
      () => parseTopic('arn:aws:sqs:us-east-1:123456789012:q', undefined),
      usage(/not an SNS topic ARN/),
    );
    assert.throws(() => parseTopic(arn, 'eu-west-1'), usage(/is in us-east-1 but --region is eu-west-1/));
  });

  it('--topic as the ARN of another account is refused, naming both accounts', () => {
    const topic = parseTopic('arn:aws:sns:us-east-1:999999999999:theirs', 'us-east-1');
    assert.throws(
      () => checkTopicAccount(topic, '123456789012'),
      usage(/belongs to account 999999999999, not to this account \(123456789012\)/),
    );
    assert.doesNotThrow(() => checkTopicAccount(parseTopic('mine', 'us-east-1'), '123456789012'));
  });

  it('setup needs a source; status takes no endpoints; the lab gives endpoint, region, credentials, cluster', () => {
    assert.throws(
      () => planNotify('setup', options({ email: ['me@example.com'] }), {}),
      usage(/needs the source/),
    );
    assert.throws(
      () => planNotify('status', options({ email: ['me@example.com'] }), {}, lab),
      usage(/takes no --email/),
    );
    assert.throws(
      () => planNotify('setup', options({ endpointUrl: 'http://127.0.0.1:1' }), {}, lab),
      usage(/pick one/),
    );
    const plan = planNotify('setup', options({ https: ['http://127.0.0.1:9/'] }), {}, lab);
    assert.equal(plan.cluster, 'auroralab-mysql-cluster');
    assert.equal(plan.subscriptionName, 'auroralab-cluster-failovers');
    assert.deepEqual(plan.target, {
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:10080',
      credentials: { accessKeyId: 'lab', secretAccessKey: 'lab' },
    });
    assert.deepEqual(plan.endpoints, [{ protocol: 'http', endpoint: 'http://127.0.0.1:9/' }]);
    assert.throws(
      () => planNotify('setup', options({ cluster: 'bad--name' }), {}),
      usage(/not a cluster identifier/),
    );
    assert.throws(
      () => planNotify('setup', options({ region: 'Virginia', cluster: 'c' }), {}),
      usage(/not an AWS region/),
    );
  });
});

describe('notify: --print-policy', () => {
  const scope = {
    region: 'us-east-1',
    topicName: 'auroralab-cluster-failovers',
    subscriptionName: 'auroralab-cluster-failovers',
    clusters: ['auroralab-mysql-cluster'],
    memorydbClusters: ['my-cluster'],
  };
  const policy = JSON.parse(JSON.stringify(iamPolicy(scope))) as {
    Version: string;
    Statement: { Action: string[]; Resource: string | string[] }[];
  };
  const granted = (action: string) => policy.Statement.filter((s) => s.Action.includes(action));

  it('is JSON with every action setup, status, teardown and a rollback call', () => {
    assert.equal(policy.Version, '2012-10-17');
    for (const list of Object.values(actionsByCommand)) {
      for (const action of list) assert.equal(granted(action).length, 1, `${action} is granted once`);
    }
  });

  it('scopes topic actions to the topic, event-subscription actions to the subscription', () => {
    assert.deepEqual(
      granted('sns:CreateTopic')[0]?.Resource,
      'arn:aws:sns:us-east-1:*:auroralab-cluster-failovers',
    );
    assert.deepEqual(
      granted('rds:CreateEventSubscription')[0]?.Resource,
      'arn:aws:rds:us-east-1:*:es:auroralab-cluster-failovers',
    );
    assert.deepEqual(granted('rds:DescribeDBClusters')[0]?.Resource, [
      'arn:aws:rds:us-east-1:*:cluster:auroralab-mysql-cluster',
    ]);
    assert.deepEqual(granted('memorydb:UpdateCluster')[0]?.Resource, [
      'arn:aws:memorydb:us-east-1:*:cluster/my-cluster',
    ]);
    assert.equal(granted('sns:ListTopics')[0]?.Resource, '*');
    assert.ok(!JSON.stringify(policy).includes('"sns:*"') && !JSON.stringify(policy).includes('"rds:*"'));
  });

  it('uses the region partition (China, GovCloud)', () => {
    assert.match(JSON.stringify(iamPolicy({ ...scope, region: 'cn-north-1' })), /arn:aws-cn:sns:cn-north-1/);
  });
});

describe('notify: topic policy', () => {
  const topic = 'arn:aws:sns:us-east-1:123456789012:t';
  it('adds the RDS statement (conditioned on the account) once, keeping what was there', () => {
    const first = withRdsPublish(undefined, topic, '123456789012');
    assert.equal(first.changed, true);
    const doc = JSON.parse(first.policy) as {
      Statement: { Principal?: { Service?: string }; Condition?: unknown }[];
    };
    const rds = doc.Statement.find((s) => s.Principal?.Service === 'events.rds.amazonaws.com');
    assert.deepEqual(rds?.Condition, { StringEquals: { 'aws:SourceAccount': '123456789012' } });
    assert.equal(doc.Statement.length, 2);
    assert.equal(withRdsPublish(first.policy, topic, '123456789012').changed, false);
    const removed = withoutRdsPublish(first.policy);
    assert.equal(removed.changed, true);
    assert.equal((JSON.parse(removed.policy) as { Statement: unknown[] }).Statement.length, 1);
  });
});

describe('notify: --dry-run prints the aws CLI commands', () => {
  const plan = planNotify(
    'setup',
    options({ email: ['me@example.com'], cluster: 'auroralab-mysql-cluster', region: 'us-east-1' }),
    {},
  );

  it('setup: create-topic, set-topic-attributes, subscribe, create-event-subscription, in order', () => {
    const lines = setupCommands(plan);
    const at = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));
    assert.ok(
      lines.includes(
        'TOPIC_ARN=$(aws sns create-topic --name auroralab-cluster-failovers --query TopicArn --output text --region us-east-1)',
      ),
    );
    assert.ok(
      lines.includes(
        'aws sns subscribe --topic-arn "$TOPIC_ARN" --protocol email --notification-endpoint me@example.com --return-subscription-arn --region us-east-1',
      ),
    );
    assert.ok(
      lines.includes(
        'aws rds create-event-subscription --subscription-name auroralab-cluster-failovers --sns-topic-arn "$TOPIC_ARN" --source-type db-cluster --event-categories failover --source-ids auroralab-mysql-cluster --enabled --region us-east-1',
      ),
    );
    assert.ok(at(/^aws rds describe-db-clusters/) < at(/create-topic/));
    assert.ok(at(/create-topic/) < at(/set-topic-attributes/));
    assert.ok(at(/set-topic-attributes/) < at(/^aws sns subscribe/));
    assert.ok(at(/^aws sns subscribe/) < at(/create-event-subscription/));
    assert.match(
      lines[at(/set-topic-attributes/)] ?? '',
      /events\.rds\.amazonaws\.com.*\\"aws:SourceAccount\\":\\"\$ACCOUNT\\"/,
    );
  });

  it('teardown: the seed lab cleanup, safe to paste', () => {
    const lines = teardownCommands(
      planNotify('teardown', options({ cluster: 'auroralab-mysql-cluster' }), {}),
    );
    assert.deepEqual(lines, [
      `TOPIC_ARN=$(aws sns list-topics --query "Topics[?ends_with(TopicArn, ':auroralab-cluster-failovers')].TopicArn" --output text)`,
      'aws rds remove-source-identifier-from-subscription --subscription-name auroralab-cluster-failovers --source-identifier auroralab-mysql-cluster',
      'aws rds delete-event-subscription --subscription-name auroralab-cluster-failovers',
      'aws sns delete-topic --topic-arn "$TOPIC_ARN"',
    ]);
  });

  it('a lab plan carries --endpoint-url; a MemoryDB plan uses update-cluster', () => {
    const labPlan = planNotify('status', options(), {}, lab);
    assert.ok(statusCommands(labPlan).every((l) => l.includes('--endpoint-url http://127.0.0.1:10080')));
    const memorydb = setupCommands(
      planNotify('setup', options({ memorydb: 'my-cluster', region: 'us-east-1' }), {}),
    );
    assert.ok(
      memorydb.includes(
        'aws memorydb update-cluster --cluster-name my-cluster --sns-topic-arn "$TOPIC_ARN" --sns-topic-status active --region us-east-1',
      ),
    );
    assert.ok(!memorydb.some((l) => l.includes('create-event-subscription')));
  });
});
