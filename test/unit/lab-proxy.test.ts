import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statementEffect } from '../../src/lab/aurora/pinning.js';
import { nativePasswordMatches } from '../../src/lab/aurora/proxy.js';
import { COM, nativeToken, ResponseEnd, STATUS } from '../../src/lab/aurora/proxy-wire.js';

describe("the lab proxy's reading of statements (RDS Proxy's pinning rules for Aurora MySQL)", () => {
  it('tracks the variables RDS Proxy tracks, without pinning', () => {
    for (const sql of [
      'SET NAMES utf8mb4',
      "SET NAMES 'utf8mb4' COLLATE 'utf8mb4_unicode_ci'",
      'SET CHARACTER SET latin1',
      'SET autocommit=1',
      'set @@session.autocommit = 0',
      "SET SESSION sql_mode = 'STRICT_TRANS_TABLES', time_zone = '+00:00'",
      'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED',
      'SET tx_isolation = "READ-COMMITTED"',
      'SET LOCAL wait_timeout = 100',
    ]) {
      const e = statementEffect(sql);
      assert.equal(e.pins, undefined, sql);
      assert.ok(e.tracked, sql);
    }
    assert.equal(
      statementEffect('SET autocommit=0').tracked?.key,
      statementEffect('SET @@autocommit = 1').tracked?.key,
    );
  });

  it('pins on what the docs list', () => {
    const pins: [string, RegExp][] = [
      ['SET @s=1', /^user variable @s$/],
      ['SET @a = 1, autocommit = 1', /user variable/],
      ['SET max_execution_time = 1000', /system variable max_execution_time/],
      ['SET autocommit = 1, foreign_key_checks = 0', /foreign_key_checks/],
      ['SET TRANSACTION ISOLATION LEVEL SERIALIZABLE', /next transaction/],
      ["PREPARE st FROM 'SELECT 1'", /prepared statement \(SQL text\)/],
      ['EXECUTE st USING @a', /prepared statement/],
      ['DEALLOCATE PREPARE st', /prepared statement/],
      ['LOCK TABLES t WRITE', /table lock/],
      ['FLUSH TABLES WITH READ LOCK', /table lock/],
      ['CREATE TEMPORARY TABLE tmp (id INT)', /temporary table/],
      ["SELECT GET_LOCK('x', 1)", /named lock/],
      ['SELECT SQL_CALC_FOUND_ROWS * FROM t LIMIT 1; SELECT FOUND_ROWS()', /several statements/],
      ['SELECT FOUND_ROWS()', /FOUND_ROWS/],
      ['SELECT @n := 1', /user variable/],
      ['SELECT 1 INTO @n', /^user variable @n$/],
      ['/*!40101 SET NAMES utf8 */', /executable comment/],
      [`SELECT '${'x'.repeat(17_000)}'`, /16 KB/],
    ];
    for (const [sql, why] of pins)
      assert.match(statementEffect(sql).pins ?? '(no pin)', why, sql.slice(0, 60));
  });

  it('neither pins nor tracks ordinary statements, and reads no SQL inside strings or comments', () => {
    for (const sql of [
      'SELECT 1',
      'INSERT INTO t VALUES (1)',
      "SELECT 'SET @x = 1; LOCK TABLES t WRITE'",
      'SELECT `get_lock(` FROM t',
      'SELECT 1 -- GET_LOCK(\n',
      'SET GLOBAL max_connections = 10',
      'BEGIN',
      'COMMIT',
    ]) {
      assert.deepEqual(statementEffect(sql), {}, sql);
    }
    assert.deepEqual(statementEffect('USE `shop`'), { use: 'shop' });
    assert.deepEqual(statementEffect('DROP DATABASE IF EXISTS shop'), { dropsDatabase: 'shop' });
  });
});

describe('where a response ends', () => {
  const ok = (status: number) => Buffer.from([0x00, 0x00, 0x00, status & 0xff, status >> 8, 0x00, 0x00]);
  const eof = (status: number) => Buffer.from([0xfe, 0x00, 0x00, status & 0xff, status >> 8]);
  const column = Buffer.from([0x03, 0x64, 0x65, 0x66, 0x00]);
  const row = Buffer.from([0x01, 0x31]);
  const feed = (end: ResponseEnd, packets: Buffer[]) => packets.map((p) => end.feed(p));

  it('a result set: count, definitions, EOF, rows, EOF; with MORE_RESULTS the next one follows', () => {
    const end = new ResponseEnd(COM.QUERY);
    const moreThenDone = feed(end, [
      Buffer.from([0x01]),
      column,
      eof(STATUS.AUTOCOMMIT),
      row,
      eof(STATUS.AUTOCOMMIT | STATUS.MORE_RESULTS),
      ok(STATUS.AUTOCOMMIT | STATUS.IN_TRANS),
    ]);
    assert.deepEqual(moreThenDone, [false, false, false, false, false, true]);
    assert.equal(end.status, STATUS.AUTOCOMMIT | STATUS.IN_TRANS);
  });

  it('an error ends it and keeps errno and SQLSTATE', () => {
    const end = new ResponseEnd(COM.QUERY);
    const err = Buffer.concat([
      Buffer.from([0xff, 0x7a, 0x04]),
      Buffer.from("#42S02Table 'x' doesn't exist"),
    ]);
    assert.equal(end.feed(err), true);
    assert.deepEqual(end.error, { errno: 1146, sqlState: '42S02', message: "Table 'x' doesn't exist" });
  });

  it('COM_STMT_PREPARE: parameter and column definitions, each block with its EOF; CLOSE has no response', () => {
    const end = new ResponseEnd(COM.STMT_PREPARE);
    // stmt id 1, 1 column, 2 params
    const prepareOk = Buffer.from([0x00, 1, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0]);
    assert.deepEqual(feed(end, [prepareOk, column, column, eof(2), column, eof(2)]), [
      false,
      false,
      false,
      false,
      false,
      true,
    ]);
    assert.equal(new ResponseEnd(COM.STMT_CLOSE).done, true);
    assert.equal(
      new ResponseEnd(COM.STMT_PREPARE).feed(Buffer.from([0x00, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])),
      true,
    );
  });

  it('the proxy checks mysql_native_password answers', () => {
    const scramble = Buffer.from('abcdefghijklmnopqrst');
    assert.equal(nativePasswordMatches('pw', scramble, nativeToken('pw', scramble)), true);
    assert.equal(nativePasswordMatches('pw', scramble, nativeToken('other', scramble)), false);
    assert.equal(nativePasswordMatches('pw', scramble, Buffer.alloc(0)), false);
  });
});
