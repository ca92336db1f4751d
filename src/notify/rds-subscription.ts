import { type AwsTarget, rdsClient } from '../aws/clients.js';
import { AwsCallError, callAws, notFound } from '../aws/errors.js';
import { parseArn } from './inputs.js';
import { policyHint } from './policy.js';

type Rds = Awaited<ReturnType<typeof rdsClient>>;

/** What drill asks of an RDS event subscription: failover events of DB clusters, to one topic. */
export const wantedSourceType = 'db-cluster';
export const wantedCategories = ['failover'];

export interface EventSubscriptionView {
  name: string;
  status: string;
  topicArn: string;
  sourceType: string;
  categories: string[];
  sourceIds: string[];
  enabled: boolean;
  arn: string | undefined;
}

export interface ClusterRef {
  id: string;
  arn: string;
  /** The account the cluster (and so the caller) works in, from the cluster's ARN. */
  account: string | undefined;
  region: string | undefined;
}

interface RawSubscription {
  CustSubscriptionId?: string;
  Status?: string;
  SnsTopicArn?: string;
  SourceType?: string;
  EventCategoriesList?: string[];
  SourceIdsList?: string[];
  Enabled?: boolean;
  EventSubscriptionArn?: string;
}

/** RDS event subscriptions (and the cluster lookup they need), over the AWS SDK or a lab's RDS API. */
export class RdsEventSubscriptions {
  private constructor(private readonly rds: Rds) {}

  static async connect(target: AwsTarget): Promise<RdsEventSubscriptions> {
    return new RdsEventSubscriptions(await rdsClient(target));
  }

  private get sdk() {
    return this.rds.sdk;
  }

  private send<T>(action: string, command: object): Promise<T> {
    return callAws(action, () => this.rds.client.send(command as never) as Promise<T>, policyHint);
  }

  /** The cluster, or an error naming DBClusterNotFoundFault (exit 3). */
  async cluster(id: string): Promise<ClusterRef> {
    const out = await this.send<{ DBClusters?: { DBClusterIdentifier?: string; DBClusterArn?: string }[] }>(
      'rds:DescribeDBClusters',
      new this.sdk.DescribeDBClustersCommand({ DBClusterIdentifier: id }),
    );
    const c = out.DBClusters?.[0];
    if (!c) {
      throw notFound('DBClusterNotFoundFault', `DBCluster ${id} not found.`, 'rds:DescribeDBClusters');
    }
    const arn = parseArn(c.DBClusterArn ?? '');
    return {
      id: c.DBClusterIdentifier ?? id,
      arn: c.DBClusterArn ?? '',
      account: arn?.account,
      region: arn?.region,
    };
  }

  /** The named subscription, or undefined when RDS has none of that name. */
  async describe(name: string): Promise<EventSubscriptionView | undefined> {
    try {
      const out = await this.send<{ EventSubscriptionsList?: RawSubscription[] }>(
        'rds:DescribeEventSubscriptions',
        new this.sdk.DescribeEventSubscriptionsCommand({ SubscriptionName: name }),
      );
      const s =
        out.EventSubscriptionsList?.find((x) => x.CustSubscriptionId === name) ??
        out.EventSubscriptionsList?.[0];
      return s ? view(s, name) : undefined;
    } catch (err) {
      if (err instanceof AwsCallError && err.is('SubscriptionNotFound')) return undefined;
      throw err;
    }
  }

  /**
   * Creates the subscription with its source in the same call, so no moment passes in which it would forward
   * every cluster's failovers. Throws AwsCallError `SubscriptionAlreadyExist` when the name is taken.
   */
  async create(name: string, topicArn: string, sourceIds: string[]): Promise<EventSubscriptionView> {
    const out = await this.send<{ EventSubscription?: RawSubscription }>(
      'rds:CreateEventSubscription',
      new this.sdk.CreateEventSubscriptionCommand({
        SubscriptionName: name,
        SnsTopicArn: topicArn,
        SourceType: wantedSourceType,
        EventCategories: wantedCategories,
        ...(sourceIds.length > 0 ? { SourceIds: sourceIds } : {}),
        Enabled: true,
      }),
    );
    return view(out.EventSubscription ?? {}, name);
  }

  async addSource(name: string, sourceId: string): Promise<EventSubscriptionView> {
    const out = await this.send<{ EventSubscription?: RawSubscription }>(
      'rds:AddSourceIdentifierToSubscription',
      new this.sdk.AddSourceIdentifierToSubscriptionCommand({
        SubscriptionName: name,
        SourceIdentifier: sourceId,
      }),
    );
    return view(out.EventSubscription ?? {}, name);
  }

  /** Removes a source; false when the subscription or the source was not there (nothing to do). */
  async removeSource(name: string, sourceId: string): Promise<boolean> {
    try {
      await this.send(
        'rds:RemoveSourceIdentifierFromSubscription',
        new this.sdk.RemoveSourceIdentifierFromSubscriptionCommand({
          SubscriptionName: name,
          SourceIdentifier: sourceId,
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof AwsCallError && err.is('SubscriptionNotFound', 'SourceNotFound')) return false;
      throw err;
    }
  }

  /** Deletes the subscription; false when it was already gone. */
  async delete(name: string): Promise<boolean> {
    try {
      await this.send(
        'rds:DeleteEventSubscription',
        new this.sdk.DeleteEventSubscriptionCommand({ SubscriptionName: name }),
      );
      return true;
    } catch (err) {
      if (err instanceof AwsCallError && err.is('SubscriptionNotFound')) return false;
      throw err;
    }
  }
}

function view(s: RawSubscription, name: string): EventSubscriptionView {
  return {
    name: s.CustSubscriptionId ?? name,
    status: s.Status ?? 'unknown',
    topicArn: s.SnsTopicArn ?? '',
    sourceType: s.SourceType ?? '',
    categories: s.EventCategoriesList ?? [],
    sourceIds: s.SourceIdsList ?? [],
    enabled: s.Enabled !== false,
    arn: s.EventSubscriptionArn,
  };
}

/**
 * How an existing subscription differs from what drill would create (topic, source type, categories, enabled);
 * empty when it does exactly that job. Other sources on it are fine: drill only adds its cluster.
 */
export function subscriptionDifferences(s: EventSubscriptionView, topicArn: string): string[] {
  const out: string[] = [];
  if (s.topicArn !== topicArn) out.push(`it sends to ${s.topicArn || 'no topic'}`);
  if (s.sourceType !== wantedSourceType) out.push(`its source type is ${s.sourceType || 'all sources'}`);
  const categories = [...new Set(s.categories.map((c) => c.toLowerCase()))].sort();
  if (categories.join(',') !== [...wantedCategories].sort().join(',')) {
    out.push(`its categories are ${s.categories.length > 0 ? s.categories.join(', ') : 'all'}`);
  }
  if (!s.enabled) out.push('it is disabled');
  return out;
}
