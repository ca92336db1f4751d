import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import mysql from 'mysql2';
import { type LoadDriver, loadServiceData, runLoadWorker } from '../../core/load/worker.js';
import { makeResolver } from '../../net/resolver.js';
import { classifyError } from '../errors.js';
import { loadRows, type MysqlLoadService, pointRead, pointWrite } from './statements.js';
import { LoadWire } from './wire.js';

/*
 * The worker thread of `drill aurora --load`: each worker is one application connection on the cluster endpoint,
 * running point reads and writes by primary key, resolving the name again when it reconnects. mysql2 connects,
 * logs in and prepares the two statements; then LoadWire runs them on the same socket.
 */
const config = loadServiceData<MysqlLoadService>();
const resolver = makeResolver(config.dns);
const sql = { read: pointRead(config.schema), write: pointWrite(config.schema) };

interface LoadConnection {
  conn: mysql.Connection;
  wire: LoadWire;
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
      user: config.user,
      password: config.password,
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
    return c.wire.run(kind, 1 + Math.floor(Math.random() * loadRows), performance.now());
  },
  close(c) {
    open.delete(c.wire);
    c.wire.close(Object.assign(new Error('closed'), { fatal: true }));
    c.conn.destroy();
  },
  classify(err) {
    const e = classifyError(err);
    // After a fatal error the connection is no use: drop it and make a new one, as a pool would.
    return { code: e.code, readOnly: e.readOnly, fatal: (err as { fatal?: boolean }).fatal === true };
  },
};

runLoadWorker(driver);
