import { cannotStart, type DrillError } from '../core/errors.js';
import type { ProbeError } from '../core/history.js';
import type { Endpoint } from '../net/endpoint.js';
import { authCodes, classifyRedisError, lookupCodes, unreachableCodes } from './errors.js';

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
  user: string | undefined,
  err: unknown,
  iam = false,
): DrillError {
  const e: ProbeError & { rawCode?: string } = classifyRedisError(err);
  const raw = (err as { code?: unknown })?.code;
  if (typeof raw === 'string' && tlsCodes.has(raw)) {
    return cannotStart(
      `TLS with ${endpoint.text} failed (${raw}: ${e.message}): give the cluster's CA with --ca, or --no-tls for a cluster without TLS`,
    );
  }
  if (lookupCodes.has(e.code)) {
    return cannotStart(
      `cannot resolve '${endpoint.host}' (${e.code}): check the endpoint name and your DNS settings`,
    );
  }
  if (authCodes.has(e.code) && iam) {
    return cannotStart(
      `${endpoint.text} refused the IAM token of user '${user}' (${e.code}): check that the user's authentication mode is IAM, that your identity may memorydb:Connect to the cluster and the user, and the region (--region)`,
    );
  }
  if (authCodes.has(e.code)) {
    return cannotStart(
      `${endpoint.text} refused user '${user ?? 'default'}' (${e.code}): check --user and the password (-p, DRILL_PASSWORD or REDISCLI_AUTH)`,
    );
  }
  if (unreachableCodes.has(e.code)) {
    return cannotStart(
      `cannot reach ${endpoint.text}: ${e.code} (${e.message}); check that the cluster is up, that this host may connect to it, and TLS (--no-tls, --ca)`,
    );
  }
  return cannotStart(`${endpoint.text} refused the first call: ${e.code} ${e.message}`);
}
