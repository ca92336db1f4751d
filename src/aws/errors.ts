import { DrillError, ExitCode } from '../core/errors.js';

/**
 * What kind of failure an AWS call ended in, whatever the service: callers decide by kind (retry when throttled,
 * give up on denied), the explanation says what to do about it.
 */
export type AwsErrorKind =
  | 'credentials'
  | 'no-region'
  | 'denied'
  | 'throttled'
  | 'not-found'
  | 'wrong-state'
  | 'unreachable'
  | 'timeout'
  | 'not-the-api'
  | 'bad-parameter'
  | 'other';

/**
 * The error code AWS sent (`AuthorizationError`, `SubscriptionAlreadyExist`, `DBClusterNotFoundFault`), whether
 * the SDK modelled it (then `name` carries an `Exception`/`Fault` suffix and `Code` the wire code) or not; for a
 * network failure, Node's code (`ECONNREFUSED`).
 */
export function awsErrorCode(err: unknown): string {
  const e = unwrap(err) as { Code?: unknown; name?: unknown; code?: unknown };
  if (typeof e?.Code === 'string' && e.Code) return e.Code;
  const name = typeof e?.name === 'string' ? e.name : 'Error';
  // Node's network errors are plain (or, connecting to several addresses, aggregate) errors with a code.
  const code = /^(Aggregate)?Error$/.test(name) && typeof e?.code === 'string' ? e.code : name;
  // SNS models codes as <Code>Exception; the wire code has no suffix.
  return code.endsWith('Exception') && code !== 'Exception' && !/^AccessDenied/.test(code)
    ? code.slice(0, -'Exception'.length)
    : code;
}

/** Compares codes the way both spellings reach us: `SubscriptionNotFound` and `SubscriptionNotFoundFault`. */
export function isAwsError(err: unknown, ...codes: string[]): boolean {
  const code = bare(awsErrorCode(err));
  const name = bare(String((unwrap(err) as { name?: unknown })?.name ?? ''));
  return codes.some((c) => bare(c) === code || bare(c) === name);
}

const bare = (c: string): string => c.replace(/(Fault|Exception)$/, '');

// Codes compare without their Fault/Exception suffix (see isAwsError).
const rejectedCredentials = [
  'UnrecognizedClient',
  'InvalidClientTokenId',
  'ExpiredToken',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
];
const denied = ['AuthorizationError', 'AccessDenied', 'UnauthorizedOperation', 'SNSNoAuthorization'];
const throttled = [
  'Throttling',
  'Throttled',
  'RequestLimitExceeded',
  'TooManyRequests',
  'RequestThrottled',
  'APICallRateForCustomerExceeded',
];
const wrongState = [
  'InvalidDBClusterState',
  'InvalidDBInstanceState',
  'InvalidClusterState',
  'TestFailoverNotAvailable',
];
const badParameter = [
  'InvalidParameter',
  'InvalidParameterValue',
  'InvalidParameterCombination',
  'MissingParameter',
  'ValidationError',
  'Validation',
];
/** Answers that are not this service's API at all: a request it cannot read, an operation it does not know. */
const notTheApi = ['UnknownOperation', 'MissingAction', 'InvalidAction'];
const network =
  /ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|socket hang up/;

/** The kind of an AWS SDK failure: AWS's code where it sent one, the SDK's or Node's words otherwise. */
export function awsErrorKind(err: unknown): AwsErrorKind {
  const code = awsErrorCode(err);
  const message = firstLine(err);
  if (isAwsError(err, ...rejectedCredentials)) return 'credentials';
  if (isAwsError(err, ...denied)) return 'denied';
  if (isAwsError(err, ...throttled)) return 'throttled';
  // The SDK's words when an answer does not parse as the service's protocol (XML for JSON, an HTML page).
  if (/Deserialization error/.test(fullMessage(err)) || isAwsError(err, ...notTheApi)) return 'not-the-api';
  if (/NotFound$/.test(bare(code))) return 'not-found';
  if (isAwsError(err, ...wrongState)) return 'wrong-state';
  if (isAwsError(err, ...badParameter)) return 'bad-parameter';
  if (
    code === 'CredentialsProviderError' ||
    /could not load credentials|credential.*(missing|not found)/i.test(message)
  )
    return 'credentials';
  if (/region is missing/i.test(message)) return 'no-region';
  // The SDK's http handler names its connect and answer timeouts (and Node's ETIMEDOUT) TimeoutError.
  if (code === 'TimeoutError') return 'timeout';
  if (network.test(code) || network.test(message)) return 'unreachable';
  return 'other';
}

/**
 * An AWS failure of one call as the single line a user reads: the AWS error code, the IAM action that failed
 * (`rds:DescribeDBClusters`), and what to do. Refusals, missing resources and unreachable APIs exit 3; a bad
 * parameter that got past drill's own checks, or no region at all, exits 2. `policyHint` tells a refused user
 * where the IAM policy drill needs is written down.
 */
