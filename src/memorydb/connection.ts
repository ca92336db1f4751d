import { isIP } from 'node:net';
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import type { Endpoint } from '../net/endpoint.js';
import type { Resolver } from '../net/resolver.js';

/** How a drill reaches the cluster's nodes: as whom, with or without TLS, how patiently, through which DNS. */
export interface RedisTarget {
  user: string | undefined;
  password: string | undefined;
  /** --iam-auth: the current IAM token, sent as the password of every new connection. */
  token?: () => string;
  tls: boolean;
  /** Extra CA certificates (the lab's); undefined for the system's. */
  ca: string | undefined;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  resolver: Resolver;
  /** Hand host names to the socket as they are (AWS's advice with the system resolver); else resolve them here. */
  passthrough: boolean;
}

function common(t: RedisTarget, host: string): RedisOptions {
  const options: RedisOptions = {
    ...(t.user ? { username: t.user } : {}),
    ...(t.password !== undefined ? { password: t.password } : {}),
    // SNI and the certificate check use the node's name; an address has none to offer.
    ...(t.tls ? { tls: { ...(t.ca ? { ca: t.ca } : {}), ...(isIP(host) ? {} : { servername: host }) } } : {}),
    connectTimeout: t.connectTimeoutMs,
    commandTimeout: t.commandTimeoutMs,
  };
  if (t.token) withToken(options, t.token);
  return options;
}

/**
 * ioredis reads `password` each time it connects: a getter gives every connection (and reconnection) the token
 * current then, never one past its 15 minutes.
 */
function withToken(options: RedisOptions, token: () => string): void {
  Object.defineProperty(options, 'password', { get: token, enumerable: true, configurable: true });
}

/**
 * One connection to one node, the drill's own: no retries, no offline queue, no reconnects, so a dead node is a
 * failed probe, not a command that waits. The name is resolved through the drill's resolver every time.
 */
export async function nodeConnection(t: RedisTarget, host: string, port: number): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const address = await t.resolver.lookup(host);
  const conn = new Redis({
    ...common(t, host),
    host: address,
    port,
    lazyConnect: true,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // Each command reports its own failure; a failed connect is explained by the error behind it (a refused
  // password, a certificate), which ioredis emits before it says only that the connection closed.
  let cause: unknown;
  conn.on('error', (err) => {
    cause ??= err;
  });
  try {
    await conn.connect();
  } catch (err) {
    conn.disconnect();
    throw cause ?? err;
  }
  return conn;
}

/**
 * The application's client, configured as AWS tells MemoryDB users to: TLS, host names passed through (or
 * resolved with the drill's resolver), a command timeout, and bounded retries while the cluster moves.
 * `hosts` are the node names the cluster announces: with a resolver of the drill's own (`--dns-server`, a lab)
 * ioredis would ask the system for them, so each is mapped to the address the resolver last gave.
 */
export async function clusterClient(
  t: RedisTarget,
  seed: Endpoint,
  hosts: readonly string[],
): Promise<{ cluster: Cluster; hostOf: (address: string) => string }> {
  const { Cluster } = await import('ioredis');
  const known = new Map<string, string>();
  if (!t.passthrough) {
    await Promise.all(
      [seed.host, ...hosts].map(async (host) => {
        known.set(host, await t.resolver.lookup(host).catch(() => host));
      }),
    );
  }
  const options: ClusterOptions = {
    dnsLookup: t.passthrough
      ? (address, callback) => callback(null, address)
      : (address, callback) =>
          void t.resolver.lookup(address).then(
            (resolved) => callback(null, resolved),
            (err: NodeJS.ErrnoException) => callback(err, ''),
          ),
    ...(t.passthrough
      ? {}
      : {
          natMap: (key: string) => {
            const at = key.lastIndexOf(':');
            const host = key.slice(0, at);
            const address = known.get(host);
            // Looked up again for the next connection: a name the resolver moves is followed, as a client would.
            void t.resolver.lookup(host).then(
              (fresh) => known.set(host, fresh),
              () => {},
            );
            return address && address !== host ? { host: address, port: Number(key.slice(at + 1)) } : null;
          },
        }),
    redisOptions: Object.assign(common(t, seed.host), { maxRetriesPerRequest: 1 }),
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    maxRedirections: 16,
    slotsRefreshTimeout: t.connectTimeoutMs + t.commandTimeoutMs,
    clusterRetryStrategy: (times) => Math.min(100 * times, 1000),
    enableReadyCheck: true,
  };
  const cluster = new Cluster([{ host: seed.host, port: seed.port }], options);
  cluster.on('error', () => {}); // each command reports its own failure
  // Each node's client keeps a copy of the options it was made with: it too must read the token when it reconnects.
  const token = t.token;
  if (token) cluster.on('+node', (redis: Redis) => withToken(redis.options, token));
  // The client's slot map names the addresses it connected to; people know the nodes by name.
  const hostOf = (address: string): string => hosts.find((host) => known.get(host) === address) ?? address;
  return { cluster, hostOf };
}
