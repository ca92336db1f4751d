import { usageError } from '../../core/errors.js';
import type { Endpoint } from '../../net/endpoint.js';
import { classifyHost, instancePattern } from '../hostnames.js';

/**
 * What each mode needs of the endpoint's name, checked from the name alone: the plan checks it (so --dry-run
 * refuses what a drill would), and the monitors again once a lab has named the endpoint.
 */
export function simpleEndpoint(endpoint: Endpoint): void {
  if (classifyHost(endpoint.host).kind === 'cluster-ro') {
    throw usageError(
      `${endpoint.host} is a reader endpoint: simple mode watches the writer, so use the cluster endpoint (or --mode aware, which works from either)`,
    );
  }
}

/** The instance endpoints' name pattern aware mode derives from the endpoint (or --instance-pattern). */
export function awarePattern(endpoint: Endpoint, override: string | undefined): string {
  if (classifyHost(endpoint.host).kind === 'proxy') {
    throw usageError(
      `${endpoint.host} is an RDS Proxy endpoint: aware mode needs the cluster or reader endpoint`,
    );
  }
  const pattern = instancePattern(endpoint.host, override);
  if (!pattern) {
    throw usageError(
      `aware mode cannot name instance endpoints from ${endpoint.host}: pass --instance-pattern '?.abc123xyz789.us-east-1.rds.amazonaws.com'`,
    );
  }
  return pattern;
}

/** Every mode's check, for the plan. */
export function checkModeEndpoints(
  modes: readonly string[],
  endpoint: Endpoint,
  override: string | undefined,
): void {
  if (modes.includes('simple')) simpleEndpoint(endpoint);
  if (modes.includes('aware')) awarePattern(endpoint, override);
}
