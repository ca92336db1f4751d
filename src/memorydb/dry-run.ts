import { formatDuration } from '../core/duration.js';
import { stopRuleWords } from '../core/session/plan.js';
import { dnsDryRunLine } from '../net/options.js';
import type { MemoryDbPlan } from './plan.js';
import { triggerKinds } from './triggers/index.js';

/** `--dry-run`: the plan in words and the commands a runbook can paste instead; nothing is touched. */
export function dryRunLines(plan: MemoryDbPlan): string[] {
  const where = plan.lab ? 'a throwaway local lab' : plan.endpoint?.text;
  return [
    `plan: watch every shard of ${where} in ${plan.modes.join(', ')} mode, writing every ${formatDuration(plan.intervalMs)}`,
    loginLine(plan),
    dnsDryRunLine(plan.dns, plan.lab !== undefined),
    plan.trigger === 'none'
      ? 'trigger: none (cause the fault elsewhere)'
      : `trigger: ${plan.trigger} of shard ${plan.shard} at +${formatDuration(plan.atMs)}`,
    stopRuleWords(plan.rules),
    ...(plan.trigger === 'none' ? [] : triggerKinds[plan.trigger].dryRun(plan)),
    'dry run: nothing was touched',
  ];
}

/** How the drill would log in, never with the password itself. */
function loginLine(plan: MemoryDbPlan): string {
  const as = plan.user ? `as ${plan.user}` : plan.lab ? "as the lab's user" : 'as the default user';
  const how = plan.iamAuth
    ? 'IAM tokens (memorydb:Connect), renewed every 10 min'
    : plan.password === undefined && !plan.lab
      ? 'no password'
      : 'a password';
  return `login: ${as} with ${how}; TLS: ${plan.tls ? 'on' : 'off'}${plan.ca ? ', --ca given' : ''}`;
}
