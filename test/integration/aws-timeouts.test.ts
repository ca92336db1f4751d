/**
 * An AWS API that accepts connections and never answers: every command that calls AWS must end, within seconds
 * of DRILL_AWS_TIMEOUT, in one line with exit 3 — not hang before its first probe or its first step.
 *
 * Addresses (test/support/addresses.ts): the silent API on a free port, and this file's MariaDB on 3306 (a
 * drill aurora needs a database that answers before it asks RDS about the cluster).
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../../src/lab/ports.js';
import { addresses, loopback } from '../support/addresses.js';
import { drill } from '../support/cli.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';

const silentAddress = loopback(addresses.awsTimeouts.silentApi.first);
const databaseAddress = loopback(addresses.awsTimeouts.database.first);
let silent: Server;
let silentUrl: string;
const sockets = new Set<Socket>();
let database: TestDatabase;

/** AWS settings that would work but for the API's silence; a 1 s wait keeps the test short. */
const aws = {
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: 'us-east-1',
  AWS_PROFILE: undefined,
  DRILL_AWS_TIMEOUT: '1s',
};

before(async () => {
  const port = await freePort();
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(port, silentAddress, resolve));
  silentUrl = `http://${silentAddress}:${port}`;
  database = await startTestDatabase(databaseAddress);
});

after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => silent?.close(r));
  await database?.cleanup();
});

/** `drill ARGS` ends within 40 s: one line on stderr naming the call and the wait, exit 3, no stack trace. */
async function assertTimesOut(args: string[], env: Record<string, string | undefined>, action: string) {
  const started = Date.now();
  const r = await drill([...args, '--no-color'], { ...aws, ...env }, 60_000);
  assert.ok(Date.now() - started < 40_000, `took ${Date.now() - started} ms`);
  assert.equal(r.code, 3, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(
    lines[0] as string,
    new RegExp(`^drill: the \\w+ API did not answer ${action} in 1 s \\(2 attempts\\): .*DRILL_AWS_TIMEOUT`),
  );
  assert.doesNotMatch(r.stderr, /\n\s+at |TimeoutError|@smithy/);
}

describe('an AWS API that never answers', () => {
  it('drill notify setup ends with one line naming the call, exit 3', async () => {
    const endpoints = ['--endpoint-url', silentUrl, '--region', 'us-east-1'];
    const setup = ['--topic', 't', '--email', 'a@example.com', '--cluster', 'auroralab-mysql-cluster'];
    await assertTimesOut(['notify', 'setup', ...endpoints, ...setup], {}, 'rds:DescribeDBClusters');
  });

  it('drill aurora --cluster ends with one line naming the call, exit 3', async () => {
    const target = ['-e', `${database.address}:${database.port}`, '-u', database.user];
    await assertTimesOut(
      ['aurora', '--cluster', 'x', ...target, '--duration', '3s', '--no-events'],
      { DRILL_PASSWORD: database.password, AWS_ENDPOINT_URL_RDS: silentUrl },
      'rds:DescribeDBClusters',
    );
  });

  it('a bad DRILL_AWS_TIMEOUT is a usage error before anything is called', async () => {
    const r = await drill(
      ['notify', 'status', '--endpoint-url', silentUrl, '--region', 'us-east-1', '--no-color'],
      { ...aws, DRILL_AWS_TIMEOUT: '10' },
      30_000,
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^drill: invalid DRILL_AWS_TIMEOUT '10': use a number with a unit/);
  });
});
