/** The lab's RDS-shaped names (DESIGN.md): what a drill and the AWS SDK see instead of real AWS endpoints. */
export interface LabNames {
  clusterId: string;
  region: string;
  /** The 12-character cluster identifier part of every endpoint name. */
  suffix: string;
  clusterEndpoint: string;
  readerEndpoint: string;
  proxyName: string;
  proxyEndpoint: string;
  instanceId(n: number): string;
  instanceHost(instanceId: string): string;
}

export function labNames(
  clusterId = 'auroralab-mysql-cluster',
  region = 'us-east-1',
  suffix = 'drilllab0001',
): LabNames {
  const domain = `${suffix}.${region}.rds.amazonaws.com`;
  const proxyName = clusterId.replace(/-cluster$/, '-proxy');
  return {
    clusterId,
    region,
    suffix,
    clusterEndpoint: `${clusterId}.cluster-${domain}`,
    readerEndpoint: `${clusterId}.cluster-ro-${domain}`,
    proxyName,
    proxyEndpoint: `${proxyName}.proxy-${domain}`,
    instanceId: (n) => `${clusterId.replace(/-cluster$/, '')}-node-${String(n).padStart(2, '0')}`,
    instanceHost: (id) => `${id}.${domain}`,
  };
}
