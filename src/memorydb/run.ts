import type { Cluster } from 'ioredis';
import type { Clock } from '../core/clock.js';
import type { History } from '../core/history.js';
import type { Endpoint } from '../net/endpoint.js';
import type { MemoryDbCluster, MemoryDbControl } from './api.js';
import type { RedisTarget } from './connection.js';
import type { MemoryDbPlan } from './plan.js';
import type { Shard } from './topology.js';

/** What the monitors, parts and trigger of one MemoryDB run share. */
export interface MemoryDbRun {
  plan: MemoryDbPlan;
  endpoint: Endpoint;
  history: History;
  clock: Clock;
  target: RedisTarget;
  /** The cluster's shards as its nodes described them when the run was set up. */
  shards: Shard[];
  /** A name for this run's keys, so that a ledger never reads another run's writes. */
  runId: string;
  /** Sequence numbers for the writes of every shard: one ledger. */
  nextSeq(): number;
  /** The application's cluster client, made once per run and shared by its monitors. */
  app(): Promise<{ cluster: Cluster; hostOf: (address: string) => string }>;
  /** Disconnects the application's client, if it was made. */
  closeApp(): Promise<void>;
  /** The cluster through the MemoryDB API, when the drill needs it. */
  control(): Promise<{ api: MemoryDbControl; cluster: MemoryDbCluster } | undefined>;
}
