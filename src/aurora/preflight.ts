import { cannotStart, type DrillError, usageError } from '../core/errors.js';
import type { LoginKind } from '../core/report/renderer.js';
import type { Endpoint } from '../net/endpoint.js';
import { lookupCodes, MysqlErrno, unreachableCodes } from './errors.js';
import { classifyHost } from './hostnames.js';
import type { ProbeOutcome } from './monitors/simple.js';
import type { ClusterView } from './rds.js';
import { tlsFailure } from './tls.js';

/**
 * Turns the first probe's outcome into the one line a user needs when a drill cannot start, or undefined when
 * it can. Later in the drill the same failures are observations, not errors.
 */
export function startFailure(
  endpoint: Endpoint,
  user: string,
  first: ProbeOutcome,
  mode = 'simple',
  login: LoginKind = 'password',
): DrillError | undefined {
  const e = first.error;
  if (first.ok) {
    if (first.role === 'reader' && mode === 'simple') {
      return usageError(
        `${endpoint.text} answered as a reader (${first.nodeId}): simple mode watches the writer, so point -e at the cluster (writer) endpoint`,
      );
    }
    return undefined;
  }
  if (!e) return cannotStart(`${endpoint.text}: the first probe failed`);
  if (lookupCodes.has(e.code)) {
    return cannotStart(
      `cannot resolve '${endpoint.host}' (${e.code}): check the endpoint name and your DNS settings`,
    );
  }
  if (e.errno === MysqlErrno.accessDenied) {
    const password = 'check --user and the password (-p, DRILL_PASSWORD or MYSQL_PWD)';
    const check = {
      password,
      none: password,
      iam: 'the IAM token was refused: the user must log in with IAM (AWSAuthenticationPlugin), and the AWS identity (--profile, AWS_*) needs rds-db:connect on it in --region',
      secret: 'the password in --secret-id was refused (rotated since it was read? run again)',
    }[login];
    return cannotStart(`access denied for user '${user}' at ${endpoint.text}: ${check}`);
  }
  if (e.errno === 1109 && mode === 'aware') {
    return usageError(
      `${endpoint.text} has no information_schema.replica_host_status: aware mode needs Aurora MySQL (use --mode simple)`,
    );
  }
  // The name could not be looked up because the DNS server itself did not answer (--dns-server, a lab's).
  if (/^query(A|AAAA) /.test(e.message)) {
    return cannotStart(
      `the DNS server did not answer for '${endpoint.host}' (${e.code}): check --dns-server (or DRILL_DNS_SERVER), and that a lab serving it still runs`,
    );
  }
  const at = first.address && first.address !== endpoint.host ? ` (${first.address})` : '';
  const tls = tlsFailure(e.code, e.message);
  if (tls) return cannotStart(`TLS to ${endpoint.text}${at} failed: ${tls}`);
  if (unreachableCodes.has(e.code)) {
    return cannotStart(
      `cannot reach ${endpoint.text}${at}: ${e.code} (${e.message}); check that the server is up and that this host may connect to it`,
    );
  }
  return cannotStart(`${endpoint.text}${at} refused the first probe: ${e.code} ${e.message}`);
}

/**
 * Whether the drill's endpoint belongs to the cluster a destructive trigger would hit: `refuse` when its name
 * says it does not, `note` when the name cannot tell (an IP, a custom DNS name), nothing when it belongs.
 */
export function endpointMembership(host: string, cluster: ClusterView): { refuse?: string; note?: string } {
  const kind = classifyHost(host).kind;
  const ours = [cluster.endpoint, cluster.readerEndpoint].map((e) => e.toLowerCase());
  const name = host.toLowerCase();
  if (kind === 'cluster' || kind === 'cluster-ro') {
    return ours.includes(name)
      ? {}
      : { refuse: `${host} is not an endpoint of cluster ${cluster.id} (its endpoints: ${ours.join(', ')})` };
  }
  if (kind === 'instance') {
    const id = name.split('.')[0] ?? '';
    return [cluster.writer, ...cluster.readers].includes(id)
      ? {}
      : {
          refuse: `${host} is not an instance of cluster ${cluster.id} (its instances: ${[cluster.writer, ...cluster.readers].filter(Boolean).join(', ')})`,
        };
  }
  // A custom endpoint or a proxy names no cluster we could compare; they are the user's own choice.
  if (kind === 'cluster-custom' || kind === 'proxy') return {};
  return { note: `cannot tell from ${host} whether it belongs to cluster ${cluster.id}: going on` };
}
