import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { DescribeDBProxiesCommand, RDSClient } from '@aws-sdk/client-rds';
import mysql from 'mysql2/promise';
import { type Observation, parseNdjson } from '../../src/core/history.js';
import { addresses } from '../support/addresses.js';
import { drill } from '../support/cli.js';
import { labIamToken } from '../support/iam.js';
import { startTestLab, stopTestLab, type TestLab } from '../support/lab.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// This file's lab: instances on 127.0.0.116-.117 (proxy .115), from test/support/addresses.ts.
const dir = mkdtempSync(join(tmpdir(), 'drill-tls-'));
const stateDir = join(dir, 'lab');
let lab: TestLab;

before(async () => {
  lab = await startTestLab(stateDir, addresses.auroraTls.lab.first);
});
after(async () => {
  await stopTestLab(stateDir);
  rmSync(dir, { recursive: true, force: true });
});

/** A CA of our own that signed nothing the lab serves. */
function wrongCa(): string {
  const file = join(dir, 'wrong-ca.crt');
  execFileSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    join(dir, 'wrong-ca.key'),
    '-out',
    file,
    '-days',
    '1',
    '-subj',
    '/CN=not the lab',
  ]);
  return file;
}

/**
 * A TLS handshake as a client that sends its SSL request and ClientHello in one segment: the front or proxy
 * must pass what it read past the request on to TLS. Resolves whether the handshake completed and verified.
 */
async function tlsInOneSegment(address: string, servername: string, ca: string): Promise<boolean> {
  const raw = connect(3306, address);
  try {
    await new Promise((resolve) => raw.once('data', resolve)); // the greeting
    const request = Buffer.alloc(36);
    request.writeUIntLE(32, 0, 3);
    request[3] = 1;
    request.writeUInt32LE(0x800 | 0x200 | 0x8000 | 0x80000, 4); // SSL, PROTOCOL_41, SECURE_CONNECTION, PLUGIN_AUTH
    request.writeUInt32LE(0xffffff, 8);
    request[12] = 45;
    let first = true;
    const carrier = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, done) {
        raw.write(first ? Buffer.concat([request, chunk]) : chunk, done);
        first = false;
      },
    });
    raw.on('data', (d: Buffer) => carrier.push(d));
    const secure = tlsConnect({ socket: carrier as unknown as Socket, ca, servername });
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 5000);
      secure.once('secureConnect', () => {
        clearTimeout(timer);
        resolve(secure.authorized);
        secure.destroy();
      });
      secure.once('error', () => resolve(false));
    });
  } finally {
    raw.destroy();
  }
}

const observations = (file: string): Observation[] =>
  parseNdjson(readFileSync(file, 'utf8')).filter((r): r is Observation => r.kind === 'observation');

