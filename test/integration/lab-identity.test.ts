import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import mysql from 'mysql2/promise';
import { replicaHostStatusColumns } from '../../src/lab/aurora/rewrite.js';
import { addresses, loopback } from '../support/addresses.js';
import { killMentioning, startTestLab, stopTestLab, type TestLab } from '../support/lab.js';

// Instances on 127.0.0.31 (writer) and .32 (reader), the proxy on .30.
const { first } = addresses.labIdentity.lab;
const writer = loopback(first);
const reader = loopback(first + 1);
const dir = mkdtempSync(join(tmpdir(), 'drill-lab-identity-'));
let lab: TestLab;
const connections: mysql.Connection[] = [];

async function connectTo(host: string): Promise<mysql.Connection> {
  const c = await mysql.createConnection({
    host,
    port: 3306,
    user: lab.status.aurora.user,
    password: lab.password,
  });
  connections.push(c);
  return c;
}
async function one(c: mysql.Connection, sql: string): Promise<Record<string, unknown>> {
  const [rows] = (await c.query(sql)) as [Record<string, unknown>[], unknown];
  assert.ok(rows[0], `no row for ${sql}`);
  return rows[0];
}

/** The wrapper's own Aurora MySQL dialect (its queries and its parsing), loaded from the installed package. */
interface WrapperDialect {
  isDialect(c: unknown): Promise<boolean>;
  identifyConnection(c: unknown): Promise<string>;
  getHostRole(c: unknown): Promise<string>;
  getWriterId(c: unknown): Promise<string | null>;
  getHostAliasAndParseResults(c: unknown): Promise<string>;
  queryForTopology(c: unknown, provider: unknown): Promise<{ host: string; isWriter: boolean }[]>;
}
async function wrapperDialect(): Promise<{ dialect: WrapperDialect; queries: Record<string, string> }> {
  // The package's exports map hides its dialects; a file URL reaches the module all the same.
  const root = join(dirname(fileURLToPath(import.meta.resolve('aws-advanced-nodejs-wrapper'))));
  const file = join(root, 'mysql/lib/dialect/aurora_mysql_database_dialect.js');
  const module = (await import(pathToFileURL(file).href)) as {
    AuroraMySQLDatabaseDialect: (new () => WrapperDialect) & Record<string, string>;
  };
  const Dialect = module.AuroraMySQLDatabaseDialect;
  const names = [
    'TOPOLOGY_QUERY',
    'HOST_ID_QUERY',
    'IS_READER_QUERY',
    'IS_WRITER_QUERY',
    'AURORA_VERSION_QUERY',
  ];
  return { dialect: new Dialect(), queries: Object.fromEntries(names.map((n) => [n, Dialect[n] as string])) };
}

before(async () => {
  lab = await startTestLab(dir, first);
});

after(async () => {
  for (const c of connections) await c.end().catch(() => {});
  await stopTestLab(dir).catch(() => {});
  killMentioning(dir);
  rmSync(dir, { recursive: true, force: true });
});

