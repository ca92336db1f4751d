import calculateSlot from 'cluster-key-slot';
import type { Cluster } from 'ioredis';
import type { Clock } from '../../core/clock.js';
import { cannotStart } from '../../core/errors.js';
import type { History, Observation, WriteReadback } from '../../core/history.js';
import { type ProbeOutcome, ScheduledMonitor } from '../../core/monitor.js';
import { abortReason, raceAbort } from '../../core/scheduler.js';
import type { DrillPart } from '../../core/session/part.js';
import { classifyRedisError } from '../errors.js';
import type { MemoryDbRun } from '../run.js';
import { nodeName, type Shard } from '../topology.js';

/** Keys the drill writes expire by themselves a day later, should a read-back never come. */
const keyTtlSeconds = 86_400;

/**
 * The application's view of one shard: every probe SETs a new, uniquely numbered key that lives on this shard,
 * through the run's shared ioredis Cluster client (MOVED, ASK, TRYAGAIN and CLUSTERDOWN are the client's to
 * follow, as they are an application's). What it could not write, and for how long, is the shard's downtime.
 */
export class AppShardMonitor extends ScheduledMonitor {
  readonly name: string;
  readonly mode = 'app';

  constructor(
    history: History,
    clock: Clock,
    private readonly run: MemoryDbRun,
    private readonly shard: Shard,
    private readonly ledger: boolean,
  ) {
    super(history, clock, run.endpoint.text, run.plan.intervalMs);
    this.name = `app:${shard.name}`;
    this.label = `shard ${shard.name}`;
    this.dns = run.target.resolver.description;
  }

  get deadlineMs(): number {
    return this.run.plan.connectTimeoutMs + 2 * this.run.plan.commandTimeoutMs;
  }

  key(seq: number): string {
    return `drill:${this.shard.tag}:${this.run.runId}:${seq}`;
  }

  async probe(signal: AbortSignal): Promise<ProbeOutcome> {
    const seq = this.run.nextSeq();
    const write = (outcome: 'acknowledged' | 'failed' | 'indeterminate') =>
      this.ledger ? { write: { seq, outcome } } : {};
    try {
      const { cluster, hostOf } = await this.run.app();
      await raceAbort(cluster.set(this.key(seq), String(seq), 'EX', keyTtlSeconds), signal);
      const served = servedBy(cluster, this.key(seq), hostOf);
      return { ok: true, role: 'writer', ...served, ...write('acknowledged') };
    } catch (err) {
      const aborted = signal.aborted ? abortReason(signal) : undefined;
      const error = aborted ? { code: aborted.code, message: aborted.message } : classifyRedisError(err);
      // A write that timed out or lost its connection may have landed: neither acknowledged nor refused.
      const unsure = ['TIMEOUT', 'CLOSED', 'DEADLINE', 'ECONNRESET'].includes(error.code);
      return { ok: false, error, ...write(unsure ? 'indeterminate' : 'failed') };
    }
  }
}

/** The node that serves a key's slot, as the client's slot map says now (`host:port` keys). */
function servedBy(
  cluster: Cluster,
  key: string,
  hostOf: (address: string) => string,
): Pick<Observation, 'nodeId'> {
  const node = cluster.slots[calculateSlot(key)]?.[0];
  if (!node) return {};
  const at = node.lastIndexOf(':');
  return { nodeId: nodeName(hostOf(node.slice(0, at)), Number(node.slice(at + 1))) };
}

/**
 * `--mode app`: a monitor per shard on one shared client. Its first write is checked after the confirmation
 * (it writes); with --write-check the ledger is read back after the drill. The client is closed whatever happens.
 */
export async function appParts(run: MemoryDbRun): Promise<DrillPart[]> {
  const monitors = run.shards.map(
    (s) => new AppShardMonitor(run.history, run.clock, run, s, run.plan.writeCheck),
  );
  const parts: DrillPart[] = [
    {
      name: 'app client',
      async prepare() {},
      async finish(ran, signal) {
        if (ran && run.plan.writeCheck) await readBack(run, monitors, signal);
        await run.closeApp();
      },
    },
  ];
  for (const monitor of monitors) {
    parts.push({
      name: monitor.name,
      monitor,
      writes: true,
      async check() {
        const outcome = await monitor.probe(AbortSignal.timeout(monitor.deadlineMs * 2));
        if (!outcome.ok) {
          throw cannotStart(
            `the application's client could not write to ${monitor.name}: ${outcome.error?.code} ${outcome.error?.message}`,
          );
        }
      },
    });
  }
  return parts;
}

/** Reads every acknowledged key back (then deletes what the drill wrote): what is absent was lost. */
async function readBack(run: MemoryDbRun, monitors: AppShardMonitor[], signal: AbortSignal): Promise<void> {
  const { cluster } = await run.app();
  const present: number[] = [];
  try {
    for (const monitor of monitors) {
      const writes = run.history.probes(monitor.name)?.writes;
      const written = writes ? [...writes.acknowledged, ...writes.indeterminate] : [];
      for (let i = 0; i < written.length && !signal.aborted; i += 100) {
        const batch = written.slice(i, i + 100);
        const found = await Promise.all(batch.map((seq) => cluster.exists(monitor.key(seq))));
        batch.forEach((seq, j) => {
          if (found[j] === 1) present.push(seq);
        });
        await Promise.all(batch.map((seq) => cluster.del(monitor.key(seq))));
      }
    }
  } catch (err) {
    run.history.note(`could not read the writes back: ${classifyRedisError(err).message}`, 'warn', 'writes');
    return;
  }
  if (signal.aborted) return;
  run.history.append<WriteReadback>({ kind: 'write-readback', t: run.clock.now(), present });
}
