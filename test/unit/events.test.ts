import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { DescribeDBClustersCommand, DescribeEventsCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { failoverPhase, namedClusterEvents, rdsEvents } from '../../src/aurora/events.js';
import { RdsControl } from '../../src/aurora/rds.js';
import { EventFollower } from '../../src/aws/event-follower.js';
import { manualClock } from '../../src/core/clock.js';
import { History, type Note, type ServiceEvent } from '../../src/core/history.js';

const rdsMock = mockClient(RDSClient);
afterEach(() => rdsMock.reset());

/** An error shaped as the SDK raises AWS's (name = the error code). */
const awsError = (name: string, message: string) =>
  Object.assign(new Error(message), { name, $fault: 'client' });

async function follower() {
  const clock = manualClock(Date.now());
  const history = new History(clock);
  const rds = await RdsControl.connect({
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
  return {
    history,
    f: new EventFollower(
      rdsEvents(rds, 'prod-db', () => ['prod-db-1', 'prod-db-2']),
      history,
    ),
  };
}

const notes = (h: History) => h.records.filter((r): r is Note => r.kind === 'note').map((n) => n.text);
const events = (h: History) => h.records.filter((r): r is ServiceEvent => r.kind === 'service-event');

describe('RDS event follower (AWS error shapes the lab cannot produce)', () => {
  it('missing permission: one warning, no events, and no further calls', async () => {
    rdsMock
      .on(DescribeEventsCommand)
      .rejects(awsError('AccessDenied', 'User is not authorized to perform: rds:DescribeEvents'));
    const { history, f } = await follower();
    await f.poll();
    await f.stop();
    assert.deepEqual(notes(history), [
      'no permission for rds:DescribeEvents (AccessDenied): provider events are left out, the drill goes on',
    ]);
    assert.equal(events(history).length, 0);
    assert.equal(rdsMock.commandCalls(DescribeEventsCommand).length, 1);
  });

  it('throttling: a warning, then the next poll gets the events, each recorded once', async () => {
    const now = new Date();
    rdsMock
      .on(DescribeEventsCommand)
      .rejectsOnce(awsError('Throttling', 'Rate exceeded'))
      .resolves({
        Events: [
          {
            Date: now,
            SourceIdentifier: 'prod-db',
            SourceType: 'db-cluster',
            Message: 'Started cross AZ failover to DB instance: prod-db-2',
          },
          { Date: now, SourceIdentifier: 'other-db-1', SourceType: 'db-instance', Message: 'not ours' },
        ],
      });
    const { history, f } = await follower();
    await f.poll();
    assert.match(notes(history)[0] ?? '', /throttled \(Throttling\): next try in 4 s/);
    await f.poll();
    await f.poll();
    assert.deepEqual(
      events(history).map((e) => [e.source, e.message, e.phase]),
      [['rds:prod-db', 'Started cross AZ failover to DB instance: prod-db-2', 'failover-started']],
    );
  });
});

describe('RDS events of the cluster the endpoint names (no --cluster, no RDS trigger)', () => {
  const host = 'Prod-DB.cluster-abc123xyz789.us-east-1.rds.amazonaws.com';
  const cluster = (endpoint: string) => ({
    DBClusters: [
      {
        DBClusterIdentifier: 'prod-db',
        Status: 'available',
        Endpoint: endpoint,
        ReaderEndpoint: 'prod-db.cluster-ro-abc123xyz789.us-east-1.rds.amazonaws.com',
        DBClusterMembers: [
          { DBInstanceIdentifier: 'prod-db-1', IsClusterWriter: true },
          { DBInstanceIdentifier: 'prod-db-2', IsClusterWriter: false },
        ],
      },
    ],
  });
  const named = async () => {
    const history = new History(manualClock(Date.now()));
    const rds = await RdsControl.connect({
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    return { history, f: new EventFollower(namedClusterEvents(rds, host), history) };
  };

  it("looks the cluster up by the name's first label (one call, not a scan of the account), then follows its events and its instances'", async () => {
    rdsMock
      .on(DescribeDBClustersCommand)
      .resolves(cluster('prod-db.cluster-abc123xyz789.us-east-1.rds.amazonaws.com'));
    const now = new Date();
    rdsMock.on(DescribeEventsCommand).resolves({
      Events: [
        {
          Date: now,
          SourceIdentifier: 'prod-db',
          SourceType: 'db-cluster',
          Message: 'Completed failover to DB instance: prod-db-2',
        },
        {
          Date: now,
          SourceIdentifier: 'prod-db-2',
          SourceType: 'db-instance',
          Message: 'DB instance restarted',
        },
      ],
    });
    const { history, f } = await named();
    await f.poll();
    await f.poll();
    assert.deepEqual(
      rdsMock.commandCalls(DescribeDBClustersCommand).map((c) => c.args[0].input),
      [{ DBClusterIdentifier: 'prod-db' }],
    );
    assert.deepEqual(
      events(history).map((e) => [e.source, e.phase]),
      [
        ['rds:prod-db', 'failover-completed'],
        ['rds:prod-db-2', undefined],
      ],
    );
    assert.deepEqual(notes(history), []);
  });

  it("a cluster of that name with another endpoint (another account's) is not it: one note, nothing followed", async () => {
    rdsMock
      .on(DescribeDBClustersCommand)
      .resolves(cluster('prod-db.cluster-zzz999zzz999.us-east-1.rds.amazonaws.com'));
    const { history, f } = await named();
    await f.poll();
    await f.stop();
    assert.equal(notes(history).length, 1);
    assert.match(
      notes(history)[0] ?? '',
      /^RDS DescribeEvents not followed: .*no DB cluster has the endpoint Prod-DB\.cluster-abc123xyz789.*; provider events are left out, the drill goes on$/,
    );
    assert.equal(rdsMock.commandCalls(DescribeEventsCommand).length, 0);
  });

  it('an RDS API out of reach: one note, not one per poll', async () => {
    rdsMock
      .on(DescribeDBClustersCommand)
      .rejects(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    const { history, f } = await named();
    await f.poll();
    await f.stop();
    assert.equal(notes(history).length, 1);
    assert.match(notes(history)[0] ?? '', /^RDS DescribeEvents not followed: .*ECONNREFUSED/);
    assert.equal(rdsMock.commandCalls(DescribeDBClustersCommand).length, 1);
  });
});

describe('RDS failover phases, read from the event texts', () => {
  it('Started (cross AZ, same AZ) and Completed mark phases; other events mark none', () => {
    assert.equal(failoverPhase('Started cross AZ failover to DB instance: node-02'), 'failover-started');
    assert.equal(failoverPhase('Started same AZ failover to DB instance: node-02'), 'failover-started');
    assert.equal(failoverPhase('Completed failover to DB instance: node-02'), 'failover-completed');
    assert.equal(failoverPhase('DB instance restarted'), undefined);
    assert.equal(failoverPhase('Failover failed'), undefined);
  });
});
