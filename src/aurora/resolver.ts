import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

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
