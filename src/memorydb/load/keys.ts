import type { AwsTarget } from '../../aws/clients.js';
import type { DnsChoice } from '../../net/resolver.js';
import type { RedisTarget } from '../connection.js';

/** Keys the workload reads and writes: enough to land on every shard's slots, few enough to stay small. */
export const loadKeys = 1000;

/** `drill:load:<n>`: under the prefix the drill's other keys use, so an ACL scoped to `~drill:*` allows it. */
export const loadKey = (n: number): string => `drill:load:${n}`;

/** What the Redis load worker thread is given besides the load's shape (plain data: no resolver object). */
export interface RedisLoadService {
  target: Omit<RedisTarget, 'resolver' | 'token'>;
  /** --iam-auth: each worker makes its own tokens (a function cannot cross to a thread), for this cluster. */
  iam?: { aws: AwsTarget; cluster: string };
  dns: DnsChoice;
  seed: { host: string; port: number };
  /** The node names the cluster announces, so the worker's client can map them as the app monitor's does. */
  hosts: string[];
}
