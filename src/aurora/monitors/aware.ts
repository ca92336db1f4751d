import type { Clock } from '../../core/clock.js';
import type { History, Observation } from '../../core/history.js';
import type { ProbeOutcome } from '../../core/monitor.js';
import { probeState } from '../../core/outages.js';
import type { DrillPart } from '../../core/session/part.js';
import type { Query } from '../connection.js';
import { instanceHost } from '../hostnames.js';
import type { AuroraRun } from '../run.js';
import { awarePattern } from './endpoints.js';
import { monitorPart, mysqlOptions } from './part.js';
import { type MysqlMonitorOptions, SimpleMonitor } from './simple.js';

/** The AWS scripts' topology query, keeping only instances that reported in the last 300 s. */
export const topologySql =
  'SELECT server_id, session_id FROM information_schema.replica_host_status ' +
  'WHERE time_to_sec(timediff(now(), last_update_timestamp)) <= 300';

export interface AwareMonitorOptions extends MysqlMonitorOptions {
  /** Instance endpoint names: `?.<domain>`. */
  instancePattern: string;
  /** How often to sweep every known instance while the writer is missing. */
  sweepIntervalMs: number;
}

/**
 * The seed lab's cluster-aware monitor, made faster: it reads the topology, connects straight to the writer's
 * instance endpoint, and after an error sweeps every known instance (and the cluster endpoint) in parallel every
 * `sweepIntervalMs` until one answers as the writer. Each observation says by which route it got its answer.
 */
export class AwareMonitor extends SimpleMonitor {
  override readonly name = 'aware';
  override readonly mode = 'aware';
  private writer: string | undefined;
  private readonly known = new Set<string>();
  private sweeping = false;

  constructor(
    history: History,
    clock: Clock,
    private readonly aware: AwareMonitorOptions,
  ) {
    super(history, clock, aware);
  }

  override get deadlineMs(): number {
    // the writer check and the topology query, plus a hop to the writer the topology names
    const { connectTimeoutMs, queryTimeoutMs } = this.aware.timeouts;
    return 2 * (connectTimeoutMs + 2 * queryTimeoutMs);
  }

  override async probe(signal: AbortSignal): Promise<ProbeOutcome> {
    if (this.sweeping) return this.sweep(signal);
    const route = this.writer ? 'instance' : 'cluster';
    const host = this.writer
      ? instanceHost(this.aware.instancePattern, this.writer)
      : this.aware.endpoint.host;
    const first = await this.visitLearning(host, route, signal);
    // On a reader (the reader endpoint, or a stale record): go where the topology says the writer is.
    if (first.ok && first.role !== 'writer' && this.writer && this.writer !== first.nodeId) {
      return this.visitLearning(instanceHost(this.aware.instancePattern, this.writer), 'topology', signal);
    }
    return first;
  }

  protected override observed(o: Observation): void {
    const good = probeState(o) === 'good';
    if (good && this.sweeping) {
      this.sweeping = false;
      this.scheduler?.retime(this.aware.intervalMs);
    } else if (!good && !this.sweeping) {
      this.sweeping = true;
      this.scheduler?.retime(this.aware.sweepIntervalMs);
    }
    if (good && o.nodeId) this.writer = o.nodeId;
  }

  /** Every known instance and the cluster endpoint at once; the first writer wins, else a reader, else an error. */
  private async sweep(signal: AbortSignal): Promise<ProbeOutcome> {
    const candidates: [string, string][] = [...this.known].map((id) => [
      instanceHost(this.aware.instancePattern, id),
      'sweep:instance',
    ]);
    candidates.push([this.aware.endpoint.host, 'sweep:cluster']);
    const results = await Promise.all(
      candidates.map(([host, route]) => this.visitLearning(host, route, signal)),
    );
    return (
      results.find((r) => r.ok && r.role === 'writer') ??
      results.find((r) => r.ok) ??
      results.find((r) => r.error?.code !== 'DEADLINE') ??
      (results[0] as ProbeOutcome)
    );
  }

  private async visitLearning(host: string, route: string, signal: AbortSignal): Promise<ProbeOutcome> {
    const outcome = await this.visit(host, this.aware.endpoint.port, signal, async (query) =>
      this.learn(query),
    );
    return { ...outcome, route };
  }

  private async learn(query: Query): Promise<void> {
    const rows = await query(topologySql);
    let writer: string | undefined;
    for (const [serverId, sessionId] of rows) {
      this.known.add(String(serverId));
      if (sessionId === 'MASTER_SESSION_ID') writer = String(serverId);
    }
    if (writer) this.writer = writer;
  }
}

/** `--mode aware`: needs instance endpoint names, from an RDS-shaped endpoint or --instance-pattern. */
export async function awarePart(run: AuroraRun): Promise<DrillPart> {
  const { endpoint, plan } = run;
  const pattern = awarePattern(endpoint, plan.instancePattern);
  const monitor = new AwareMonitor(run.history, run.clock, {
    ...mysqlOptions(run),
    instancePattern: pattern,
    sweepIntervalMs: plan.sweepIntervalMs,
  });
  return monitorPart(run, monitor, endpoint);
}
