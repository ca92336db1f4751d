import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { DescribeDBClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { RdsControl } from '../../src/aurora/rds.js';
import {
  AwsCallError,
  awsErrorCode,
  awsErrorKind,
  callAws,
  explainAwsError,
  isAwsError,
  notFound,
} from '../../src/aws/errors.js';
import { DrillError, ExitCode } from '../../src/core/errors.js';

// The shapes the SDK raises, as it parsed them from the services' wire answers: awsQuery (RDS, SNS) keeps the
// wire code in Code next to the modelled name; awsJson1_1 (MemoryDB) has only the name.
const query = (name: string, code: string, message: string, status: number) =>
  Object.assign(new Error(message), {
    name,
    Code: code,
    Type: 'Sender',
    $fault: 'client',
    $metadata: { httpStatusCode: status },
  });
const json = (name: string, message: string) =>
  Object.assign(new Error(message), {
    name,
    __type: `com.amazonaws.memorydb#${name}`,
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });
// What the SDK and Node raise before any answer: no credentials found, no region, nobody listening.
const noCredentials = Object.assign(new Error('Could not load credentials from any providers'), {
  name: 'CredentialsProviderError',
  tryNextLink: false,
});
const noRegion = new Error('Region is missing');
const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
  code: 'ECONNREFUSED',
  errno: -111,
  syscall: 'connect',
  $metadata: {},
});
// Node 20 trying several addresses of one host: an AggregateError with the code and no message.
const refusedEverywhere = Object.assign(new AggregateError([refused], ''), { code: 'ECONNREFUSED' });

// The SDK's http handler when a wait runs out (its own words), after the SDK's attempts.
const timeout = (message: string, attempts: number) =>
  Object.assign(new Error(`@smithy/node-http-handler - ${message}`), {
    name: 'TimeoutError',
    code: 'ETIMEDOUT',
    $metadata: { attempts, totalRetryDelay: 80 },
  });
// An answer that is not the service's protocol: the lab's awsQuery XML to a MemoryDB (awsJson1_1) call.
const notJson = Object.assign(
  new SyntaxError(
    `Unexpected token '<', "<ErrorResp"... is not valid JSON\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.`,
  ),
  { $metadata: { httpStatusCode: 400, attempts: 1 } },
);

const policy = "'drill notify setup --print-policy' prints the IAM policy drill needs";

