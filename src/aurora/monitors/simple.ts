import type { Clock } from '../../core/clock.js';
import type { Monitor } from '../../core/drill.js';
import type { History, MonitorStart, Observation, ProbeError } from '../../core/history.js';
import { ProbeAborted, ProbeScheduler, raceAbort } from '../../core/scheduler.js';
import { type Credentials, type Timeouts, withConnection } from '../connection.js';
import type { Endpoint } from '../endpoint.js';
import { classifyError, MysqlErrno } from '../errors.js';
import type { Resolver } from '../resolver.js';
import { type Dialect, readWriterCheck, writerCheckSql } from '../sql.js';

export interface SimpleMonitorOptions {
  endpoint: Endpoint;
  credentials: Credentials;
  timeouts: Timeouts;
  intervalMs: number;
  resolver: Resolver;
}

/** What one probe found, before it is placed on the drill's axis. */
export type ProbeOutcome = Pick<Observation, 'ok' | 'address' | 'role' | 'nodeId' | 'version' | 'error'>;

/**
 * The seed lab's simple monitor: every probe resolves the endpoint, opens a new connection to the address DNS
 * gave, and asks who it is talking to. A reader answering on the cluster endpoint is stale DNS, not a writer.
 */
export class SimpleMonitor implements Monitor {
  readonly name = 'simple';
  private dialect: Dialect = 'aurora';
  private scheduler: ProbeScheduler | undefined;

  constructor(
    private readonly history: History,
    private readonly clock: Clock,
    private readonly options: SimpleMonitorOptions,
  ) {}

  get deadlineMs(): number {
    return this.options.timeouts.connectTimeoutMs + this.options.timeouts.queryTimeoutMs;
  }

  /** One probe, not recorded: the CLI's preflight uses it to fail fast with a clear message. */
  async probe(signal: AbortSignal): Promise<ProbeOutcome> {
    const { endpoint, credentials, timeouts, resolver } = this.options;
    let address: string;
    try {
      address = await raceAbort(resolver.lookup(endpoint.host), signal);
    } catch (err) {
      return { ok: false, error: failure(err) };
    }
    try {
      return await withConnection(address, endpoint.port, credentials, timeouts, signal, async (query) => {
        const check = readWriterCheck(this.dialect, await this.writerCheck(query));
        return { ok: true, address, ...check };
      });
    } catch (err) {
      return { ok: false, address, error: failure(err) };
    }
  }

  start(): void {
    const { endpoint, intervalMs } = this.options;
    this.history.append<MonitorStart>({
      kind: 'monitor',
      t: this.clock.now(),
      monitor: this.name,
      mode: 'simple',
      target: endpoint.text,
      expect: 'writer',
      intervalMs,
    });
    this.scheduler = new ProbeScheduler(
      this.clock,
      { intervalMs, deadlineMs: this.deadlineMs },
      (seq, signal) => this.record(seq, signal),
    );
    this.scheduler.start();
  }

  async stop(): Promise<void> {
    await this.scheduler?.stop();
  }

  private async record(seq: number, signal: AbortSignal): Promise<void> {
    const t0 = this.clock.now();
    const outcome = await this.probe(signal);
    const t1 = this.clock.now();
    if (outcome.error?.code === 'STOPPED') return; // cut short by the end of the drill: says nothing
    this.history.append<Observation>({
      kind: 'observation',
      monitor: this.name,
      seq,
      t0,
      t1,
      target: this.options.endpoint.text,
      expect: 'writer',
      ...outcome,
    });
  }

  /** Runs the writer check; on a server without aurora_* variables, switches to plain MySQL once and says so. */
  private async writerCheck(query: (sql: string) => Promise<unknown[][]>): Promise<unknown[]> {
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

function firstRow(rows: unknown[][]): unknown[] {
  const row = rows[0];
  if (!row) throw new Error('the writer check returned no row');
  return row;
}

function failure(err: unknown): ProbeError {
  if (err instanceof ProbeAborted) return { code: err.code, message: err.message };
  return classifyError(err);
}
