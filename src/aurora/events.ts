import { notFound } from '../aws/errors.js';
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
 * The events of the cluster that `host` (its cluster or reader endpoint) names, for a drill that makes no other
 * RDS call: the cluster is looked up on the first fetch, once the drill runs, so that a drill without AWS access
 * starts as soon as before and only notes that provider events are left out.
 */
export function namedClusterEvents(rds: RdsControl, host: string): EventSource {
  let found: EventSource | undefined;
  return {
    service: 'rds',
    action: 'rds:DescribeDBClusters and rds:DescribeEvents',
    optional: true,
    async fetch(since) {
      if (!found) {
        const cluster = await rds.findClusterByEndpoint(host);
        if (!cluster) {
          throw notFound(
            'DBClusterNotFoundFault',
            `no DB cluster has the endpoint ${host}`,
            'rds:DescribeDBClusters',
          );
        }
        const members = [cluster.writer, ...cluster.readers].filter((x): x is string => x !== undefined);
        found = rdsEvents(rds, cluster.id, () => members);
      }
      return found.fetch(since);
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
