import type { EventSource } from '../aws/event-follower.js';
import type { FailoverPhase } from '../core/history.js';
import type { RdsControl } from './rds.js';

/** RDS DescribeEvents of a cluster and its instances, as the drill's event follower fetches them. */
export function rdsEvents(rds: RdsControl, clusterId: string, instanceIds: () => string[]): EventSource {
  return {
    service: 'rds',
    action: 'rds:DescribeEvents',
    async fetch(since) {
      const cluster = (await rds.describeEvents('db-cluster', since, clusterId)).filter(
        (e) => e.sourceId === clusterId,
      );
      const ids = new Set(instanceIds());
      const instances = (await rds.describeEvents('db-instance', since)).filter((e) => ids.has(e.sourceId));
      return [...cluster, ...instances].map((e) => ({
        date: e.date,
        source: e.sourceId,
        message: e.message,
      }));
    },
    phaseOf: failoverPhase,
  };
}

/**
 * Where a failover stands by an RDS event's text (events carry no id in DescribeEvents, so the text is all there
 * is): RDS-EVENT-0073/0072 "Started cross|same AZ failover to DB instance: X", RDS-EVENT-0071 "Completed failover".
 */
export function failoverPhase(message: string): FailoverPhase | undefined {
  if (/^Started (cross AZ |same AZ )?failover/i.test(message)) return 'failover-started';
  if (/^Completed failover/i.test(message)) return 'failover-completed';
  return undefined;
}
