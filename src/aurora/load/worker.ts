import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import mysql from 'mysql2';
import type { AwsTarget } from '../../aws/clients.js';
import type { TokenKeeper } from '../../aws/token-keeper.js';
import { type LoadDriver, loadServiceData, runLoadWorker } from '../../core/load/worker.js';
import { makeResolver } from '../../net/resolver.js';
import { type Credentials, connectOptions } from '../connection.js';
import { classifyError } from '../errors.js';
import { loadRows, type MysqlLoadService, pointRead, pointWrite } from './statements.js';
import { LoadWire } from './wire.js';

/*
 * The worker thread of `drill aurora --load`: each worker is one application connection on the cluster endpoint,
 * running point reads and writes by primary key, resolving the name again when it reconnects. mysql2 connects,
 * logs in and prepares the two statements; then LoadWire runs them on the same socket. Over TLS the socket's
 * bytes are not the protocol's, so a TLS (or IAM) load runs its statements through mysql2 itself.
 */
const config = loadServiceData<MysqlLoadService>();
const resolver = makeResolver(config.dns);
const credentials: Credentials = { user: config.user, password: config.password, tls: config.tls };
const tokens = config.iam ? await iamTokens(config.iam) : undefined;
if (tokens) credentials.token = () => tokens.current();
const plain = config.tls.mode === 'disabled' && !tokens;

async function iamTokens(target: AwsTarget): Promise<TokenKeeper> {
  const [{ rdsTokenMaker }, { keepTokens }] = await Promise.all([
    import('../../aws/rds-token.js'),
    import('../../aws/token-keeper.js'),
  ]);
  return keepTokens(await rdsTokenMaker(target, config.host, config.port, config.user));
}
const sql = { read: pointRead(config.schema), write: pointWrite(config.schema) };

interface LoadConnection {
  conn: mysql.Connection;
  /** The fast path's, on a plain connection; none over TLS. */
  wire?: LoadWire;
}

const open = new Set<LoadWire>();
// One sweep for every connection instead of a timer per operation: an operation running past the query timeout
// fails as mysql2's would (and its connection is dropped), at most a tenth of a second late.
setInterval(() => {
  const now = performance.now();
  for (const wire of open) {
    if (wire.busy && now - wire.startedAt > config.queryTimeoutMs) {
      const e = Object.assign(new Error('Query inactivity timeout'), {
        code: 'PROTOCOL_SEQUENCE_TIMEOUT',
        fatal: true,
      });
      wire.close(e);
    }
  }
}, 100).unref();

const prepare = (conn: mysql.Connection, statement: string): Promise<number> =>
  new Promise((resolve, reject) =>
    conn.prepare(statement, (err, s) => (err ? reject(err) : resolve((s as unknown as { id: number }).id))),
  );

const driver: LoadDriver<LoadConnection> = {
  async connect() {
    const address = await resolver.lookup(config.host);
    if (!plain) return { conn: await tlsConnection(address) };
    let wire: LoadWire | undefined;
    const socket = connect({
      host: address,
      port: config.port,
      noDelay: true,
      keepAlive: true,
      // Reads land in one buffer per connection instead of a new one each: mysql2 is handed copies while it logs
      // in and prepares, LoadWire reads the buffer in place afterwards.
      onread: {
        buffer: Buffer.allocUnsafe(16 * 1024),
        callback: (n, buffer) => {
          const chunk = Buffer.from(buffer.buffer, buffer.byteOffset, n);
          if (wire) wire.onData(chunk);
          else socket.emit('data', Buffer.from(chunk));
          return true;
        },
      },
    });
    const conn = mysql.createConnection({
      stream: socket,
      user: credentials.user,
      password: credentials.password,
      connectTimeout: config.connectTimeoutMs,
      // LoadWire speaks the classic COM_STMT_EXECUTE and result-set shapes.
      flags: ['-CLIENT_QUERY_ATTRIBUTES'],
      // mysql2 sizes each connection's statement cache up front (16000 slots by default): two are used.
      maxPreparedStatements: 2,
    });
    conn.on('error', () => {});
    try {
      await new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
      const statements = { read: await prepare(conn, sql.read), write: await prepare(conn, sql.write) };
      // From here on the socket is LoadWire's: mysql2 is handed nothing more.
      wire = new LoadWire(socket, statements);
      open.add(wire);
      return { conn, wire };
    } catch (err) {
      conn.destroy();
      throw err;
    }
  },
  run(c, kind) {
    const id = 1 + Math.floor(Math.random() * loadRows);
    if (c.wire) return c.wire.run(kind, id, performance.now());
    return new Promise((resolve, reject) =>
      c.conn.execute({ sql: sql[kind], values: [id], timeout: config.queryTimeoutMs }, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  },
  close(c) {
    if (c.wire) {
      open.delete(c.wire);
      c.wire.close(Object.assign(new Error('closed'), { fatal: true }));
    }
    c.conn.destroy();
  },
  classify(err) {
    const e = classifyError(err);
    // After a fatal error the connection is no use: drop it and make a new one, as a pool would.
    return { code: e.code, readOnly: e.readOnly, fatal: (err as { fatal?: boolean }).fatal === true };
  },
};

/** A connection the drill's way (TLS, an IAM token), for statements run by mysql2. */
async function tlsConnection(address: string): Promise<mysql.Connection> {
  const conn = mysql.createConnection({
    ...connectOptions(credentials, config.connectTimeoutMs, {
      host: config.host,
      port: config.port,
      socket: () => connect(config.port, address),
    }),
    maxPreparedStatements: 2,
  });
  conn.on('error', () => {});
  try {
    await new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
  } catch (err) {
    conn.destroy();
    throw err;
  }
  return conn;
}

runLoadWorker(driver);
