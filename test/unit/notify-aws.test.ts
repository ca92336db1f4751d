import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { DescribeClustersCommand, MemoryDBClient, UpdateClusterCommand } from '@aws-sdk/client-memorydb';
import {
  AddSourceIdentifierToSubscriptionCommand,
  CreateEventSubscriptionCommand,
  DeleteEventSubscriptionCommand,
  DescribeDBClustersCommand,
  DescribeEventSubscriptionsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  SetTopicAttributesCommand,
  SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { DrillError, ExitCode } from '../../src/core/errors.js';
import { parseTopic } from '../../src/notify/inputs.js';
import { MemoryDbNotifications } from '../../src/notify/memorydb.js';
import { RdsEventSubscriptions } from '../../src/notify/rds-subscription.js';
import { type SetupRequest, type Step, setupNotifications } from '../../src/notify/setup.js';
import { SnsTopics } from '../../src/notify/sns.js';

// aws-sdk-client-mock only for what the lab cannot show: real AWS refusals and MemoryDB (the lab has none yet).
const sns = mockClient(SNSClient);
const rds = mockClient(RDSClient);
const memorydb = mockClient(MemoryDBClient);
afterEach(() => {
  sns.reset();
  rds.reset();
  memorydb.reset();
});

const account = '123456789012';
const topicArn = `arn:aws:sns:us-east-1:${account}:auroralab-cluster-failovers`;
const clusterArn = `arn:aws:rds:us-east-1:${account}:cluster:prod-db`;
const target = { region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } };

/** An error shaped as the SDK raises AWS's: the modelled name, and the wire code in Code. */
const awsError = (name: string, message: string, code = name) =>
  Object.assign(new Error(message), {
    name,
    Code: code,
    $fault: 'client',
    $metadata: { httpStatusCode: 403 },
  });

const request = (more: Partial<SetupRequest> = {}): SetupRequest => ({
  topic: parseTopic('auroralab-cluster-failovers', 'us-east-1'),
  subscriptionName: 'auroralab-cluster-failovers',
  endpoints: [{ protocol: 'email', endpoint: 'me@example.com' }],
  cluster: 'prod-db',
  memorydb: undefined,
  ...more,
});

async function services(withMemoryDb = false) {
  return {
    sns: await SnsTopics.connect(target),
    rds: await RdsEventSubscriptions.connect(target),
    ...(withMemoryDb ? { memorydb: await MemoryDbNotifications.connect(target) } : {}),
  };
}

/** The calls of one command class, as their inputs. */
const inputs = (mock: typeof sns | typeof rds | typeof memorydb, command: new (...a: never[]) => unknown) =>
  mock.commandCalls(command as never).map((c) => c.args[0].input as Record<string, unknown>);

function clusterExists(): void {
  rds.on(DescribeDBClustersCommand).resolves({
    DBClusters: [{ DBClusterIdentifier: 'prod-db', DBClusterArn: clusterArn }],
  });
}

