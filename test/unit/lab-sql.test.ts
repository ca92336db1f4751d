import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAlterSystem } from '../../src/lab/aurora/alter-system.js';
import { type InstanceFacts, rewriteStatement } from '../../src/lab/aurora/rewrite.js';
import { tokenize } from '../../src/lab/aurora/sql-tokens.js';

const facts: InstanceFacts = {
  serverId: 'auroralab-mysql-node-01',
  readOnly: false,
  auroraVersion: '3.05.2',
  identity: {
    version: '8.0.32',
    versionComment: 'Source distribution',
    port: 3306,
    hostname: 'ip-10-0-0-11',
  },
  topology: [
    {
      serverId: 'auroralab-mysql-node-01',
      sessionId: 'MASTER_SESSION_ID',
      replicaLagMs: 0,
      cpu: 2,
      ageMs: 0,
    },
    { serverId: 'auroralab-mysql-node-02', sessionId: 'b1d2', replicaLagMs: 12, cpu: 1, ageMs: 0 },
  ],
};
const rewrite = (sql: string): string => rewriteStatement(sql, facts);

describe('SQL tokens', () => {
  it('keeps every character, and strings, quoted names and comments whole', () => {
    const sql = "SELECT `a``@@b`, 'it''s @@x', \"q\\\"@@y\" -- @@z\n# @@w\n/* @@v */ --x @@aurora_server_id";
    const tokens = tokenize(sql);
    assert.equal(tokens.map((t) => t.text).join(''), sql);
    assert.deepEqual(
      tokens.filter((t) => t.kind === 'var').map((t) => t.text),
      ['@@aurora_server_id'],
      '--x is minus minus x, not a comment',
    );
  });
});

describe('instance front: statement rewriting', () => {
  it("rewrites the seed lab's writer check, keeping column names", () => {
    assert.equal(
      rewrite('SELECT @@innodb_read_only, @@aurora_server_id, @@aurora_version'),
      "SELECT 0 AS `@@innodb_read_only`, 'auroralab-mysql-node-01' AS `@@aurora_server_id`, '3.05.2' AS `@@aurora_version`",
    );
  });

  it('replaces a variable in WHERE without an alias (the failover2 writer check)', () => {
    const sql = rewrite(
      "SELECT server_id FROM information_schema.replica_host_status WHERE SESSION_ID = 'MASTER_SESSION_ID' AND SERVER_ID = @@aurora_server_id",
    );
    assert.match(
      sql,
      /\) AS replica_host_status WHERE SESSION_ID = 'MASTER_SESSION_ID' AND SERVER_ID = 'auroralab-mysql-node-01'$/,
    );
  });

  it('names a changed select item after the expression as written, in any position', () => {
    assert.equal(
      rewrite("SELECT CONCAT(@@hostname, ':', @@port)"),
      "SELECT CONCAT('ip-10-0-0-11', ':', 3306) AS `CONCAT(@@hostname, ':', @@port)`",
    );
    assert.equal(
      rewrite('SELECT VERSION(), aurora_version( )'),
      "SELECT '8.0.32' AS `VERSION()`, '3.05.2' AS `aurora_version( )`",
    );
    assert.equal(
      rewrite('SELECT x FROM t WHERE y = @@aurora_server_id ORDER BY @@port;'),
      "SELECT x FROM t WHERE y = 'auroralab-mysql-node-01' ORDER BY 3306;",
    );
    assert.equal(
      rewrite('SELECT (SELECT @@aurora_version) FROM DUAL'),
      "SELECT (SELECT '3.05.2' AS `@@aurora_version`) AS `(SELECT @@aurora_version)` FROM DUAL",
    );
    assert.equal(
      rewrite('SELECT @@GLOBAL.innodb_read_only IS NULL'),
      'SELECT 0 IS NULL AS `@@GLOBAL.innodb_read_only IS NULL`',
    );
    assert.equal(rewrite('SELECT t.version, version FROM t'), 'SELECT t.version, version FROM t');
  });

  it('keeps user aliases and expressions, and leaves strings and comments alone', () => {
    assert.equal(
      rewrite("SELECT CONCAT(@@aurora_server_id, '@@aurora_version') AS id /* @@aurora_version */"),
      "SELECT CONCAT('auroralab-mysql-node-01', '@@aurora_version') AS id /* @@aurora_version */",
    );
    assert.equal(rewrite('SELECT @@aurora_server_id id'), "SELECT 'auroralab-mysql-node-01' id");
    assert.equal(rewrite("SELECT @@port 'p'"), "SELECT 3306 'p'");
    assert.equal(rewrite('SELECT 1'), 'SELECT 1');
    assert.equal(rewrite('SELECT @@read_only'), 'SELECT @@read_only');
  });

  it("turns replica_host_status into a derived table with Aurora's columns, with or without an alias", () => {
    const plain = rewrite(
      "SELECT server_id, session_id FROM information_schema.replica_host_status WHERE session_id = 'MASTER_SESSION_ID'",
    );
    assert.match(plain, /^SELECT server_id, session_id FROM \(SELECT 'auroralab-mysql-node-01' AS SERVER_ID/);
    assert.match(plain, /LOG_STREAM_SPEED_IN_KiB_PER_SECOND/);
    assert.match(plain, /\) AS replica_host_status WHERE session_id = 'MASTER_SESSION_ID'$/);
    const aliased = rewrite('SELECT r.server_id FROM `information_schema`.`REPLICA_HOST_STATUS` AS r');
    assert.match(aliased, /UNION ALL SELECT 'auroralab-mysql-node-02'.*\) AS r$/);
  });

  it('answers SHOW VARIABLES and the variable tables with the emulated variables', () => {
    const show = rewrite("SHOW GLOBAL VARIABLES LIKE 'aurora%';");
    assert.match(show, /^SELECT Variable_name, Value FROM \(SELECT LOWER\(VARIABLE_NAME\)/);
    assert.match(show, /FROM information_schema\.GLOBAL_VARIABLES UNION ALL SELECT 'aurora_server_id'/);
    assert.match(show, / AS variables WHERE Variable_name LIKE 'aurora%' ORDER BY Variable_name$/);
    assert.match(
      rewrite('show variables where Value = @@port'),
      /where Value = 3306 ORDER BY Variable_name$/,
    );
    const table = rewrite(
      "SELECT variable_value FROM information_schema.global_variables WHERE variable_name = 'AURORA_VERSION'",
    );
    assert.match(table, /SELECT 'AURORA_VERSION', '3\.05\.2'/);
    assert.match(table, /\) AS global_variables WHERE variable_name = 'AURORA_VERSION'$/);
    assert.match(
      rewrite('SELECT * FROM performance_schema.session_variables v'),
      /SELECT 'aurora_version', '3\.05\.2'.*\) v$/,
    );
  });
});

