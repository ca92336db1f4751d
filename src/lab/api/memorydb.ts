import { existsSync, readFileSync } from 'node:fs';
import { replaceFile } from '../files.js';
import type { MemoryDbEvent, MemoryDbLabCluster } from '../memorydb/cluster.js';
import { shardName, slotRanges } from '../memorydb/names.js';
import { LabFault } from './fault.js';
import { answerJson, type Json } from './json.js';
import type { SnsApi } from './sns.js';

/** awsJson1_1 targets: `AmazonMemoryDB.<Operation>`, and the lab's own `DrillLab.<Operation>` (kill, pause). */
export const memoryDbTargetPrefix = 'AmazonMemoryDB.';
export const labTargetPrefix = 'DrillLab.';

/** FailoverShard calls allowed in a rolling 24 hours, as MemoryDB allows. */
export const failoverQuota = 5;
const day = 24 * 3600_000;

export interface MemoryDbApiOptions {
  region: string;
  /** Where FailoverShard calls are counted (the lab's state dir): survives restarts of the lab. */
  quotaFile: string;
  sns?: SnsApi;
}

/**
 * The MemoryDB API in its real protocol (awsJson1_1: POST, `X-Amz-Target`, JSON in and out, errors as
 * `{"__type", "message"}` with HTTP 400), for the lab's cluster: DescribeClusters, FailoverShard, DescribeEvents,
 * UpdateCluster (its SNS topic). A lab without MemoryDB answers as an account without clusters.
 */
export class MemoryDbApi {
  private snsTopicArn: string | undefined;
  private snsTopicStatus: string | undefined;

  constructor(
    private readonly cluster: MemoryDbLabCluster | undefined,
    private readonly options: MemoryDbApiOptions,
  ) {
    if (cluster) cluster.onEvent = (e) => this.publish(e);
  }

  /** The requests this API answers, by X-Amz-Target. */
  targets(target: string): boolean {
    return target.startsWith(memoryDbTargetPrefix) || target.startsWith(labTargetPrefix);
  }

  /** Answers one request: HTTP status and JSON body. */
  handle(target: string, body: string): { status: number; body: string } {
    return answerJson(body, (input) => this.operation(target, input));
  }

  private operation(target: string, input: Json): Json {
    switch (target) {
      case `${memoryDbTargetPrefix}DescribeClusters`:
        return this.describeClusters(input);
      case `${memoryDbTargetPrefix}FailoverShard`:
        return this.failoverShard(input);
      case `${memoryDbTargetPrefix}DescribeEvents`:
        return this.describeEvents(input);
      case `${memoryDbTargetPrefix}UpdateCluster`:
        return this.updateCluster(input);
      case `${labTargetPrefix}KillNode`:
        return this.killNode(input);
      case `${labTargetPrefix}PauseNode`:
        return this.pauseNode(input);
      default:
        throw new LabFault('UnknownOperationException', '');
    }
  }

  private describeClusters(input: Json): Json {
    const name = optionalString(input, 'ClusterName');
    const cluster = this.cluster;
    if (name !== undefined && (!cluster || name !== cluster.options.names.clusterName)) {
      throw notFound(name, !cluster);
    }
    if (!cluster) return { Clusters: [] };
    return { Clusters: [this.clusterView(cluster, input.ShowShardDetails === true)] };
  }

  private clusterView(c: MemoryDbLabCluster, shards: boolean): Json {
    const o = c.options;
    const ranges = slotRanges(o.shards);
    return {
      Name: o.names.clusterName,
      Description: 'drill lab MemoryDB cluster',
      Status: 'available',
      NumberOfShards: o.shards,
      ...(shards
        ? {
            Shards: ranges.map(([from, to], i) => ({
              Name: shardName(i + 1),
              Status: shardStatus(c, shardName(i + 1)),
              Slots: `${from}-${to}`,
              NumberOfNodes: o.replicas + 1,
              Nodes: c.shardNodes(i + 1).map((n) => ({
                Name: n.name,
                Status: 'available',
                AvailabilityZone: n.availabilityZone,
                CreateTime: n.createTime.getTime() / 1000,
                Endpoint: { Address: n.host, Port: c.port },
              })),
            })),
          }
        : {}),
      AvailabilityMode: o.replicas > 0 ? 'multiaz' : 'singleaz',
      ClusterEndpoint: { Address: o.names.clusterEndpoint, Port: c.port },
      NodeType: 'db.r7g.large',
      Engine: 'redis',
      EngineVersion: '7.0',
      EnginePatchVersion: '7.0.7',
      ParameterGroupName: 'default.memorydb-redis7',
      ParameterGroupStatus: 'in-sync',
      SecurityGroups: [{ SecurityGroupId: 'sg-0drilllab00000001', Status: 'active' }],
      SubnetGroupName: 'drill-lab-subnets',
      TLSEnabled: o.tls,
      ARN: o.names.arn,
      ...(this.snsTopicArn ? { SnsTopicArn: this.snsTopicArn, SnsTopicStatus: this.snsTopicStatus } : {}),
      SnapshotRetentionLimit: 0,
      MaintenanceWindow: 'sun:23:00-mon:01:30',
      SnapshotWindow: '05:00-06:00',
      ACLName: 'drill-lab-acl',
      AutoMinorVersionUpgrade: true,
      DataTiering: 'false',
      NetworkType: 'ipv4',
      IpDiscovery: 'ipv4',
    };
  }

