import { addSecret } from '../core/secrets.js';
import type { AwsTarget } from './clients.js';

/** An IAM database authentication token is good for 15 minutes; a new one is made well before. */
export const tokenLifetimeMs = 15 * 60_000;
export const tokenRefreshMs = 10 * 60_000;

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

/**
 * Holds the current token for connections that need one now (synchronously, as mysql2's auth plugin asks): a
 * token older than `refreshMs` is replaced in the background, so a long drill (`--repeat`) never sends one past
 * its 15 minutes. A failed refresh keeps the old token and tries again on the next connection.
 */
export class TokenKeeper {
  private token = '';
  private madeAt = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly make: () => Promise<string>,
    private readonly now: () => number = Date.now,
    private readonly refreshMs = tokenRefreshMs,
  ) {}

  /** Makes the first token; its failure (no credentials, no region) is the drill's to report. */
  async start(): Promise<void> {
    this.token = await this.make();
    this.madeAt = this.now();
  }

  current(): string {
    if (this.now() - this.madeAt >= this.refreshMs) void this.refresh();
    return this.token;
  }

  /** Resolves once a refresh under way (if any) has ended. */
  async settled(): Promise<void> {
    await this.refreshing;
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.make()
      .then((token) => {
        this.token = token;
        this.madeAt = this.now();
      })
      .catch(() => {})
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }
}