describe('drill aurora over TLS against the lab', () => {
  it('lab status names the CA file and the --ca flag, the master secret and the IAM user', async () => {
    assert.ok(lab.status.aurora.caFile?.endsWith('ca.crt'));
    assert.match(readFileSync(lab.status.aurora.caFile ?? '', 'utf8'), /BEGIN CERTIFICATE/);
    const text = (await drill(['lab', 'status', '--state-dir', stateDir])).stdout;
    assert.ok(text.includes(`--ssl-mode verify-identity --ca ${lab.status.aurora.caFile}`), text);
    assert.ok(text.includes(`master secret     ${lab.status.aurora.secretId} (--secret-id)`), text);
    assert.match(text, /IAM auth user {5}drill_iam/);
    assert.match(text, /export AWS_ENDPOINT_URL_SECRETS_MANAGER='http:\/\/127\.0\.0\.1:\d+'/);
  });

  it('a failover drilled with --ssl-mode verify-identity: every probe verified, the new writer by name too', async () => {
    const history = join(dir, 'failover.ndjson');
    const writerBefore = lab.status.aurora.instances.find((i) => i.role === 'writer')?.id;
    const r = await drill(
      [
        'aurora',
        '--lab-state-dir',
        stateDir,
        '--ssl-mode',
        'verify-identity',
        '--ca',
        lab.status.aurora.caFile ?? '',
      ].concat(
        ['--mode', 'simple,pool', '--write-check', '--load', '2', '--trigger', 'failover', '--at', '1s'],
        ['--until-recovered', '--settle', '1s', '--timeout', '60s', '--history', history, '--json'],
      ),
      {},
      120_000,
    );
    assert.equal(r.code, 0, r.stderr + r.stdout.slice(0, 2000));
    const simple = observations(history).filter((o) => o.monitor === 'simple');
    const good = simple.filter((o) => o.ok);
    // Every probe that got in made a TLS handshake, and says how long it took.
    for (const o of good) assert.ok(typeof o.tlsMs === 'number' && o.tlsMs > 0, JSON.stringify(o));
    const newWriter = good.filter((o) => o.nodeId !== writerBefore);
    assert.ok(newWriter.length > 0, 'probes reached the new writer');
    assert.ok(newWriter.every((o) => o.tlsMs !== undefined));
    const records = parseNdjson(readFileSync(history, 'utf8'));
    // The write check, the pool and the load went over the same verified TLS.
    const acknowledged = observations(history).filter((o) => o.write?.outcome === 'acknowledged');
    assert.ok(acknowledged.length > 0, 'ledger writes acknowledged over TLS');
    assert.ok(observations(history).some((o) => o.monitor === 'pool' && o.ok));
    const load = records.filter((x) => x.kind === 'load') as { reads: number; writes: number }[];
    assert.ok(load.reduce((n, w) => n + w.reads + w.writes, 0) > 0, 'load operations over TLS');
  });

  it('a ClientHello in the same segment as the SSL request reaches TLS, at the front and at the proxy', async () => {
    const ca = readFileSync(lab.status.aurora.caFile ?? '', 'utf8');
    const writer = lab.status.aurora.instances.find((i) => i.role === 'writer');
    assert.ok(await tlsInOneSegment(writer?.address ?? '', lab.status.aurora.clusterEndpoint, ca));
    assert.ok(await tlsInOneSegment(lab.status.aurora.proxyAddress, lab.status.aurora.proxyEndpoint, ca));
  });

  it('--ca naming the wrong CA: exit 3, one line', async () => {
    const r = await drill([
      'aurora',
      '--lab-state-dir',
      stateDir,
      '--ssl-mode',
      'verify-identity',
      '--ca',
      wrongCa(),
    ]);
    assert.equal(r.code, 3, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0] ?? '',
      /^drill: TLS to .* failed: its certificate is not signed by a CA the drill trusts/,
    );
  });

  it('verify-identity by address, not name: exit 3, one line naming the mismatch', async () => {
    const writer = lab.status.aurora.instances.find((i) => i.role === 'writer');
    const r = await drill(
      ['aurora', '-e', writer?.address ?? '', '-u', 'admin', '--ssl-mode', 'verify-identity'].concat([
        '--ca',
        lab.status.aurora.caFile ?? '',
      ]),
      { DRILL_PASSWORD: lab.password },
    );
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /its certificate is not valid for that name/);
  });

  it("a server without TLS (an instance's own mariadbd) with --ssl-mode required: exit 3, one line", async () => {
    const writer = lab.status.aurora.instances.find((i) => i.role === 'writer');
    const r = await drill(
      [
        'aurora',
        '-e',
        `${writer?.address}:3307`,
        '-u',
        'admin',
        '--ssl-mode',
        'required',
        '--duration',
        '1s',
      ],
      { DRILL_PASSWORD: lab.password },
    );
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /does not offer TLS/);
  });

  it('the lab RDS Proxy offers TLS too: proxy mode verifies its certificate (and refuses the wrong CA)', async () => {
    const proxy = ['aurora', '--lab-state-dir', stateDir, '--mode', 'proxy', '--ssl-mode', 'verify-identity'];
    const r = await drill([...proxy, '--duration', '1s']);
    assert.equal(r.code, 0, r.stderr);
    const wrong = await drill([...proxy, '--ca', wrongCa(), '--duration', '1s']);
    assert.equal(wrong.code, 3, wrong.stderr);
    assert.match(
      wrong.stderr,
      /^drill: TLS to auroralab-mysql-proxy\.proxy-.* failed: its certificate is not signed/,
    );
  });

  it('--ssl-mode preferred uses TLS where offered; disabled stays plain', async () => {
    for (const [mode, tls] of [
      ['preferred', true],
      ['disabled', false],
    ] as const) {
      const history = join(dir, `${mode}.ndjson`);
      const r = await drill([
        'aurora',
        '--lab-state-dir',
        stateDir,
        '--ssl-mode',
        mode,
        '--duration',
        '1s',
        '--history',
        history,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const good = observations(history).filter((o) => o.ok);
      assert.ok(good.length > 0);
      assert.ok(
        good.every((o) => (o.tlsMs !== undefined) === tls),
        mode,
      );
    }
  });
});