  private requireCluster(input: Json): MemoryDbLabCluster {
    const name = requiredString(input, 'ClusterName');
    const c = this.cluster;
    if (!c || c.options.names.clusterName !== name) throw notFound(name, !c);
    return c;
  }

  private failoverShard(input: Json): Json {
    const c = this.requireCluster(input);
    const shard = requiredString(input, 'ShardName');
    if (!/^\d{4}$/.test(shard) || Number(shard) < 1 || Number(shard) > c.options.shards) {
      throw new LabFault('ShardNotFoundFault', `Shard ${shard} not found.`);
    }
    const now = Date.now();
    const calls = this.recentCalls(now);
    if (calls.length >= failoverQuota) {
      throw new LabFault(
        'APICallRateForCustomerExceededFault',
        `The customer has exceeded the allowed rate of API calls: FailoverShard is allowed ${failoverQuota} times in 24 hours (the lab counts them in ${this.options.quotaFile}).`,
      );
    }
    c.failoverShard(shard);
    replaceFile(
      this.options.quotaFile,
      `${JSON.stringify({ failoverShardCalls: [...calls, now].map((t) => new Date(t).toISOString()) }, null, 2)}\n`,
    );
    return { Cluster: this.clusterView(c, false) };
  }

  /** FailoverShard calls of the last 24 hours, from the quota file (a missing or broken file: none). */
  private recentCalls(now: number): number[] {
    if (!existsSync(this.options.quotaFile)) return [];
    try {
      const saved = JSON.parse(readFileSync(this.options.quotaFile, 'utf8')) as {
        failoverShardCalls?: unknown;
      };
      const list = Array.isArray(saved.failoverShardCalls) ? saved.failoverShardCalls : [];
      return list.map((t) => Date.parse(String(t))).filter((t) => Number.isFinite(t) && now - t < day);
    } catch {
      return [];
    }
  }

  private describeEvents(input: Json): Json {
    const sourceName = optionalString(input, 'SourceName');
    const sourceType = optionalString(input, 'SourceType');
    const types = ['node', 'parameter-group', 'subnet-group', 'cluster', 'user', 'acl'];
    if (sourceType !== undefined && !types.includes(sourceType)) {
      throw invalidValue(`SourceType must be one of ${types.join(', ')}.`);
    }
    const now = Date.now();
    const end = optionalTime(input, 'EndTime') ?? now;
    const duration = optionalInteger(input, 'Duration');
    const start = optionalTime(input, 'StartTime') ?? end - (duration ?? 60) * 60_000;
    const max = optionalInteger(input, 'MaxResults') ?? 100;
    if (max < 1 || max > 100) throw invalidValue('MaxResults must be between 1 and 100.');
    const from = nextTokenOffset(input);
    const events = (this.cluster?.events ?? [])
      .filter((e) => sourceName === undefined || e.sourceName === sourceName)
      .filter((e) => sourceType === undefined || e.sourceType === sourceType)
      .filter((e) => e.date.getTime() >= start && e.date.getTime() <= end)
      .reverse();
    const page = events.slice(from, from + max);
    return {
      Events: page.map((e) => ({
        SourceName: e.sourceName,
        SourceType: e.sourceType,
        Message: e.message,
        Date: e.date.getTime() / 1000,
      })),
      ...(from + max < events.length
        ? { NextToken: Buffer.from(String(from + max)).toString('base64url') }
        : {}),
    };
  }

  /** Only what `drill notify setup --memorydb` changes: the SNS topic and its status. */
  private updateCluster(input: Json): Json {
    const c = this.requireCluster(input);
    const arn = optionalString(input, 'SnsTopicArn');
    const status = optionalString(input, 'SnsTopicStatus');
    if (
      arn !== undefined &&
      arn !== '' &&
      !/^arn:aws:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(arn)
    ) {
      throw invalidValue(`SnsTopicArn ${arn} is not a valid SNS topic ARN.`);
    }
    if (status !== undefined && status !== 'active' && status !== 'inactive') {
      throw invalidValue('SnsTopicStatus must be active or inactive.');
    }
    if (arn !== undefined) {
      this.snsTopicArn = arn || undefined;
      if (arn) this.snsTopicStatus = status ?? 'active';
    } else if (status !== undefined) {
      if (!this.snsTopicArn) throw invalidValue('SnsTopicStatus needs an SnsTopicArn on the cluster.');
      this.snsTopicStatus = status;
    }
    return { Cluster: this.clusterView(c, false) };
  }

