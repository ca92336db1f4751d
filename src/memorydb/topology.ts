import { isIP } from 'node:net';
import calculateSlot from 'cluster-key-slot';
import { cannotStart } from '../core/errors.js';
import type { Endpoint } from '../net/endpoint.js';
import { nodeConnection, type RedisTarget } from './connection.js';

export interface ClusterNode {
  /** MemoryDB's node name (`my-cluster-0001-001`): the first label of its host name. */
  name: string;
  host: string;
  port: number;
  role: 'primary' | 'replica';
}

export interface Shard {
  /** MemoryDB's shard name (`0001`). */
  name: string;
  /** Slot ranges, inclusive. */
  slots: [number, number][];
  nodes: ClusterNode[];
  /** A hash tag whose keys live on this shard: `{drill-7}`. */
  tag: string;
}

/** The cluster as its nodes describe it (CLUSTER SHARDS), asked through the endpoint the drill was given. */
export async function discoverShards(t: RedisTarget, endpoint: Endpoint): Promise<Shard[]> {
  const conn = await nodeConnection(t, endpoint.host, endpoint.port);
  try {
    const shards = await conn.call('CLUSTER', 'SHARDS').then(
      (reply) =>
        (reply as unknown[])
          .map((raw) => parseShard(raw as unknown[], t.tls))
          .filter((s) => s.slots.length > 0),
      // CLUSTER SHARDS came with Redis 7; MemoryDB's Redis 6.2 engine has only CLUSTER SLOTS.
      async (err: Error) => {
        if (!/unknown subcommand/i.test(err.message)) throw err;
        return fromSlots((await conn.call('CLUSTER', 'SLOTS')) as unknown[][]);
      },
    );
    if (shards.length === 0) throw cannotStart(`${endpoint.text} serves no slots: is it a Redis cluster?`);
    shards.sort((a, b) => (a.slots[0]?.[0] ?? 0) - (b.slots[0]?.[0] ?? 0));
    return shards.map((s, i) => ({
      ...s,
      name: s.name || String(i + 1).padStart(4, '0'),
      tag: tagFor(s.slots),
    }));
  } finally {
    conn.disconnect();
  }
}

/** MemoryDB's node name is its host name's first label; a node known only by address is named by it. */
export function nodeName(host: string, port: number): string {
  return isIP(host) ? `${host}:${port}` : (host.split('.')[0] as string);
}

/** A flat [key, value, ...] reply as an object. */
function fields(flat: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}

function parseShard(raw: unknown[], tls: boolean): Omit<Shard, 'tag'> {
  const f = fields(raw);
  const flatSlots = (f.slots as unknown[]).map(Number);
  const slots: [number, number][] = [];
  for (let i = 0; i + 1 < flatSlots.length; i += 2)
    slots.push([flatSlots[i] as number, flatSlots[i + 1] as number]);
  const nodes = (f.nodes as unknown[][]).map((n) => {
    const node = fields(n);
    const host = String(node.hostname || node.endpoint || node.ip);
    const port = Number(tls ? (node['tls-port'] ?? node.port) : (node.port ?? node['tls-port']));
    const role: ClusterNode['role'] = node.role === 'master' ? 'primary' : 'replica';
    return { name: nodeName(host, port), host, port, role };
  });
  nodes.sort((a, b) => a.name.localeCompare(b.name));
  // MemoryDB's node names carry their shard: <cluster>-0001-001.
  const shard = /-(\d{4})-\d{3}$/.exec(nodes[0]?.name ?? '')?.[1] ?? '';
  return { name: shard, slots, nodes };
}

/** CLUSTER SLOTS ([from, to, primary, ...replicas], each node [endpoint, port, id]) grouped by primary. */
export function fromSlots(reply: unknown[][]): Omit<Shard, 'tag'>[] {
  const byPrimary = new Map<string, Omit<Shard, 'tag'>>();
  for (const [from, to, ...nodes] of reply) {
    const [primary] = nodes as unknown[][];
    const id = String(primary?.[2]);
    let shard = byPrimary.get(id);
    if (!shard) {
      const members = (nodes as unknown[][]).map((n, i): ClusterNode => {
        const host = String(n[0]);
        const port = Number(n[1]);
        return { name: nodeName(host, port), host, port, role: i === 0 ? 'primary' : 'replica' };
      });
      const name = /-(\d{4})-\d{3}$/.exec(members[0]?.name ?? '')?.[1] ?? '';
      shard = { name, slots: [], nodes: members.sort((a, b) => a.name.localeCompare(b.name)) };
      byPrimary.set(id, shard);
    }
    shard.slots.push([Number(from), Number(to)]);
  }
  return [...byPrimary.values()];
}

/** The first `{drill-N}` hash tag whose slot falls in the ranges: keys with it live on that shard. */
export function tagFor(ranges: readonly [number, number][]): string {
  for (let n = 0; n < 1_000_000; n++) {
    const tag = `{drill-${n}}`;
    const slot = calculateSlot(tag);
    if (ranges.some(([from, to]) => slot >= from && slot <= to)) return tag;
  }
  throw new Error('no hash tag found for the slot ranges');
}
