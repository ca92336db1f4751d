import { type AwsTarget, rdsClient } from '../aws/clients.js';
import { awsErrorKind, callAws, notFound } from '../aws/errors.js';
import { clusterIdOf } from './hostnames.js';

type RdsModule = typeof import('@aws-sdk/client-rds');
type RDSClient = InstanceType<RdsModule['RDSClient']>;

export interface RdsEvent {
  date: Date;
  sourceId: string;
  sourceType: string;
  message: string;
}

export interface ClusterView {
  id: string;
  status: string;
  endpoint: string;
  readerEndpoint: string;
  writer: string | undefined;
  readers: string[];
}

/** RDS calls a drill makes, over the AWS SDK (loaded only when a drill needs it). */
export class RdsControl {
  private constructor(
    private readonly sdk: RdsModule,
    private readonly client: RDSClient,
  ) {}

  static async connect(target: AwsTarget): Promise<RdsControl> {
    // Event polling and triggers retry throttled calls a little longer than notify's one-shot commands.
    const { sdk, client } = await rdsClient(target, 5);
    return new RdsControl(sdk, client);
  }

  async describeCluster(id: string): Promise<ClusterView> {
    const out = await callAws('rds:DescribeDBClusters', () =>
      this.client.send(new this.sdk.DescribeDBClustersCommand({ DBClusterIdentifier: id })),
    );
    const c = out.DBClusters?.[0];
    if (!c) throw notFound('DBClusterNotFoundFault', `DBCluster ${id} not found.`, 'rds:DescribeDBClusters');
    return view(c);
  }

  /**
   * The cluster whose writer or reader endpoint is `host`, for drills that were not told --cluster: asked for by
   * the identifier the name starts with (one call, whatever the number of clusters in the account), and taken
   * only when that cluster really has this endpoint. Undefined when the name is not a cluster's or no cluster has it.
   */
  async findClusterByEndpoint(host: string): Promise<ClusterView | undefined> {
    const id = clusterIdOf(host);
    if (!id) return undefined;
    const out = await callAws('rds:DescribeDBClusters', () =>
      this.client.send(new this.sdk.DescribeDBClustersCommand({ DBClusterIdentifier: id })),
    ).catch((err) => {
      if (awsErrorKind(err) === 'not-found') return undefined;
      throw err;
    });
    const name = host.toLowerCase().replace(/\.$/, '');
    const c = out?.DBClusters?.[0];
    return c && [c.Endpoint, c.ReaderEndpoint].some((e) => e?.toLowerCase() === name) ? view(c) : undefined;
  }

  async failover(clusterId: string, target?: string): Promise<void> {
    await callAws('rds:FailoverDBCluster', () =>
      this.client.send(
        new this.sdk.FailoverDBClusterCommand({
          DBClusterIdentifier: clusterId,
          ...(target ? { TargetDBInstanceIdentifier: target } : {}),
        }),
      ),
    );
  }

  async reboot(instanceId: string, forceFailover: boolean): Promise<void> {
    await callAws('rds:RebootDBInstance', () =>
      this.client.send(
        new this.sdk.RebootDBInstanceCommand({
          DBInstanceIdentifier: instanceId,
          ForceFailover: forceFailover,
        }),
      ),
    );
  }

  async instanceStatus(instanceId: string): Promise<string> {
    const out = await callAws('rds:DescribeDBInstances', () =>
      this.client.send(new this.sdk.DescribeDBInstancesCommand({ DBInstanceIdentifier: instanceId })),
    );
    return out.DBInstances?.[0]?.DBInstanceStatus ?? 'unknown';
  }

  /** DescribeEvents for one source type (and identifier), from `start` on; the SDK retries throttling. */
  async describeEvents(
    sourceType: 'db-cluster' | 'db-instance',
    start: Date,
    sourceId?: string,
  ): Promise<RdsEvent[]> {
    const out = await callAws('rds:DescribeEvents', () =>
      this.client.send(
        new this.sdk.DescribeEventsCommand({
          SourceType: sourceType,
          StartTime: start,
          ...(sourceId ? { SourceIdentifier: sourceId } : {}),
        }),
      ),
    );
    return (out.Events ?? []).map((e) => ({
      date: e.Date ?? new Date(),
      sourceId: e.SourceIdentifier ?? '?',
      sourceType,
      message: e.Message ?? '',
    }));
  }
}

function view(c: {
  DBClusterIdentifier?: string;
  Status?: string;
  Endpoint?: string;
  ReaderEndpoint?: string;
  DBClusterMembers?: { DBInstanceIdentifier?: string; IsClusterWriter?: boolean }[];
}): ClusterView {
  const members = c.DBClusterMembers ?? [];
  return {
    id: c.DBClusterIdentifier ?? '?',
    status: c.Status ?? 'unknown',
    endpoint: c.Endpoint ?? '',
    readerEndpoint: c.ReaderEndpoint ?? '',
    writer: members.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier,
    readers: members.filter((m) => !m.IsClusterWriter).map((m) => m.DBInstanceIdentifier ?? '?'),
  };
}
