import type { LookupOptions } from 'node:dns';
import { Resolver } from 'node:dns/promises';
import { connect, type LookupFunction, type Socket } from 'node:net';
import { PluginManager } from 'aws-advanced-nodejs-wrapper';
import { AwsMySQLClient } from 'aws-advanced-nodejs-wrapper/mysql';

// The wrapper logs every failed attempt at "warn"; a drill through it would bury the test output.
process.env.LOG_LEVEL ??= 'error';

type LookupCallback = (
  err: Error | null,
  address: string | { address: string; family: number }[],
  family?: number,
) => void;

/**
 * mysql2's `stream` option for clients that must resolve names through the lab's DNS server: every connection the
 * wrapper opens — to the cluster endpoint, or to an instance name it built from the topology — is resolved there,
 * afresh each time (no cache, as Node's own lookups), and connected by Node's net.
 */
export function labDnsStream(
  dnsServer: string,
): (opts: { config: { host: string; port: number } }) => Socket {
  const resolver = new Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([dnsServer]);
  const lookup = (host: string, options: LookupOptions, callback: LookupCallback): void => {
    resolver.resolve4(host).then(
      (addresses) => {
        if (options.all)
          callback(
            null,
            addresses.map((address) => ({ address, family: 4 })),
          );
        else callback(null, addresses[0] ?? '', 4);
      },
      (err: Error) => callback(err, ''),
    );
  };
  return ({ config }) =>
    connect({ host: config.host, port: config.port, lookup: lookup as unknown as LookupFunction });
}

export interface WrapperFailoverRun {
  /** From the last write acknowledged by the old writer to the first acknowledged by the new one. */
  outageMs: number;
  /** The writer each write landed on (`@@aurora_server_id`), before and after. */
  writerBefore: string;
  writerAfter: string;
  writes: number;
  /** What the application saw: each error's name and message, counted. */
  errors: Map<string, number>;
}

export interface WrapperFailoverOptions {
  clusterEndpoint: string;
  dnsServer: string;
  user: string;
  password: string;
  /** `failover,efm` or `failover2,efm2`. */
  plugins: string;
  /** Calls FailoverDBCluster (the lab's). */
  failover: () => Promise<unknown>;
  /** Gives up this long after the failover request. */
  boundMs: number;
  /** The wrapper's own limit on one failover attempt (it gives up with FailoverFailedError after it). */
  failoverTimeoutMs: number;
  writeEveryMs?: number;
  /** Writes for this long before the failover request. */
  leadMs?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * An application writing through the AWS Advanced NodeJS Wrapper (mysql2 underneath) every `writeEveryMs` while
 * the cluster fails over: it retries every failed write, as an application using the wrapper must (a
 * FailoverSuccessError means the wrapper has already switched the connection to the new writer).
 */
export async function writeThroughFailover(o: WrapperFailoverOptions): Promise<WrapperFailoverRun> {
  const every = o.writeEveryMs ?? 50;
  const client = new AwsMySQLClient({
    host: o.clusterEndpoint,
    port: 3306,
    user: o.user,
    password: o.password,
    plugins: o.plugins,
    stream: labDnsStream(o.dnsServer),
    failoverTimeoutMs: o.failoverTimeoutMs,
    wrapperConnectTimeout: 2000,
    failureDetectionTime: 1000,
    failureDetectionInterval: 500,
    failureDetectionCount: 1,
  });
  const errors = new Map<string, number>();
  const write = async (): Promise<string> => {
    await client.query({
      sql: 'INSERT INTO drill_wrapper.writes (plugins, at) VALUES (?, NOW(6))',
      values: [o.plugins],
    });
    const [rows] = (await client.query({ sql: 'SELECT @@aurora_server_id AS id' })) as [{ id: string }[]];
    return rows[0]?.id ?? '';
  };
  try {
    await client.connect();
    await client.query({ sql: 'CREATE DATABASE IF NOT EXISTS drill_wrapper' });
    await client.query({
      sql: 'CREATE TABLE IF NOT EXISTS drill_wrapper.writes (id BIGINT AUTO_INCREMENT PRIMARY KEY, plugins VARCHAR(40), at DATETIME(6))',
    });
    const writerBefore = await write();
    let writes = 1;
    for (const until = performance.now() + (o.leadMs ?? 1000); performance.now() < until; writes++) {
      await write();
      await sleep(every);
    }
    let lastOk = performance.now();
    const requested = performance.now();
    const failover = o.failover();
    for (;;) {
      try {
        const writer = await write();
        writes++;
        const now = performance.now();
        if (writer !== writerBefore) {
          await failover;
          return { outageMs: now - lastOk, writerBefore, writerAfter: writer, writes, errors };
        }
        lastOk = now;
      } catch (err) {
        const e = err as Error;
        const key = `${e.name}: ${e.message.split('\n')[0]?.slice(0, 120)}`;
        errors.set(key, (errors.get(key) ?? 0) + 1);
        if (performance.now() - requested > o.boundMs) {
          throw new Error(
            `writes were not back within ${o.boundMs} ms of the failover: ${[...errors.keys()].join('; ')}`,
          );
        }
        // The wrapper has already moved the connection to the new writer: retry at once.
        if (e.name === 'FailoverSuccessError') continue;
      }
      await sleep(every);
    }
  } finally {
    await client.end().catch(() => {});
    await PluginManager.releaseResources().catch(() => {});
  }
}
