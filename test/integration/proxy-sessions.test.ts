import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { FailoverDBClusterCommand, RDSClient } from '@aws-sdk/client-rds';
import mysql, { type Connection } from 'mysql2/promise';
import { addresses } from '../support/addresses.js';
import { until } from '../support/cli.js';
import { killMentioning, startTestLab, stopTestLab, type TestLab } from '../support/lab.js';

// This file's lab (test/support/addresses.ts): the proxy on 127.0.0.45, instances on .46 and .47.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const dir = mkdtempSync(join(tmpdir(), 'drill-proxy-sessions-'));
let lab: TestLab;
const open: Connection[] = [];
/** mysql2's "got packets out of order" and other protocol warnings, from every connection of this file. */
const warnings: string[] = [];

/** Fails when `work` has not finished within `ms`: nothing through the proxy may wait forever. */
async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer through the proxy within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function viaProxy(): Promise<Connection> {
  const c = await within(
    10_000,
    'connect',
    mysql.createConnection({
      host: lab.status.aurora.proxyAddress,
      port: 3306,
      user: lab.status.aurora.user,
      password: lab.password,
      connectTimeout: 5000,
    }),
  );
  wire(c).on('warn', (w: Error) => warnings.push(w.message));
  c.on('error', () => {});
  open.push(c);
  return c;
}

async function one<T>(c: Connection, sql: string, values?: (string | number | null)[]): Promise<T> {
  const [rows] = await within(5000, sql, values ? c.execute(sql, values) : c.query(sql));
  return (rows as T[])[0] as T;
}

/** The callback connection under the promise one: its events say what mysql2 saw on the wire. */
const wire = (c: Connection) =>
  (c as unknown as { connection: import('node:events').EventEmitter }).connection;

const truth = () =>
  readFileSync(lab.status.groundTruthFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { kind: string; [k: string]: unknown });

before(async () => {
  lab = await startTestLab(join(dir, 'lab'), addresses.proxySessions.lab.first);
});

after(async () => {
  for (const c of open) c.destroy();
  await stopTestLab(join(dir, 'lab'));
  killMentioning(dir);
  rmSync(dir, { recursive: true, force: true });
});

