import { randomUUID } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import type { History, Observation, WriteReadback } from '../../core/history.js';
import { type ProbeOutcome, ScheduledMonitor } from '../../core/monitor.js';
import { raceAbort } from '../../core/scheduler.js';
import type { DrillPart } from '../../core/session/part.js';
import { withConnection, withEndpoint } from '../connection.js';
import { classifyError } from '../errors.js';
import { shortTarget } from '../hostnames.js';
import type { AuroraRun } from '../run.js';
import { quoteIdent } from '../sql.js';
import { monitorPart, mysqlOptions } from './part.js';
import { failure, type MysqlMonitorOptions } from './simple.js';

/** Failures after the statement may have reached the server: the write may or may not have happened. */
const afterSend = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ECONNRESET',
  'DEADLINE',
  'EPIPE',
]);

export interface WriteCheckOptions extends MysqlMonitorOptions {
  /** Schema the ledger lives in; created if missing, dropped by `cleanup()`. */
  schema: string;
}

/**
 * `--write-check`: a ledger of uniquely numbered writes on the writer, one per probe, each on a new connection
 * to the endpoint (as a reconnecting application writes). Each is acknowledged, failed (never reached the
 * server, or refused, as with 1290 on a demoted writer) or indeterminate (the connection broke after sending).
 * After the drill `readBack()` reads the ledger from the writer; analysis reports acknowledged writes that are
 * not there as lost.
 */
export class WriteChecker extends ScheduledMonitor {
  readonly name = 'writes';
  readonly mode = 'writes';
  readonly runId = randomUUID();
  private seq = 0;

  constructor(
    history: History,
    clock: Clock,
    private readonly options: WriteCheckOptions,
  ) {
    super(history, clock, options.endpoint.text, options.intervalMs);
    this.label = shortTarget(this.target);
  }

  get deadlineMs(): number {
    return this.options.timeouts.connectTimeoutMs + this.options.timeouts.queryTimeoutMs;
  }

  private get table(): string {
    return `${quoteIdent(this.options.schema)}.ledger`;
  }

  /** Creates the ledger (a preflight: an error here stops the drill before it starts). */
  async prepare(): Promise<void> {
    await this.onWriter(async (query) => {
      await query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.options.schema)}`);
      await query(
        `CREATE TABLE IF NOT EXISTS ${this.table} (run_id CHAR(36) NOT NULL, seq INT NOT NULL, written_at DATETIME(6) NOT NULL, PRIMARY KEY (run_id, seq))`,
      );
    });
  }

  override async probe(signal: AbortSignal): Promise<ProbeOutcome & { write?: Observation['write'] }> {
    const seq = ++this.seq;
    const { endpoint, credentials, timeouts, resolver } = this.options;
    let address: string | undefined;
    let sent = false;
    try {
      address = await raceAbort(resolver.lookup(endpoint.host), signal);
      const route = { host: endpoint.host, address, port: endpoint.port };
      return await withConnection(route, credentials, timeouts, signal, async (query) => {
        sent = true;
        await query(
          `INSERT INTO ${this.table} (run_id, seq, written_at) VALUES ('${this.runId}', ${seq}, NOW(6))`,
        );
        return { ok: true, address, role: 'writer', write: { seq, outcome: 'acknowledged' } };
      });
    } catch (err) {
      const e = failure(err);
      const server = e.errno !== undefined && e.errno >= 1000;
      const outcome = sent && !server && afterSend.has(e.code) ? 'indeterminate' : 'failed';
      return { ok: false, ...(address ? { address } : {}), error: e, write: { seq, outcome } };
    }
  }

  /** Reads back what the ledger holds for this run, from the writer, and records it in the history. */
  async readBack(): Promise<void> {
    const present = await this.onWriter(async (query) => {
      const rows = await query(`SELECT seq FROM ${this.table} WHERE run_id = '${this.runId}' ORDER BY seq`);
      return rows.map((r) => Number(r[0]));
    });
    this.history.append<WriteReadback>({ kind: 'write-readback', t: this.clock.now(), present });
  }

  async cleanup(): Promise<void> {
    await this.onWriter((query) => query(`DROP SCHEMA IF EXISTS ${quoteIdent(this.options.schema)}`));
  }

  /** Runs `use` on a connection that answers as the writer, retrying for up to 30 s (DNS may still be stale). */
  private async onWriter<T>(use: (query: (sql: string) => Promise<unknown[][]>) => Promise<T>): Promise<T> {
    const { endpoint, credentials, timeouts, resolver } = this.options;
    const until = Date.now() + 30_000;
    for (;;) {
      try {
        return await withEndpoint(
          endpoint,
          resolver,
          credentials,
          timeouts,
          AbortSignal.timeout(30_000),
          async (q) => {
            const [row] = await q('SELECT @@read_only');
            if (String(row?.[0]) === '1')
              throw Object.assign(new Error('reached a reader'), { code: 'READER' });
            return use(q);
          },
        );
      } catch (err) {
        if (Date.now() > until || (classifyError(err).errno ?? 0) >= 1000) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }
}

/**
 * `--write-check`: the ledger is created after the confirmation; after the drill it is read back from the writer
 * (and dropped with --cleanup). A failed read-back is a warning: the report says "not read back".
 */
export function writesPart(
  run: AuroraRun,
  check: { schema: string; intervalMs: number; cleanup: boolean },
): DrillPart {
  const checker = new WriteChecker(run.history, run.clock, {
    ...mysqlOptions(run),
    intervalMs: check.intervalMs,
    schema: check.schema,
  });
  const part = monitorPart(run, checker, run.endpoint, {
    what: '--write-check cannot create its ledger',
    prepare: () => checker.prepare(),
    probeFirst: false,
  });
  return {
    ...part,
    // The read-back looks for the writer for up to 30 s, on connections that may take 30 s more.
    finishWithinMs: 90_000,
    async finish(ran) {
      if (!ran) return;
      try {
        await checker.readBack();
        if (check.cleanup) await checker.cleanup();
      } catch (err) {
        run.history.note(
          `could not read the write ledger back from the writer: ${(err as Error).message}`,
          'warn',
          'writes',
        );
      }
    },
  };
}
