import { connect } from 'node:net';
import mysql from 'mysql2';
import { usageError } from '../../core/errors.js';
import type { ProbeOutcome } from '../../core/monitor.js';
import { abortable, raceAbort } from '../../core/scheduler.js';
import type { DrillPart } from '../../core/session/part.js';
import { connectOptions, type Handshake, type Query, timeTls } from '../connection.js';
import { classifyHost } from '../hostnames.js';
import type { AuroraRun } from '../run.js';
import { readWriterCheck, writerCheckSql } from '../sql.js';
import { monitorPart, mysqlOptions } from './part.js';
import { failure, firstRow, SimpleMonitor, tlsTime } from './simple.js';

/**
 * Watches through an RDS Proxy the way an application does: one long-lived connection, a statement per probe.
 * Errors (1105 from the proxy, a dropped connection) are recorded; a dropped connection is reopened on the next
 * probe, and the reconnect is part of that probe's time.
 */
export class ProxyMonitor extends SimpleMonitor {
  override readonly name = 'proxy';
  override readonly mode = 'proxy';
  private conn: { conn: mysql.Connection; address: string; handshake: Handshake } | undefined;
  /** The writer check has answered once: the dialect is known, and a probe is one statement. */
  private settled = false;

  /**
   * A probe on the kept connection only waits for its statement: the query timeout, kept by the probe's deadline
   * rather than by a mysql2 timer per statement (a timer made and dropped every probe, and the options-object
   * form of a query, were most of what this mode cost above a bare loop). One that reconnects also connects.
   */
  override get deadlineMs(): number {
    const { connectTimeoutMs, queryTimeoutMs } = this.options.timeouts;
    return this.conn ? queryTimeoutMs : connectTimeoutMs + queryTimeoutMs;
  }

  override probe(signal: AbortSignal): Promise<ProbeOutcome> {
    const kept = this.conn;
    if (kept === undefined || !this.settled) return this.connectAndProbe(signal);
    // The probe of every 100 ms, on the kept connection: one statement and one promise. The async layers and the
    // spread outcome of the general path below showed in what a probe cost above a bare loop.
    return this.query(kept.conn, writerCheckSql[this.dialect], signal).then(
      (rows) => {
        try {
          const check = readWriterCheck(this.dialect, firstRow(rows));
          return {
            ok: true,
            address: kept.address,
            route: 'proxy',
            role: check.role,
            nodeId: check.nodeId,
            version: check.version,
          };
        } catch (err) {
          return this.failed(err, kept.address, signal); // an answer without a row
        }
      },
      (err) => this.failed(err, kept.address, signal),
    );
  }

  /** A probe that opens the connection (the first, or after one broke) and learns the server's dialect. */
  private async connectAndProbe(signal: AbortSignal): Promise<ProbeOutcome> {
    let address: string | undefined;
    try {
      const fresh = this.conn === undefined;
      const open = this.conn ?? (await this.connect(signal));
      this.conn = open;
      address = open.address;
      const query: Query = (sql) => this.query(open.conn, sql, signal);
      const check = readWriterCheck(this.dialect, await this.writerCheck(query));
      this.settled = true;
      // Only the probe that (re)connected paid for a TLS handshake.
      return { ok: true, address, route: 'proxy', ...check, ...(fresh ? tlsTime(open.handshake) : {}) };
    } catch (err) {
      return this.failed(err, address, signal);
    }
  }

  /** A probe that got no answer; a broken connection, or one cut at its deadline, is dropped. */
  private failed(err: unknown, address: string | undefined, signal: AbortSignal): ProbeOutcome {
    if ((err as { fatal?: boolean }).fatal === true || signal.aborted) this.drop();
    return { ok: false, ...(address ? { address } : {}), route: 'proxy', error: failure(err) };
  }

  override async stop(): Promise<void> {
    await super.stop();
    this.drop();
  }

  private drop(): void {
    this.conn?.conn.destroy();
    this.conn = undefined;
  }

  private async connect(
    signal: AbortSignal,
  ): Promise<{ conn: mysql.Connection; address: string; handshake: Handshake }> {
    const { endpoint, credentials, timeouts, resolver } = this.options;
    const address = await raceAbort(resolver.lookup(endpoint.host), signal);
    const conn = mysql.createConnection({
      ...connectOptions(credentials, timeouts.connectTimeoutMs, {
        host: endpoint.host,
        port: endpoint.port,
        socket: () => connect(endpoint.port, address),
      }),
      rowsAsArray: true,
    });
    const handshake = timeTls(conn);
    // A connection the proxy (or the network) broke is reopened on the next probe.
    conn.on('error', () => {
      if (this.conn?.conn === conn) this.drop();
    });
    await raceAbort(
      new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve()))),
      signal,
    ).catch((err) => {
      conn.destroy();
      throw err;
    });
    return { conn, address, handshake };
  }

  /** A statement on the kept connection; a probe aborted at its deadline drops the connection (see probe). */
  private query(conn: mysql.Connection, sql: string, signal: AbortSignal): Promise<unknown[][]> {
    return abortable(signal, (done) =>
      conn.query(sql, (err, rows) => done(err, rows as unknown as unknown[][])),
    );
  }
}

/** `--mode proxy`: the RDS Proxy endpoint (-e when alone, --proxy-endpoint beside other modes). */
export async function proxyPart(run: AuroraRun): Promise<DrillPart> {
  const { plan, history } = run;
  const proxyEndpoint = plan.proxyEndpoint ?? (plan.modes.length === 1 ? run.endpoint : undefined);
  if (!proxyEndpoint) throw usageError('proxy mode beside other modes needs --proxy-endpoint HOST[:PORT]');
  if (classifyHost(proxyEndpoint.host).kind !== 'proxy') {
    history.note(
      `${proxyEndpoint.host} is not an RDS Proxy endpoint: proxy mode measures one long-lived connection to it anyway`,
      'warn',
      'proxy',
    );
  }
  const monitor = new ProxyMonitor(history, run.clock, mysqlOptions(run, proxyEndpoint));
  return monitorPart(run, monitor, proxyEndpoint);
}
