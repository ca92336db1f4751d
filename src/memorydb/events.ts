import type { EventSource } from '../aws/event-follower.js';
import type { FailoverPhase } from '../core/history.js';
import type { MemoryDbControl } from './api.js';

/**
 * Where a failover stands by a MemoryDB event's text, matched loosely: the guide's wording ("FailoverShard API
 * called for shard 0001", "Failover from primary node A to replica node B completed") and its CLI example's
 * ("Starting failover for shard 0001", "Failover to replica node my-cluster-0001-002 completed").
 */
export function failoverPhase(message: string): FailoverPhase | undefined {
  if (/^(FailoverShard API called for shard|Starting failover for shard)/i.test(message))
    return 'failover-started';
  if (/^Failover (from primary node \S+ )?to replica node \S+ completed/i.test(message))
    return 'failover-completed';
  return undefined;
}

/** "FailoverShard API called" (either wording): the calls MemoryDB counts against its 5 per rolling 24 h. */
export const failoverShardCalled = (message: string): boolean =>
  failoverPhase(message) === 'failover-started';

/** MemoryDB DescribeEvents of a cluster and its nodes, as the drill's event follower fetches them. */
export function memorydbEvents(api: MemoryDbControl, cluster: string): EventSource {
  return {
    service: 'memorydb',
    action: 'memorydb:DescribeEvents',
    fetch: (since) => api.describeEvents(cluster, since),
    phaseOf: failoverPhase,
  };
}
