import { cannotStart, type DrillError } from '../core/errors.js';
import type { ProbeError } from '../core/history.js';
import type { Endpoint } from '../net/endpoint.js';
import { clusterFromEndpoint } from './endpoint-names.js';
import { authCodes, classifyRedisError, lookupCodes, unreachableCodes } from './errors.js';
import type { MemoryDbPlan } from './plan.js';

/** TLS failures: the certificate, the name on it, or one side speaking TLS and the other not. */
const tlsCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/**
 * The one line a user needs when a MemoryDB drill cannot start (the cluster endpoint did not answer, the name
 * does not resolve, the ACL user or password is wrong, TLS does not match), from the error of the first call.
 */
export function startFailure(
  endpoint: Endpoint,
  plan: Pick<MemoryDbPlan, 'user' | 'iamAuth' | 'cluster' | 'ca' | 'aws'>,
  err: unknown,
  env = process.env,
): DrillError {
  const user = plan.user;
  // A user the drill took from the environment (a lab's export lines) is said to be from there.
  const who = `'${user ?? 'default'}'${user !== undefined && env.DRILL_USER === user ? ' (DRILL_USER)' : ''}`;
  const e: ProbeError & { rawCode?: string } = classifyRedisError(err);
  const raw = (err as { code?: unknown })?.code;
  if (typeof raw === 'string' && tlsCodes.has(raw)) {
    const fix = plan.ca
      ? "the CA in --ca did not sign the nodes' certificates: give the cluster's CA"
      : "give the cluster's CA with --ca";
    const plain = plan.iamAuth ? '' : ', or --no-tls for a cluster without TLS';
    return cannotStart(`TLS with ${endpoint.text} failed (${raw}: ${e.message}): ${fix}${plain}`);
  }
  if (lookupCodes.has(e.code)) {
    return cannotStart(
      `cannot resolve '${endpoint.host}' (${e.code}): check the endpoint name and your DNS settings`,
    );
  }
  if (authCodes.has(e.code) && plan.iamAuth) {
    const signed = `cluster ${plan.cluster ?? clusterFromEndpoint(endpoint.host)}, region ${plan.aws.region ?? 'of your AWS config'}`;
    return cannotStart(
      `${endpoint.text} refused the IAM token of user ${who} (${e.code}; signed for ${signed}): check that the user's authentication mode is IAM, that your AWS credentials are the identity's and it may memorydb:Connect to the cluster and the user`,
    );
  }
  if (authCodes.has(e.code)) {
    return cannotStart(
      `${endpoint.text} refused user ${who} (${e.code}): check --user and the password (-p, DRILL_PASSWORD or REDISCLI_AUTH)`,
    );
  }
  if (unreachableCodes.has(e.code)) {
    return cannotStart(
      `cannot reach ${endpoint.text}: ${e.code} (${e.message}); check that the cluster is up, that this host may connect to it, and TLS (--no-tls, --ca)`,
    );
  }
  return cannotStart(`${endpoint.text} refused the first call: ${e.code} ${e.message}`);
}
