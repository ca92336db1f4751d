import { type AwsTarget, memoryDbClient } from '../aws/clients.js';
import { callAws } from '../aws/errors.js';
import type { ProviderEvent } from '../aws/event-follower.js';

type MemoryDbModule = typeof import('@aws-sdk/client-memorydb');
type MemoryDBClient = InstanceType<MemoryDbModule['MemoryDBClient']>;

export interface MemoryDbCluster {
  name: string;
  status: string;
  endpoint: string;
  shards: { name: string; status: string; nodes: string[] }[];
}

/** One of the cluster's own nodes (`my-cluster-0001-001`), not of a cluster whose name merely starts the same. */
function isNodeOf(cluster: string, source: string): boolean {
  return source.startsWith(`${cluster}-`) && /^\d{4}-\d{3}$/.test(source.slice(cluster.length + 1));
}

/** The MemoryDB calls a drill makes, over the AWS SDK (loaded only when a drill needs it). */
export class MemoryDbControl {
  private constructor(
    private readonly sdk: MemoryDbModule,
    private readonly client: MemoryDBClient,
  ) {}

  static async connect(target: AwsTarget): Promise<MemoryDbControl> {
    const { sdk, client } = await memoryDbClient(target, 5);
    return new MemoryDbControl(sdk, client);
  }

  async describeCluster(name: string): Promise<MemoryDbCluster> {
    const out = await callAws('memorydb:DescribeClusters', () =>
      this.client.send(new this.sdk.DescribeClustersCommand({ ClusterName: name, ShowShardDetails: true })),
    );
    const c = out.Clusters?.[0];
    return {
      name: c?.Name ?? name,
      status: c?.Status ?? 'unknown',
      endpoint: c?.ClusterEndpoint?.Address ?? '',
      shards: (c?.Shards ?? []).map((s) => ({
        name: s.Name ?? '?',
        status: s.Status ?? 'unknown',
        nodes: (s.Nodes ?? []).map((n) => n.Name ?? '?'),
      })),
    };
  }

  async failoverShard(cluster: string, shard: string): Promise<void> {
    await callAws('memorydb:FailoverShard', () =>
      this.client.send(new this.sdk.FailoverShardCommand({ ClusterName: cluster, ShardName: shard })),
    );
  }

  /** The cluster's and its nodes' events since `start` (MemoryDB keeps 14 days). */
  async describeEvents(cluster: string, start: Date): Promise<ProviderEvent[]> {
    const events: ProviderEvent[] = [];
    for (const type of ['cluster', 'node'] as const) {
      let token: string | undefined;
      do {
        const out = await callAws('memorydb:DescribeEvents', () =>
          this.client.send(
            new this.sdk.DescribeEventsCommand({
              SourceType: type,
              StartTime: start,
              ...(type === 'cluster' ? { SourceName: cluster } : {}),
              ...(token ? { NextToken: token } : {}),
            }),
          ),
        );
        for (const e of out.Events ?? []) {
          const source = e.SourceName ?? '?';
          if (source === cluster || isNodeOf(cluster, source)) {
            events.push({ date: e.Date ?? new Date(), source, message: e.Message ?? '' });
          }
        }
        token = out.NextToken;
      } while (token);
    }
    return events;
  }
}