export function explainAwsError(err: unknown, action: string, policyHint?: string): DrillError {
  if (err instanceof DrillError) return err;
  const code = awsErrorCode(err);
  const said = trim(firstLine(err));
  const cannotStart = (text: string) => new DrillError(text, ExitCode.cannotStart);
  switch (awsErrorKind(err)) {
    case 'credentials':
      // A code means AWS saw credentials and turned them down; none means the SDK found none to send.
      return cannotStart(
        !isAwsError(err, ...rejectedCredentials)
          ? `no AWS credentials for ${action}: set AWS_PROFILE (or --profile) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY`
          : `${code}: AWS did not accept the credentials for ${action} (${said}): check AWS_PROFILE (or --profile) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, and renew an expired session`,
      );
    case 'no-region':
      return new DrillError(`no AWS region for ${action}: pass --region or set AWS_REGION`, ExitCode.usage);
    case 'denied':
      if (isAwsError(err, 'SNSNoAuthorization')) {
        return cannotStart(
          `${code}: RDS may not publish to the topic (${action}): the topic policy must let events.rds.amazonaws.com publish`,
        );
      }
      return cannotStart(
        `${code}: not allowed to ${action} (${said}); ${policyHint ?? `grant ${action} to this identity in IAM`}`,
      );
    case 'throttled':
      return cannotStart(`${code}: AWS throttled ${action} (${said}): wait a minute and try again`);
    case 'not-found':
      return cannotStart(`${code}: ${said} (${action}): ${notFoundHint(err)}`);
    case 'wrong-state':
      return cannotStart(`${code}: ${said} (${action}): ${wrongStateHint(err)}`);
    case 'unreachable':
      return cannotStart(
        `cannot reach the AWS API for ${action}: ${said || code} (check --endpoint-url or AWS_ENDPOINT_URL_* and the network)`,
      );
    case 'timeout':
      return cannotStart(
        `${timedOut(err, action)}: ${checkEndpoint(action)} and the network; DRILL_AWS_TIMEOUT sets the wait`,
      );
    case 'not-the-api': {
      const { name, format } = service(action);
      const answer = isAwsError(err, ...notTheApi)
        ? `${code}: ${said}`
        : `it answered HTTP ${httpStatus(err) ?? '?'}, not in ${name}'s ${format}`;
      // An operation it does not know (InvalidAction: a lab's API that lacks it), or a request it cannot read.
      const what = isAwsError(err, 'UnknownOperation', 'InvalidAction')
        ? `the API endpoint does not serve ${action}`
        : `the API endpoint for ${action} does not speak the ${name} API`;
      return cannotStart(`${what} (${answer}): ${checkEndpoint(action)}`);
    }
    case 'bad-parameter':
      return new DrillError(`${code}: ${said} (${action})`, ExitCode.usage);
    case 'other':
      return cannotStart(`${code}: ${said} (${action})`);
  }
}

/** The service an IAM action belongs to: its name, wire format and endpoint variable. */
function service(action: string): { name: string; format: string; env: string } {
  const prefix = action.split(':')[0] ?? '';
  const known: Record<string, { name: string; format: string }> = {
    rds: { name: 'RDS', format: 'XML' },
    sns: { name: 'SNS', format: 'XML' },
    memorydb: { name: 'MemoryDB', format: 'JSON' },
    secretsmanager: { name: 'Secrets Manager', format: 'JSON' },
  };
  const s = known[prefix];
  return s
    ? { ...s, env: `AWS_ENDPOINT_URL_${s.name.toUpperCase().replaceAll(' ', '_')}` }
    : { name: 'AWS', format: '', env: 'AWS_ENDPOINT_URL_*' };
}

const checkEndpoint = (action: string): string => `check --endpoint-url or ${service(action).env}`;

/**
 * "the RDS API did not answer rds:DescribeDBClusters in 10 s (2 attempts)": which wait ran out, read from the
 * SDK's message (it names the limit in ms), and how many attempts the SDK made.
 */
function timedOut(err: unknown, action: string): string {
  const text = fullMessage(err);
  const ms = /(\d+) ms/.exec(text)?.[1];
  const within = ms ? ` in ${Number(ms) / 1000} s` : '';
  const attempts = (unwrap(err) as { $metadata?: { attempts?: unknown } })?.$metadata?.attempts;
  const tries = typeof attempts === 'number' && attempts > 1 ? ` (${attempts} attempts)` : '';
  const api = `the ${service(action).name} API`;
  return /establish a connection/.test(text)
    ? `could not connect to ${api} for ${action}${within}${tries}`
    : `${api} did not answer ${action}${within}${tries}`;
}

const httpStatus = (err: unknown): number | undefined =>
  (unwrap(err) as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;

function notFoundHint(err: unknown): string {
  if (isAwsError(err, 'DBClusterNotFound')) return 'check --cluster and --region';
  if (isAwsError(err, 'ClusterNotFound')) return 'check --memorydb and --region';
  if (isAwsError(err, 'ResourceNotFound')) return 'check --secret-id (its name or ARN) and --region';
  if (isAwsError(err, 'ShardNotFound'))
    return "check the shard name (0001, ...) against the cluster's shards";
  return 'check the name and --region';
}

function wrongStateHint(err: unknown): string {
  // MemoryDB allows only a few test failovers per shard a day; waiting for "available" does not help there.
  if (isAwsError(err, 'TestFailoverNotAvailable'))
    return 'the daily test-failover allowance is used up: try later';
  return 'wait until its status is available and try again';
}

const trim = (text: string): string => (text.length > 300 ? `${text.slice(0, 297)}...` : text);

const fullMessage = (err: unknown): string => String((unwrap(err) as { message?: unknown })?.message ?? err);

const firstLine = (err: unknown): string => fullMessage(err).split('\n')[0] ?? '';

/** What AWS (or the network) raised, also when an AwsCallError already wraps it. */
const unwrap = (err: unknown): unknown => (err instanceof AwsCallError ? err.original : err);

/** Runs one AWS call; a failure becomes a DrillError naming the IAM action (`sns:CreateTopic`). */
export async function callAws<T>(action: string, send: () => Promise<T>, policyHint?: string): Promise<T> {
  try {
    return await send();
  } catch (err) {
    throw new AwsCallError(err, action, explainAwsError(err, action, policyHint));
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
  return new AwsCallError(missing, action, explainAwsError(missing, action));
}
