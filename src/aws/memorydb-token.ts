import { addSecret } from '../core/secrets.js';
import { type AwsTarget, memoryDbClient } from './clients.js';

/**
 * Makes MemoryDB IAM authentication tokens for `user` on cluster `cluster`: a GET of `http://<cluster>/?Action=
 * connect&User=<user>` presigned with SigV4 for service memorydb, 15 minutes, without its `http://` (as AWS's
 * MemoryDB guide builds it). Credentials and region are the MemoryDB client's own (--profile, AWS_* variables,
 * SSO, instance roles), so the token is signed as the drill's API calls are. Every token is registered as a
 * secret before it is handed out.
 */
export async function memorydbTokenMaker(
  target: AwsTarget,
  cluster: string,
  user: string,
): Promise<() => Promise<string>> {
  const [{ client }, { SignatureV4 }] = await Promise.all([
    memoryDbClient(target, 1),
    import('@smithy/signature-v4'),
  ]);
  const signer = new SignatureV4({
    service: 'memorydb',
    region: client.config.region,
    credentials: client.config.credentials,
    sha256: client.config.sha256,
  });
  return async () => {
    const signed = await signer.presign(
      {
        method: 'GET',
        protocol: 'http:',
        hostname: cluster,
        path: '/',
        query: { Action: 'connect', User: user },
        headers: { host: cluster },
      },
      { expiresIn: 900 },
    );
    const query = new URLSearchParams(signed.query as Record<string, string>);
    const token = `${cluster}/?${query}`;
    addSecret(token);
    return token;
  };
}
