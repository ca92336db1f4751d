import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisNode } from '../../src/lab/memorydb/node.js';
import { freePort } from '../../src/lab/ports.js';
import { addresses } from '../support/addresses.js';
import { drill, drillBin } from '../support/cli.js';
import { killMentioning, stopTestLab } from '../support/lab.js';

// A lab with MemoryDB (1 shard: primary and replica): instances on 127.0.0.248-.249 (proxy .247), nodes on
// 127.0.1.176-.177.
const block = addresses.labSecrets;
const stateDir = mkdtempSync(join(tmpdir(), 'drill-lab-secrets-'));
// Quotes, a space and `$`: what redis.conf and a shell each read in their own way. Distinctive, to grep for.
const password = `Zq9secretQ7'$x "y`;
let upOutput = '';

/** The `export` lines in a command's output, as a user copies them. */
const exportsIn = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('export '));

/** Runs `script` in bash after pasting `exports`, with `drill` being this checkout's. */
function pasted(exports: string[], script: string, timeoutMs = 60_000) {
  const drillFn = `drill() { ${JSON.stringify(process.execPath)} ${JSON.stringify(drillBin)} "$@"; }`;
  return spawnSync('bash', ['-c', [drillFn, ...exports, script].join('\n')], {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR },
  });
}

/** `drill lab up --detach --memorydb` (1 shard x 2) on this file's block, from `dir`. */
async function labUp(dir: string) {
  return drill(
    ['lab', 'up', '--detach', '--memorydb', '--shards', '1', '--replicas', '1', '--state-dir', dir].concat(
      ['--first-address', String(block.lab.first), '--memorydb-first-address', String(block.memorydb.first)],
      ['--dns-port', String(await freePort()), '--api-port', String(await freePort())],
    ),
    { DRILL_LAB_PASSWORD: password },
    150_000,
  );
}

describe('a MemoryDB node (redis-server) on its own', () => {
  const dir = mkdtempSync(join(tmpdir(), `drill-lab-secrets-node "a b" 'c'-`));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const nodeOn = (address: string, nodeTimeoutMs: number) =>
    new RedisNode({
      dir: join(dir, address),
      name: `node-${address}`,
      host: address,
      address,
      port: 6379,
      user: 'admin',
      password,
      replicationPassword: 'r',
      nodeTimeoutMs,
      tls: undefined,
    });

  it('starts from a folder with quotes and spaces, and takes its user by that password', async () => {
    const node = nodeOn(`127.0.1.${block.node.first}`, 2000);
    try {
      await node.start();
      const client = new Redis({
        host: node.options.address,
        port: 6379,
        username: 'admin',
        password,
        lazyConnect: true,
      });
      try {
        await client.connect();
        assert.equal(await client.ping(), 'PONG');
      } finally {
        client.disconnect();
      }
    } finally {
      await node.stop();
    }
  });

  it('that exits during start-up says why, from its stderr when it wrote no log', async () => {
    // A config redis-server rejects before it opens its log file.
    const node = nodeOn(`127.0.1.${block.node.first + 1}`, Number.NaN);
    await assert.rejects(node.start(), (err: Error) => {
      assert.match(err.message, /exited during start-up: .*stderr\.log ends: .*FATAL CONFIG FILE ERROR.*NaN/);
      return true;
    });
  });
});

describe('a lab whose password has quotes, spaces and $', () => {
  before(async () => {
    const up = await labUp(stateDir);
    upOutput = up.stdout;
    assert.equal(up.code, 0, up.stderr + up.stdout);
  });

  after(async () => {
    await stopTestLab(stateDir);
    killMentioning(stateDir);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('runs its MemoryDB nodes, and the pasted exports plus the printed drill memorydb line drill them', {
    timeout: 120_000,
  }, () => {
    const exports = exportsIn(upOutput);
    assert.ok(exports.includes(`export AWS_DEFAULT_REGION='us-east-1'`), upOutput);
    const command = upOutput
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.startsWith('drill memorydb '));
    assert.equal(
      command,
      `drill memorydb --lab-state-dir ${stateDir} --trigger failover-shard --until-recovered`,
    );
    const r = pasted(exports, `${command} --settle 1s --no-color`, 110_000);
    assert.equal(r.status, 0, r.stderr + r.stdout);
  });

  it('logs in to Aurora with it (created by its hash), and it is in no file but `password`', {
    timeout: 90_000,
  }, async () => {
    const r = await drill(
      ['aurora', '--lab-state-dir', stateDir, '--duration', '2s', '--no-color'],
      {},
      60_000,
    );
    assert.equal(r.code, 0, r.stderr);
    // Every file under the state dir, binary ones too: binlogs, relay logs, redis.conf, nodes.conf, lab.log.
    const found = spawnSync('grep', ['-r', '-a', '-l', '-F', 'Zq9secretQ7', stateDir], { encoding: 'utf8' });
    assert.deepEqual(found.stdout.trim().split('\n'), [join(stateDir, 'password')]);
  });

  it('`lab status` says where the password is, and its export lines read it from there', () => {
    const status = execFileSync(process.execPath, [drillBin, 'lab', 'status', '--state-dir', stateDir], {
      encoding: 'utf8',
    });
    assert.ok(!status.includes('Zq9secretQ7'), status);
    assert.match(status, new RegExp(`password +in ${join(stateDir, 'password')} \\(mode 600`));
    const r = pasted(exportsIn(status), `printf '%s|%s' "$DRILL_PASSWORD" "$AWS_DEFAULT_REGION"`);
    assert.equal(r.stdout, `${password}|us-east-1`);
  });

  const hasAwsCli = spawnSync('aws', ['--version']).status === 0;
  it('the AWS CLI finds its region in the pasted exports', { skip: !hasAwsCli && 'no aws CLI' }, () => {
    const r = pasted(
      exportsIn(upOutput),
      // As the printed aws lines do: the CLI v1 may not read AWS_ENDPOINT_URL_RDS, and nothing may reach AWS.
      'aws rds describe-db-clusters --endpoint-url "$AWS_ENDPOINT_URL_RDS" --query "DBClusters[0].Status" --output text',
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'available');
  });
});
