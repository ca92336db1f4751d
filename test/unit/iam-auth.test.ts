import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenKeeper, tokenRefreshMs } from '../../src/aws/rds-token.js';
import { iamTokenProblem } from '../../src/lab/aurora/iam-auth.js';
import { labIamToken } from '../support/iam.js';

const keys = { accessKeyId: 'lab', secretAccessKey: 'lab', region: 'us-east-1' };
const host = 'auroralab-mysql-cluster.cluster-drilllab0001.us-east-1.rds.amazonaws.com';

const token = (user: string, secretAccessKey = 'lab', agoMs = 0) =>
  labIamToken(host, user, secretAccessKey, agoMs);

describe('the lab checks IAM tokens as RDS does', () => {
  it('a token from rds-signer with the lab keys is good for its user', async () => {
    assert.equal(iamTokenProblem(await token('drill_iam'), 'drill_iam', keys), undefined);
  });

  it('refused: expired (past 15 minutes), another user, forged signature, other keys', async () => {
    assert.equal(iamTokenProblem(await token('drill_iam', 'lab', 16 * 60_000), 'drill_iam', keys), 'expired');
    assert.equal(iamTokenProblem(await token('drill_iam', 'lab', 14 * 60_000), 'drill_iam', keys), undefined);
    assert.match(iamTokenProblem(await token('admin'), 'drill_iam', keys) ?? '', /DBUser/);
    const good = await token('drill_iam');
    const forged = good.replace(
      /X-Amz-Signature=([0-9a-f])/,
      (_, c) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`,
    );
    assert.equal(iamTokenProblem(forged, 'drill_iam', keys), 'signature does not match');
    assert.equal(
      iamTokenProblem(await token('drill_iam', 'not-lab'), 'drill_iam', keys),
      'signature does not match',
    );
    assert.equal(iamTokenProblem('drill_iam', 'drill_iam', keys), 'not a presigned URL');
  });
});

describe('TokenKeeper: a new token before the old one runs out', () => {
  it('keeps a token for 10 minutes, then makes a new one in the background; a failed refresh keeps the old', async () => {
    let t = 0;
    let made = 0;
    let fail = false;
    const keeper = new TokenKeeper(
      async () => {
        if (fail) throw new Error('no credentials');
        made += 1;
        return `token-${made}`;
      },
      () => t,
    );
    await keeper.start();
    assert.equal(keeper.current(), 'token-1');
    t = tokenRefreshMs - 1;
    assert.equal(keeper.current(), 'token-1');
    await keeper.settled();
    assert.equal(made, 1, 'no refresh before 10 minutes');
    t = tokenRefreshMs;
    assert.equal(keeper.current(), 'token-1', 'the old token serves while the new one is made');
    await keeper.settled();
    assert.equal(keeper.current(), 'token-2');
    // A failed refresh: the old token stays, the next connection tries again.
    t = 2 * tokenRefreshMs + 5;
    fail = true;
    assert.equal(keeper.current(), 'token-2');
    await keeper.settled();
    assert.equal(keeper.current(), 'token-2');
    fail = false;
    await keeper.settled();
    assert.equal(keeper.current(), 'token-2');
    await keeper.settled();
    assert.equal(keeper.current(), 'token-3');
  });
});
