import { connect, createServer, type Server, type Socket } from 'node:net';
import { cannotStart } from '../../core/errors.js';
import { type LoggedIn, type LoginPolicy, relayLogin } from './front-login.js';

/** What the front does with one statement (COM_QUERY or COM_STMT_PREPARE). */
export type FrontDecision =
  | { kind: 'forward'; sql?: string }
  | { kind: 'ok' }
  | { kind: 'error'; errno: number; sqlState: string; message: string }
  | { kind: 'drop' };

export type StatementHandler = (sql: string) => Promise<FrontDecision> | FrontDecision;

const COM_QUERY = 0x03;
const COM_STMT_PREPARE = 0x16;
const MAX_PACKET = 0xffffff;

/** Collects bytes into MySQL packets: 3-byte length, 1-byte sequence id, payload. */
export class PacketReader {
  private buffer: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
  }
  next(): { seq: number; payload: Buffer; raw: Buffer } | undefined {
    if (this.buffer.length < 4) return undefined;
    const length = this.buffer.readUIntLE(0, 3);
    if (this.buffer.length < 4 + length) return undefined;
    const raw = this.buffer.subarray(0, 4 + length);
    this.buffer = this.buffer.subarray(4 + length);
    return { seq: raw[3] as number, payload: raw.subarray(4), raw };
  }
  rest(): Buffer {
    const r = this.buffer;
    this.buffer = Buffer.alloc(0);
    return r;
  }
}

export function packets(payload: Buffer, firstSeq: number): Buffer {
  const parts: Buffer[] = [];
  let seq = firstSeq;
  for (let off = 0; ; off += MAX_PACKET) {
    const piece = payload.subarray(off, off + MAX_PACKET);
    const header = Buffer.alloc(4);
    header.writeUIntLE(piece.length, 0, 3);
    header[3] = seq++ & 0xff;
    parts.push(header, piece);
    if (piece.length < MAX_PACKET) break;
  }
  return Buffer.concat(parts);
}

export function okPacket(seq: number): Buffer {
  // header 0x00, affected rows 0, last insert id 0, status SERVER_STATUS_AUTOCOMMIT, 0 warnings
  return packets(Buffer.from([0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00]), seq);
}

export function errPacket(seq: number, errno: number, sqlState: string, message: string): Buffer {
  const head = Buffer.alloc(9);
  head[0] = 0xff;
  head.writeUInt16LE(errno, 1);
  head.write(`#${sqlState.padEnd(5, '0').slice(0, 5)}`, 3, 'ascii');
  return packets(Buffer.concat([head, Buffer.from(message, 'utf8')]), seq);
}

/**
 * A MySQL-protocol front for one lab instance. The login is relayed (front-login.ts), so MariaDB itself checks
 * passwords; the greeting announces `serverVersion`, TLS ends at the front and compression is taken out of the
 * greeting, so statements stay readable. After login,
 * statements go through `handler`, which may rewrite them, answer them, or drop the connection; everything else,
 * and every byte from the server, passes through as it is.
 */
export class InstanceFront {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly address: string,
    readonly port: number,
    private readonly backend: { host: string; port: number },
    private readonly handler: StatementHandler,
    /** The server version the greeting announces instead of MariaDB's (`5.5.5-10.11.…-MariaDB`). */
    private readonly serverVersion?: string,
    /** TLS, --require-tls and IAM tokens: what the login accepts besides MariaDB's own passwords. */
    private readonly login: LoginPolicy = { tls: undefined, requireTls: false },
  ) {}

  get listening(): boolean {
    return this.server?.listening === true;
  }

  async listen(): Promise<void> {
    if (this.listening) return;
    const server = createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(
          cannotStart(
            err.code === 'EADDRINUSE'
              ? `${this.address}:${this.port} is already in use: is another lab running? (drill lab status)`
              : `cannot listen on ${this.address}:${this.port}: ${err.message}`,
          ),
        );
      });
      server.listen(this.port, this.address, () => resolve());
    });
  }

  /** Stops accepting (new connections are refused) and drops every open connection. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.dropConnections();
    if (server?.listening) await new Promise<void>((r) => server.close(() => r()));
  }

  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  get connections(): number {
    return this.sockets.size / 2;
  }

  private accept(client: Socket): void {
    const backend = connect(this.backend.port, this.backend.host);
    this.sockets.add(client);
    this.sockets.add(backend);
    const closeBoth = (): void => {
      client.destroy();
      backend.destroy();
      this.sockets.delete(client);
      this.sockets.delete(backend);
    };
    client.on('error', closeBoth).on('close', closeBoth);
    backend.on('error', closeBoth).on('close', closeBoth);
    client.setNoDelay(true);
    backend.setNoDelay(true);

    relayLogin(client, backend, this.login, closeBoth, (greeting) =>
      withServerVersion(greeting, this.serverVersion),
    ).then(
      (loggedIn) => {
        if (loggedIn) this.command(loggedIn, backend, closeBoth);
      },
      () => closeBoth(),
    );
  }

  /** After login: statements from the client go through the handler; the server's bytes pass as they are. */
  private command(loggedIn: LoggedIn, backend: Socket, closeBoth: () => void): void {
    const client = loggedIn.client;
    if (loggedIn.fromServer.length) client.write(loggedIn.fromServer);
    backend.on('data', (chunk: Buffer) => client.write(chunk));
    const fromClient = new PacketReader();
    let busy = false;
    const pump = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      try {
        for (let p = fromClient.next(); p; p = fromClient.next()) {
          const command = p.payload[0];
          const inspect =
            p.seq === 0 &&
            (command === COM_QUERY || command === COM_STMT_PREPARE) &&
            p.payload.length < MAX_PACKET;
          if (!inspect) {
            backend.write(p.raw);
            continue;
          }
          const decision = await this.handler(p.payload.subarray(1).toString('utf8'));
          if (client.destroyed) return;
          switch (decision.kind) {
            case 'forward':
              backend.write(
                decision.sql === undefined
                  ? p.raw
                  : packets(Buffer.concat([Buffer.from([command]), Buffer.from(decision.sql, 'utf8')]), 0),
              );
              break;
            case 'ok':
              client.write(okPacket(1));
              break;
            case 'error':
              client.write(errPacket(1, decision.errno, decision.sqlState, decision.message));
              break;
            case 'drop':
              closeBoth();
              return;
          }
        }
      } finally {
        busy = false;
      }
    };
    client.on('data', (chunk: Buffer) => {
      fromClient.push(chunk);
      pump().catch(closeBoth);
    });
    if (loggedIn.fromClient.length) {
      fromClient.push(loggedIn.fromClient);
      pump().catch(closeBoth);
    }
  }
}

/** A copy of the server greeting (protocol 10) announcing `version`: what the client reads as the server's version. */
function withServerVersion(payload: Buffer, version: string | undefined): Buffer {
  const versionEnd = payload.indexOf(0, 1);
  if (payload[0] !== 10 || version === undefined || versionEnd === -1) return Buffer.from(payload);
  return Buffer.concat([
    payload.subarray(0, 1),
    Buffer.from(version, 'latin1'),
    payload.subarray(versionEnd),
  ]);
}
