/** The cluster's name and region from its endpoint: `clustercfg.<name>.<id>.memorydb.<region>.amazonaws.com`. */
export function endpointNames(host: string): { cluster: string; region: string } | undefined {
  const m =
    /^clustercfg\.([a-z][a-z0-9-]*)\.[a-z0-9]+\.memorydb\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\.?$/i.exec(
      host,
    );
  return m ? { cluster: m[1] as string, region: (m[2] as string).toLowerCase() } : undefined;
}

export const clusterFromEndpoint = (host: string): string | undefined => endpointNames(host)?.cluster;
