import { awsTimeouts, drillRetryStrategy } from './timeouts.js';

type SnsModule = typeof import('@aws-sdk/client-sns');
type RdsModule = typeof import('@aws-sdk/client-rds');
type MemoryDbModule = typeof import('@aws-sdk/client-memorydb');
type SecretsManagerModule = typeof import('@aws-sdk/client-secrets-manager');

/** Where and as whom drill calls AWS (or a lab that answers like it). */
export interface AwsTarget {
  region?: string;
  profile?: string;
  /**
   * One endpoint for SNS, RDS, MemoryDB and Secrets Manager (a lab's control plane, or --endpoint-url); otherwise the SDK's own
   * resolution (AWS_ENDPOINT_URL_RDS and the like, then AWS).
   */
  endpoint?: string;
  /** Fixed credentials (the lab takes any; 'lab'/'lab' by convention). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * What every client shares: the target, and limits on waiting (see ./timeouts.ts) — a connect and an answer
 * timeout per attempt (the SDK's NodeHttpHandler options, given as options so the handler loads with the SDK),
 * at most `maxAttempts` attempts, of which at most two time out.
 */
function common(t: AwsTarget, maxAttempts: number) {
  const limits = awsTimeouts();
  return {
    ...(t.region ? { region: t.region } : {}),
    ...(t.endpoint ? { endpoint: t.endpoint } : {}),
    ...(t.credentials ? { credentials: t.credentials } : {}),
    maxAttempts,
    retryStrategy: drillRetryStrategy(maxAttempts, limits.timedOutAttempts),
    requestHandler: {
      connectionTimeout: limits.connectMs,
      requestTimeout: limits.answerMs,
      // Without it the SDK only logs a warning when requestTimeout passes, and goes on waiting.
      throwOnRequestTimeout: true,
    },
  };
}

function prepare(t: AwsTarget): void {
  // The SDK warns on Node 20 about its own future releases; in drill's output that line is only noise.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  if (t.profile) process.env.AWS_PROFILE = t.profile;
}

/** The SNS SDK and a client for the target; the SDK loads only when a command really calls AWS. */
export async function snsClient(t: AwsTarget, maxAttempts = 4) {
  prepare(t);
  const sdk: SnsModule = await import('@aws-sdk/client-sns');
  return { sdk, client: new sdk.SNSClient(common(t, maxAttempts)) };
}

export async function rdsClient(t: AwsTarget, maxAttempts = 4) {
  prepare(t);
  const sdk: RdsModule = await import('@aws-sdk/client-rds');
  return { sdk, client: new sdk.RDSClient(common(t, maxAttempts)) };
}

export async function memoryDbClient(t: AwsTarget, maxAttempts = 4) {
  prepare(t);
  const sdk: MemoryDbModule = await import('@aws-sdk/client-memorydb');
  return { sdk, client: new sdk.MemoryDBClient(common(t, maxAttempts)) };
}

export async function secretsManagerClient(t: AwsTarget, maxAttempts = 4) {
  prepare(t);
  const sdk: SecretsManagerModule = await import('@aws-sdk/client-secrets-manager');
  return { sdk, client: new sdk.SecretsManagerClient(common(t, maxAttempts)) };
}
