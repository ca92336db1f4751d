import { formatDuration } from '../core/duration.js';
import type { MemoryDbPlan } from './plan.js';
import { triggerKinds } from './triggers/index.js';

/** `--dry-run`: the plan in words and the commands a runbook can paste instead; nothing is touched. */
export function dryRunLines(plan: MemoryDbPlan): string[] {
  const where = plan.lab ? 'a throwaway local lab' : plan.endpoint?.text;
  const rules = plan.rules;
  const stop = rules.untilRecovered
    ? `once recovered and settled for ${formatDuration(rules.settleMs)}`
    : rules.durationMs
      ? `after ${formatDuration(rules.durationMs)}`
      : 'on Ctrl+C';
  return [
    `plan: watch every shard of ${where} in ${plan.modes.join(', ')} mode, writing every ${formatDuration(plan.intervalMs)}`,
    plan.trigger === 'none'
      ? 'trigger: none (cause the fault elsewhere)'
      : `trigger: ${plan.trigger} of shard ${plan.shard} at +${formatDuration(plan.atMs)}`,
    `stop: ${stop}; give up after ${formatDuration(rules.timeoutMs)} down`,
    ...(plan.trigger === 'none' ? [] : triggerKinds[plan.trigger].dryRun(plan)),
    'dry run: nothing was touched',
  ];
}
