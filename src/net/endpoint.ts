import { isIP } from 'node:net';
import { usageError } from '../core/errors.js';

export interface Endpoint {
  host: string;
  port: number;
  /** As the user wrote it, normalised: `host:port` (IPv6 in brackets). */
  text: string;
}

const hostname =
  /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

/** Parses `HOST`, `HOST:PORT`, `[IPv6]:PORT` or a bare IPv6 address; the port defaults to MySQL's 3306. */
export function parseEndpoint(input: string, defaultPort = 3306): Endpoint {
  const raw = input.trim();
  let host = raw;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(raw);
  if (bracketed) {
    host = bracketed[1] as string;
    portText = bracketed[2];
  } else if (raw.split(':').length === 2) {
    [host, portText] = raw.split(':') as [string, string];
  }
  if (host === '' || (isIP(host) === 0 && !hostname.test(host))) {
    throw usageError(
      `invalid endpoint '${input}': expected HOST or HOST:PORT, e.g. mycluster.cluster-abc.rds.amazonaws.com:3306`,
    );
  }
  let port = defaultPort;
  if (portText !== undefined) {
    port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
      throw usageError(`invalid port '${portText}' in endpoint '${input}': use 1-65535`);
    }
  }
  const shown = isIP(host) === 6 ? `[${host}]` : host;
  return { host, port, text: `${shown}:${port}` };
}

/** `--dns-server`: an address, since a name would need a DNS server to find the DNS server. */
export function parseDnsServer(text: string): Endpoint {
  const server = parseEndpoint(text, 53);
  if (isIP(server.host) === 0) {
    throw usageError(`--dns-server '${text}': give the DNS server's IP address, e.g. 127.0.0.1:10053`);
  }
  return server;
}
