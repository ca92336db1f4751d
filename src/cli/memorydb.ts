import type { MemoryDbOptions } from '../memorydb/options.js';
import { planMemoryDb, useLab } from '../memorydb/plan.js';
import type { Endpoint } from '../net/endpoint.js';
import { runDrillCommand } from './session.js';

/** `drill memorydb`: options -> plan -> the drill session (with a lab when asked) -> exit code. */
export async function runMemoryDb(options: MemoryDbOptions, given?: ReadonlySet<string>): Promise<number> {
  const plan = planMemoryDb(options, process.env, given);
  return runDrillCommand({
    plan,
    useLab: (status, password) => useLab(plan, status, password),
    host: () => (plan.endpoint as Endpoint).host,
    labOptions: { memorydb: true },
    dryRun: async () => (await import('../memorydb/dry-run.js')).dryRunLines(plan),
    service: async (groundTruthFile) =>
      (await import('../memorydb/setup.js')).memorydbService(plan, groundTruthFile),
  });
}
