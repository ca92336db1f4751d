import type { Socket } from 'node:net';

/** What a failed operation says, shaped like mysql2's errors so `classifyError` reads both the same way. */
export interface WireError extends Error {
  errno?: number;
  sqlState?: string;
  sqlMessage?: string;
  code?: string;
  fatal: boolean;
}

const wireError = (message: string, fields: Partial<WireError>): WireError =>
  Object.assign(new Error(message), { fatal: false, ...fields });

/** mysql2's name for a connection the server closed, kept so errors are counted under the same key. */
export const connectionLost = (): WireError =>
  wireError('Connection lost: The server closed the connection.', {
    code: 'PROTOCOL_CONNECTION_LOST',
    fatal: true,
  });

const COM_STMT_EXECUTE = 0x17;
const MYSQL_TYPE_LONG = 0x03;

/**
 * The load's two statements on the MySQL binary protocol, spoken straight on a connection that mysql2 opened,
 * logged in and prepared the statements on (without CLIENT_QUERY_ATTRIBUTES or CLIENT_DEPRECATE_EOF, so packets
 * have their classic shape). Profiling `--load` showed mysql2's per-statement machinery (command objects, packet
 * and row parsers, their garbage) costing several times what the socket does; here an operation is one reused
 * 22-byte COM_STMT_EXECUTE and a walk over the answer's packet headers: OK, ERR, or a result set to its last EOF.
 * The caller hands it what the socket reads (`onData`); it follows the socket's errors and close itself.
 */
export class LoadWire {
  private readonly packet = Buffer.alloc(4 + 18);
  private pending: { resolve: () => void; reject: (e: WireError) => void } | undefined;
  private rest: Buffer | undefined;
  /** Where the answer is: its first packet, column definitions left, the EOF after them, rows. */
  private state: 'first' | 'columns' | 'eof' | 'rows' = 'first';
  private columnsLeft = 0;
  private closed: WireError | undefined;
  /** When the operation in flight started (ms, performance.now()); for the query timeout. */
  startedAt = 0;

  constructor(
    private readonly socket: Socket,
    private readonly statements: { read: number; write: number },
  ) {
    const p = this.packet;
    p.writeUIntLE(18, 0, 3); // payload length; sequence id 0
    p[4] = COM_STMT_EXECUTE;
    p[9] = 0x00; // flags: no cursor
    p.writeUInt32LE(1, 10); // iteration count
    p[14] = 0x00; // NULL bitmap of one parameter
    p[15] = 0x01; // types follow
    p[16] = MYSQL_TYPE_LONG;
    p[17] = 0x00; // signed
    socket.on('error', (err: NodeJS.ErrnoException) =>
      this.close(wireError(err.message, { code: err.code, fatal: true })),
    );
    socket.on('close', () => this.close(connectionLost()));
  }

  get busy(): boolean {
    return this.pending !== undefined;
  }

  /** Runs one statement with `id` as its parameter; settles when the whole answer has arrived. */
  run(kind: 'read' | 'write', id: number, now: number): Promise<void> {
    if (this.closed) return Promise.reject(this.closed);
    if (this.pending) return Promise.reject(wireError('an operation is already running', { fatal: true }));
    this.packet.writeUInt32LE(this.statements[kind], 5);
    this.packet.writeInt32LE(id, 18);
    this.state = 'first';
    this.startedAt = now;
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      // The buffer is reused: it is written again only after the answer, so the server has read it by then.
      this.socket.write(this.packet);
    });
  }

  /** Fails the operation in flight and every later one with `error`, and drops the socket. */
  close(error: WireError): void {
    this.closed ??= error;
    this.settle(error);
    this.socket.destroy();
  }

  private settle(error?: WireError): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    if (error) p.reject(error);
    else p.resolve();
  }

  /** What the socket read; `chunk` may be a buffer the socket reuses, so nothing of it is kept beyond this call. */
  onData(chunk: Buffer): void {
    const b = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = undefined;
    let at = 0;
    while (b.length - at >= 4) {
      const length = b.readUIntLE(at, 3);
      if (b.length - at - 4 < length) break;
      this.onPacket(b, at + 4, length);
      at += 4 + length;
    }
    if (at < b.length) this.rest = Buffer.from(b.subarray(at));
  }

  private onPacket(b: Buffer, start: number, length: number): void {
    const head = b[start];
    const isEof = head === 0xfe && length < 9;
    if (this.state === 'first') {
      if (head === 0x00) this.settle();
      else if (head === 0xff) this.settle(serverError(b, start, length));
      else {
        // A result set: its column count (under 251 here, one byte), then that many definitions.
        this.columnsLeft = head ?? 0;
        this.state = 'columns';
      }
    } else if (this.state === 'columns') {
      if (--this.columnsLeft === 0) this.state = 'eof';
    } else if (this.state === 'eof') {
      if (isEof) this.state = 'rows';
    } else if (isEof) this.settle();
    else if (head === 0xff) this.settle(serverError(b, start, length));
  }
}

/** An ERR packet: error number, `#` and SQLSTATE, message. */
function serverError(b: Buffer, start: number, length: number): WireError {
  const errno = b.readUInt16LE(start + 1);
  const marked = b[start + 3] === 0x23;
  const sqlState = marked ? b.toString('latin1', start + 4, start + 9) : undefined;
  const sqlMessage = b.toString('utf8', start + (marked ? 9 : 3), start + length);
  return wireError(sqlMessage, { errno, sqlMessage, ...(sqlState ? { sqlState } : {}) });
}