describe("the lab's RDS Proxy: session statements, prepared statements, pinning across a failover", () => {
  it('answers SET NAMES, SET autocommit and SET @s, and a user variable stays with its (pinned) session', async () => {
    const c = await viaProxy();
    for (const sql of ['SET NAMES utf8mb4', 'SET autocommit=1', 'SET @s=1']) {
      const [ok] = await within(5000, sql, c.query(sql));
      assert.equal((ok as { affectedRows: number }).affectedRows, 0, sql);
    }
    assert.deepEqual(await one(c, 'SELECT @s AS s, @@character_set_client AS cs, @@autocommit AS ac'), {
      s: 1,
      cs: 'utf8mb4',
      ac: 1,
    });
  });

  it('runs PREPARE / EXECUTE / DEALLOCATE (SQL-text prepared statements)', async () => {
    const c = await viaProxy();
    await within(5000, 'PREPARE', c.query("PREPARE st FROM 'SELECT ? + 1 AS v'"));
    await within(5000, 'SET @a', c.query('SET @a = 41'));
    assert.deepEqual(await one(c, 'EXECUTE st USING @a'), { v: 42 });
    await within(5000, 'DEALLOCATE', c.query('DEALLOCATE PREPARE st'));
    await assert.rejects(c.query('EXECUTE st USING @a'), (e: { errno?: number }) => e.errno === 1243);
  });

  it('runs binary-protocol prepared statements (mysql2 execute()) with parameters', async () => {
    const c = await viaProxy();
    await within(5000, 'CREATE', c.query('CREATE DATABASE IF NOT EXISTS proxytest'));
    await within(
      5000,
      'CREATE TABLE',
      c.query(
        'CREATE TABLE IF NOT EXISTS proxytest.t (id INT PRIMARY KEY, name VARCHAR(20), at DATETIME(3))',
      ),
    );
    for (let id = 1; id <= 3; id++) {
      const [r] = await within(
        5000,
        'INSERT',
        c.execute('INSERT INTO proxytest.t VALUES (?, ?, ?)', [id, `n${id}`, '2026-01-02 03:04:05.678']),
      );
      assert.equal((r as { affectedRows: number }).affectedRows, 1);
    }
    assert.deepEqual(await one(c, 'SELECT ? AS a, ? + 1 AS b', ['x', 41]), { a: 'x', b: 42 });
    const [rows] = await within(
      5000,
      'SELECT',
      c.execute('SELECT id, name FROM proxytest.t WHERE id >= ? ORDER BY id', [2]),
    );
    assert.deepEqual(rows, [
      { id: 2, name: 'n2' },
      { id: 3, name: 'n3' },
    ]);
    assert.deepEqual(warnings, [], 'no packet-order warnings');
  });

  it('keeps the errno, SQLSTATE and message of an error, text and binary protocol alike', async () => {
    const c = await viaProxy();
    for (const run of [
      () => c.query('SELECT * FROM mysql.no_such_table'),
      () => c.execute('SELECT * FROM mysql.no_such_table WHERE 1 = ?', [1]),
    ]) {
      await assert.rejects(
        within(5000, 'no_such_table', run()),
        (e: { errno?: number; sqlState?: string; sqlMessage?: string }) => {
          assert.equal(e.errno, 1146);
          assert.equal(e.sqlState, '42S02');
          assert.equal(e.sqlMessage, "Table 'mysql.no_such_table' doesn't exist");
          return true;
        },
      );
    }
    assert.equal((await one<{ v: number }>(c, 'SELECT 1 AS v')).v, 1, 'the session goes on after the error');
  });

  it('multiplexes unpinned sessions between transactions, keeps a transaction on one connection, and keeps tracked settings apart', async () => {
    const a = await viaProxy();
    const b = await viaProxy();
    const conn = async (c: Connection) => (await one<{ id: number }>(c, 'SELECT CONNECTION_ID() AS id')).id;
    const shared = await conn(a);
    assert.equal(await conn(b), shared, 'b borrows the connection a gave back');
    await within(5000, 'BEGIN', a.query('BEGIN'));
    const held = await conn(a);
    assert.notEqual(await conn(b), held, 'a holds its connection while its transaction is open');
    await within(5000, 'COMMIT', a.query('COMMIT'));
    await within(5000, 'SET time_zone', a.query("SET time_zone = '+05:00'"));
    assert.equal((await one<{ tz: string }>(a, 'SELECT @@time_zone AS tz')).tz, '+05:00');
    assert.equal(
      (await one<{ tz: string }>(b, 'SELECT @@time_zone AS tz')).tz,
      'SYSTEM',
      "a's setting is not b's",
    );
    assert.equal((await one<{ tz: string }>(a, 'SELECT @@time_zone AS tz')).tz, '+05:00', 'and goes with a');
    await a.end();
    await b.end();
  });

  it('the mariadb command-line client logs in and runs SET and PREPARE through the proxy', async () => {
    const cli = await within(
      15_000,
      'mariadb CLI',
      promisify(execFile)('mariadb', [
        '-h',
        lab.status.aurora.proxyAddress,
        '-P',
        '3306',
        '-u',
        lab.status.aurora.user,
        `-p${lab.password}`,
        '-N',
        '-e',
        "SET NAMES utf8mb4; SET @s = 2; PREPARE st FROM 'SELECT ? * 2'; EXECUTE st USING @s; DEALLOCATE PREPARE st",
      ]),
    );
    assert.equal(cli.stdout.trim(), '4');
  });

  it('across a failover: a pinned session is closed and reported, an unpinned one keeps working with its tracked settings', async () => {
    const pinned = await viaProxy();
    await within(5000, 'SET @keep', pinned.query('SET @keep = 7'));
    await one(pinned, 'SELECT ? AS v', [1]);
    const pinnedId = pinned.threadId;
    const unpinned = await viaProxy();
    await within(5000, 'SET time_zone', unpinned.query("SET time_zone = '+03:00'"));
    const before = await one<{ id: string }>(unpinned, 'SELECT @@aurora_server_id AS id');
    const inTransaction = await viaProxy();
    await within(5000, 'CREATE', inTransaction.query('CREATE DATABASE IF NOT EXISTS proxytest'));
    await within(
      5000,
      'CREATE TABLE',
      inTransaction.query('CREATE TABLE IF NOT EXISTS proxytest.tx (id INT)'),
    );
    await within(5000, 'BEGIN', inTransaction.query('BEGIN'));
    await within(5000, 'INSERT', inTransaction.query('INSERT INTO proxytest.tx VALUES (1)'));
    const closed = new Promise<string>((resolve) => {
      wire(pinned).once('end', () => resolve('end'));
      wire(pinned).once('error', (e: { code?: string }) => resolve(e.code ?? 'error'));
    });
    const from = truth().length;

    const rds = new RDSClient({
      region: lab.status.region,
      endpoint: lab.status.apiEndpoint,
      credentials: { accessKeyId: 'lab', secretAccessKey: 'lab' },
    });
    await rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: lab.status.aurora.clusterId }));

    await within(30_000, 'the pinned session to be closed', closed);
    await assert.rejects(pinned.query('SELECT @keep'), 'the pinned session is gone');
    await until(
      () =>
        truth()
          .slice(from)
          .some((r) => r.kind === 'proxy-session-lost'),
      10_000,
      'the report',
    );
    // Earlier tests' sessions are pinned too and still open: each is reported on its own.
    const lost = truth()
      .slice(from)
      .filter((r) => r.kind === 'proxy-session-lost');
    const mine = lost.filter((r) => r.connectionId === pinnedId);
    assert.equal(mine.length, 1, JSON.stringify(lost));
    assert.ok(!lost.some((r) => r.connectionId === unpinned.threadId), 'the unpinned session is not lost');
    assert.equal(mine[0]?.instance, before.id);
    assert.deepEqual(mine[0]?.pinnedBy, ['user variable @keep', 'prepared statement (binary protocol)']);

    const [[after]] = (await within(
      40_000,
      'the unpinned session after the failover',
      unpinned.query('SELECT @@aurora_server_id AS id, @@time_zone AS tz'),
    )) as unknown as [[{ id: string; tz: string }]];
    assert.notEqual(after.id, before.id, 'the new writer answers');
    assert.equal(after.tz, '+03:00', 'the tracked time_zone went with the session');
    await assert.rejects(
      within(40_000, 'the cancelled transaction', inTransaction.query('INSERT INTO proxytest.tx VALUES (2)')),
      (e: { errno?: number; sqlMessage?: string }) =>
        e.errno === 1105 && /transaction was cancelled/.test(e.sqlMessage ?? ''),
    );
    assert.deepEqual(
      await one(inTransaction, 'SELECT COUNT(*) AS n FROM proxytest.tx'),
      { n: 0 },
      'rolled back',
    );
    const again = await viaProxy();
    assert.deepEqual(await one(again, 'SELECT @keep AS keep'), { keep: null }, 'the lost state is gone');
    assert.deepEqual(warnings, [], 'no packet-order warnings');
  });
});