  /** Sends a cluster event to the cluster's SNS topic, when one is set and active. */
  private publish(e: MemoryDbEvent): void {
    const sns = this.options.sns;
    if (!sns || !this.snsTopicArn || this.snsTopicStatus !== 'active') return;
    const kind = notificationKind(e.message);
    if (!kind) return;
    sns.publish(this.snsTopicArn, {
      subject: 'MemoryDB Notification Message',
      message: JSON.stringify({ [`MemoryDB:${kind}`]: e.sourceName }),
      origin: {
        source: 'memorydb-event',
        sourceType: e.sourceType,
        sourceId: e.sourceName,
        eventMessage: e.message,
        eventTime: e.date.toISOString(),
      },
    });
  }

  private killNode(input: Json): Json {
    const c = this.requireLabCluster();
    const node = c.node(requiredString(input, 'NodeName'));
    if (!node) throw c.noSuchNode(requiredString(input, 'NodeName'));
    void c.kill(node.name);
    return { NodeName: node.name, Shard: shardName(node.shard), RestartAfterMs: c.options.timing.restartMs };
  }

  private pauseNode(input: Json): Json {
    const c = this.requireLabCluster();
    const ms = optionalInteger(input, 'DurationMs');
    if (ms === undefined || ms < 1 || ms > 3600_000) throw invalidValue('DurationMs must be 1 to 3600000.');
    const node = c.pause(requiredString(input, 'NodeName'), ms);
    return {
      NodeName: node.name,
      Shard: shardName(node.shard),
      ResumeAt: new Date(Date.now() + ms).toISOString(),
    };
  }

  private requireLabCluster(): MemoryDbLabCluster {
    if (!this.cluster)
      throw new LabFault(
        'NoMemoryDb',
        "This lab has no MemoryDB cluster: start it with 'drill lab up --memorydb'.",
      );
    return this.cluster;
  }
}

/**
 * The notification for an event text, or undefined for events that send none. Messages are shaped like
 * ElastiCache's (`{"MemoryDB:<Kind>": "<cluster>"}`); the failover kinds are the lab's names, not documented ones.
 */
function notificationKind(message: string): string | undefined {
  if (message.startsWith('FailoverShard API called')) return 'FailoverShardCalled';
  if (message.startsWith('Failover from primary node')) return 'FailoverComplete';
  if (message.startsWith('Recovering nodes')) return 'NodeReplaceStarted';
  if (message.startsWith('Finished recovery')) return 'NodeReplaceComplete';
  return undefined;
}

const notFound = (name: string, labHasNone = false) =>
  new LabFault(
    'ClusterNotFoundFault',
    `Cluster ${name} not found.${labHasNone ? " This lab has no MemoryDB cluster: start it with 'drill lab up --memorydb'." : ''}`,
  );
const invalidValue = (message: string) => new LabFault('InvalidParameterValueException', message);

function requiredString(input: Json, key: string): string {
  const v = input[key];
  if (v === undefined || v === null || v === '') throw invalidValue(`The parameter ${key} must be provided.`);
  if (typeof v !== 'string') throw new LabFault('SerializationException', `${key} must be a string.`);
  return v;
}

function optionalString(input: Json, key: string): string | undefined {
  if (input[key] === undefined || input[key] === null) return undefined;
  return requiredString(input, key);
}

function optionalInteger(input: Json, key: string): number | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new LabFault('SerializationException', `${key} must be an integer.`);
  return v;
}

/** awsJson timestamps are epoch seconds (the SDK sends numbers; strings in ISO 8601 are taken too). */
function optionalTime(input: Json, key: string): number | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  const ms = typeof v === 'number' ? v * 1000 : Date.parse(String(v));
  if (!Number.isFinite(ms)) throw invalidValue(`${key} is not a valid timestamp.`);
  return ms;
}

function nextTokenOffset(input: Json): number {
  const token = optionalString(input, 'NextToken');
  if (token === undefined) return 0;
  const n = Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(n) || n < 0) throw invalidValue('NextToken is not valid.');
  return n;
}

/**
 * A shard's Status in DescribeClusters: `modifying` from its FailoverShard call until the old primary's recovery
 * finished ("Finished recovery for nodes ..."), `available` otherwise. No source we hold (the API reference, the
 * CLI example, the events guide) shows the status a shard takes during FailoverShard: `modifying` is what MemoryDB
 * reports for a shard being changed, taken here as the closest match; check it against a real cluster. The
 * cluster's own Status stays `available`: the lab does not model it, and nothing we hold says it changes.
 */
function shardStatus(c: MemoryDbLabCluster, name: string): 'modifying' | 'available' {
  return c.failingOver === name ? 'modifying' : 'available';
}