describe('ALTER SYSTEM grammar', () => {
  it('parses every documented form', () => {
    assert.deepEqual(parseAlterSystem('ALTER SYSTEM CRASH'), { kind: 'crash', target: 'instance' });
    assert.deepEqual(parseAlterSystem('alter system crash dispatcher;'), {
      kind: 'crash',
      target: 'dispatcher',
    });
    assert.deepEqual(parseAlterSystem('ALTER SYSTEM CRASH NODE'), { kind: 'crash', target: 'node' });
    assert.deepEqual(
      parseAlterSystem(
        'ALTER SYSTEM SIMULATE 100 PERCENT READ REPLICA FAILURE TO "auroralab-mysql-node-02" FOR INTERVAL 10 SECOND',
      ),
      { kind: 'replica-failure', percent: 100, replica: 'auroralab-mysql-node-02', forMs: 10_000 },
    );
    assert.deepEqual(
      parseAlterSystem('ALTER SYSTEM SIMULATE 25 PERCENT READ REPLICA FAILURE FOR INTERVAL 2 MINUTE'),
      {
        kind: 'replica-failure',
        percent: 25,
        replica: 'all',
        forMs: 120_000,
      },
    );
    assert.deepEqual(
      parseAlterSystem('ALTER SYSTEM SIMULATE 50 PERCENT DISK FAILURE IN DISK 1 FOR INTERVAL 3 SECOND'),
      {
        kind: 'disk-failure',
        percent: 50,
        forMs: 3000,
      },
    );
    assert.deepEqual(
      parseAlterSystem(
        'ALTER SYSTEM SIMULATE 75 PERCENT DISK CONGESTION BETWEEN 20 AND 200 MILLISECONDS FOR INTERVAL 1 MINUTE',
      ),
      { kind: 'disk-congestion', percent: 75, minMs: 20, maxMs: 200, forMs: 60_000 },
    );
  });

  for (const bad of [
    'ALTER SYSTEM CRASH EVERYTHING',
    'ALTER SYSTEM SIMULATE 150 PERCENT DISK FAILURE FOR INTERVAL 1 SECOND',
    'ALTER SYSTEM SIMULATE 10 PERCENT DISK CONGESTION BETWEEN 50 AND 5 MILLISECONDS FOR INTERVAL 1 SECOND',
    'ALTER SYSTEM SIMULATE 10 PERCENT READ REPLICA FAILURE',
  ]) {
    it(`gives a syntax error for: ${bad}`, () => {
      const r = parseAlterSystem(bad);
      assert.ok('error' in r, JSON.stringify(r));
    });
  }
});
