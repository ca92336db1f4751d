import { apiIsLocal } from '../../aws/endpoint.js';
import { cannotStart, usageError } from '../../core/errors.js';
import type { History } from '../../core/history.js';
import { pause } from '../../core/scheduler.js';
import { type Trigger, triggerStep } from '../../core/trigger.js';
import type { MemoryDbControl } from '../api.js';
import { clusterFromEndpoint } from '../endpoint-names.js';
import { failoverShardCalled } from '../events.js';
import type { TriggerKind } from './index.js';

/** MemoryDB allows this many FailoverShard calls per cluster in a rolling 24 hours. */
export const failoversPerDay = 5;

/**
 * MemoryDB FailoverShard; completed once another node of the shard says it is primary (the API has no role per
 * node: the nodes are asked, as the `nodes` monitor does).
 */
export class FailoverShardTrigger implements Trigger {
  readonly name = 'failover-shard';

  constructor(
    private readonly api: MemoryDbControl,
    private readonly cluster: string,
    private readonly shard: string,
    private readonly primaryNow: () => Promise<string | undefined>,
    private readonly previousPrimary: string | undefined,
    private readonly waitMs = 600_000,
  ) {}

  async fire(history: History, signal: AbortSignal): Promise<void> {
    triggerStep(history, this.name, 'requested', `FailoverShard ${this.cluster} shard ${this.shard}`);
    try {
      await this.api.failoverShard(this.cluster, this.shard);
      triggerStep(
        history,
        this.name,
        'acknowledged',
        `MemoryDB accepted the failover of shard ${this.shard}`,
      );
      const until = Date.now() + this.waitMs;
      while (!signal.aborted && Date.now() < until) {
        const primary = await this.primaryNow();
        if (primary !== undefined && primary !== this.previousPrimary) {
          triggerStep(history, this.name, 'completed', `${primary} is the primary of shard ${this.shard}`);
          return;
        }
        await pause(200, signal);
      }
      if (!signal.aborted) triggerStep(history, this.name, 'failed', 'the primary did not change in time');
    } catch (err) {
      if (!signal.aborted) triggerStep(history, this.name, 'failed', (err as Error).message);
    }
  }
}

/** `--trigger failover-shard` (`--shard` names the shard): the guard rails of the guide come first. */
export const failoverShard: TriggerKind = {
  help: 'MemoryDB FailoverShard of --shard',
  async prepare(run) {
    const { plan } = run;
    const control = await run.control();
    if (!control)
      throw usageError(
        `could not tell which MemoryDB cluster ${run.endpoint.host} is: name it with --cluster`,
      );
    const { api, cluster } = control;
    if (cluster.status !== 'available') {
      throw usageError(
        `cluster ${cluster.name} is ${cluster.status}, not available: wait for it, then drill again`,
      );
    }
    const shard = cluster.shards.find((s) => s.name === plan.shard);
    if (!shard) {
      throw usageError(
        `cluster ${cluster.name} has no shard ${plan.shard} (its shards: ${cluster.shards.map((s) => s.name).join(', ')})`,
      );
    }
    if (shard.nodes.length < 2) {
      throw usageError(
        `shard ${shard.name} of ${cluster.name} has no replica: a failover has no node to promote, and writes to it stop until MemoryDB replaces the node`,
      );
    }
    const since = new Date(Date.now() - 24 * 3_600_000);
    const used = (await api.describeEvents(cluster.name, since)).filter((e) =>
      failoverShardCalled(e.message),
    ).length;
    const left = failoversPerDay - used;
    if (left <= 0) {
      throw cannotStart(
        `cluster ${cluster.name} had ${used} FailoverShard calls in the last 24 h: MemoryDB allows ${failoversPerDay}; try again later`,
      );
    }
    // The nodes' own description of the shard, matched by node names (the API names them; ROLE needs them).
    const topology = run.shards.find((s) => s.nodes.some((n) => shard.nodes.includes(n.name)));
    if (!topology) {
      throw cannotStart(
        `the nodes of shard ${shard.name} (${shard.nodes.join(', ')}) are not among those ${run.endpoint.text} describes: is -e this cluster's endpoint?`,
      );
    }
    const primaryNow = async (): Promise<string | undefined> => {
      const { primaryOf } = await import('../monitors/nodes.js');
      return primaryOf(run, topology);
    };
    const before = await primaryNow();
    if (before === undefined) {
      throw cannotStart(
        `no node of shard ${shard.name} says it is primary now: wait for the shard to recover, then drill again`,
      );
    }
    return {
      scheduled: {
        trigger: new FailoverShardTrigger(api, cluster.name, shard.name, primaryNow, before),
        atMs: plan.atMs,
        baselineMs: plan.baselineMs,
      },
      confirmation: {
        what: `fail over shard ${shard.name} of MemoryDB cluster ${cluster.name} (primary ${before}; ${left} of ${failoversPerDay} FailoverShard calls left in 24 h)`,
        answer: cluster.name,
        lab: apiIsLocal('MEMORYDB', plan.aws.endpoint),
      },
    };
  },
  dryRun(plan) {
    const cluster =
      plan.cluster ?? (plan.endpoint && clusterFromEndpoint(plan.endpoint.host)) ?? '<cluster name>';
    return [
      'equivalent commands:',
      `  aws memorydb describe-clusters --cluster-name ${cluster} --show-shard-details`,
      `  aws memorydb describe-events --source-name ${cluster} --source-type cluster --duration 1440`,
      `  aws memorydb failover-shard --cluster-name ${cluster} --shard-name ${plan.shard}`,
    ];
  },
};
