import type { Clock } from '../../core/clock.js';
import type { History, ProbeError } from '../../core/history.js';
import { type ProbeOutcome, ScheduledMonitor } from '../../core/monitor.js';
import { tenth } from '../../core/rounding.js';
import { ProbeAborted, raceAbort } from '../../core/scheduler.js';
import type { DrillPart } from '../../core/session/part.js';
import type { Endpoint } from '../../net/endpoint.js';
import type { Resolver } from '../../net/resolver.js';
import {
  type Credentials,
  type Handshake,
  type Query,
  type Timeouts,
  withConnection,
} from '../connection.js';
import { classifyError, MysqlErrno } from '../errors.js';
import { shortTarget } from '../hostnames.js';
import type { AuroraRun } from '../run.js';
import { type Dialect, readWriterCheck, writerCheckSql } from '../sql.js';
import { simpleEndpoint } from './endpoints.js';
import { monitorPart, mysqlOptions } from './part.js';

export type { ProbeOutcome } from '../../core/monitor.js';

export interface MysqlMonitorOptions {
  endpoint: Endpoint;
  credentials: Credentials;
  timeouts: Timeouts;
  intervalMs: number;
  resolver: Resolver;
}

/**
 * The seed lab's simple monitor: every probe resolves the endpoint, opens a new connection to the address DNS
 * gave, and asks who it is talking to. A reader answering on the cluster endpoint is stale DNS, not a writer.
 */
export class SimpleMonitor extends ScheduledMonitor {
  readonly name: string = 'simple';
  readonly mode: string = 'simple';
  /** Aurora until a server says it lacks the aurora_* variables (see writerCheck). */
  protected dialect: Dialect = 'aurora';

  constructor(
    history: History,
    clock: Clock,
    protected readonly options: MysqlMonitorOptions,
  ) {
    super(history, clock, options.endpoint.text, options.intervalMs);
    this.label = shortTarget(this.target);
  }

  get deadlineMs(): number {
    return this.options.timeouts.connectTimeoutMs + this.options.timeouts.queryTimeoutMs;
  }

  async probe(signal: AbortSignal): Promise<ProbeOutcome> {
    return this.visit(this.options.endpoint.host, this.options.endpoint.port, signal);
  }

  /** Resolves `host`, connects to what DNS said, and runs the writer check there. */
  protected async visit(
    host: string,
    port: number,
    signal: AbortSignal,
    more?: (query: Query) => Promise<void>,
  ): Promise<ProbeOutcome> {
    const { credentials, timeouts, resolver } = this.options;
    let address: string;
    try {
      address = await raceAbort(resolver.lookup(host), signal);
    } catch (err) {
      return { ok: false, error: failure(err) };
    }
    try {
      const route = { host, address, port };
      return await withConnection(route, credentials, timeouts, signal, async (query, handshake) => {
        const check = readWriterCheck(this.dialect, await this.writerCheck(query));
        await more?.(query);
        return { ok: true, address, ...check, ...tlsTime(handshake) };
      });
    } catch (err) {
      return { ok: false, address, error: failure(err) };
    }
  }

  /** Runs the writer check; on a server without aurora_* variables, switches to plain MySQL once and says so. */
  protected async writerCheck(query: Query): Promise<unknown[]> {
    try {
      return firstRow(await query(writerCheckSql[this.dialect]));
    } catch (err) {
      if (this.dialect !== 'aurora' || classifyError(err).errno !== MysqlErrno.unknownSystemVariable)
        throw err;
      this.dialect = 'mysql';
      this.history.note(
        `${this.options.endpoint.text} is not Aurora MySQL (no @@aurora_server_id): watching @@read_only, @@server_id, @@hostname and @@version instead`,
        'warn',
        this.name,
      );
      return firstRow(await query(writerCheckSql[this.dialect]));
    }
  }
}

export function firstRow(rows: unknown[][]): unknown[] {
  const row = rows[0];
  if (!row) throw new Error('the writer check returned no row');
  return row;
}

/** The TLS handshake's share of a probe, when it had one. */
export function tlsTime(handshake: Handshake): { tlsMs?: number } {
  return handshake.tlsMs === undefined ? {} : { tlsMs: tenth(handshake.tlsMs) };
}

export function failure(err: unknown): ProbeError {
  if (err instanceof ProbeAborted) return { code: err.code, message: err.message };
  return classifyError(err);
}

/** `--mode simple`: the writer through the cluster endpoint; a reader endpoint is refused before any probe. */
export async function simplePart(run: AuroraRun): Promise<DrillPart> {
  const { endpoint } = run;
  simpleEndpoint(endpoint);
  return monitorPart(run, new SimpleMonitor(run.history, run.clock, mysqlOptions(run)), endpoint);
}
