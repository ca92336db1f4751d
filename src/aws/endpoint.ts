/** A host name or address on this machine (what a lab listens on), as `URL.hostname` spells it. */
export const isLoopbackHost = (host: string): boolean =>
  /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === 'localhost' || host === '[::1]' || host === '::1';

/**
 * Whether calls to `service` go to an API on this machine (a lab) rather than to AWS. The endpoint is chosen
 * the way the SDK chooses it: an explicit endpoint, then AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL (an
 * empty value counts as unset; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true sets both aside). A URL that does not
 * parse names no local API.
 */
export function apiIsLocal(
  service: 'RDS' | 'SNS' | 'MEMORYDB',
  explicitEndpoint?: string,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const configured =
    env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === 'true'
      ? undefined
      : env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL;
  const url = explicitEndpoint || configured;
  if (!url) return false;
  try {
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}
