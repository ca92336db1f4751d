import { formatDuration } from '../core/duration.js';
import { stopRuleWords } from '../core/session/plan.js';
import { dnsDryRunLine } from '../net/options.js';
import type { AuroraPlan } from './plan.js';
import { triggerKinds } from './triggers/index.js';

/** `--dry-run`: the plan in words and the commands a runbook can paste instead; nothing is touched. */
export function dryRunLines(plan: AuroraPlan): string[] {
  const where = plan.lab ? 'a throwaway local lab' : plan.endpoint?.text;
  return [
    `plan: watch ${where} in ${plan.modes.join(', ')} mode, probing every ${formatDuration(plan.intervalMs)}`,
    dnsDryRunLine(plan.dns, plan.lab !== undefined),
    loginLine(plan),
    plan.trigger === 'none'
      ? 'trigger: none (cause the fault elsewhere)'
      : `trigger: ${plan.trigger} at +${formatDuration(plan.atMs)}`,
    stopRuleWords(plan.rules),
    ...(plan.trigger === 'none' ? [] : triggerKinds[plan.trigger].dryRun(plan)),
    'dry run: nothing was touched',
  ];
}

/** How the drill would log in, never with the password itself. */
function loginLine(plan: AuroraPlan): string {
  const how = plan.iamAuth
    ? 'IAM database tokens (rds-db:connect), renewed every 10 min'
    : plan.secretId
      ? `the password in Secrets Manager secret ${plan.secretId} (secretsmanager:GetSecretValue)`
      : 'a password';
  const ca = plan.tls.ca ? ', --ca given' : '';
  return `login: ${how}; TLS: ${plan.tls.mode}${ca}`;
}