const cases: {
  what: string;
  err: unknown;
  action: string;
  kind: string;
  exit: number;
  line: string;
}[] = [
  {
    what: 'RDS DBClusterNotFoundFault',
    err: query('DBClusterNotFoundFault', 'DBClusterNotFoundFault', 'DBCluster prod-dbb not found.', 404),
    action: 'rds:DescribeDBClusters',
    kind: 'not-found',
    exit: ExitCode.cannotStart,
    line: 'DBClusterNotFoundFault: DBCluster prod-dbb not found. (rds:DescribeDBClusters): check --cluster and --region',
  },
  {
    what: 'RDS InvalidDBClusterStateFault',
    err: query(
      'InvalidDBClusterStateFault',
      'InvalidDBClusterStateFault',
      'DBCluster prod-db is not in a valid state.',
      400,
    ),
    action: 'rds:FailoverDBCluster',
    kind: 'wrong-state',
    exit: ExitCode.cannotStart,
    line: 'InvalidDBClusterStateFault: DBCluster prod-db is not in a valid state. (rds:FailoverDBCluster): wait until its status is available and try again',
  },
  {
    what: 'RDS Throttling (not modelled: name is the wire code)',
    err: query('Throttling', 'Throttling', 'Rate exceeded', 400),
    action: 'rds:DescribeEvents',
    kind: 'throttled',
    exit: ExitCode.cannotStart,
    line: 'Throttling: AWS throttled rds:DescribeEvents (Rate exceeded): wait a minute and try again',
  },
  {
    what: 'RDS AccessDenied',
    err: query(
      'AccessDenied',
      'AccessDenied',
      'User: arn:aws:iam::123456789012:user/ci is not authorized to perform: rds:FailoverDBCluster',
      403,
    ),
    action: 'rds:FailoverDBCluster',
    kind: 'denied',
    exit: ExitCode.cannotStart,
    line: 'AccessDenied: not allowed to rds:FailoverDBCluster (User: arn:aws:iam::123456789012:user/ci is not authorized to perform: rds:FailoverDBCluster); grant rds:FailoverDBCluster to this identity in IAM',
  },
  {
    what: 'SNS AuthorizationError (modelled as AuthorizationErrorException)',
    err: query(
      'AuthorizationErrorException',
      'AuthorizationError',
      'User: arn:aws:iam::123456789012:user/ci is not authorized to perform: SNS:CreateTopic',
      403,
    ),
    action: 'sns:CreateTopic',
    kind: 'denied',
    exit: ExitCode.cannotStart,
    line: `AuthorizationError: not allowed to sns:CreateTopic (User: arn:aws:iam::123456789012:user/ci is not authorized to perform: SNS:CreateTopic); ${policy}`,
  },
  {
    what: 'SNS NotFound (modelled as NotFoundException)',
    err: query('NotFoundException', 'NotFound', 'Topic does not exist', 404),
    action: 'sns:GetTopicAttributes',
    kind: 'not-found',
    exit: ExitCode.cannotStart,
    line: 'NotFound: Topic does not exist (sns:GetTopicAttributes): check the name and --region',
  },
  {
    what: 'MemoryDB ClusterNotFoundFault',
    err: json('ClusterNotFoundFault', 'Cluster my-clustr not found'),
    action: 'memorydb:DescribeClusters',
    kind: 'not-found',
    exit: ExitCode.cannotStart,
    line: 'ClusterNotFoundFault: Cluster my-clustr not found (memorydb:DescribeClusters): check --memorydb and --region',
  },
  {
    what: 'MemoryDB ShardNotFoundFault',
    err: json('ShardNotFoundFault', 'Shard 0009 not found'),
    action: 'memorydb:FailoverShard',
    kind: 'not-found',
    exit: ExitCode.cannotStart,
    line: "ShardNotFoundFault: Shard 0009 not found (memorydb:FailoverShard): check the shard name (0001, ...) against the cluster's shards",
  },
  {
    what: 'MemoryDB APICallRateForCustomerExceededFault',
    err: json('APICallRateForCustomerExceededFault', 'Rate exceeded'),
    action: 'memorydb:FailoverShard',
    kind: 'throttled',
    exit: ExitCode.cannotStart,
    line: 'APICallRateForCustomerExceededFault: AWS throttled memorydb:FailoverShard (Rate exceeded): wait a minute and try again',
  },
  {
    what: 'MemoryDB InvalidClusterStateFault',
    err: json('InvalidClusterStateFault', 'Cluster my-cluster is not available'),
    action: 'memorydb:FailoverShard',
    kind: 'wrong-state',
    exit: ExitCode.cannotStart,
    line: 'InvalidClusterStateFault: Cluster my-cluster is not available (memorydb:FailoverShard): wait until its status is available and try again',
  },
  {
    what: 'MemoryDB TestFailoverNotAvailableFault',
    err: json('TestFailoverNotAvailableFault', 'Test failover limit reached'),
    action: 'memorydb:FailoverShard',
    kind: 'wrong-state',
    exit: ExitCode.cannotStart,
    line: 'TestFailoverNotAvailableFault: Test failover limit reached (memorydb:FailoverShard): the daily test-failover allowance is used up: try later',
  },
  {
    what: 'MemoryDB InvalidParameterValueException',
    err: json('InvalidParameterValueException', 'ShardName must be 4 digits'),
    action: 'memorydb:FailoverShard',
    kind: 'bad-parameter',
    exit: ExitCode.usage,
    line: 'InvalidParameterValue: ShardName must be 4 digits (memorydb:FailoverShard)',
  },
  {
    what: 'credentials missing',
    err: noCredentials,
    action: 'rds:DescribeDBClusters',
    kind: 'credentials',
    exit: ExitCode.cannotStart,
    line: 'no AWS credentials for rds:DescribeDBClusters: set AWS_PROFILE (or --profile) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY',
  },
  {
    what: 'credentials AWS does not accept',
    err: query('ExpiredToken', 'ExpiredToken', 'The security token included in the request is expired', 403),
    action: 'rds:DescribeEvents',
    kind: 'credentials',
    exit: ExitCode.cannotStart,
    line: 'ExpiredToken: AWS did not accept the credentials for rds:DescribeEvents (The security token included in the request is expired): check AWS_PROFILE (or --profile) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, and renew an expired session',
  },
  {
    what: 'region missing',
    err: noRegion,
    action: 'sns:ListTopics',
    kind: 'no-region',
    exit: ExitCode.usage,
    line: 'no AWS region for sns:ListTopics: pass --region or set AWS_REGION',
  },
  {
    what: 'ECONNREFUSED',
    err: refused,
    action: 'rds:DescribeDBClusters',
    kind: 'unreachable',
    exit: ExitCode.cannotStart,
    line: 'cannot reach the AWS API for rds:DescribeDBClusters: connect ECONNREFUSED 127.0.0.1:1 (check --endpoint-url or AWS_ENDPOINT_URL_* and the network)',
  },
  {
    what: 'ECONNREFUSED on every address (AggregateError, no message)',
    err: refusedEverywhere,
    action: 'memorydb:DescribeClusters',
    kind: 'unreachable',
    exit: ExitCode.cannotStart,
    line: 'cannot reach the AWS API for memorydb:DescribeClusters: ECONNREFUSED (check --endpoint-url or AWS_ENDPOINT_URL_* and the network)',
  },
  {
    what: 'an API that accepts and never answers (requestTimeout, twice)',
    err: timeout('[ERROR] a request has exceeded the configured 10000 ms requestTimeout.', 2),
    action: 'rds:DescribeDBClusters',
    kind: 'timeout',
    exit: ExitCode.cannotStart,
    line: 'the RDS API did not answer rds:DescribeDBClusters in 10 s (2 attempts): check --endpoint-url or AWS_ENDPOINT_URL_RDS and the network; DRILL_AWS_TIMEOUT sets the wait',
  },
  {
    what: 'an API that does not accept the connection (connectionTimeout, once)',
    err: timeout(
      'the request socket did not establish a connection with the server within the configured timeout of 3000 ms.',
      1,
    ),
    action: 'sns:ListTopics',
    kind: 'timeout',
    exit: ExitCode.cannotStart,
    line: 'could not connect to the SNS API for sns:ListTopics in 3 s: check --endpoint-url or AWS_ENDPOINT_URL_SNS and the network; DRILL_AWS_TIMEOUT sets the wait',
  },
  {
    what: 'an answer that is not JSON to a MemoryDB call (a lab: XML)',
    err: notJson,
    action: 'memorydb:DescribeClusters',
    kind: 'not-the-api',
    exit: ExitCode.cannotStart,
    line: "the API endpoint for memorydb:DescribeClusters does not speak the MemoryDB API (it answered HTTP 400, not in MemoryDB's JSON): check --endpoint-url or AWS_ENDPOINT_URL_MEMORYDB",
  },
  {
    what: 'an operation the endpoint does not know (awsJson1_1)',
    err: json('UnknownOperationException', 'Unknown operation'),
    action: 'memorydb:UpdateCluster',
    kind: 'not-the-api',
    exit: ExitCode.cannotStart,
    line: 'the API endpoint does not serve memorydb:UpdateCluster (UnknownOperation: Unknown operation): check --endpoint-url or AWS_ENDPOINT_URL_MEMORYDB',
  },
];

