import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyError } from '../../src/aurora/errors.js';
import { startFailure } from '../../src/aurora/preflight.js';
import { readWriterCheck } from '../../src/aurora/sql.js';
import { formatDuration, parseDuration } from '../../src/core/duration.js';
import { DrillError, ExitCode } from '../../src/core/errors.js';
import { roundHalfUp, tenth } from '../../src/core/rounding.js';
import { parseEndpoint } from '../../src/net/endpoint.js';

describe('durations', () => {
  it('reads 250ms, 1s, 1.5s, 2m, 1m30s and 1h', () => {
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('1s'), 1000);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('2m'), 120_000);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration(' 1H '), 3_600_000);
  });

  it('takes up to 168h (7 days) and refuses longer: timers beyond 2^31 ms would fire at once', () => {
    assert.equal(parseDuration('168h', '--duration'), 604_800_000);
    for (const long of ['168h1ms', '600h', '1000000h']) {
      assert.throws(
        () => parseDuration(long, '--at'),
        (e: unknown) =>
          e instanceof DrillError &&
          e.exitCode === ExitCode.usage &&
          e.message === `--at '${long}' is too long: at most 168h (7 days)`,
      );
    }
  });

  for (const bad of ['5', '', 'abc', '1x', '-1s', '1s2', 's', '1 s']) {
    it(`refuses '${bad}' with a usage error that shows the accepted forms`, () => {
      assert.throws(
        () => parseDuration(bad, '--interval'),
        (e: unknown) =>
          e instanceof DrillError &&
          e.exitCode === ExitCode.usage &&
          e.message ===
            `invalid --interval '${bad}': use a number with a unit, e.g. 250ms, 1s, 1.5s, 2m, 1m30s`,
      );
    });
  }

  it('formats for people', () => {
    assert.equal(formatDuration(250), '250 ms');
    assert.equal(formatDuration(2412.4), '2.412 s');
    assert.equal(formatDuration(185_000), '3 m 05 s');
  });

  it('rounds a half up at every size, never to "60 s" (the one rounding of rounding.ts)', () => {
    assert.equal(formatDuration(412.5), '413 ms');
    assert.equal(formatDuration(1234.5), '1.235 s'); // toFixed said 1.234: 1.2345 is stored as 1.23449...
    assert.equal(formatDuration(999.5), '1.000 s');
    assert.equal(formatDuration(-412.5), '-413 ms');
    assert.equal(formatDuration(90_500), '1 m 31 s');
    assert.equal(formatDuration(119_600), '2 m 00 s');
    assert.equal(roundHalfUp(1.005, 2), 1.01);
    assert.equal(tenth(0.25), 0.3);
  });
});

describe('endpoints', () => {
  it('reads host, host:port, IPv4 and bracketed IPv6', () => {
    assert.deepEqual(parseEndpoint('db.example'), {
      host: 'db.example',
      port: 3306,
      text: 'db.example:3306',
    });
    assert.deepEqual(parseEndpoint('10.0.0.5:3307'), { host: '10.0.0.5', port: 3307, text: '10.0.0.5:3307' });
    assert.deepEqual(parseEndpoint('[::1]:3306'), { host: '::1', port: 3306, text: '[::1]:3306' });
    assert.deepEqual(parseEndpoint('::1'), { host: '::1', port: 3306, text: '[::1]:3306' });
    const aurora = 'auroralab-mysql-cluster.cluster-abc123xyz789.us-east-1.rds.amazonaws.com';
    assert.equal(parseEndpoint(aurora).host, aurora);
  });

  for (const [bad, message] of [
    ['db:0', /invalid port '0'/],
    ['db:99999', /invalid port '99999'/],
    ['db:abc', /invalid port 'abc'/],
    ['', /invalid endpoint ''/],
    ['bad host name', /invalid endpoint 'bad host name': expected HOST or HOST:PORT/],
    ['http://db', /invalid/],
  ] as const) {
    it(`refuses '${bad}'`, () => {
      assert.throws(
        () => parseEndpoint(bad),
        (e: unknown) => e instanceof DrillError && e.exitCode === ExitCode.usage && message.test(e.message),
      );
    });
  }
});

describe('driver errors', () => {
  it('counts server errors by MySQL number and the rest by driver/system code', () => {
    const readOnly = Object.assign(new Error('x'), {
      code: 'ER_OPTION_PREVENTS_STATEMENT',
      errno: 1290,
      sqlMessage:
        'The MariaDB server is running with the --read-only option so it cannot execute this statement',
    });
    assert.deepEqual(classifyError(readOnly), {
      code: '1290',
      errno: 1290,
      name: 'ER_OPTION_PREVENTS_STATEMENT',
      message: readOnly.sqlMessage,
      readOnly: true,
    });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.11:3306'), {
      code: 'ECONNREFUSED',
      errno: -111,
    });
    assert.equal(classifyError(refused).code, 'ECONNREFUSED');
    assert.equal(classifyError(new Error('odd')).code, 'UNKNOWN');
  });
});

describe('writer check rows', () => {
  it('reads Aurora and plain MySQL answers', () => {
    assert.deepEqual(readWriterCheck('aurora', [0, 'auroralab-mysql-node-01', '3.05.2']), {
      role: 'writer',
      nodeId: 'auroralab-mysql-node-01',
      version: '3.05.2',
    });
    assert.equal(readWriterCheck('aurora', [1, 'auroralab-mysql-node-02', '3.05.2']).role, 'reader');
    assert.deepEqual(readWriterCheck('mysql', [1, '7', 'db-host', '10.11.6-MariaDB']), {
      role: 'reader',
      nodeId: 'db-host/7',
      version: '10.11.6-MariaDB',
    });
  });
});

describe('why a drill cannot start', () => {
  const ep = parseEndpoint('db.example:3306');
  it('names the failure in one line with what to do', () => {
    const cases = [
      [
        { ok: false, error: { code: 'ENOTFOUND', message: 'x' } },
        ExitCode.cannotStart,
        /cannot resolve 'db\.example'/,
      ],
      [
        { ok: false, address: '10.0.0.1', error: { code: '1045', errno: 1045, message: 'Access denied' } },
        ExitCode.cannotStart,
        /access denied for user 'admin' at db\.example:3306: check --user and the password/,
      ],
      [
        { ok: false, address: '10.0.0.1', error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' } },
        ExitCode.cannotStart,
        /cannot reach db\.example:3306 \(10\.0\.0\.1\): ECONNREFUSED/,
      ],
      [{ ok: true, role: 'reader', nodeId: 'node-02' }, ExitCode.usage, /answered as a reader \(node-02\)/],
    ] as const;
    for (const [outcome, code, message] of cases) {
      const e = startFailure(ep, 'admin', outcome);
      assert.ok(e, JSON.stringify(outcome));
      assert.equal(e.exitCode, code);
      assert.match(e.message, message);
      assert.doesNotMatch(e.message, /\n/);
    }
    assert.equal(startFailure(ep, 'admin', { ok: true, role: 'writer', nodeId: 'node-01' }), undefined);
  });
});
