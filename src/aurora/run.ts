import type { Clock } from '../core/clock.js';
import type { History } from '../core/history.js';
import type { Endpoint } from '../net/endpoint.js';
import type { Resolver } from '../net/resolver.js';
import type { Credentials, Timeouts } from './connection.js';
import type { AuroraPlan } from './plan.js';
import type { ClusterView, RdsControl } from './rds.js';

/** What the monitors, parts and trigger of one Aurora run share. */
export interface AuroraRun {
  plan: AuroraPlan;
  /** The endpoint the drill watches (the cluster endpoint, usually). */
  endpoint: Endpoint;
  history: History;
  clock: Clock;
  resolver: Resolver;
  credentials: Credentials;
  timeouts: Timeouts;
  /** The address the first probe reached: a crash trigger asks before crashing anything not on loopback. */
  firstAddress: string | undefined;
  /** The cluster behind the endpoint, through RDS, when the drill needs it (see setup.ts). */
  cluster(): Promise<AwsCluster | undefined>;
}

export interface AwsCluster {
  rds: RdsControl;
  cluster: ClusterView;
}
