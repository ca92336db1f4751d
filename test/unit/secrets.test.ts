import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { readDatabaseSecret } from '../../src/aws/secrets.js';
import { type DrillError, ExitCode } from '../../src/core/errors.js';
import { redactText } from '../../src/core/secrets.js';

// Secrets the lab does not keep (it has only its master secret): shapes a user's account may hold.
const sm = mockClient(SecretsManagerClient);
afterEach(() => sm.reset());
const target = { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } };

describe('--secret-id: what a secret must hold', () => {
  it('username and password from the JSON, both registered as secrets with the whole value', async () => {
    const value = JSON.stringify({ username: 'drill', password: 'Sm-Canary-91x', engine: 'mysql' });
    sm.on(GetSecretValueCommand, { SecretId: 'db' }).resolves({ SecretString: value });
    assert.deepEqual(await readDatabaseSecret(target, 'db'), {
      username: 'drill',
      password: 'Sm-Canary-91x',
    });
    assert.equal(redactText('pw Sm-Canary-91x'), 'pw ***');
    assert.equal(redactText(`value ${value}`), 'value ***');
  });

  it('a password without a username keeps -u', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: '{"password":"p-only-77"}' });
    assert.deepEqual(await readDatabaseSecret(target, 'db'), { username: undefined, password: 'p-only-77' });
  });

  for (const [what, value] of [
    ['no password', '{"username":"drill"}'],
    ['not JSON', 'just-a-string'],
    ['binary only', undefined],
  ] as const) {
    it(`refused, exit 3, one line: ${what}`, async () => {
      sm.on(GetSecretValueCommand).resolves(
        value === undefined ? { SecretBinary: new Uint8Array([1]) } : { SecretString: value },
      );
      await assert.rejects(readDatabaseSecret(target, 'db'), (err: DrillError) => {
        assert.equal(err.exitCode, ExitCode.cannotStart);
        assert.match(err.message, /^secret 'db' holds no JSON with a "password"/);
        assert.ok(!err.message.includes('\n'));
        return true;
      });
    });
  }

  it('access denied names the IAM action to grant', async () => {
    sm.on(GetSecretValueCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: secretsmanager:GetSecretValue'), {
        name: 'AccessDeniedException',
      }),
    );
    await assert.rejects(readDatabaseSecret(target, 'db'), (err: DrillError) => {
      assert.equal(err.exitCode, ExitCode.cannotStart);
      assert.match(
        err.message,
        /not allowed to secretsmanager:GetSecretValue .*grant secretsmanager:GetSecretValue/,
      );
      return true;
    });
  });
});
