import { createHash, timingSafeEqual } from 'node:crypto';
import mysqlServer from 'mysql2';
import mysql, { type Connection, type FieldPacket } from 'mysql2/promise';
import { cannotStart } from '../../core/errors.js';
import type { AuroraLabCluster, LabInstance } from './cluster.js';

const CLIENT_COMPRESS = 0x20;
const CLIENT_SSL = 0x800;
const ER_UNKNOWN_ERROR = 1105;

/** mysql_native_password: SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw))). */
export function nativePasswordMatches(password: string, scramble: Buffer, token: Buffer): boolean {
  const sha1 = (b: Buffer | string): Buffer => createHash('sha1').update(b).digest();
  if (password === '') return token.length === 0;
  const stage1 = sha1(password);
  const mask = sha1(Buffer.concat([scramble, sha1(stage1)]));
  const expected = Buffer.alloc(20);
  for (let i = 0; i < 20; i++) expected[i] = (stage1[i] as number) ^ (mask[i] as number);
  return token.length === 20 && timingSafeEqual(token, expected);
}

/** The server side of one mysql2 connection, as the proxy uses it. */
interface ClientSide {
  serverHandshake(args: Record<string, unknown>): void;
  on(event: string, listener: (...args: never[]) => void): void;
  writeColumns(columns: unknown[]): void;
  writeTextRow(row: unknown[]): void;
  writeEof(): void;
  writeOk(args?: { affectedRows?: number; insertId?: number }): void;
  writeError(args: { code: number; message: string }): void;
  close(): void;
  stream: { destroy(): void };
  sequenceId: number;
}

/**
 * The lab's RDS Proxy: client connections stay open across a failover. A statement in flight when the writer goes
 * away fails with error 1105; new statements wait (up to `borrowTimeoutMs`) for a writer and then run on it. The
 * proxy checks the master user's password itself (RDS Proxy holds it in Secrets Manager) and reaches the writer
 * through its instance front, so Aurora's variables answer as on the instances. Text-protocol statements only.
 */
export class LabProxy {
  private server: ReturnType<typeof mysqlServer.createServer> | undefined;
  private readonly clients = new Set<ClientSide>();
  private nextId = 1;

  constructor(
    readonly address: string,
    readonly port: number,
    private readonly cluster: AuroraLabCluster,
    private readonly credentials: { user: string; password: string },
    private readonly borrowTimeoutMs = 30_000,
  ) {}