describe('the lab presents itself as Aurora MySQL 3.05.2', () => {
  it('the handshake, VERSION(), AURORA_VERSION() and the identity variables', async () => {
    const c = await connectTo(writer);
    // What mysql2 read from the server's greeting.
    const { connection } = c as unknown as { connection: { _handshakePacket: { serverVersion: string } } };
    const handshake = connection._handshakePacket;
    assert.equal(handshake.serverVersion, '8.0.32');
    assert.deepEqual(
      await one(c, 'SELECT VERSION(), AURORA_VERSION(), @@version, @@version_comment, @@port, @@hostname'),
      {
        'VERSION()': '8.0.32',
        'AURORA_VERSION()': '3.05.2',
        '@@version': '8.0.32',
        '@@version_comment': 'Source distribution',
        '@@port': 3306,
        '@@hostname': `ip-10-0-0-${first}`,
      },
    );
    const r = await connectTo(reader);
    assert.deepEqual(await one(r, 'SELECT @@hostname AS h, @@innodb_read_only AS ro'), {
      h: `ip-10-0-0-${first + 1}`,
      ro: 1,
    });
  });

  it('SHOW VARIABLES and global_variables have the aurora_% rows and the identity', async () => {
    const c = await connectTo(writer);
    const [shown] = (await c.query("SHOW GLOBAL VARIABLES LIKE 'aurora%'")) as [
      { Variable_name: string; Value: string }[],
      unknown,
    ];
    const byName = new Map(shown.map((v) => [v.Variable_name, v.Value]));
    assert.equal(byName.get('aurora_version'), '3.05.2');
    assert.equal(byName.get('aurora_server_id'), 'auroralab-mysql-node-01');
    assert.ok(shown.every((v) => v.Variable_name.startsWith('aurora')));
    const [version] = (await c.query("SHOW VARIABLES LIKE 'version%'")) as [
      { Variable_name: string }[],
      unknown,
    ];
    assert.deepEqual(version.slice(0, 2), [
      { Variable_name: 'version', Value: '8.0.32' },
      { Variable_name: 'version_comment', Value: 'Source distribution' },
    ]);
    const [rows] = (await c.query(
      "SELECT VARIABLE_NAME, VARIABLE_VALUE FROM information_schema.global_variables WHERE VARIABLE_NAME LIKE 'aurora%' OR VARIABLE_NAME = 'PORT' ORDER BY 1",
    )) as [{ VARIABLE_NAME: string; VARIABLE_VALUE: string }[], unknown];
    const names = rows.map((r) => r.VARIABLE_NAME);
    assert.ok(names.includes('AURORA_SERVER_ID') && names.includes('AURORA_VERSION'), names.join());
    assert.equal(rows.find((r) => r.VARIABLE_NAME === 'PORT')?.VARIABLE_VALUE, '3306');
  });

  it("replica_host_status has Aurora's columns", async () => {
    const c = await connectTo(reader);
    const [rows] = (await c.query(
      'SELECT * FROM information_schema.replica_host_status ORDER BY SERVER_ID',
    )) as [Record<string, unknown>[], unknown];
    assert.equal(rows.length, 2);
    assert.deepEqual(Object.keys(rows[0] ?? {}), replicaHostStatusColumns);
    assert.ok(replicaHostStatusColumns.includes('LOG_STREAM_SPEED_IN_KiB_PER_SECOND'));
    assert.deepEqual(
      rows.map((r) => [r.SERVER_ID, r.SESSION_ID === 'MASTER_SESSION_ID']),
      [
        ['auroralab-mysql-node-01', true],
        ['auroralab-mysql-node-02', false],
      ],
    );
  });

  it("the AWS Advanced NodeJS Wrapper's Aurora MySQL dialect: its own queries and parsing on both instances", async () => {
    const { dialect, queries } = await wrapperDialect();
    assert.match(queries.IS_WRITER_QUERY ?? '', /SERVER_ID = @@aurora_server_id$/);
    const w = await connectTo(writer);
    const r = await connectTo(reader);
    for (const sql of Object.values(queries)) {
      await w.query(sql);
      await r.query(sql);
    }
    assert.equal(await dialect.isDialect(w), true);
    assert.equal(await dialect.identifyConnection(w), 'auroralab-mysql-node-01');
    assert.equal(await dialect.identifyConnection(r), 'auroralab-mysql-node-02');
    assert.equal(await dialect.getHostRole(w), 'writer');
    assert.equal(await dialect.getHostRole(r), 'reader');
    assert.equal(await dialect.getWriterId(w), 'auroralab-mysql-node-01');
    assert.equal(await dialect.getWriterId(r), null);
    assert.equal(await dialect.getHostAliasAndParseResults(r), `ip-10-0-0-${first + 1}:3306`);
    const provider = { createHost: (host: string, isWriter: boolean) => ({ host, isWriter }) };
    const topology = await dialect.queryForTopology(r, provider);
    assert.deepEqual(
      topology.map((h) => [h.host, Boolean(h.isWriter)]),
      [
        ['auroralab-mysql-node-01', true],
        ['auroralab-mysql-node-02', false],
      ],
    );
  });
});
