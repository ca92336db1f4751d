export const isLoopbackHost = (host: string): boolean =>
  /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === 'localhost' || host === '[::1]' || host === '::1';

/** Whether `service`'s API endpoint is on loopback (a lab), with the SDK's precedence of endpoint settings. */
export function apiIsLocal(
  service: 'RDS' | 'SNS' | 'MEMORYDB',
  explicitEndpoint?: string,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const url = explicitEndpoint ?? env[`AWS_ENDPOINT_URL_${service}`] ?? env.AWS_ENDPOINT_URL;
  if (!url) return false;
  try {
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}