// The second lab: instances on 127.0.0.226-.227 (proxy .225), refusing logins without TLS, with a password
// distinctive enough that finding it anywhere in the drill's output means it leaked.
describe('IAM tokens, Secrets Manager and --require-tls against the lab', () => {
  const strict = join(dir, 'strict');
  const password = 'Leak-Canary-4fq9Zx';
  let s: TestLab;
  const outputs: string[] = [];
  before(async () => {
    s = await startTestLab(strict, addresses.auroraTls.requireTls.first, [
      '--require-tls',
      '--password',
      password,
    ]);
  });
  after(async () => {
    await stopTestLab(strict);
  });

  /** `drill aurora -e` by the lab's exports, as a user on a bastion would run it: no password given. */
  const byExports = (args: string[], env: Record<string, string> = {}) =>
    drill(['aurora', '-e', s.status.aurora.clusterEndpoint, ...args], {
      DRILL_DNS_SERVER: s.status.dnsServer,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: s.status.apiEndpoint,
      AWS_REGION: s.status.region,
      AWS_ACCESS_KEY_ID: 'lab',
      AWS_SECRET_ACCESS_KEY: 'lab',
      ...env,
    }).then((r) => {
      outputs.push(r.stdout, r.stderr);
      return r;
    });

  it('a plain login is refused as RDS refuses it with require_secure_transport: exit 3, one line', async () => {
    const r = await drill(['aurora', '--lab-state-dir', strict, '--duration', '1s']);
    outputs.push(r.stdout, r.stderr);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /3159 Connections using insecure transport are prohibited/);
  });

  it('the lab RDS Proxy requires TLS too: a plain login gets 3159 in its words, a TLS one gets in', async () => {
    const proxy = ['aurora', '--lab-state-dir', strict, '--mode', 'proxy', '--duration', '1s'];
    const plain = await drill(proxy);
    outputs.push(plain.stdout, plain.stderr);
    assert.equal(plain.code, 3, plain.stderr);
    assert.equal(plain.stderr.trim().split('\n').length, 1, plain.stderr);
    assert.match(plain.stderr, /3159 This RDS Proxy requires TLS connections\./);
    // What a MySQL client sees, errno and text, as RDS Proxy's troubleshooting list gives them.
    await assert.rejects(
      mysql.createConnection({
        host: s.status.aurora.proxyAddress,
        user: 'admin',
        password,
        connectTimeout: 5000,
      }),
      (err: { errno?: number; sqlState?: string; sqlMessage?: string }) => {
        assert.deepEqual(
          [err.errno, err.sqlState, err.sqlMessage],
          [3159, 'HY000', 'This RDS Proxy requires TLS connections.'],
        );
        return true;
      },
    );
    // Over TLS the proxy lets the drill in; its own links to the instances are let in by the fronts.
    const secure = await drill([...proxy, '--ssl-mode', 'verify-identity']);
    outputs.push(secure.stdout, secure.stderr);
    assert.equal(secure.code, 0, secure.stderr);
  });

  it('DescribeDBProxies says RequireTLS true for this lab, false for the other', async () => {
    const requireTls = async (status: TestLab['status']) => {
      const rds = new RDSClient({
        region: status.region,
        endpoint: status.apiEndpoint,
        credentials: { accessKeyId: 'lab', secretAccessKey: 'lab' },
      });
      try {
        return (await rds.send(new DescribeDBProxiesCommand({}))).DBProxies?.[0]?.RequireTLS;
      } finally {
        rds.destroy();
      }
    };
    assert.equal(await requireTls(s.status), true);
    assert.equal(await requireTls(lab.status), false);
  });

  it('--iam-auth: the drill logs in with tokens over verified TLS, the load and write check too', async () => {
    const history = join(dir, 'iam.ndjson');
    const report = join(dir, 'iam.json');
    const r = await drill(
      ['aurora', '--lab-state-dir', strict, '--iam-auth', '--ssl-mode', 'verify-identity'].concat([
        '--write-check',
        '--load',
        '1',
        '--duration',
        '2s',
        '--history',
        history,
        '--report',
        report,
      ]),
    );
    outputs.push(r.stdout, r.stderr, readFileSync(history, 'utf8'), readFileSync(report, 'utf8'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /as drill_iam/);
    assert.ok(observations(history).some((o) => o.write?.outcome === 'acknowledged'));
  });

  it('a token signed with other keys (forged) is refused: exit 3, one line about the IAM token', async () => {
    const r = await byExports(['-u', 'drill_iam', '--iam-auth'], { AWS_SECRET_ACCESS_KEY: 'forged' });
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /access denied for user 'drill_iam' .*the IAM token was refused/);
  });

  it('an expired token is refused with the error RDS gives (1045 Access denied)', async () => {
    const writer = s.status.aurora.instances.find((i) => i.role === 'writer');
    const old = await labIamToken(s.status.aurora.clusterEndpoint, 'drill_iam', 'lab', 16 * 60_000);
    const fresh = await labIamToken(s.status.aurora.clusterEndpoint, 'drill_iam');
    const login = (token: string) =>
      mysql.createConnection({
        host: s.status.aurora.clusterEndpoint,
        port: 3306,
        user: 'drill_iam',
        stream: () => connect(3306, writer?.address ?? ''),
        ssl: { ca: readFileSync(s.status.aurora.caFile ?? '', 'utf8'), verifyIdentity: true },
        authPlugins: { mysql_clear_password: () => () => Buffer.from(`${token}\0`) },
        connectTimeout: 5000,
      });
    await assert.rejects(login(old), (err: { errno?: number; sqlMessage?: string }) => {
      assert.equal(err.errno, 1045);
      assert.match(
        err.sqlMessage ?? '',
        /^Access denied for user 'drill_iam'@'[^']+' \(using password: YES\)$/,
      );
      return true;
    });
    const conn = await login(fresh);
    try {
      const [rows] = await conn.query('SELECT CURRENT_USER() AS u');
      assert.match((rows as { u: string }[])[0]?.u ?? '', /^drill_iam@/);
    } finally {
      await conn.end();
    }
  });

  it('--secret-id: user and password read from the lab Secrets Manager through the SDK (ARN or partial ARN)', async () => {
    const arn = s.status.aurora.secretId ?? '';
    assert.match(
      arn,
      /^arn:aws:secretsmanager:us-east-1:\d{12}:secret:rds!cluster-[0-9a-f-]+-[A-Za-z0-9]{6}$/,
    );
    for (const id of [arn, arn.slice(0, -7)]) {
      const r = await byExports(['--secret-id', id, '--ssl-mode', 'required', '--duration', '1s']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /as admin/);
    }
    const missing = await byExports(['--secret-id', 'no-such-secret', '--ssl-mode', 'required']);
    assert.equal(missing.code, 3, missing.stderr);
    assert.match(
      missing.stderr,
      /^drill: ResourceNotFound: Secrets Manager can't find the specified secret\./,
    );
  });

  it('logins that cannot go together are usage errors', async () => {
    const disabled = await byExports(['-u', 'drill_iam', '--iam-auth', '--ssl-mode', 'disabled']);
    assert.equal(disabled.code, 2);
    assert.match(disabled.stderr, /--iam-auth sends its token over TLS only/);
    const both = await byExports(['--iam-auth', '--secret-id', 'x']);
    assert.equal(both.code, 2);
  });

  it('neither the password nor any token appears in any output, report or history', () => {
    assert.ok(outputs.length > 0);
    for (const text of outputs) {
      assert.ok(!text.includes(password), 'the password leaked');
      assert.ok(!/X-Amz-Signature|Action=connect/.test(text), 'a token leaked');
    }
  });
});
