/**
 * The parts of the MySQL client/server protocol the lab's RDS Proxy needs to stand in the middle: its own
 * greeting and login (it checks the password itself), a login of its own to the instance, and where each
 * response ends, so that it can relay the database's packets untouched (errno, SQLSTATE, binary rows) and still
 * know when a database connection is free again and whether a transaction is open.
 */
import { createHash, randomBytes } from 'node:crypto';
import { packets } from './front.js';

export const COM = {
  QUIT: 0x01,
  INIT_DB: 0x02,
  QUERY: 0x03,
  FIELD_LIST: 0x04,
  STATISTICS: 0x09,
  PING: 0x0e,
  CHANGE_USER: 0x11,
  STMT_PREPARE: 0x16,
  STMT_EXECUTE: 0x17,
  STMT_SEND_LONG_DATA: 0x18,
  STMT_CLOSE: 0x19,
  STMT_RESET: 0x1a,
  SET_OPTION: 0x1b,
  STMT_FETCH: 0x1c,
  RESET_CONNECTION: 0x1f,
} as const;

const CAP = {
  LONG_PASSWORD: 0x1,
  CONNECT_WITH_DB: 0x8,
  PROTOCOL_41: 0x200,
  SECURE_CONNECTION: 0x8000,
  PLUGIN_AUTH: 0x80000,
  CONNECT_ATTRS: 0x100000,
  PLUGIN_AUTH_LENENC_CLIENT_DATA: 0x200000,
};

/**
 * What the proxy offers clients: the usual 4.1 protocol with multi-results and plugin auth (TLS besides, when the
 * lab has certificates: see `greeting`). Not compression,
 * LOCAL INFILE, session tracking or DEPRECATE_EOF, so every response has the one shape `ResponseEnd` reads.
 */
export const PROXY_CAPABILITIES =
  0x1 |
  0x2 |
  0x4 |
  0x8 |
  0x10 |
  0x40 |
  0x100 |
  0x200 |
  0x400 |
  0x1000 |
  0x2000 |
  0x8000 |
  0x10000 |
  0x20000 |
  0x40000 |
  0x80000 |
  0x100000 |
  0x200000;

export const STATUS = { IN_TRANS: 0x1, AUTOCOMMIT: 0x2, MORE_RESULTS: 0x8, CURSOR_EXISTS: 0x40 } as const;

const NATIVE = 'mysql_native_password';

const sha1 = (b: Buffer | string): Buffer => createHash('sha1').update(b).digest();

/** mysql_native_password's answer to a scramble: SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw))). */
export function nativeToken(password: string, scramble: Buffer): Buffer {
  if (password === '') return Buffer.alloc(0);
  const stage1 = sha1(password);
  const mask = sha1(Buffer.concat([scramble, sha1(stage1)]));
  return Buffer.from(stage1.map((b, i) => b ^ (mask[i] as number)));
}

/** A 20-byte scramble of printable bytes (never NUL: part of it is sent NUL-terminated). */
export function newScramble(): Buffer {
  return Buffer.from(randomBytes(20).map((b) => 0x21 + (b % 94)));
}

/** CLIENT_SSL: offered in the greeting when the proxy has a certificate; a client asks with an SSL request. */
export const CLIENT_SSL = 0x800;

/** A client's SSL request: the first 32 bytes of a login, with CLIENT_SSL, before the TLS handshake. */
export const isSslRequest = (payload: Buffer): boolean =>
  payload.length === 32 && (payload.readUInt32LE(0) & CLIENT_SSL) !== 0;

/** The proxy's greeting (HandshakeV10) for one client connection; `tls`: TLS offered. */
export function greeting(serverVersion: string, connectionId: number, scramble: Buffer, tls = false): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(connectionId);
  const caps = Buffer.alloc(2);
  const upper = Buffer.alloc(2);
  caps.writeUInt16LE((PROXY_CAPABILITIES | (tls ? CLIENT_SSL : 0)) & 0xffff);
  upper.writeUInt16LE(PROXY_CAPABILITIES >>> 16);
  return packets(
    Buffer.concat([
      Buffer.from([10]),
      Buffer.from(`${serverVersion}\0`),
      head,
      scramble.subarray(0, 8),
      Buffer.from([0]),
      caps,
      Buffer.from([45, 0x02, 0x00]), // utf8mb4_general_ci, SERVER_STATUS_AUTOCOMMIT
      upper,
      Buffer.from([21]),
      Buffer.alloc(10),
      scramble.subarray(8, 20),
      Buffer.from([0]),
      Buffer.from(`${NATIVE}\0`),
    ]),
    0,
  );
}

