import { join } from 'node:path';
import { ExitCode } from '../core/errors.js';
import { styleFor } from '../core/report/style.js';
import { redactText } from '../core/secrets.js';
import { defaultLabStateDir } from '../lab/defaults.js';
import {
  type LabTarget,
  type NotifyCommand,
  type NotifyOptions,
  type NotifyPlan,
  planNotify,
} from '../notify/plan.js';
import type { NotifyServices, Step } from '../notify/setup.js';

/** `drill notify setup|status|teardown`: options -> (lab) -> plan -> print-policy / dry run / AWS -> output. */
export async function runNotify(command: NotifyCommand, options: NotifyOptions): Promise<number> {
  const plan = planNotify(command, options, process.env, await labTarget(options.labStateDir));
  const out = (text: string): void => {
    process.stdout.write(redactText(text));
  };
  if (plan.printPolicy) {
    const { iamPolicy } = await import('../notify/policy.js');
    out(`${JSON.stringify(iamPolicy(policyScope(plan)), null, 2)}\n`);
    return ExitCode.passed;
  }
  if (plan.dryRun) return dryRun(plan, out);
  const human = plan.json ? process.stderr : process.stdout;
  const style = styleFor(human, plan.color);
  const { header, stepLine } = await import('../notify/render.js');
  const say = (text: string): void => {
    human.write(redactText(text));
  };
  const onStep = (s: Step): void => say(stepLine(s, style));
  const services = await connect(plan);

  if (command === 'status') {
    const { notifyStatus } = await import('../notify/status.js');
    const status = await notifyStatus(plan, services);
    if (plan.json) out(`${JSON.stringify(status, null, 2)}\n`);
    else {
      const { statusTables } = await import('../notify/render.js');
      say(header(plan, style));
      say(statusTables(status, plan, style));
    }
    return ExitCode.passed;
  }

  say(header(plan, style));
  if (command === 'teardown') {
    const { teardownNotifications } = await import('../notify/teardown.js');
    const result = await teardownNotifications(plan, services, onStep);
    say(result.changed ? style.bold('torn down.\n') : style.bold('nothing to tear down: already gone.\n'));
    if (plan.json) out(`${JSON.stringify(result, null, 2)}\n`);
    return ExitCode.passed;
  }

  const { setupNotifications } = await import('../notify/setup.js');
  const { setupSummary } = await import('../notify/render.js');
  // Ctrl+C part-way rolls back what this run created (a second one leaves at once).
  const interrupt = new AbortController();
  const onSignal = (): void => {
    if (interrupt.signal.aborted) process.exit(ExitCode.interrupted);
    interrupt.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await setupNotifications(plan, services, onStep, interrupt.signal);
    say(setupSummary(result, style, plan.lab ? join(plan.lab.stateDir, 'outbox') : undefined));
    if (plan.json) out(`${JSON.stringify(result, null, 2)}\n`);
    return ExitCode.passed;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** `--lab-state-dir [dir]`: the running lab's API, region and cluster, or exit 3 saying none runs. */
async function labTarget(option: string | boolean | undefined): Promise<LabTarget | undefined> {
  if (option === undefined || option === false) return undefined;
  const dir = option === true ? defaultLabStateDir() : option;
  const { runningLab } = await import('../lab/client.js');
  const { status } = runningLab(dir);
  return {
    stateDir: status.stateDir,
    apiEndpoint: status.apiEndpoint,
    region: status.region,
    clusterId: status.aurora.clusterId,
  };
}

async function connect(plan: NotifyPlan): Promise<NotifyServices> {
  const { SnsTopics } = await import('../notify/sns.js');
  const services: NotifyServices = { sns: await SnsTopics.connect(plan.target) };
  // Status and teardown look at the RDS event subscription by name even without --cluster (not for MemoryDB only).
  if (plan.cluster || (plan.command !== 'setup' && !plan.memorydb)) {
    const { RdsEventSubscriptions } = await import('../notify/rds-subscription.js');
    services.rds = await RdsEventSubscriptions.connect(plan.target);
  }
  if (plan.memorydb) {
    const { MemoryDbNotifications } = await import('../notify/memorydb.js');
    services.memorydb = await MemoryDbNotifications.connect(plan.target);
  }
  return services;
}

function policyScope(plan: NotifyPlan) {
  return {
    region: plan.region,
    topicName: plan.topic.name,
    subscriptionName: plan.subscriptionName,
    clusters: plan.cluster ? [plan.cluster] : [],
    memorydbClusters: plan.memorydb ? [plan.memorydb] : [],
  };
}

async function dryRun(plan: NotifyPlan, out: (text: string) => void): Promise<number> {
  const { setupCommands, statusCommands, teardownCommands } = await import('../notify/runbook.js');
  const commands =
    plan.command === 'setup'
      ? setupCommands(plan)
      : plan.command === 'teardown'
        ? teardownCommands(plan)
        : statusCommands(plan);
  const what =
    plan.command === 'setup'
      ? 'drill checks first, skips what exists, and rolls back what it created when a step fails'
      : plan.command === 'teardown'
        ? 'drill skips what is already gone and leaves alone what sends to another topic'
        : 'read-only';
  out(
    `# drill notify ${plan.command} as AWS CLI commands (${what})\n${commands.join('\n')}\n# dry run: nothing was touched\n`,
  );
  return ExitCode.passed;
}
