import { type AwsTarget, rdsClient } from '../aws/clients.js';
import { cannotStart, DrillError, ExitCode } from '../core/errors.js';

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
    const out = await this.call(() =>
      this.client.send(new this.sdk.DescribeDBClustersCommand({ DBClusterIdentifier: id })),
    );
    const c = out.DBClusters?.[0];
    if (!c) throw cannotStart(`cluster ${id} not found`);
    return view(c);
  }

  /** The cluster whose writer or reader endpoint is `host`, for drills that were not told --cluster. */
  async findClusterByEndpoint(host: string): Promise<ClusterView | undefined> {
    const out = await this.call(() => this.client.send(new this.sdk.DescribeDBClustersCommand({})));
    const c = out.DBClusters?.find((x) => x.Endpoint === host || x.ReaderEndpoint === host);
    return c ? view(c) : undefined;
  }

  async failover(clusterId: string, target?: string): Promise<void> {
    await this.call(() =>
      this.client.send(
        new this.sdk.FailoverDBClusterCommand({
          DBClusterIdentifier: clusterId,
          ...(target ? { TargetDBInstanceIdentifier: target } : {}),
        }),
      ),
    );
  }

  async reboot(instanceId: string, forceFailover: boolean): Promise<void> {
    await this.call(() =>
      this.client.send(
        new this.sdk.RebootDBInstanceCommand({
          DBInstanceIdentifier: instanceId,
          ForceFailover: forceFailover,
        }),
      ),
    );
  }

  async instanceStatus(instanceId: string): Promise<string> {
    const out = await this.call(() =>
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
    const out = await this.client.send(
      new this.sdk.DescribeEventsCommand({
        SourceType: sourceType,
        StartTime: start,
        ...(sourceId ? { SourceIdentifier: sourceId } : {}),
      }),
    );
    return (out.Events ?? []).map((e) => ({
      date: e.Date ?? new Date(),
      sourceId: e.SourceIdentifier ?? '?',
      sourceType,
      message: e.Message ?? '',
    }));
  }

  /** Runs an SDK call; AWS errors become one line naming the AWS error code and what to do. */
  private async call<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      throw explainAwsError(err);
    }
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

/** AWS SDK errors as DrillErrors: credentials and permissions are "cannot start", the rest keep AWS's words. */
export function explainAwsError(err: unknown): DrillError {
  const e = err as { name?: string; message?: string; Code?: string };
  const code = e.name ?? e.Code ?? 'Error';
  const message = (e.message ?? String(err)).split('\n')[0];
  if (code === 'CredentialsProviderError' || /credential/i.test(message ?? '')) {
    return cannotStart(
      `no AWS credentials: set AWS_PROFILE (or --profile) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (${message})`,
    );
  }
  if (code === 'AccessDenied' || code === 'AccessDeniedException' || code === 'UnauthorizedOperation') {
    return cannotStart(`AWS refused the call (${code}): ${message}`);
  }
  if (code === 'DBClusterNotFoundFault')
    return cannotStart(`${message} (${code}): check --cluster and --region`);
  return new DrillError(`RDS: ${code}: ${message}`, ExitCode.cannotStart);
}
