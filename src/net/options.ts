import { parseDuration } from '../core/duration.js';
import { usageError } from '../core/errors.js';
import type { OptionSpec } from '../core/options.js';
import { parseDnsServer } from './endpoint.js';
import { type DnsCache, type DnsChoice, describeDns } from './resolver.js';

/** How every drill resolves names, whatever the service. */
export const dnsOptionSpecs = [
  {
    key: 'dnsServer',
    flags: '--dns-server <host[:port]>',
    help: "resolve names with this DNS server instead of the system's",
    env: 'DRILL_DNS_SERVER',
  },
  {
    key: 'dnsCache',
    flags: '--dns-cache <off|ttl|duration>',
    help: 'keep answers: off (ask every time), ttl (for the record TTL; needs --dns-server or a lab), or e.g. 30s',
    default: 'off',
    env: 'DRILL_DNS_CACHE',
  },
] as const satisfies readonly OptionSpec[];

/** `--dns-server` and `--dns-cache`, checked. A lab's DNS server replaces the named one later (useLab). */
export function planDns(o: { dnsServer?: string; dnsCache: string }, fromLab: boolean): DnsChoice {
  const server = o.dnsServer && !fromLab ? parseDnsServer(o.dnsServer) : undefined;
  const cache = parseDnsCache(o.dnsCache);
  if (cache === 'ttl' && !server && !fromLab) {
    throw usageError(
      "--dns-cache ttl keeps answers for their record's TTL, which only a DNS server's answer carries: give --dns-server, or a duration such as --dns-cache 5s (the system resolver's own cache applies anyway)",
    );
  }
  return { server: server && { host: server.host, port: server.port }, cache };
}

function parseDnsCache(text: string): DnsCache {
  const t = text.trim().toLowerCase();
  if (t === 'off' || t === 'ttl') return t;
  // A number is meant as a duration: its own error (a missing unit, past 7 days) says what is wrong with it.
  if (!/^\d/.test(t)) throw usageError(`--dns-cache '${text}': use off, ttl, or a duration such as 30s`);
  const ms = parseDuration(t, '--dns-cache');
  return ms === 0 ? 'off' : { ms };
}

/** The dry run's line on name resolution; a throwaway lab's DNS server is not known until it starts. */
export function dnsDryRunLine(dns: DnsChoice, lab: boolean): string {
  const described = describeDns(dns);
  return `names: ${lab && !dns.server ? described.replace('system resolver', "the lab's DNS server") : described}`;
}
