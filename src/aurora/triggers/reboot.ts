import type { History } from '../../core/history.js';
import { pause } from '../../core/scheduler.js';
import { type Trigger, triggerStep } from '../../core/trigger.js';
import type { RdsControl } from '../rds.js';
import { checkedCluster, rdsIsLab } from './cluster.js';
import type { TriggerKind } from './index.js';

/**
 * RDS RebootDBInstance of the writer; with --force-failover a reader is promoted (completed when another writer
 * is named), without it the same writer restarts (completed when it is available again after rebooting).
 */
export class RebootTrigger implements Trigger {
  readonly name = 'reboot';

  constructor(
    private readonly rds: RdsControl,
    private readonly clusterId: string,
    private readonly writer: string,
    private readonly forceFailover: boolean,
    private readonly waitMs = 600_000,
  ) {}

  async fire(history: History, signal: AbortSignal): Promise<void> {
    const how = this.forceFailover ? ' with ForceFailover' : '';
    triggerStep(history, this.name, 'requested', `RebootDBInstance ${this.writer}${how}`);
    try {
      await this.rds.reboot(this.writer, this.forceFailover);
      triggerStep(history, this.name, 'acknowledged', `RDS accepted the reboot of ${this.writer}`);
      const until = Date.now() + this.waitMs;
      let sawReboot = false;
      while (!signal.aborted && Date.now() < until) {
        if (this.forceFailover) {
          const c = await this.rds.describeCluster(this.clusterId);
          if (c.writer !== this.writer && c.status === 'available') {
            triggerStep(history, this.name, 'completed', `writer is now ${c.writer}`);
            return;
          }
        } else {
          const status = await this.rds.instanceStatus(this.writer);
          if (status !== 'available') sawReboot = true;
          else if (sawReboot) {
            triggerStep(history, this.name, 'completed', `${this.writer} is available again`);
            return;
          }
        }
        await pause(500, signal);
      }
      if (!signal.aborted) triggerStep(history, this.name, 'failed', 'the reboot did not complete in time');
    } catch (err) {
      if (!signal.aborted) triggerStep(history, this.name, 'failed', (err as Error).message);
    }
  }
}

/** `--trigger reboot` (`--force-failover` promotes a reader). */
export const reboot: TriggerKind = {
  help: 'RDS RebootDBInstance of the writer',
  usesRds: true,
  async prepare(run) {
    const { plan } = run;
    const { rds, cluster } = await checkedCluster(run, plan.forceFailover);
    const how = plan.forceFailover ? ' with a failover' : '';
    return {
      scheduled: {
        trigger: new RebootTrigger(rds, cluster.id, cluster.writer as string, plan.forceFailover),
        atMs: plan.atMs,
        baselineMs: plan.baselineMs,
      },
      confirmation: {
        what: `reboot the writer ${cluster.writer} of cluster ${cluster.id}${how}`,
        answer: cluster.id,
        lab: rdsIsLab(run),
      },
    };
  },
  dryRun(plan) {
    const force = plan.forceFailover ? ' --force-failover' : '';
    return [
      'equivalent commands:',
      `  aws rds describe-db-clusters --db-cluster-identifier ${plan.cluster ?? '<cluster id>'}`,
      `  aws rds reboot-db-instance --db-instance-identifier <writer instance>${force}`,
    ];
  },
};
