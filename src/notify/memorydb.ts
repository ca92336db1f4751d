import { type AwsTarget, memoryDbClient } from '../aws/clients.js';
import { callAws, notFound } from '../aws/errors.js';
import { parseArn } from './inputs.js';
import { policyHint } from './policy.js';

type MemoryDb = Awaited<ReturnType<typeof memoryDbClient>>;

/**
 * MemoryDB has no event subscriptions: a cluster publishes its events to the one SNS topic set on it
 * (UpdateCluster SnsTopicArn), while its SnsTopicStatus is active. The topic must be in the cluster's account.
 */
export interface MemoryDbTopicView {
  cluster: string;
  arn: string;
  account: string | undefined;
  region: string | undefined;
  /** The topic set on the cluster, or undefined when none is. */
  topicArn: string | undefined;
  /** As MemoryDB reports it (`active`, `inactive`; compared without regard to case). */
  topicStatus: string | undefined;
}

export const isActive = (status: string | undefined): boolean => status?.toLowerCase() === 'active';

export class MemoryDbNotifications {
  private constructor(private readonly memorydb: MemoryDb) {}

  static async connect(target: AwsTarget): Promise<MemoryDbNotifications> {
    return new MemoryDbNotifications(await memoryDbClient(target));
  }

  private send<T>(action: string, command: object): Promise<T> {
    return callAws(action, () => this.memorydb.client.send(command as never) as Promise<T>, policyHint);
  }

  /** The cluster's notification topic, or an error naming ClusterNotFoundFault (exit 3). */
  async describe(name: string): Promise<MemoryDbTopicView> {
    const out = await this.send<{
      Clusters?: { Name?: string; ARN?: string; SnsTopicArn?: string; SnsTopicStatus?: string }[];
    }>('memorydb:DescribeClusters', new this.memorydb.sdk.DescribeClustersCommand({ ClusterName: name }));
    const c = out.Clusters?.find((x) => x.Name === name) ?? out.Clusters?.[0];
    if (!c) {
      throw notFound('ClusterNotFoundFault', `Cluster ${name} not found.`, 'memorydb:DescribeClusters');
    }
    const arn = parseArn(c.ARN ?? '');
    return {
      cluster: c.Name ?? name,
      arn: c.ARN ?? '',
      account: arn?.account,
      region: arn?.region,
      topicArn: c.SnsTopicArn || undefined,
      topicStatus: c.SnsTopicStatus,
    };
  }

  /** Points the cluster's notifications at the topic (and switches them on). */
  async setTopic(name: string, topicArn: string): Promise<void> {
    await this.send(
      'memorydb:UpdateCluster',
      new this.memorydb.sdk.UpdateClusterCommand({
        ClusterName: name,
        SnsTopicArn: topicArn,
        SnsTopicStatus: 'active',
      }),
    );
  }

  /** Switches the cluster's notifications off or back on, keeping the topic set on it. */
  async setTopicStatus(name: string, status: 'active' | 'inactive'): Promise<void> {
    await this.send(
      'memorydb:UpdateCluster',
      new this.memorydb.sdk.UpdateClusterCommand({ ClusterName: name, SnsTopicStatus: status }),
    );
  }
}
