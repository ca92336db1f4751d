import { connect, type Socket } from 'node:net';
import type { LabInstance } from './cluster.js';
import { PacketReader, packets } from './front.js';
import {
  backendLogin,
  COM,
  errorOf,
  greetingScramble,
  nativeToken,
  parseAuthSwitch,
  ResponseEnd,
} from './proxy-wire.js';

export interface Packet {
  seq: number;
  payload: Buffer;
  raw: Buffer;
}

/** Packets from a socket, taken one at a time; `next()` fails once the socket has closed. */
export class PacketQueue {
  private readonly reader = new PacketReader();
  private readonly ready: Packet[] = [];
  private waiter: { resolve: (p: Packet) => void; reject: (e: Error) => void } | undefined;
  closed = false;

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.reader.push(chunk);
      for (let p = this.reader.next(); p; p = this.reader.next()) {
        const copy = { seq: p.seq, payload: Buffer.from(p.payload), raw: Buffer.from(p.raw) };
        const w = this.waiter;
        this.waiter = undefined;
        if (w) w.resolve(copy);
        else this.ready.push(copy);
      }
    });
    const close = (): void => {
      this.closed = true;
      const w = this.waiter;
      this.waiter = undefined;
      w?.reject(new Error('connection closed'));
    };
    socket.on('close', close);
    socket.on('error', close);
  }

  /** Bytes read but not yet a whole packet (a TLS handshake that came right behind an SSL request). */
  rest(): Buffer {
    return this.reader.rest();
  }

  next(): Promise<Packet> {
    const p = this.ready.shift();
    if (p) return Promise.resolve(p);
    if (this.closed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }
}

/** An error the database returned (an ERR packet), as opposed to a lost connection. */
export class DatabaseError extends Error {
  constructor(
    readonly errno: number,
    readonly sqlState: string,
    readonly sqlMessage: string,
  ) {
    super(sqlMessage);
  }
}

/**
 * One database connection of the proxy's pool: logged in to an instance's front as the master user, with a
 * client's capabilities and character set. `state` says which session state (database, tracked SETs) it holds.
 */
export class BackendConnection {
  private readonly queue: PacketQueue;
  state = '';
  /** The database it is in (USE, COM_INIT_DB, or the login's). */
  database: string | undefined;
  onClose: (() => void) | undefined;

  private constructor(
    private readonly socket: Socket,
    readonly instance: LabInstance,
    readonly key: string,
  ) {
    this.queue = new PacketQueue(socket);
    socket.setNoDelay(true);
    socket.on('close', () => this.onClose?.());
  }

  get closed(): boolean {
    return this.queue.closed;
  }

  static async open(
    instance: LabInstance,
    port: number,
    login: {
      capabilities: number;
      charset: number;
      user: string;
      password: string;
      database: string | undefined;
    },
    key: string,
    timeoutMs: number,
    /** The proxy's own address, so the front knows the connection for the lab's (see front-login.ts). */
    localAddress?: string,
  ): Promise<BackendConnection> {
    const socket = connect({ port, host: instance.address, ...(localAddress ? { localAddress } : {}) });
    socket.on('error', () => {});
    const conn = new BackendConnection(socket, instance, key);
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    try {
      const hello = await conn.queue.next();
      if (hello.payload[0] === 0xff) throw toError(hello.payload);
      const { capabilities, charset, user, password, database } = login;
      socket.write(
        backendLogin(capabilities, charset, user, password, greetingScramble(hello.payload), database),
      );
      let answer = await conn.queue.next();
      if (answer.payload[0] === 0xfe) {
        const sw = parseAuthSwitch(answer.payload);
        socket.write(packets(nativeToken(password, sw.scramble.subarray(0, 20)), answer.seq + 1));
        answer = await conn.queue.next();
      }
      if (answer.payload[0] !== 0x00) throw toError(answer.payload);
      return conn;
    } catch (err) {
      socket.destroy();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Sends one command (its raw packets) and hands every response packet to `relay` as it comes; resolves with
   * the response's end (status flags, or the error) once it is complete. Rejects when the connection is lost.
   */
  async command(raw: Buffer, command: number, relay?: (p: Packet) => void): Promise<ResponseEnd> {
    const end = new ResponseEnd(command);
    this.socket.write(raw);
    while (!end.done) {
      const p = await this.queue.next();
      relay?.(p);
      end.feed(p.payload);
    }
    return end;
  }

  /** Runs a command of the proxy's own (its response is not relayed); a database error rejects. */
  async run(command: number, body: Buffer | string): Promise<void> {
    const payload = Buffer.concat([
      Buffer.from([command]),
      typeof body === 'string' ? Buffer.from(body) : body,
    ]);
    const end = await this.command(packets(payload, 0), command);
    if (end.error) throw new DatabaseError(end.error.errno, end.error.sqlState, end.error.message);
  }

  resetSession(): Promise<void> {
    return this.run(COM.RESET_CONNECTION, Buffer.alloc(0));
  }

  destroy(): void {
    this.onClose = undefined;
    this.socket.destroy();
  }
}

function toError(payload: Buffer): Error {
  if (payload[0] !== 0xff) return new Error('unexpected answer from the instance');
  const e = errorOf(payload);
  return new DatabaseError(e.errno, e.sqlState, e.message);
}
