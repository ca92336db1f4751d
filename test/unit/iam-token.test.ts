import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memorydbTokenMaker } from '../../src/aws/memorydb-token.js';
import { TokenKeeper, tokenRefreshMs } from '../../src/aws/token-keeper.js';
import { iamTokenProblem, memorydbTokenRules, rdsTokenRules } from '../../src/lab/iam-token.js';
import { labIamToken, withClockBack } from '../support/iam.js';

const keys = { accessKeyId: 'lab', secretAccessKey: 'lab', region: 'us-east-1' };
const host = 'auroralab-mysql-cluster.cluster-drilllab0001.us-east-1.rds.amazonaws.com';

const token = (user: string, secretAccessKey = 'lab', agoMs = 0) =>
  labIamToken(host, user, secretAccessKey, agoMs);

describe('the lab checks IAM tokens as RDS does', () => {
  it('a token from rds-signer with the lab keys is good for its user', async () => {
    assert.equal(iamTokenProblem(await token('drill_iam'), 'drill_iam', keys, rdsTokenRules), undefined);
  });

  it('refused: expired (past 15 minutes), another user, forged signature, other keys', async () => {
    assert.equal(
      iamTokenProblem(await token('drill_iam', 'lab', 16 * 60_000), 'drill_iam', keys, rdsTokenRules),
      'expired',
    );
    assert.equal(
      iamTokenProblem(await token('drill_iam', 'lab', 14 * 60_000), 'drill_iam', keys, rdsTokenRules),
      undefined,
    );
    assert.match(iamTokenProblem(await token('admin'), 'drill_iam', keys, rdsTokenRules) ?? '', /DBUser/);
    const good = await token('drill_iam');
    const forged = good.replace(
      /X-Amz-Signature=([0-9a-f])/,
      (_, c) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`,
    );
    assert.equal(iamTokenProblem(forged, 'drill_iam', keys, rdsTokenRules), 'signature does not match');
    assert.equal(
      iamTokenProblem(await token('drill_iam', 'not-lab'), 'drill_iam', keys, rdsTokenRules),
      'signature does not match',
    );
    assert.equal(iamTokenProblem('drill_iam', 'drill_iam', keys, rdsTokenRules), 'not a presigned URL');
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

describe('the lab checks MemoryDB IAM tokens as MemoryDB does', () => {
  const rules = memorydbTokenRules('my-cluster');
  /** A token the drill makes, signed `agoMs` in the past with `secret`. */
  const memorydbToken = async (cluster: string, user: string, secret = 'lab', agoMs = 0) => {
    const make = await memorydbTokenMaker(
      { region: 'us-east-1', credentials: { accessKeyId: 'lab', secretAccessKey: secret } },
      cluster,
      user,
    );
    return withClockBack(agoMs, make);
  };

  it("the drill's token (service memorydb, User, the cluster's name as host) is good for its user", async () => {
    const token = await memorydbToken('my-cluster', 'drill-iam');
    assert.match(token, /^my-cluster\/\?Action=connect&User=drill-iam&X-Amz-Algorithm=AWS4-HMAC-SHA256&/);
    assert.match(token, /X-Amz-Expires=900/);
    assert.equal(iamTokenProblem(token, 'drill-iam', keys, rules), undefined);
  });

  it('refused: another cluster, another user, expired, other keys, an RDS token', async () => {
    assert.match(
      iamTokenProblem(await memorydbToken('other', 'drill-iam'), 'drill-iam', keys, rules) ?? '',
      /signed for other, not my-cluster/,
    );
    assert.match(
      iamTokenProblem(await memorydbToken('my-cluster', 'admin'), 'drill-iam', keys, rules) ?? '',
      /User is not drill-iam/,
    );
    assert.equal(
      iamTokenProblem(
        await memorydbToken('my-cluster', 'drill-iam', 'lab', 16 * 60_000),
        'drill-iam',
        keys,
        rules,
      ),
      'expired',
    );
    assert.equal(
      iamTokenProblem(await memorydbToken('my-cluster', 'drill-iam', 'nope'), 'drill-iam', keys, rules),
      'signature does not match',
    );
    assert.match(
      iamTokenProblem(await token('drill-iam'), 'drill-iam', keys, rules) ?? '',
      /signed for|User/,
    );
  });
});
