import type { PreparedTrigger } from '../../core/session/part.js';
import type { AuroraPlan } from '../plan.js';
import type { AuroraRun } from '../run.js';
import { crash } from './crash.js';
import { failover } from './failover.js';
import { reboot } from './reboot.js';

/**
 * A `--trigger`: its help, its preflight checks and confirmation words (in `prepare`, which runs after the first
 * probe and before anything is written), and the equivalent commands a runbook can paste (`--dry-run`).
 */
export interface TriggerKind {
  help: string;
  /** It acts through RDS: the drill finds the cluster from the endpoint when --cluster is not given. */
  usesRds: boolean;
  prepare(run: AuroraRun): Promise<PreparedTrigger>;
  dryRun(plan: AuroraPlan): string[];
}

/** The Aurora triggers by `--trigger` name: adding one is one file and one line here. */
export const triggerKinds = {
  failover,
  reboot,
  crash: crash('INSTANCE'),
  'crash-dispatcher': crash('DISPATCHER'),
  'crash-node': crash('NODE'),
} satisfies Record<string, TriggerKind>;

export type TriggerName = keyof typeof triggerKinds;
/** `none` leaves the fault to someone else (the console, the CLI, a real incident). */
export const triggerNames = ['none', ...Object.keys(triggerKinds)] as readonly (TriggerName | 'none')[];
