import type { AuroraOptions } from '../aurora/options.js';
import { planAurora, useLab } from '../aurora/plan.js';
import type { Endpoint } from '../net/endpoint.js';
import { runDrillCommand } from './session.js';

/** `drill aurora`: options -> plan -> the drill session (with a lab when asked) -> exit code. */
export async function runAurora(options: AuroraOptions, given?: ReadonlySet<string>): Promise<number> {
  const plan = planAurora(options, process.env, given);
  return runDrillCommand({
    plan,
    useLab: (status, password) => useLab(plan, status, password),
    host: () => (plan.endpoint as Endpoint).host,
    dryRun: async () => (await import('../aurora/dry-run.js')).dryRunLines(plan),
    service: async (groundTruthFile) =>
      (await import('../aurora/setup.js')).auroraService(plan, groundTruthFile),
  });
}
