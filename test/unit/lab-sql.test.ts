import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAlterSystem } from '../../src/lab/aurora/alter-system.js';
import { type InstanceFacts, rewriteAuroraSql, rewriteShowVariables } from '../../src/lab/aurora/rewrite.js';

const facts: InstanceFacts = {
  serverId: 'auroralab-mysql-node-01',
  readOnly: false,
  auroraVersion: '3.05.2',
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

describe('instance front: statement rewriting', () => {
  it("rewrites the seed lab's writer check, keeping column names", () => {
    const sql = rewriteAuroraSql('SELECT @@innodb_read_only, @@aurora_server_id, @@aurora_version', facts);
    assert.equal(
      sql,
      "SELECT 0 AS `@@innodb_read_only`, 'auroralab-mysql-node-01' AS `@@aurora_server_id`, '3.05.2' AS `@@aurora_version`",
    );
  });

  it('keeps user aliases and expressions, and leaves strings and comments alone', () => {
    assert.equal(
      rewriteAuroraSql(
        "SELECT CONCAT(@@aurora_server_id, '@@aurora_version') AS id /* @@aurora_version */",
        facts,
      ),
      "SELECT CONCAT('auroralab-mysql-node-01', '@@aurora_version') AS id /* @@aurora_version */",
    );
    assert.equal(
      rewriteAuroraSql('SELECT @@aurora_server_id id', facts),
      "SELECT 'auroralab-mysql-node-01' id",
    );
    assert.equal(rewriteAuroraSql('SELECT 1', facts), 'SELECT 1');
  });

  it('turns replica_host_status into a derived table, with or without an alias', () => {
    const plain = rewriteAuroraSql(
      "SELECT server_id, session_id FROM information_schema.replica_host_status WHERE session_id = 'MASTER_SESSION_ID'",
      facts,
    );
    assert.match(plain, /^SELECT server_id, session_id FROM \(SELECT 'auroralab-mysql-node-01' AS SERVER_ID/);
    assert.match(plain, /\) AS replica_host_status WHERE session_id = 'MASTER_SESSION_ID'$/);
    const aliased = rewriteAuroraSql(
      'SELECT r.server_id FROM `information_schema`.`REPLICA_HOST_STATUS` AS r',
      facts,
    );
    assert.match(aliased, /UNION ALL SELECT 'auroralab-mysql-node-02'.*\) AS r$/);
  });

  it('answers SHOW VARIABLES LIKE for the Aurora variables only', () => {
    assert.equal(
      rewriteShowVariables("SHOW VARIABLES LIKE 'aurora_version'", facts),
      "SELECT 'aurora_version' AS Variable_name, '3.05.2' AS Value",
    );
    assert.match(rewriteShowVariables("show global variables like 'aurora%'", facts) ?? '', /UNION ALL/);
    assert.equal(rewriteShowVariables("SHOW VARIABLES LIKE 'read_only'", facts), undefined);
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
