import { Resolver as DnsResolver, lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { formatDuration } from '../core/duration.js';

/**
 * How long a client keeps an answer. Clients differ, and the difference is seconds of a failover: glibc without
 * nscd and Node ask every time (`off`), systemd-resolved and nscd keep an answer for its TTL (`ttl`), the JVM
 * keeps it 30 s whatever the TTL (`{ ms: 30000 }`).
 */
export type DnsCache = 'off' | 'ttl' | { ms: number };

/** How a drill resolves names: a DNS server of its own (`--dns-server`, a lab's) or the system's, and its cache. */
export interface DnsChoice {
  server: { host: string; port: number } | undefined;
  cache: DnsCache;
}

/** Turns an endpoint's name into the address a probe connects to, so each probe records what DNS said. */
export interface Resolver {
  lookup(host: string): Promise<string>;
  /** How names are resolved, as reports say it (`127.0.0.1:10053, no cache`). */
  readonly description: string;
}

/** One answer, with how long its record may be kept (unknown from the system resolver). */
interface Answer {
  address: string;
  ttlMs: number | undefined;
}

type Ask = (host: string) => Promise<Answer>;

/** The operating system's resolver (getaddrinfo): whatever cache the OS keeps (nscd, systemd-resolved) applies. */
const askSystem: Ask = async (host) => ({ address: (await lookup(host)).address, ttlMs: undefined });

/** One DNS server asked directly, with the record's TTL. */
function askServer(server: { host: string; port: number }): Ask {
  const resolver = new DnsResolver({ timeout: 1000, tries: 1 });
  const { host, port } = server;
  resolver.setServers([isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`]);
  return async (name) => {
    const first = (await resolver.resolve4(name, { ttl: true }))[0];
    if (!first) throw Object.assign(new Error(`no address for ${name}`), { code: 'ENODATA' });
    return { address: first.address, ttlMs: first.ttl * 1000 };
  };
}

const seconds = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000} s` : formatDuration(ms));

export function describeDns(choice: DnsChoice): string {
  const where = choice.server ? `${choice.server.host}:${choice.server.port}` : 'system resolver';
  const cache = choice.cache;
  const kept =
    cache === 'off' ? 'no cache' : cache === 'ttl' ? 'cached for the TTL' : `cached ${seconds(cache.ms)}`;
  return `${where}, ${kept}`;
}

/**
 * The resolver a drill's clients use. A cached answer is kept for the record's TTL or the fixed duration, so a
 * client sees a moved record only once its answer expires — the stale-DNS window of a caching client.
 */
export function makeResolver(choice: DnsChoice, now: () => number = () => performance.now()): Resolver {
  const ask = choice.server ? askServer(choice.server) : askSystem;
  const description = describeDns(choice);
  const { cache } = choice;
  if (cache === 'off') {
    return { description, lookup: async (host) => (isIP(host) ? host : (await ask(host)).address) };
  }
  const kept = new Map<string, { address: string; expires: number }>();
  return {
    description,
    async lookup(host) {
      if (isIP(host)) return host;
      const hit = kept.get(host);
      if (hit && hit.expires > now()) return hit.address;
      const answer = await ask(host);
      // 'ttl' needs a server's answer (the plan refuses it without one); the system's has no TTL to keep.
      const keepMs = cache === 'ttl' ? (answer.ttlMs ?? 0) : cache.ms;
      kept.set(host, { address: answer.address, expires: now() + keepMs });
      return answer.address;
    },
  };
}
