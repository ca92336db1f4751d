import { AuroraLabCluster, type ClusterEvent } from './cluster.js';

/**
 * The lab's Aurora cluster, which also hands every RDS event it records to a listener: the lab's RDS event
 * subscriptions, which publish it to SNS as RDS would.
 */
export class NotifyingAuroraCluster extends AuroraLabCluster {
  onEvent: ((event: ClusterEvent) => void) | undefined;

  override event(...args: Parameters<AuroraLabCluster['event']>): void {
    super.event(...args);
    const recorded = this.events.at(-1);
    if (recorded) this.onEvent?.(recorded);
  }
}
