import { cannotStart, quote } from '../core/errors.js';
import { addSecret } from '../core/secrets.js';
import type { AwsTarget } from './clients.js';
import { secretsManagerClient } from './clients.js';
import { callAws } from './errors.js';

/** A database login kept in Secrets Manager (the JSON RDS writes for a managed master password). */
export interface DatabaseSecret {
  username: string | undefined;
  password: string;
}

const policyHint =
  'grant secretsmanager:GetSecretValue on the secret (and kms:Decrypt on its key) to this identity';

/**
 * Reads `username` and `password` from the secret `secretId` (a name or ARN), once. The whole value and the
 * password are registered as secrets before anything could print them.
 */
export async function readDatabaseSecret(target: AwsTarget, secretId: string): Promise<DatabaseSecret> {
  const { sdk, client } = await secretsManagerClient(target);
  const out = await callAws(
    'secretsmanager:GetSecretValue',
    () => client.send(new sdk.GetSecretValueCommand({ SecretId: secretId })),
    policyHint,
  );
  const text = out.SecretString;
  addSecret(text);
  let value: unknown;
  try {
    value = text === undefined ? undefined : JSON.parse(text);
  } catch {
    value = undefined;
  }
  const fields = (value ?? {}) as { username?: unknown; password?: unknown };
  if (typeof fields.password !== 'string' || fields.password === '') {
    throw cannotStart(
      `secret ${quote(secretId)} holds no JSON with a "password" (and "username"), as RDS writes for a managed master password: give the database login's secret`,
    );
  }
  addSecret(fields.password);
  return {
    username: typeof fields.username === 'string' && fields.username ? fields.username : undefined,
    password: fields.password,
  };
}
