import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { cannotStart } from '../../core/errors.js';
import type { GroundTruth } from '../groundtruth.js';
import { acceptTls } from '../tls.js';
import type { AuroraLabCluster, LabInstance } from './cluster.js';
import { errPacket, okPacket } from './front.js';
import { type StatementEffect, statementEffect } from './pinning.js';
import { BackendConnection, DatabaseError, PacketQueue } from './proxy-backend.js';
import {
  authSwitch,
  COM,
  greeting,
  isSslRequest,
  nativeToken,
  newScramble,
  parseLogin,
  STATUS,
  usesNativePassword,
} from './proxy-wire.js';

const ER_UNKNOWN_ERROR = 1105;
/** RDS Proxy's answer to a plain login when it requires TLS (its MySQL troubleshooting list): 3159, its own text. */
const ER_SECURE_TRANSPORT_REQUIRED = 3159;
const MAX_PACKET = 0xffffff;
/** Idle database connections kept per pool key; more are closed. */
const IDLE_PER_KEY = 8;

/** mysql_native_password: does `token` answer `scramble` for `password`? */
export function nativePasswordMatches(password: string, scramble: Buffer, token: Buffer): boolean {
  if (password === '') return token.length === 0;
  const expected = nativeToken(password, scramble);
  return token.length === expected.length && timingSafeEqual(token, expected);
}

/** One client connection to the proxy. */
interface Session {
  id: number;
  client: Socket;
  /** Pool key: database connections are shared only between sessions of the same capabilities and charset. */
  key: string;
  capabilities: number;
  charset: number;
  database: string | undefined;
  /** Tracked SETs by what they set, in order: replayed on every database connection that serves the session. */
  tracked: Map<string, string>;
  /** Why the session is pinned (empty: it is not). */
  pinnedBy: string[];
  backend: BackendConnection | undefined;
  /** Status flags of the last response (IN_TRANS keeps the database connection). */
  status: number;
  busy: boolean;
  transactionLost: boolean;
  ended: boolean;
}

/** The session state a database connection must hold to serve a session. */
const stateOf = (s: Session): string => JSON.stringify([s.database ?? null, [...s.tracked.values()]]);

/**
 * The lab's RDS Proxy. It checks the master user's password itself (RDS Proxy holds it in Secrets Manager) and
 * relays the protocol, packets untouched, to a pool of database connections to the writer's instance front.
 * Sessions multiplex: a session holds a database connection only while a statement or a transaction runs, and the
 * tracked variables (character set, autocommit, sql_mode, time zone, isolation ... see pinning.ts) and database
 * go with it to whichever connection serves it next. A session-changing statement (user variables, other SETs,
 * prepared statements of either protocol, temporary tables, locks) pins the session to its connection until it
 * disconnects. Across a failover the client connection stays open: a statement in flight fails with 1105, an open
 * transaction is cancelled (1105 on the next statement), new statements wait up to `borrowTimeoutMs` for the
 * new writer. A pinned session cannot move: its state lived on the lost connection, so the proxy closes the
 * client connection and records `proxy-session-lost` in the ground truth.
 */
export class LabProxy {
  private server: Server | undefined;
  private readonly sessions = new Set<Session>();
  private readonly idle = new Map<string, BackendConnection[]>();
  private nextId = 1;

  constructor(
    readonly address: string,
    readonly port: number,
    private readonly cluster: AuroraLabCluster,
    private readonly credentials: { user: string; password: string },
    private readonly groundTruth?: GroundTruth,
    private readonly borrowTimeoutMs = 30_000,
  ) {}

