import { Resolver as DnsResolver, lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';

/** Turns an endpoint's name into the address a probe connects to, so each probe records what DNS said. */
export interface Resolver {
  lookup(host: string): Promise<string>;
}

/** The operating system's resolver (getaddrinfo), as an ordinary client uses it: Node itself caches nothing. */
export const systemResolver: Resolver = {
  async lookup(host) {
    if (isIP(host)) return host;
    const { address } = await lookup(host);
    return address;
  },
};

/**
 * Resolves against one DNS server (`--dns-server`, e.g. the lab's) and caches each answer for its TTL, as an
 * ordinary client-side caching resolver does: a client sees a changed record only once its cached answer has expired.
 */
export function dnsServerResolver(
  host: string,
  port: number,
  now: () => number = () => performance.now(),
): Resolver {
  const resolver = new DnsResolver({ timeout: 1000, tries: 1 });
  resolver.setServers([isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`]);
  const cache = new Map<string, { address: string; expires: number }>();
  return {
    async lookup(name) {
      if (isIP(name)) return name;
      const hit = cache.get(name);
      if (hit && hit.expires > now()) return hit.address;
      const answers = await resolver.resolve4(name, { ttl: true });
      const first = answers[0];
      if (!first) throw Object.assign(new Error(`no address for ${name}`), { code: 'ENODATA' });
      cache.set(name, { address: first.address, expires: now() + first.ttl * 1000 });
      return first.address;
    },
  };
}