describe('AWS errors: one line that names the IAM action and what to do', () => {
  for (const c of cases) {
    it(`${c.what}: ${c.kind}, exit ${c.exit}`, () => {
      const hint = c.action.startsWith('sns:') ? policy : undefined;
      const err = explainAwsError(c.err, c.action, hint);
      assert.equal(awsErrorKind(c.err), c.kind);
      assert.equal(err.exitCode, c.exit);
      assert.equal(err.message, c.line);
    });
  }

  it('a long AWS message is cut, and only its first line is kept', () => {
    const long = query(
      'InvalidParameterValue',
      'InvalidParameterValue',
      `${'x'.repeat(400)}\nsecond line`,
      400,
    );
    const line = explainAwsError(long, 'rds:FailoverDBCluster').message;
    assert.ok(line.length < 360, line);
    assert.doesNotMatch(line, /second line|\n/);
    assert.match(line, /\.\.\. \(rds:FailoverDBCluster\)$/);
  });

  it('a DrillError passes through unchanged', () => {
    const mine = new DrillError('already explained', ExitCode.usage);
    assert.equal(explainAwsError(mine, 'rds:DescribeDBClusters'), mine);
  });
});

describe('AWS error codes: both spellings compare equal', () => {
  it('the wire code wins over the modelled name; Node network errors keep their code', () => {
    assert.equal(
      awsErrorCode(query('AuthorizationErrorException', 'AuthorizationError', 'no', 403)),
      'AuthorizationError',
    );
    assert.equal(awsErrorCode(json('NotFoundException', 'no')), 'NotFound');
    assert.equal(awsErrorCode(json('AccessDeniedException', 'no')), 'AccessDeniedException');
    assert.equal(awsErrorCode(json('ClusterNotFoundFault', 'no')), 'ClusterNotFoundFault');
    assert.equal(awsErrorCode(refused), 'ECONNREFUSED');
  });

  it('with or without Fault / Exception', () => {
    const gone = query('SubscriptionNotFoundFault', 'SubscriptionNotFound', 'gone', 404);
    assert.ok(isAwsError(gone, 'SubscriptionNotFound'));
    assert.ok(isAwsError(gone, 'SubscriptionNotFoundFault'));
    assert.ok(isAwsError(json('ShardNotFoundFault', 'x'), 'ShardNotFound'));
    assert.ok(!isAwsError(gone, 'SourceNotFound'));
  });
});