/** Reads a length-encoded integer at `at`; returns the value and where the next field starts. */
export function lenenc(b: Buffer, at: number): { value: number; next: number } {
  const first = b[at] ?? 0;
  if (first < 0xfb) return { value: first, next: at + 1 };
  if (first === 0xfc) return { value: b.readUInt16LE(at + 1), next: at + 3 };
  if (first === 0xfd) return { value: b.readUIntLE(at + 1, 3), next: at + 4 };
  return { value: Number(b.readBigUInt64LE(at + 1)), next: at + 9 };
}

const cstring = (b: Buffer, at: number): { value: string; next: number } => {
  const end = b.indexOf(0, at);
  const stop = end < 0 ? b.length : end;
  return { value: b.subarray(at, stop).toString('utf8'), next: stop + 1 };
};

/** A client's HandshakeResponse41, as far as the proxy needs it. */
export interface LoginRequest {
  capabilities: number;
  charset: number;
  user: string;
  token: Buffer;
  database?: string;
  plugin?: string;
}

export function parseLogin(payload: Buffer): LoginRequest {
  const capabilities = payload.readUInt32LE(0);
  const charset = payload[8] ?? 45;
  const user = cstring(payload, 32);
  let at = user.next;
  let token: Buffer;
  if (capabilities & CAP.PLUGIN_AUTH_LENENC_CLIENT_DATA) {
    const n = lenenc(payload, at);
    token = payload.subarray(n.next, n.next + n.value);
    at = n.next + n.value;
  } else if (capabilities & CAP.SECURE_CONNECTION) {
    const n = payload[at] ?? 0;
    token = payload.subarray(at + 1, at + 1 + n);
    at += 1 + n;
  } else {
    const t = cstring(payload, at);
    token = payload.subarray(at, t.next - 1);
    at = t.next;
  }
  let database: string | undefined;
  if (capabilities & CAP.CONNECT_WITH_DB && at < payload.length) {
    const d = cstring(payload, at);
    database = d.value || undefined;
    at = d.next;
  }
  const plugin =
    capabilities & CAP.PLUGIN_AUTH && at < payload.length ? cstring(payload, at).value : undefined;
  return {
    capabilities,
    charset,
    user: user.value,
    token,
    ...(database ? { database } : {}),
    ...(plugin ? { plugin } : {}),
  };
}

/** Asks the client to answer with mysql_native_password (AuthSwitchRequest). */
export function authSwitch(seq: number, scramble: Buffer): Buffer {
  return packets(
    Buffer.concat([Buffer.from([0xfe]), Buffer.from(`${NATIVE}\0`), scramble, Buffer.from([0])]),
    seq,
  );
}

export const usesNativePassword = (login: LoginRequest): boolean => !login.plugin || login.plugin === NATIVE;

/** The instance's greeting: its scramble (auth plugin data, 20 bytes). */
export function greetingScramble(payload: Buffer): Buffer {
  const version = cstring(payload, 1);
  const part1 = payload.subarray(version.next + 4, version.next + 12);
  const afterCaps = version.next + 4 + 8 + 1 + 2 + 1 + 2 + 2;
  const authLength = payload[afterCaps] ?? 21;
  const part2Start = afterCaps + 1 + 10;
  const part2 = payload.subarray(part2Start, part2Start + Math.max(13, authLength - 8) - 1);
  return Buffer.concat([part1, part2]).subarray(0, 20);
}

/** The proxy's own login to an instance, with the client's capabilities so that responses come in its shape. */
export function backendLogin(
  capabilities: number,
  charset: number,
  user: string,
  password: string,
  scramble: Buffer,
  database: string | undefined,
): Buffer {
  let caps =
    (capabilities & PROXY_CAPABILITIES & ~CAP.CONNECT_ATTRS & ~CAP.CONNECT_WITH_DB) |
    CAP.LONG_PASSWORD |
    CAP.PROTOCOL_41 |
    CAP.SECURE_CONNECTION |
    CAP.PLUGIN_AUTH;
  caps &= ~CAP.PLUGIN_AUTH_LENENC_CLIENT_DATA;
  if (database) caps |= CAP.CONNECT_WITH_DB;
  const head = Buffer.alloc(32);
  head.writeUInt32LE(caps >>> 0, 0);
  head.writeUInt32LE(0x01000000, 4);
  head[8] = charset;
  const token = nativeToken(password, scramble);
  return packets(
    Buffer.concat([
      head,
      Buffer.from(`${user}\0`),
      Buffer.from([token.length]),
      token,
      database ? Buffer.from(`${database}\0`) : Buffer.alloc(0),
      Buffer.from(`${NATIVE}\0`),
    ]),
    1,
  );
}