  async listen(): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          cannotStart(
            err.code === 'EADDRINUSE'
              ? `${this.address}:${this.port} (the lab's RDS Proxy) is already in use: is another lab running?`
              : `cannot listen on ${this.address}:${this.port}: ${err.message}`,
          ),
        ),
      );
      server.listen(this.port, this.address, () => resolve());
    });
  }

  async close(): Promise<void> {
    for (const s of this.sessions) this.endSession(s, true);
    this.sessions.clear();
    for (const list of this.idle.values()) for (const c of list) c.destroy();
    this.idle.clear();
    const server = this.server;
    this.server = undefined;
    if (server?.listening) await new Promise<void>((r) => server.close(() => r()));
  }

  private accept(client: Socket): void {
    client.setNoDelay(true);
    client.on('error', () => {});
    this.serve(client).catch(() => client.destroy());
  }

  private async serve(raw: Socket): Promise<void> {
    let client: Socket = raw;
    let queue = new PacketQueue(raw);
    const scramble = newScramble();
    const id = this.nextId++;
    const tls = this.cluster.proxyTls;
    client.write(greeting('8.0.32-lab-rds-proxy', id, scramble, tls !== undefined));
    let hello = await queue.next();
    if (tls && isSslRequest(hello.payload)) {
      // TLS ends here, as at RDS Proxy; the login and every statement after it come over it.
      const secure = acceptTls(raw, queue.rest(), tls);
      secure.on('error', () => secure.destroy());
      client = secure;
      queue = new PacketQueue(secure);
      hello = await queue.next();
    } else if (this.cluster.options.requireTls) {
      // `drill lab up --require-tls` stands for RequireTLS on the proxy as well as require_secure_transport=ON.
      client.end(
        errPacket(
          hello.seq + 1,
          ER_SECURE_TRANSPORT_REQUIRED,
          'HY000',
          'This RDS Proxy requires TLS connections.',
        ),
      );
      return;
    }
    const login = parseLogin(hello.payload);
    let token = login.token;
    let seq = hello.seq;
    if (!usesNativePassword(login)) {
      client.write(authSwitch(seq + 1, scramble));
      const answer = await queue.next();
      token = answer.payload;
      seq = answer.seq;
    }
    if (
      login.user !== this.credentials.user ||
      !nativePasswordMatches(this.credentials.password, scramble, token)
    ) {
      const using = token.length ? 'YES' : 'NO';
      client.end(
        errPacket(
          seq + 1,
          1045,
          '28000',
          `Access denied for user '${login.user}' (using password: ${using})`,
        ),
      );
      return;
    }
    client.write(okPacket(seq + 1));
    const session: Session = {
      id,
      client,
      key: `${login.capabilities}:${login.charset}`,
      capabilities: login.capabilities,
      charset: login.charset,
      database: login.database,
      tracked: new Map(),
      pinnedBy: [],
      backend: undefined,
      status: STATUS.AUTOCOMMIT,
      busy: false,
      transactionLost: false,
      ended: false,
    };
    this.sessions.add(session);
    client.on('close', () => this.endSession(session, false));
    for (;;) {
      const first = await queue.next();
      // A statement of 16 MB or more comes in several packets: relay them together.
      const raws = [first.raw];
      for (let last = first; last.payload.length === MAX_PACKET; ) {
        last = await queue.next();
        raws.push(last.raw);
      }
      const command = first.payload[0] as number;
      if (command === COM.QUIT) {
        this.endSession(session, false);
        client.end();
        return;
      }
      await this.handle(session, command, first.payload, Buffer.concat(raws), raws.length > 1);
      if (session.ended) return;
    }
  }

  /** What a command does to the session: pins it, is tracked, changes its database. */
  private effectOf(command: number, payload: Buffer, split: boolean): StatementEffect {
    if (command === COM.QUERY)
      return split
        ? { pins: 'statement text over 16 KB' }
        : statementEffect(payload.subarray(1).toString('utf8'));
    if (command === COM.STMT_PREPARE) return { pins: 'prepared statement (binary protocol)' };
    if (command === COM.SET_OPTION) return { pins: 'multi-statement option (COM_SET_OPTION)' };
    if (command === COM.INIT_DB) return { use: payload.subarray(1).toString('utf8') };
    return {};
  }

  private async handle(
    s: Session,
    command: number,
    payload: Buffer,
    raw: Buffer,
    split: boolean,
  ): Promise<void> {
    const fail = (seq: number, message: string): void => {
      s.client.write(errPacket(seq, ER_UNKNOWN_ERROR, 'HY000', message));
    };
    if (command === COM.PING) {
      s.client.write(okPacket(1));
      return;
    }
    if (command === COM.CHANGE_USER) {
      fail(1, "The lab's RDS Proxy does not support COM_CHANGE_USER: open a new connection");
      return;
    }
    if (s.transactionLost) {
      s.transactionLost = false;
      fail(
        1,
        'The transaction was cancelled by a failover (its database connection was lost); start it again',
      );
      return;
    }
    const effect = this.effectOf(command, payload, split);
    let backend: BackendConnection;
    try {
      backend = await this.backendFor(s);
    } catch (err) {
      if (s.ended) return;
      if (err instanceof DatabaseError) s.client.write(errPacket(1, err.errno, err.sqlState, err.sqlMessage));
      else fail(1, (err as Error).message);
      return;
    }
    // RDS Proxy pins on what it detects in the request, whatever the answer.
    if (effect.pins && !s.pinnedBy.includes(effect.pins)) s.pinnedBy.push(effect.pins);
    let lastSeq = 0;
    s.busy = true;
    try {
      const end = await backend.command(raw, command, (p) => {
        lastSeq = p.seq;
        s.client.write(p.raw);
      });
      if (!end.error) {
        if (effect.tracked) {
          s.tracked.delete(effect.tracked.key);
          s.tracked.set(effect.tracked.key, payload.subarray(1).toString('utf8'));
        }
        if (effect.use) s.database = effect.use;
        if (effect.dropsDatabase !== undefined && effect.dropsDatabase === s.database) s.database = undefined;
        if (command === COM.RESET_CONNECTION) s.tracked.clear();
        backend.database = s.database;
        backend.state = stateOf(s);
      }
      if (end.status !== undefined) s.status = end.status;
    } catch {
      // The database connection went away under the statement: the failover.
      s.backend = undefined;
      backend.destroy();
      s.status = STATUS.AUTOCOMMIT;
      if (s.pinnedBy.length) this.lose(s, backend.instance, lastSeq + 1);
      else
        fail(
          lastSeq + 1,
          'The database connection was lost while the statement ran (failover); run it again',
        );
      return;
    } finally {
      s.busy = false;
    }
    if (!s.pinnedBy.length && !(s.status & (STATUS.IN_TRANS | STATUS.CURSOR_EXISTS))) this.release(s);
  }

  /** The session's database connection: the one it holds while it is still good, else one from the pool. */
  private async backendFor(s: Session): Promise<BackendConnection> {
    const held = s.backend;
    if (held) {
      const i = held.instance;
      if (!held.closed && i.role === 'writer' && i.accepting && !i.readOnly) return held;
      s.backend = undefined;
      held.destroy();
      if (s.pinnedBy.length) {
        this.lose(s, i);
        throw new Error('session lost');
      }
      if (s.status & STATUS.IN_TRANS) {
        s.status = STATUS.AUTOCOMMIT;
        throw new Error(
          'The transaction was cancelled by a failover (its database connection was lost); start it again',
        );
      }
    }
    const conn = await this.borrow(s);
    if (s.ended) {
      conn.destroy(); // the client left while it waited
      throw new Error('session ended');
    }
    s.backend = conn;
    conn.onClose = () => this.backendLost(s, conn);
    return conn;
  }

  /** Waits for an accepting writer and lends a connection to it holding the session's state, up to the borrow timeout. */
  private async borrow(s: Session): Promise<BackendConnection> {
    const until = Date.now() + this.borrowTimeoutMs;
    const state = stateOf(s);
    for (;;) {
      if (s.ended) throw new Error('session ended');
      const writer = this.cluster.writer;
      if (writer.accepting && !writer.readOnly) {
        const conn = this.takeIdle(s.key, writer, state, s.database) ?? (await this.open(s, writer));
        if (conn) {
          try {
            await this.prepare(conn, s, state);
            return conn;
          } catch (err) {
            conn.destroy();
            if (err instanceof DatabaseError) throw err;
            // lost on the way: try again
          }
        }
      }
      if (Date.now() > until)
        throw new Error('Timed out waiting for an available database connection (proxy)');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async open(s: Session, writer: LabInstance): Promise<BackendConnection | undefined> {
    const login = {
      capabilities: s.capabilities,
      charset: s.charset,
      user: this.credentials.user,
      password: this.credentials.password,
      database: s.database,
    };
    try {
      const conn = await BackendConnection.open(
        writer,
        this.cluster.frontPort,
        login,
        s.key,
        2000,
        this.address,
      );
      conn.database = s.database;
      conn.state = JSON.stringify([s.database ?? null, []]);
      return conn;
    } catch (err) {
      if (err instanceof DatabaseError) throw err;
      return undefined; // the writer went away between the check and the connect: wait for the next one
    }
  }

  /** Brings a connection to the session's state: reset, database, tracked SETs replayed in order. */
  private async prepare(conn: BackendConnection, s: Session, state: string): Promise<void> {
    if (conn.state === state) return;
    const reset = conn.state !== JSON.stringify([conn.database ?? null, []]);
    if (reset) await conn.resetSession();
    if (s.database !== undefined && (reset || conn.database !== s.database))
      await conn.run(COM.INIT_DB, s.database);
    for (const sql of s.tracked.values()) await conn.run(COM.QUERY, sql);
    conn.database = s.database;
    conn.state = state;
  }

  /** An idle connection to `writer` for this key: one holding `state` if any, else one that can be brought to it. */
  private takeIdle(
    key: string,
    writer: LabInstance,
    state: string,
    database: string | undefined,
  ): BackendConnection | undefined {
    const all = this.idle.get(key) ?? [];
    // Connections to an instance that is no longer the writer are of no use any more.
    for (const c of all) if (c.instance !== writer) c.destroy();
    const list = all.filter((c) => !c.closed && c.instance === writer);
    // A connection cannot leave its database for none: a session without one takes only such connections.
    const usable = list.filter((c) => database !== undefined || c.database === undefined);
    const pick = usable.find((c) => c.state === state) ?? usable[0];
    this.idle.set(
      key,
      list.filter((c) => c !== pick),
    );
    return pick;
  }

  /** The session's transaction ended unpinned: its connection goes back to the pool. */
  private release(s: Session): void {
    const conn = s.backend;
    s.backend = undefined;
    if (!conn || conn.closed) return;
    const list = this.idle.get(s.key) ?? [];
    if (list.length >= IDLE_PER_KEY) {
      conn.destroy();
      return;
    }
    conn.onClose = () =>
      this.idle.set(
        s.key,
        (this.idle.get(s.key) ?? []).filter((c) => c !== conn),
      );
    list.push(conn);
    this.idle.set(s.key, list);
  }

  /** A held connection closed while the session waited for the client (the failover took the instance down). */
  private backendLost(s: Session, conn: BackendConnection): void {
    if (s.backend !== conn || s.busy) return; // a statement in flight sees it itself
    s.backend = undefined;
    if (s.pinnedBy.length) this.lose(s, conn.instance);
    else if (s.status & STATUS.IN_TRANS) {
      s.status = STATUS.AUTOCOMMIT;
      s.transactionLost = true;
    }
  }

  /**
   * A pinned session lost its database connection: its state (user variables, prepared statements, temporary
   * tables, locks, session variables) is gone and cannot be moved to the new writer, so the client connection
   * is closed (after an error for a statement in flight) and the ground truth says so.
   */
  private lose(s: Session, instance: LabInstance, errorSeq?: number): void {
    if (s.ended) return;
    const pinnedBy = [...s.pinnedBy];
    this.groundTruth?.record('proxy-session-lost', {
      instance: instance.id,
      connectionId: s.id,
      pinnedBy,
      why: `pinned by ${pinnedBy.join('; ')}`,
    });
    this.endSession(s, false);
    const message = `This session was pinned to its database connection (${pinnedBy.join('; ')}) and lost it in a failover: its session state is gone; reconnect`;
    if (errorSeq !== undefined) s.client.end(errPacket(errorSeq, ER_UNKNOWN_ERROR, 'HY000', message));
    else s.client.end();
  }

  private endSession(s: Session, destroyClient: boolean): void {
    if (!s.ended) {
      s.ended = true;
      this.sessions.delete(s);
      const conn = s.backend;
      // A pinned connection's state, an open transaction or a half-read response must not reach another session.
      if (conn && (s.pinnedBy.length || s.busy || s.status & STATUS.IN_TRANS)) {
        s.backend = undefined;
        conn.destroy();
      } else this.release(s);
    }
    if (destroyClient) s.client.destroy();
  }
}
