/** The lab's MemoryDB-shaped names: what a drill, the AWS SDK and Redis clients see instead of AWS endpoints. */
export interface MemoryDbNames {
  clusterName: string;
  region: string;
  /** `clustercfg.my-cluster.<id>.memorydb.<region>.amazonaws.com` */
  clusterEndpoint: string;
  /** `my-cluster-0001-002`: shard and node numbers from 1. */
  nodeName(shard: number, node: number): string;
  /** `my-cluster-0001-002.my-cluster.<id>.memorydb.<region>.amazonaws.com` */
  nodeHost(nodeName: string): string;
  arn: string;
}

export const shardName = (shard: number): string => String(shard).padStart(4, '0');

export function memoryDbNames(
  clusterName = 'my-cluster',
  region = 'us-east-1',
  id = 'lab001',
): MemoryDbNames {
  const domain = `${clusterName}.${id}.memorydb.${region}.amazonaws.com`;
  return {
    clusterName,
    region,
    clusterEndpoint: `clustercfg.${domain}`,
    nodeName: (shard, node) => `${clusterName}-${shardName(shard)}-${String(node).padStart(3, '0')}`,
    nodeHost: (name) => `${name}.${domain}`,
    arn: `arn:aws:memorydb:${region}:000000000000:cluster/${clusterName}`,
  };
}

/** Redis Cluster's even split of the 16384 slots over `shards` (what `redis-cli --cluster create` does). */
export function slotRanges(shards: number): [number, number][] {
  const per = 16384 / shards;
  const ranges: [number, number][] = [];
  let first = 0;
  for (let i = 0; i < shards; i++) {
    const last = i === shards - 1 ? 16383 : Math.round(per * (i + 1) - 1);
    ranges.push([first, last]);
    first = last + 1;
  }
  return ranges;
}
