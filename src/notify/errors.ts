import { cannotStart, DrillError, ExitCode, usageError } from '../core/errors.js';

/**
 * The error code AWS sent (`AuthorizationError`, `SubscriptionAlreadyExist`, `DBClusterNotFoundFault`), whether
 * the SDK modelled it (then `name` carries an `Exception`/`Fault` suffix and `Code` the wire code) or not.
 */
export function awsErrorCode(err: unknown): string {
  const e = err as { Code?: unknown; name?: unknown; code?: unknown };
  if (typeof e?.Code === 'string' && e.Code) return e.Code;
  const name = typeof e?.name === 'string' ? e.name : typeof e?.code === 'string' ? e.code : 'Error';
  // SNS models codes as <Code>Exception; the wire code has no suffix.
  return name.endsWith('Exception') && name !== 'Exception' && !/^AccessDenied/.test(name)
    ? name.slice(0, -'Exception'.length)
    : name;
}

/** Compares codes the way both spellings reach us: `SubscriptionNotFound` and `SubscriptionNotFoundFault`. */
export function isAwsError(err: unknown, ...codes: string[]): boolean {
  const bare = (c: string) => c.replace(/(Fault|Exception)$/, '');
  const code = bare(awsErrorCode(err));
  const name = bare(String((err as { name?: unknown })?.name ?? ''));
  return codes.some((c) => bare(c) === code || bare(c) === name);
}

const refusals = [
  'AuthorizationError',
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredToken',
  'SignatureDoesNotMatch',
];

/**
 * An AWS failure of one call as the single line a user reads: the AWS error code, the IAM action that failed,
 * and what to do. Refusals and missing resources exit 3 (could not start / AWS refused); a bad parameter that
 * got past our own checks exits 2.
 */
export function explainAwsFailure(err: unknown, action: string): DrillError {
  if (err instanceof DrillError) return err;
  const code = awsErrorCode(err);
  const message = String((err as { message?: unknown })?.message ?? err).split('\n')[0] ?? '';
  if (
    code === 'CredentialsProviderError' ||
    /could not load credentials|credential.*(missing|not found)/i.test(message)
  ) {
    return cannotStart(
      `no AWS credentials for ${action}: set AWS_PROFILE (or --profile) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY`,
    );
  }
  if (/region is missing/i.test(message)) return usageError('no AWS region: pass --region or set AWS_REGION');
  if (refusals.includes(code)) {
    return cannotStart(
      `${code}: not allowed to ${action} (${trim(message)}); 'drill notify setup --print-policy' prints the IAM policy drill needs`,
    );
  }
  if (isAwsError(err, 'DBClusterNotFoundFault')) {
    return cannotStart(`${code}: ${trim(message)} (${action}): check --cluster and --region`);
  }
  if (isAwsError(err, 'ClusterNotFoundFault')) {
    return cannotStart(`${code}: ${trim(message)} (${action}): check --memorydb and --region`);
  }
  if (isAwsError(err, 'SNSNoAuthorization')) {
    return cannotStart(
      `${code}: RDS may not publish to the topic (${action}): the topic policy must let events.rds.amazonaws.com publish`,
    );
  }
  if (isAwsError(err, 'InvalidParameter', 'InvalidParameterValue', 'InvalidParameterValueException')) {
    return new DrillError(`${code}: ${trim(message)} (${action})`, ExitCode.usage);
  }
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|socket hang up/.test(message)) {
    return cannotStart(
      `cannot reach the AWS API for ${action}: ${trim(message)} (check --endpoint-url and the network)`,
    );
  }
  return cannotStart(`${code}: ${trim(message)} (${action})`);
}

const trim = (text: string): string => (text.length > 300 ? `${text.slice(0, 297)}...` : text);

/** Runs one AWS call; a failure becomes a DrillError naming the IAM action (`sns:CreateTopic`). */
export async function callAws<T>(action: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    throw new AwsCallError(err, action, explainAwsFailure(err, action));
  }
}

/** A failed call: the explained DrillError, with the original code kept for callers that handle some codes. */
export class AwsCallError extends DrillError {
  readonly code: string;
  constructor(
    readonly original: unknown,
    readonly action: string,
    explained: DrillError,
  ) {
    super(explained.message, explained.exitCode);
    this.name = 'AwsCallError';
    this.code = awsErrorCode(original);
  }

  is(...codes: string[]): boolean {
    return isAwsError(this.original, ...codes);
  }
}

/** A resource AWS answered about with an empty list rather than a fault, as the fault it stands for. */
export function notFound(code: string, message: string, action: string): AwsCallError {
  const missing = Object.assign(new Error(message), { name: code });
  return new AwsCallError(missing, action, explainAwsFailure(missing, action));
}
