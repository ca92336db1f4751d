import { connect } from 'node:net';
import mysql from 'mysql2';
import type { AwsTarget } from '../../aws/clients.js';
import type { TokenKeeper } from '../../aws/rds-token.js';
import { type LoadDriver, loadServiceData, runLoadWorker } from '../../core/load/worker.js';
import { makeResolver } from '../../net/resolver.js';
import { type Credentials, connectOptions } from '../connection.js';
import { classifyError } from '../errors.js';
import { loadRows, type MysqlLoadService, pointRead, pointWrite } from './statements.js';

/*
 * The worker thread of `drill aurora --load`: each worker is one application connection on the cluster endpoint,
 * running point reads and writes by primary key, resolving the name again when it reconnects.
 */
const config = loadServiceData<MysqlLoadService>();
const resolver = makeResolver(config.dns);
const credentials: Credentials = { user: config.user, password: config.password, tls: config.tls };
const tokens = config.iam ? await iamTokens(config.iam) : undefined;
if (tokens) credentials.token = () => tokens.current();

async function iamTokens(target: AwsTarget): Promise<TokenKeeper> {
  const { rdsTokenMaker, TokenKeeper } = await import('../../aws/rds-token.js');
  const keeper = new TokenKeeper(await rdsTokenMaker(target, config.host, config.port, config.user));
  await keeper.start();
  return keeper;
}
const sql = { read: pointRead(config.schema), write: pointWrite(config.schema) };

const driver: LoadDriver<mysql.Connection> = {
  async connect() {
    const address = await resolver.lookup(config.host);
    const conn = mysql.createConnection(
      connectOptions(credentials, config.connectTimeoutMs, {
        host: config.host,
        port: config.port,
        socket: () => connect(config.port, address),
      }),
    );
    conn.on('error', () => {});
    try {
      await new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
    } catch (err) {
      conn.destroy();
      throw err;
    }
    return conn;
  },
  run(conn, kind) {
    const id = 1 + Math.floor(Math.random() * loadRows);
    return new Promise((resolve, reject) =>
      conn.query({ sql: sql[kind], values: [id], timeout: config.queryTimeoutMs }, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  },
  close: (conn) => conn.destroy(),
  classify(err) {
    const e = classifyError(err);
    // After a fatal error the connection is no use: drop it and make a new one, as a pool would.
    return { code: e.code, readOnly: e.readOnly, fatal: (err as { fatal?: boolean }).fatal === true };
  },
};

runLoadWorker(driver);
