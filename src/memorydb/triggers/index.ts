import type { PreparedTrigger } from '../../core/session/part.js';
import type { MemoryDbPlan } from '../plan.js';
import type { MemoryDbRun } from '../run.js';
import { failoverShard } from './failover-shard.js';

/** A `--trigger`: its help, its preflight and confirmation (`prepare`), and the commands a runbook can paste. */
export interface TriggerKind {
  help: string;
  prepare(run: MemoryDbRun): Promise<PreparedTrigger>;
  dryRun(plan: MemoryDbPlan): string[];
}

/** The MemoryDB triggers by `--trigger` name: adding one is one file and one line here. */
export const triggerKinds = {
  'failover-shard': failoverShard,
} satisfies Record<string, TriggerKind>;

export type TriggerName = keyof typeof triggerKinds;
/** `none` leaves the fault to someone else (the console, the CLI, `drill lab kill`, a real incident). */
export const triggerNames = ['none', ...Object.keys(triggerKinds)] as readonly (TriggerName | 'none')[];
