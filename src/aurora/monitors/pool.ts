import { connect, type Socket } from 'node:net';
import mysql from 'mysql2';
import type { Clock } from '../../core/clock.js';
import type { History } from '../../core/history.js';
import { type ProbeOutcome, ScheduledMonitor } from '../../core/monitor.js';
import { abortable, whenAborted } from '../../core/scheduler.js';
import type { DrillPart } from '../../core/session/part.js';
import { connectOptions } from '../connection.js';
import { isReadOnlyError } from '../errors.js';
import { shortTarget } from '../hostnames.js';
import type { AuroraRun } from '../run.js';
import { quoteIdent } from '../sql.js';
import { monitorPart, mysqlOptions } from './part.js';
import { failure, type MysqlMonitorOptions } from './simple.js';

export interface PoolMonitorOptions extends MysqlMonitorOptions {
  schema: string;
  connections: number;
}

/**
 * An application's connection pool on the cluster endpoint, writing: connections are kept and reused, and a
 * new one is made (resolving the name again) only when one breaks. After a failover such a pool keeps writing to
 * whatever its connections reach — the demoted writer, until they break or DNS moves — so its writes fail with
 * read-only errors (1290, 1836, 1792): the most common complaint about Aurora failovers, counted here.
 */
export class PoolMonitor extends ScheduledMonitor {
  readonly name = 'pool';
  readonly mode = 'pool';
  private pool: mysql.Pool | undefined;
  private readonly table: string;
  /** The probe's statement, made once: it is the same every probe. */
  private readonly heartbeat: string;

  constructor(
    history: History,
    clock: Clock,
    private readonly options: PoolMonitorOptions,
  ) {
    super(history, clock, options.endpoint.text, options.intervalMs);
    this.label = shortTarget(this.target);
    this.table = `${quoteIdent(options.schema)}.pool_heartbeat`;
    this.heartbeat = `INSERT INTO ${this.table} (id, at) VALUES (1, NOW(6)) ON DUPLICATE KEY UPDATE at = NOW(6)`;
  }

  /** Connections the pool has idle: a probe that gets one waits for its statement only. */
  private readonly idle = new Set<mysql.PoolConnection>();

  /**
   * The statement's time (`--query-timeout`) when the pool has an idle connection to lend, as mysql2's per-query
   * timeout gave; connect + query when the probe's statement must wait for a new connection.
   */
  get deadlineMs(): number {
    const { connectTimeoutMs, queryTimeoutMs } = this.options.timeouts;
    return this.idle.size > 0 ? queryTimeoutMs : connectTimeoutMs + queryTimeoutMs;
  }

  private open(): mysql.Pool {
    if (this.pool) return this.pool;
    const { endpoint, credentials, timeouts, resolver, connections } = this.options;
    // Each new connection resolves the endpoint again, with the drill's resolver, as the application's would.
    const socket = (): Socket =>
      connect({
        host: endpoint.host,
        port: endpoint.port,
        // Node asks for all addresses (happy eyeballs) or for one; answer in the form it asked for.
        lookup: (host, options, done) =>
          resolver.lookup(host).then(
            (address) => {
              const family = address.includes(':') ? 6 : 4;
              if ((options as { all?: boolean }).all) {
                (done as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
                  { address, family },
                ]);
              } else done(null, address, family);
            },
            (err: NodeJS.ErrnoException) => done(err, '', 4),
          ),
      });
    this.pool = mysql.createPool({
      ...connectOptions(credentials, timeouts.connectTimeoutMs, {
        host: endpoint.host,
        port: endpoint.port,
        socket,
      }),
      connectionLimit: connections,
      maxIdle: connections,
    });
    this.pool.on('connection', (c) => {
      const gone = (): void => {
        this.idle.delete(c);
      };
      c.on('error', gone);
      c.once('end', gone);
    });
    this.pool.on('release', (c) => this.idle.add(c));
    this.pool.on('acquire', (c) => this.idle.delete(c));
    return this.pool;
  }

  /**
   * One statement on a pooled connection, as mysql2's `pool.query` runs it: a connection a read-only node refused
   * is destroyed, not given back (as mysql2's own pool.query does, so a later write may reach the new writer), and
   * so is one that broke (a fatal error: the pool would lend it again before it hears of the break). A statement still running when the probe's signal aborts (its deadline) has its connection destroyed too, so
   * the pool makes a new one instead of lending a hung one again: what a mysql2 query timeout does, without a
   * timer and an options object per statement (they were much of what this mode cost above a bare pool).
   */
  private run(sql: string, signal: AbortSignal): Promise<unknown> {
    const pool = this.open();
    return abortable(signal, (done) =>
      pool.getConnection((err, conn) => {
        if (err) return done(err);
        if (signal.aborted) return conn.release();
        const forget = whenAborted(signal, () => conn.destroy());
        try {
          conn.query(sql, (qerr, rows) => {
            forget();
            if ((qerr as { fatal?: boolean } | null)?.fatal === true || isReadOnlyError(qerr)) conn.destroy();
            else conn.release();
            done(qerr, rows);
          });
        } catch (e) {
          forget();
          conn.destroy();
          done(e as Error);
        }
      }),
    );
  }

  async prepare(): Promise<void> {
    // Each statement gets a probe's time: a server that does not answer is unreachable (exit 3), soon.
    await this.run(
      `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.options.schema)}`,
      AbortSignal.timeout(this.deadlineMs),
    );
    await this.run(
      `CREATE TABLE IF NOT EXISTS ${this.table} (id INT PRIMARY KEY, at DATETIME(6) NOT NULL)`,
      AbortSignal.timeout(this.deadlineMs),
    );
  }

  override async probe(signal: AbortSignal): Promise<ProbeOutcome> {
    try {
      await this.run(this.heartbeat, signal);
      return { ok: true, role: 'writer' };
    } catch (err) {
      return { ok: false, error: failure(err) };
    }
  }

  override async stop(): Promise<void> {
    await super.stop();
    const pool = this.pool;
    this.pool = undefined;
    await new Promise<void>((resolve) => (pool ? pool.end(() => resolve()) : resolve()));
  }
}

/** `--mode pool`: its heartbeat table is created after the confirmation, then its first probe is checked. */
export async function poolPart(run: AuroraRun): Promise<DrillPart> {
  const { plan } = run;
  const monitor = new PoolMonitor(run.history, run.clock, {
    ...mysqlOptions(run),
    schema: plan.writeSchema,
    connections: plan.poolSize,
  });
  return monitorPart(run, monitor, run.endpoint, {
    what: 'pool mode cannot create its heartbeat table',
    prepare: () => monitor.prepare(),
    probeFirst: true,
  });
}
