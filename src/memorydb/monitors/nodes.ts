import type { Redis } from 'ioredis';
import type { Clock } from '../../core/clock.js';
import type { History } from '../../core/history.js';
import { type ProbeOutcome, ScheduledMonitor } from '../../core/monitor.js';
import { abortReason, ProbeAborted, raceAbort } from '../../core/scheduler.js';
import type { DrillPart } from '../../core/session/part.js';
import { nodeConnection } from '../connection.js';
import { classifyRedisError } from '../errors.js';
import type { MemoryDbRun } from '../run.js';
import type { ClusterNode, Shard } from '../topology.js';

/**
 * When writes to a shard were possible: every probe asks every node of the shard ROLE on its own connection,
 * and writes straight to the one that says it is primary — MemoryDB's counterpart of Aurora's aware monitor.
 * The gap between this and the application's client is how long the client lagged behind the service.
 */
export class NodesShardMonitor extends ScheduledMonitor {
  readonly name: string;
  readonly mode = 'nodes';
  private readonly conns = new Map<string, Redis>();

  constructor(
    history: History,
    clock: Clock,
    private readonly run: MemoryDbRun,
    private readonly shard: Shard,
  ) {
    super(history, clock, shard.nodes.map((n) => n.name).join(','), run.plan.fastIntervalMs);
    this.name = `nodes:${shard.name}`;
    this.label = `shard ${shard.name}`;
    this.dns = run.target.resolver.description;
  }

  get deadlineMs(): number {
    return this.run.plan.connectTimeoutMs + 2 * this.run.plan.commandTimeoutMs;
  }

  async probe(signal: AbortSignal): Promise<ProbeOutcome> {
    const roles = await Promise.all(this.shard.nodes.map((n) => this.role(n, signal)));
    // Cut short by its deadline or by the drill's end: the nodes said nothing, which is not "no primary".
    if (signal.aborted) {
      const aborted = abortReason(signal);
      return { ok: false, error: { code: aborted.code, message: aborted.message } };
    }
    const primary = roles.find((r) => r.role === 'master');
    if (!primary) {
      const seen = roles.map((r) => `${r.node.name}: ${r.role ?? r.error}`).join(', ');
      return { ok: false, error: { code: 'NO_PRIMARY', message: `no node says it is primary (${seen})` } };
    }
    try {
      const conn = this.conns.get(primary.node.name) as Redis;
      const key = `drill:${this.shard.tag}:${this.run.runId}:nodes`;
      await raceAbort(conn.set(key, String(Date.now()), 'EX', 3600), signal);
      return { ok: true, role: 'writer', nodeId: primary.node.name, address: primary.address };
    } catch (err) {
      this.drop(primary.node.name);
      const error =
        err instanceof ProbeAborted ? { code: err.code, message: err.message } : classifyRedisError(err);
      return { ok: false, nodeId: primary.node.name, error };
    }
  }

  /** What one node says it is; a node that does not answer gets a new connection next time. */
  private async role(
    node: ClusterNode,
    signal: AbortSignal,
  ): Promise<{ node: ClusterNode; role?: string; error?: string; address?: string }> {
    try {
      let conn = this.conns.get(node.name);
      if (!conn) {
        const connecting = nodeConnection(this.run.target, node.host, node.port);
        // A connection still being made when the probe is cut short is closed once made, not left open.
        connecting.then((c) => (signal.aborted ? c.disconnect() : undefined)).catch(() => {});
        conn = await raceAbort(connecting, signal);
        this.conns.set(node.name, conn);
      }
      const reply = (await raceAbort(conn.call('ROLE'), signal)) as unknown[];
      return { node, role: String(reply[0]), address: conn.options.host };
    } catch (err) {
      this.drop(node.name);
      return { node, error: classifyRedisError(err).code };
    }
  }

  private drop(name: string): void {
    this.conns.get(name)?.disconnect();
    this.conns.delete(name);
  }

  override async stop(): Promise<void> {
    await super.stop();
    for (const name of [...this.conns.keys()]) this.drop(name);
  }
}

/** `--mode nodes`: a monitor per shard, each with its own connections. */
export async function nodeParts(run: MemoryDbRun): Promise<DrillPart[]> {
  return run.shards.map((s) => {
    const monitor = new NodesShardMonitor(run.history, run.clock, run, s);
    return { name: monitor.name, monitor };
  });
}

/** Which node of the shard says it is primary now, each asked on a connection of its own; undefined if none. */
export async function primaryOf(run: MemoryDbRun, shard: Shard): Promise<string | undefined> {
  const answers = await Promise.all(
    shard.nodes.map(async (node) => {
      let conn: Redis | undefined;
      try {
        conn = await nodeConnection(run.target, node.host, node.port);
        const reply = (await conn.call('ROLE')) as unknown[];
        return reply[0] === 'master' ? node.name : undefined;
      } catch {
        return undefined;
      } finally {
        conn?.disconnect();
      }
    }),
  );
  return answers.find((a) => a !== undefined);
}