describe('callAws and notFound', () => {
  it('a failed call is an AwsCallError: the line, the exit code, and the original code for callers', async () => {
    const failure = await callAws('sns:DeleteTopic', () =>
      Promise.reject(query('NotFoundException', 'NotFound', 'gone', 404)),
    ).then(
      () => assert.fail('expected a rejection'),
      (err: unknown) => err,
    );
    assert.ok(failure instanceof AwsCallError);
    assert.equal(failure.code, 'NotFound');
    assert.equal(failure.action, 'sns:DeleteTopic');
    assert.equal(failure.exitCode, ExitCode.cannotStart);
    assert.ok(failure.is('NotFound'));
    assert.equal(awsErrorKind(failure), 'not-found', 'the kind is read through the wrapper');
  });

  it('an empty answer stands for its fault', () => {
    const err = notFound('DBClusterNotFoundFault', 'DBCluster prod-dbb not found.', 'rds:DescribeDBClusters');
    assert.equal(err.exitCode, ExitCode.cannotStart);
    assert.equal(
      err.message,
      'DBClusterNotFoundFault: DBCluster prod-dbb not found. (rds:DescribeDBClusters): check --cluster and --region',
    );
  });
});

describe('RdsControl: RDS failures end in the one clear line', () => {
  const rdsMock = mockClient(RDSClient);
  afterEach(() => rdsMock.reset());
  const connect = () =>
    RdsControl.connect({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });

  it('describeCluster with DBClusterNotFoundFault: exit 3, names the cluster and what to check', async () => {
    rdsMock
      .on(DescribeDBClustersCommand)
      .rejects(
        query('DBClusterNotFoundFault', 'DBClusterNotFoundFault', 'DBCluster prod-dbb not found.', 404),
      );
    const rds = await connect();
    await assert.rejects(rds.describeCluster('prod-dbb'), (err: unknown) => {
      assert.ok(err instanceof DrillError);
      assert.equal(err.exitCode, ExitCode.cannotStart);
      assert.equal(
        err.message,
        'DBClusterNotFoundFault: DBCluster prod-dbb not found. (rds:DescribeDBClusters): check --cluster and --region',
      );
      return true;
    });
  });

  it('describeCluster answered with no cluster: the same line', async () => {
    rdsMock.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
    const rds = await connect();
    await assert.rejects(rds.describeCluster('prod-dbb'), {
      exitCode: ExitCode.cannotStart,
      message:
        'DBClusterNotFoundFault: DBCluster prod-dbb not found. (rds:DescribeDBClusters): check --cluster and --region',
    });
  });
});