async function failure(run: Promise<unknown>): Promise<DrillError> {
  try {
    await run;
  } catch (err) {
    assert.ok(err instanceof DrillError, `a DrillError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the setup to fail');
}

describe('notify setup: AWS refusals (shapes the lab cannot produce)', () => {
  it('AuthorizationError on CreateTopic: names the action, exit 3, nothing to roll back', async () => {
    clusterExists();
    sns.on(ListTopicsCommand).resolves({ Topics: [] });
    sns
      .on(CreateTopicCommand)
      .rejects(
        awsError(
          'AuthorizationErrorException',
          `User: arn:aws:iam::${account}:user/ci is not authorized to perform: SNS:CreateTopic on resource: ${topicArn}`,
          'AuthorizationError',
        ),
      );
    const err = await failure(setupNotifications(request(), await services()));
    assert.equal(err.exitCode, ExitCode.cannotStart);
    assert.match(err.message, /^AuthorizationError: not allowed to sns:CreateTopic \(/);
    assert.match(err.message, /--print-policy/);
    assert.doesNotMatch(err.message, /rolled back/);
    assert.equal(sns.commandCalls(SubscribeCommand).length, 0);
    assert.equal(sns.commandCalls(DeleteTopicCommand).length, 0);
  });

  it('AccessDenied on CreateEventSubscription: rolls back the topic this run created, and says so', async () => {
    clusterExists();
    sns
      .on(ListTopicsCommand)
      .resolves({ Topics: [{ TopicArn: 'arn:aws:sns:us-east-1:123456789012:other' }] });
    sns.on(CreateTopicCommand).resolves({ TopicArn: topicArn });
    sns.on(GetTopicAttributesCommand).resolves({ Attributes: {} });
    sns.on(SetTopicAttributesCommand).resolves({});
    sns.on(SubscribeCommand).resolves({ SubscriptionArn: `${topicArn}:1111-2222` });
    sns.on(ListSubscriptionsByTopicCommand).resolves({
      Subscriptions: [
        { SubscriptionArn: 'PendingConfirmation', Protocol: 'email', Endpoint: 'me@example.com' },
      ],
    });
    sns.on(DeleteTopicCommand).resolves({});
    rds
      .on(CreateEventSubscriptionCommand)
      .rejects(
        awsError(
          'AccessDenied',
          `User: arn:aws:iam::${account}:user/ci is not authorized to perform: rds:CreateEventSubscription`,
        ),
      );
    const steps: Step[] = [];
    const err = await failure(setupNotifications(request(), await services(), (s) => steps.push(s)));
    assert.equal(err.exitCode, ExitCode.cannotStart);
    assert.match(err.message, /^AccessDenied: not allowed to rds:CreateEventSubscription/);
    assert.match(err.message, new RegExp(`rolled back what this run created: deleted topic ${topicArn}`));
    assert.deepEqual(inputs(sns, DeleteTopicCommand), [{ TopicArn: topicArn }]);
    // The topic's deletion takes its subscriptions with it: no separate Unsubscribe.
    assert.equal(sns.commandCalls(UnsubscribeCommand).length, 0);
    assert.deepEqual(
      steps.map((s) => s.outcome),
      ['created', 'updated', 'created'],
    );
  });

  it("a failure on a topic that existed: only this run's subscription and policy change are undone", async () => {
    clusterExists();
    const before = JSON.stringify({ Version: '2008-10-17', Statement: [{ Sid: 'theirs', Effect: 'Allow' }] });
    sns.on(ListTopicsCommand).resolves({ Topics: [{ TopicArn: topicArn }] });
    sns.on(GetTopicAttributesCommand).resolves({ Attributes: { Policy: before, Owner: account } });
    sns.on(SetTopicAttributesCommand).resolves({});
    sns.on(ListSubscriptionsByTopicCommand).resolves({
      Subscriptions: [
        { SubscriptionArn: `${topicArn}:old`, Protocol: 'email', Endpoint: 'oncall@example.com' },
      ],
    });
    sns.on(SubscribeCommand).resolves({ SubscriptionArn: `${topicArn}:new` });
    sns.on(UnsubscribeCommand).resolves({});
    rds.on(CreateEventSubscriptionCommand).rejects(awsError('AccessDenied', 'not authorized'));
    const err = await failure(setupNotifications(request(), await services()));
    assert.match(err.message, /unsubscribed email me@example\.com, restored the topic policy/);
    assert.equal(sns.commandCalls(CreateTopicCommand).length, 0);
    assert.equal(sns.commandCalls(DeleteTopicCommand).length, 0, 'a topic that existed is never deleted');
    assert.deepEqual(inputs(sns, UnsubscribeCommand), [{ SubscriptionArn: `${topicArn}:new` }]);
    const policies = inputs(sns, SetTopicAttributesCommand).map((i) => i.AttributeValue);
    assert.equal(policies.length, 2);
    assert.equal(policies[1], before, 'the policy is put back as it was');
  });

  it('a failed undo is reported with what to do, and the others still run', async () => {
    clusterExists();
    sns.on(ListTopicsCommand).resolves({ Topics: [] });
    sns.on(CreateTopicCommand).resolves({ TopicArn: topicArn });
    sns.on(GetTopicAttributesCommand).resolves({ Attributes: {} });
    sns.on(SetTopicAttributesCommand).resolves({});
    sns.on(SubscribeCommand).resolves({ SubscriptionArn: 'pending confirmation' });
    sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [] });
    sns.on(DeleteTopicCommand).rejects(awsError('AuthorizationErrorException', 'no', 'AuthorizationError'));
    rds.on(CreateEventSubscriptionCommand).rejects(awsError('AccessDenied', 'not authorized'));
    const err = await failure(setupNotifications(request(), await services()));
    assert.match(
      err.message,
      /could not roll back deleted topic .* \(AuthorizationError: not allowed to sns:DeleteTopic/,
    );
    assert.match(err.message, /run 'drill notify teardown'/);
  });

  it('an event subscription of that name with other settings is reported, never replaced', async () => {
    clusterExists();
    sns.on(ListTopicsCommand).resolves({ Topics: [{ TopicArn: topicArn }] });
    sns.on(GetTopicAttributesCommand).resolves({ Attributes: {} });
    sns.on(SetTopicAttributesCommand).resolves({});
    sns.on(ListSubscriptionsByTopicCommand).resolves({
      Subscriptions: [{ SubscriptionArn: `${topicArn}:old`, Protocol: 'email', Endpoint: 'me@example.com' }],
    });
    rds
      .on(CreateEventSubscriptionCommand)
      .rejects(
        awsError('SubscriptionAlreadyExistFault', 'Subscription already exists', 'SubscriptionAlreadyExist'),
      );
    rds.on(DescribeEventSubscriptionsCommand).resolves({
      EventSubscriptionsList: [
        {
          CustSubscriptionId: 'auroralab-cluster-failovers',
          SnsTopicArn: topicArn,
          SourceType: 'db-instance',
          EventCategoriesList: ['failover', 'failure'],
          Enabled: true,
        },
      ],
    });
    const err = await failure(setupNotifications(request(), await services()));
    assert.equal(err.exitCode, ExitCode.usage);
    assert.match(
      err.message,
      /RDS event subscription auroralab-cluster-failovers already exists and its source type is db-instance, its categories are failover, failure: drill leaves it as it is/,
    );
    assert.equal(rds.commandCalls(DeleteEventSubscriptionCommand).length, 0);
    assert.equal(rds.commandCalls(AddSourceIdentifierToSubscriptionCommand).length, 0);
  });

  it('DBClusterNotFoundFault: exit 3 before anything is created', async () => {
    rds
      .on(DescribeDBClustersCommand)
      .rejects(awsError('DBClusterNotFoundFault', 'DBCluster prod-dbb not found.'));
    const err = await failure(setupNotifications(request({ cluster: 'prod-dbb' }), await services()));
    assert.equal(err.exitCode, ExitCode.cannotStart);
    assert.match(
      err.message,
      /^DBClusterNotFoundFault: DBCluster prod-dbb not found\..*check --cluster and --region/,
    );
    assert.equal(sns.commandCalls(CreateTopicCommand).length, 0);
  });

  it('--topic as an ARN of another account: refused before anything is created', async () => {
    clusterExists();
    const theirs = 'arn:aws:sns:us-east-1:999999999999:shared';
    sns.on(GetTopicAttributesCommand).resolves({ Attributes: { Owner: '999999999999' } });
    const err = await failure(
      setupNotifications(request({ topic: parseTopic(theirs, 'us-east-1') }), await services()),
    );
    assert.equal(err.exitCode, ExitCode.usage);
    assert.match(err.message, /belongs to account 999999999999, not to this account \(123456789012\)/);
    assert.equal(sns.commandCalls(SubscribeCommand).length, 0);
  });
});

describe('notify setup --memorydb (MemoryDB is mocked: the lab has none yet)', () => {
  const mdbArn = `arn:aws:memorydb:us-east-1:${account}:cluster/my-cluster`;

  it('sets the topic on the cluster with UpdateCluster SnsTopicArn, no RDS event subscription', async () => {
    memorydb.on(DescribeClustersCommand).resolves({ Clusters: [{ Name: 'my-cluster', ARN: mdbArn }] });
    memorydb.on(UpdateClusterCommand).resolves({});
    sns.on(ListTopicsCommand).resolves({ Topics: [] });
    sns.on(CreateTopicCommand).resolves({ TopicArn: topicArn });
    sns.on(SubscribeCommand).resolves({ SubscriptionArn: 'pending confirmation' });
    sns.on(ListSubscriptionsByTopicCommand).resolves({
      Subscriptions: [
        { SubscriptionArn: 'PendingConfirmation', Protocol: 'email', Endpoint: 'me@example.com' },
      ],
    });
    const result = await setupNotifications(
      request({ cluster: undefined, memorydb: 'my-cluster' }),
      await services(true),
    );
    assert.deepEqual(inputs(memorydb, UpdateClusterCommand), [
      { ClusterName: 'my-cluster', SnsTopicArn: topicArn, SnsTopicStatus: 'active' },
    ]);
    assert.equal(rds.commandCalls(CreateEventSubscriptionCommand).length, 0);
    assert.equal(sns.commandCalls(SetTopicAttributesCommand).length, 0, 'MemoryDB needs no RDS statement');
    assert.deepEqual(result.memorydb, {
      cluster: 'my-cluster',
      topicArn,
      topicStatus: 'active',
      updated: true,
    });
    assert.deepEqual(result.subscriptions, [
      { protocol: 'email', endpoint: 'me@example.com', state: 'pending confirmation', created: true },
    ]);
  });

  it('run again: nothing changes', async () => {
    memorydb.on(DescribeClustersCommand).resolves({
      Clusters: [{ Name: 'my-cluster', ARN: mdbArn, SnsTopicArn: topicArn, SnsTopicStatus: 'ACTIVE' }],
    });
    sns.on(ListTopicsCommand).resolves({ Topics: [{ TopicArn: topicArn }] });
    sns.on(ListSubscriptionsByTopicCommand).resolves({
      Subscriptions: [{ SubscriptionArn: `${topicArn}:s`, Protocol: 'email', Endpoint: 'me@example.com' }],
    });
    const result = await setupNotifications(
      request({ cluster: undefined, memorydb: 'my-cluster' }),
      await services(true),
    );
    assert.equal(result.changed, false);
    assert.equal(memorydb.commandCalls(UpdateClusterCommand).length, 0);
    assert.equal(sns.commandCalls(SubscribeCommand).length, 0);
  });

  it('ClusterNotFoundFault: exit 3, names the cluster, nothing created', async () => {
    memorydb
      .on(DescribeClustersCommand)
      .rejects(awsError('ClusterNotFoundFault', 'Cluster my-clustr not found'));
    const err = await failure(
      setupNotifications(request({ cluster: undefined, memorydb: 'my-clustr' }), await services(true)),
    );
    assert.equal(err.exitCode, ExitCode.cannotStart);
    assert.match(err.message, /^ClusterNotFoundFault: Cluster my-clustr not found .*check --memorydb/);
    assert.equal(sns.commandCalls(CreateTopicCommand).length, 0);
  });

  it('a cluster that already sends to another topic is reported, not re-pointed', async () => {
    memorydb.on(DescribeClustersCommand).resolves({
      Clusters: [
        { Name: 'my-cluster', ARN: mdbArn, SnsTopicArn: `${topicArn}-ops`, SnsTopicStatus: 'active' },
      ],
    });
    sns.on(ListTopicsCommand).resolves({ Topics: [] });
    const err = await failure(
      setupNotifications(request({ cluster: undefined, memorydb: 'my-cluster' }), await services(true)),
    );
    assert.equal(err.exitCode, ExitCode.usage);
    assert.match(err.message, /already sends its events to .*-ops \(active\); drill does not replace it/);
    assert.equal(sns.commandCalls(CreateTopicCommand).length, 0);
  });

  it('UpdateCluster refused: the topic this run created is deleted again', async () => {
    memorydb.on(DescribeClustersCommand).resolves({ Clusters: [{ Name: 'my-cluster', ARN: mdbArn }] });
    memorydb
      .on(UpdateClusterCommand)
      .rejects(awsError('AccessDeniedException', 'not authorized to perform: memorydb:UpdateCluster'));
    sns.on(ListTopicsCommand).resolves({ Topics: [] });
    sns.on(CreateTopicCommand).resolves({ TopicArn: topicArn });
    sns.on(SubscribeCommand).resolves({ SubscriptionArn: 'pending confirmation' });
    sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [] });
    sns.on(DeleteTopicCommand).resolves({});
    const err = await failure(
      setupNotifications(request({ cluster: undefined, memorydb: 'my-cluster' }), await services(true)),
    );
    assert.match(err.message, /^AccessDeniedException: not allowed to memorydb:UpdateCluster/);
    assert.deepEqual(inputs(sns, DeleteTopicCommand), [{ TopicArn: topicArn }]);
  });
});
