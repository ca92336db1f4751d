import { usageError } from '../../core/errors.js';
import type { History } from '../../core/history.js';
import { pause } from '../../core/scheduler.js';
import { type Trigger, triggerStep } from '../../core/trigger.js';
import type { RdsControl } from '../rds.js';
import { checkedCluster, rdsIsLab } from './cluster.js';
import type { TriggerKind } from './index.js';

/** RDS FailoverDBCluster; completed once DescribeDBClusters names another writer and the cluster is available. */
export class FailoverTrigger implements Trigger {
  readonly name = 'failover';

  constructor(
    private readonly rds: RdsControl,
    private readonly clusterId: string,
    private readonly previousWriter: string | undefined,
    private readonly target: string | undefined,
    private readonly waitMs = 600_000,
  ) {}

  async fire(history: History, signal: AbortSignal): Promise<void> {
    const to = this.target ? ` to ${this.target}` : '';
    triggerStep(history, this.name, 'requested', `FailoverDBCluster ${this.clusterId}${to}`);
    try {
      await this.rds.failover(this.clusterId, this.target);
      triggerStep(history, this.name, 'acknowledged', `RDS accepted the failover of ${this.clusterId}`);
      const until = Date.now() + this.waitMs;
      while (!signal.aborted && Date.now() < until) {
        const c = await this.rds.describeCluster(this.clusterId);
        if (c.writer !== this.previousWriter && c.status === 'available') {
          triggerStep(history, this.name, 'completed', `writer is now ${c.writer}`);
          return;
        }
        await pause(500, signal);
      }
      if (!signal.aborted) triggerStep(history, this.name, 'failed', 'the writer did not change in time');
    } catch (err) {
      if (!signal.aborted) triggerStep(history, this.name, 'failed', (err as Error).message);
    }
  }
}

/** `--trigger failover` (`--target` names the reader to promote). */
export const failover: TriggerKind = {
  help: 'RDS FailoverDBCluster',
  usesRds: true,
  async prepare(run) {
    const { plan } = run;
    const { rds, cluster } = await checkedCluster(run, true);
    if (plan.target && !cluster.readers.includes(plan.target)) {
      throw usageError(
        `--target ${plan.target} is not a reader of ${cluster.id} (readers: ${cluster.readers.join(', ')})`,
      );
    }
    return {
      scheduled: {
        trigger: new FailoverTrigger(rds, cluster.id, cluster.writer, plan.target),
        atMs: plan.atMs,
        baselineMs: plan.baselineMs,
      },
      confirmation: {
        what: `fail over cluster ${cluster.id} (writer ${cluster.writer})`,
        answer: cluster.id,
        lab: rdsIsLab(run),
      },
    };
  },
  dryRun(plan) {
    const cluster = plan.cluster ?? '<cluster id>';
    const target = plan.target ? ` --target-db-instance-identifier ${plan.target}` : '';
    return [
      'equivalent commands:',
      `  aws rds describe-db-clusters --db-cluster-identifier ${cluster}`,
      `  aws rds failover-db-cluster --db-cluster-identifier ${cluster}${target}`,
    ];
  },
};
