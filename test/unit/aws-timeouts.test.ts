import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { awsTimeouts, defaultAwsTimeouts, drillRetryStrategy } from '../../src/aws/timeouts.js';
import { DrillError, ExitCode, quote } from '../../src/core/errors.js';

describe('AWS timeouts', () => {
  it('connect 3 s and answer 10 s per attempt by default; DRILL_AWS_TIMEOUT sets the answer wait', () => {
    assert.deepEqual(awsTimeouts({}), { connectMs: 3_000, answerMs: 10_000, timedOutAttempts: 2 });
    assert.deepEqual(awsTimeouts({ DRILL_AWS_TIMEOUT: '' }), defaultAwsTimeouts);
    assert.deepEqual(awsTimeouts({ DRILL_AWS_TIMEOUT: '30s' }), { ...defaultAwsTimeouts, answerMs: 30_000 });
    // Connecting never waits longer than the answer.
    assert.deepEqual(awsTimeouts({ DRILL_AWS_TIMEOUT: '1s' }), {
      ...defaultAwsTimeouts,
      answerMs: 1_000,
      connectMs: 1_000,
    });
  });

  it('a bare number or nothing to wait is a usage error', () => {
    for (const bad of ['10', '0s', 'soon']) {
      assert.throws(
        () => awsTimeouts({ DRILL_AWS_TIMEOUT: bad }),
        (e: unknown) =>
          e instanceof DrillError && e.exitCode === ExitCode.usage && /DRILL_AWS_TIMEOUT/.test(e.message),
        bad,
      );
    }
  });
});

describe('the retry strategy', () => {
  const strategy = drillRetryStrategy(5, 2);
  const timedOut = {
    errorType: 'TRANSIENT',
    error: Object.assign(new Error('slow'), { name: 'TimeoutError' }),
  };
  const throttled = {
    errorType: 'THROTTLING',
    error: Object.assign(new Error('slow down'), { name: 'Throttling' }),
  };
  /** How many attempts a call gets when every attempt fails with `info`. */
  async function attempts(info: { errorType: string; error?: unknown }): Promise<number> {
    let token = await strategy.acquireInitialRetryToken('');
    for (;;) {
      try {
        token = await strategy.refreshRetryTokenForRetry(token, info);
      } catch {
        return token.getRetryCount() + 1;
      }
      assert.ok(token.getRetryDelay() <= 20_000);
    }
  }

  it('a call whose attempts time out gets two; throttling gets them all; a client error one', async () => {
    assert.equal(await attempts(timedOut), 2);
    assert.equal(await attempts(throttled), 5);
    assert.equal(await attempts({ errorType: 'TRANSIENT', error: new Error('ECONNRESET') }), 5);
    assert.equal(await attempts({ errorType: 'CLIENT_ERROR', error: new Error('bad') }), 1);
    assert.equal(await attempts({ errorType: 'SERVER_ERROR' }), 1);
  });
});

describe('quote: a value the user typed, on one line', () => {
  it('quotes, and escapes line breaks and control characters', () => {
    assert.equal(quote('me@example.com'), "'me@example.com'");
    assert.equal(quote('a@b.c\nx'), "'a@b.c\\nx'");
    assert.equal(quote('a\r\tb'), "'a\\r\\tb'");
    assert.equal(quote('\u001b[31mred'), "'\\u001b[31mred'");
    assert.equal(quote('line\u2028sep'), "'line\\u2028sep'");
  });
});