  async listen(): Promise<void> {
    const server = mysqlServer.createServer((conn) => this.accept(conn as unknown as ClientSide));
    this.server = server;
    const net = (server as unknown as { _server: import('node:net').Server })._server;
    await new Promise<void>((resolve, reject) => {
      net.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          cannotStart(
            err.code === 'EADDRINUSE'
              ? `${this.address}:${this.port} (the lab's RDS Proxy) is already in use: is another lab running?`
              : `cannot listen on ${this.address}:${this.port}: ${err.message}`,
          ),
        ),
      );
      net.listen(this.port, this.address, () => resolve());
    });
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.stream.destroy();
    this.clients.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  private accept(client: ClientSide): void {
    this.clients.add(client);
    let backend: { conn: Connection; instance: LabInstance } | undefined;
    let database: string | undefined;
    let queue: Promise<void> = Promise.resolve();
    const dropBackend = (): void => {
      backend?.conn.destroy();
      backend = undefined;
    };
    // Every command starts a new packet sequence; mysql2's server side does not know, and would print a
    // "packets out of order" warning for each statement.
    const expectCommand = (): void => {
      client.sequenceId = 0;
    };
    client.on('error', () => {});
    client.on('end', () => {
      this.clients.delete(client);
      dropBackend();
    });
    client.on('quit', () => {
      this.clients.delete(client);
      dropBackend();
      client.close();
    });
    client.serverHandshake({
      protocolVersion: 10,
      serverVersion: '8.0.32-lab-rds-proxy',
      connectionId: this.nextId++,
      statusFlags: 2,
      characterSet: 45,
      capabilityFlags: 0xffffff ^ CLIENT_COMPRESS ^ CLIENT_SSL,
      authCallback: (
        p: {
          user: string;
          database?: string;
          authPluginData1: Buffer;
          authPluginData2: Buffer;
          authToken: Buffer;
        },
        done: (err: null, mysqlError?: { message: string; code: number }) => void,
      ) => {
        database = p.database || undefined;
        const scramble = Buffer.concat([p.authPluginData1, p.authPluginData2]).subarray(0, 20);
        const ok =
          p.user === this.credentials.user &&
          nativePasswordMatches(this.credentials.password, scramble, p.authToken);
        done(
          null,
          ok
            ? undefined
            : { code: 1045, message: `Access denied for user '${p.user}' (using password: YES)` },
        );
        expectCommand();
      },
    });
    client.on('query', (sql: string) => {
      queue = queue.then(async () => {
        try {
          if (backend?.instance.role !== 'writer' || !backend.instance.accepting) {
            dropBackend();
            backend = await this.borrow(database);
          }
        } catch (err) {
          client.writeError({ code: ER_UNKNOWN_ERROR, message: (err as Error).message });
          expectCommand();
          return;
        }
        const current = backend;
        try {
          const [rows, fields] = (await current.conn.query({ sql, rowsAsArray: true })) as unknown as [
            unknown[][] | { affectedRows?: number; insertId?: number },
            FieldPacket[] | undefined,
          ];
          if (fields && Array.isArray(rows)) {
            client.writeColumns(fields.map(columnOf));
            for (const row of rows) client.writeTextRow(row);
            client.writeEof();
          } else {
            const r = rows as { affectedRows?: number; insertId?: number };
            client.writeOk({ affectedRows: r.affectedRows ?? 0, insertId: r.insertId ?? 0 });
          }
        } catch (err) {
          const e = err as { errno?: number; sqlMessage?: string; fatal?: boolean; message?: string };
          if (e.fatal || e.errno === undefined || e.sqlMessage === undefined) {
            dropBackend();
            client.writeError({
              code: ER_UNKNOWN_ERROR,
              message: 'The database connection was lost while the statement ran (failover); run it again',
            });
          } else {
            client.writeError({ code: e.errno, message: e.sqlMessage });
          }
        } finally {
          expectCommand();
        }
      });
    });
  }

  /** Waits for an accepting writer and connects to it, up to the borrow timeout. */
  private async borrow(database: string | undefined): Promise<{ conn: Connection; instance: LabInstance }> {
    const until = Date.now() + this.borrowTimeoutMs;
    for (;;) {
      const writer = this.cluster.writer;
      if (writer.accepting && !writer.readOnly) {
        try {
          const conn = await mysql.createConnection({
            host: writer.address,
            port: this.cluster.frontPort,
            user: this.credentials.user,
            password: this.credentials.password,
            ...(database ? { database } : {}),
            connectTimeout: 2000,
            // Relay values exactly as the server wrote them: no dates, numbers or JSON re-encoded on the way.
            typeCast: (field) => field.string(),
          });
          conn.on('error', () => {});
          return { conn, instance: writer };
        } catch {
          // the writer went away between the check and the connect: wait for the next one
        }
      }
      if (Date.now() > until)
        throw new Error('Timed out waiting for an available database connection (proxy)');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** A column definition as mysql2's server writes it, from the one the backend sent. */
function columnOf(f: FieldPacket): Record<string, unknown> {
  const c = f as unknown as Record<string, unknown>;
  return {
    catalog: 'def',
    schema: c.schema ?? '',
    table: c.table ?? '',
    orgTable: c.orgTable ?? '',
    name: c.name ?? '',
    orgName: c.orgName ?? '',
    characterSet: c.characterSet ?? 45,
    columnLength: c.columnLength ?? 0,
    columnType: c.columnType ?? c.type ?? 253,
    flags: c.flags ?? 0,
    decimals: c.decimals ?? 0,
  };
}
