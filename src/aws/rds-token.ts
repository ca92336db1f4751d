import { addSecret } from '../core/secrets.js';
import type { AwsTarget } from './clients.js';

/**
 * Makes RDS IAM tokens for `user` at `host:port` with @aws-sdk/rds-signer (SigV4, service rds-db), from the
 * target's credentials or the standard chain (--profile, AWS_* variables, SSO, instance roles). Every token is
 * registered as a secret before it is handed out.
 */
export async function rdsTokenMaker(
  target: AwsTarget,
  host: string,
  port: number,
  user: string,
): Promise<() => Promise<string>> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { Signer } = await import('@aws-sdk/rds-signer');
  const signer = new Signer({
    hostname: host,
    port,
    username: user,
    ...(target.region ? { region: target.region } : {}),
    ...(target.profile ? { profile: target.profile } : {}),
    ...(target.credentials ? { credentials: target.credentials } : {}),
  });
  return async () => {
    const token = await signer.getAuthToken();
    addSecret(token);
    return token;
  };
}