/** An AuthSwitchRequest's plugin and scramble. */
export function parseAuthSwitch(payload: Buffer): { plugin: string; scramble: Buffer } {
  const plugin = cstring(payload, 1);
  let data = payload.subarray(plugin.next);
  if (data[data.length - 1] === 0) data = data.subarray(0, data.length - 1);
  return { plugin: plugin.value, scramble: data };
}

/** Status flags of an OK packet (0x00 header) or an EOF packet (0xfe, under 9 bytes). */
export function statusOf(payload: Buffer): number | undefined {
  if (payload[0] === 0xfe && payload.length < 9) return payload.length >= 5 ? payload.readUInt16LE(3) : 0;
  if (payload[0] === 0x00 && payload.length >= 7) {
    const affected = lenenc(payload, 1);
    const insertId = lenenc(payload, affected.next);
    return payload.readUInt16LE(insertId.next);
  }
  return undefined;
}

/** An ERR packet's errno, SQLSTATE and message. */
export function errorOf(payload: Buffer): { errno: number; sqlState: string; message: string } {
  const errno = payload.readUInt16LE(1);
  const marked = payload[3] === 0x23; // '#'
  return {
    errno,
    sqlState: marked ? payload.subarray(4, 9).toString('ascii') : 'HY000',
    message: payload.subarray(marked ? 9 : 3).toString('utf8'),
  };
}

const isEof = (p: Buffer): boolean => p[0] === 0xfe && p.length < 9;

/**
 * Follows one command's response packet by packet and says when it is complete. Knows the shapes without
 * DEPRECATE_EOF: OK/ERR; result sets (column count, definitions, EOF, rows, EOF), several with MORE_RESULTS;
 * COM_STMT_PREPARE's parameter and column definitions; a cursor opened by COM_STMT_EXECUTE.
 */
export class ResponseEnd {
  /** Status flags of the last OK/EOF seen. */
  status: number | undefined;
  error: { errno: number; sqlState: string; message: string } | undefined;
  private state: 'first' | 'defs' | 'defsEof' | 'rows' | 'prepare' | 'one' | 'done';
  private remaining = 0;
  /** After the definitions and their EOF: rows follow (a result set) or the next block (prepare). */
  private afterDefs: (() => void) | undefined;

  constructor(private readonly command: number) {
    if (command === COM.STMT_CLOSE || command === COM.STMT_SEND_LONG_DATA) this.state = 'done';
    else if (command === COM.QUERY || command === COM.STMT_EXECUTE) this.state = 'first';
    else if (command === COM.STMT_PREPARE) this.state = 'prepare';
    else if (command === COM.STMT_FETCH) this.state = 'rows';
    else if (command === COM.FIELD_LIST) this.state = 'rows';
    else this.state = 'one';
  }

  get done(): boolean {
    return this.state === 'done';
  }

  /** Takes the next packet's payload; true when the response is complete. */
  feed(p: Buffer): boolean {
    if (p[0] === 0xff && this.state !== 'defs') {
      this.error = errorOf(p);
      this.state = 'done';
      return true;
    }
    switch (this.state) {
      case 'one':
        this.status = statusOf(p) ?? this.status;
        this.state = 'done';
        break;
      case 'first': {
        const status = statusOf(p);
        if (p[0] === 0x00 && status !== undefined) {
          this.status = status;
          if (!(status & STATUS.MORE_RESULTS)) this.state = 'done';
        } else {
          this.defs(lenenc(p, 0).value, () => {
            this.state = 'rows';
          });
        }
        break;
      }
      case 'prepare': {
        const columns = p.readUInt16LE(5);
        const params = p.readUInt16LE(7);
        const thenColumns = (): void =>
          this.defs(columns, () => {
            this.state = 'done';
          });
        this.defs(params, thenColumns);
        break;
      }
      case 'defs':
        if (--this.remaining === 0) this.state = 'defsEof';
        break;
      case 'defsEof': {
        this.status = statusOf(p) ?? this.status;
        const cursor = this.command === COM.STMT_EXECUTE && ((this.status ?? 0) & STATUS.CURSOR_EXISTS) !== 0;
        if (cursor) this.state = 'done';
        else this.afterDefs?.();
        break;
      }
      case 'rows':
        if (isEof(p)) {
          this.status = statusOf(p) ?? this.status;
          const more = this.command !== COM.FIELD_LIST && ((this.status ?? 0) & STATUS.MORE_RESULTS) !== 0;
          this.state = more ? 'first' : 'done';
        }
        break;
      case 'done':
        break;
    }
    return this.state === 'done';
  }

  /** `n` definitions and their EOF, then `next` (no packets at all when n is 0). */
  private defs(n: number, next: () => void): void {
    this.afterDefs = next;
    if (n === 0) next();
    else {
      this.remaining = n;
      this.state = 'defs';
    }
  }
}
