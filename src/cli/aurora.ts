import type { Endpoint } from '../aurora/endpoint.js';
import type { AuroraOptions } from '../aurora/options.js';
import { type AuroraPlan, planAurora, useLab } from '../aurora/plan.js';
import { monotonicClock } from '../core/clock.js';
import { ExitCode } from '../core/errors.js';
import { createRenderers } from '../core/report/index.js';
import type { RendererSpec } from '../core/report/renderer.js';
import { styleFor } from '../core/report/style.js';
import { runSession } from '../core/session/session.js';
import { type CaughtSignals, catchProcessSignals } from '../core/session/signals.js';
import { promptHidden, promptLine } from './prompt.js';
import { tool } from './tool.js';

/** `drill aurora`: options -> plan -> (lab) -> the drill session -> exit code. */
export async function runAurora(options: AuroraOptions): Promise<number> {
  // Caught before anything is created: an early Ctrl+C, SIGTERM or SIGHUP must not leave a lab behind.
  const signals = catchProcessSignals();
  try {
    return await runPlan(planAurora(options), signals);
  } finally {
    signals.release();
  }
}

async function runPlan(plan: AuroraPlan, signals: CaughtSignals): Promise<number> {
  if (plan.labStateDir) {
    const { runningLab } = await import('../lab/client.js');
    const lab = runningLab(plan.labStateDir);
    useLab(plan, lab.status, lab.password);
    return plan.dryRun ? dryRun(plan) : drill(plan, signals, lab.status.groundTruthFile);
  }
  if (plan.dryRun) return dryRun(plan);
  if (!plan.lab) {
    // A lab started by hand and drilled by its host names gets its ground truth followed too.
    const { labServing } = await import('../lab/client.js');
    return drill(plan, signals, labServing((plan.endpoint as Endpoint).host)?.groundTruthFile);
  }
  const { startEphemeralLab } = await import('../lab/client.js');
  const starting = new AbortController();
  const stopStarting = signals.subscribe(() => starting.abort());
  const lab = await startEphemeralLab(plan.lab, { signal: starting.signal }).finally(stopStarting);
  try {
    useLab(plan, lab.status, lab.password);
    return await drill(plan, signals, lab.status.groundTruthFile, () => lab.stopNow());
  } finally {
    await lab.stop();
  }
}

async function drill(
  plan: AuroraPlan,
  signals: CaughtSignals,
  groundTruthFile: string | undefined,
  beforeExit: () => void = () => {},
): Promise<number> {
  const { auroraService } = await import('../aurora/setup.js');
  const service = auroraService(plan, groundTruthFile);
  const human = plan.json ? process.stderr : process.stdout;
  const style = styleFor(human, plan.color);
  const tty = (human as NodeJS.WriteStream).isTTY === true;
  const specs: RendererSpec[] = [{ name: 'live' }, { name: 'summary' }];
  if (plan.json) specs.push({ name: 'json', to: '-' });
  if (plan.reportFile) specs.push({ name: 'json', to: plan.reportFile });
  const terminal = process.stdin.isTTY === true && process.stderr.isTTY === true;
  return runSession(
    service,
    {
      repeat: plan.repeat,
      cooldownMs: plan.cooldownMs,
      rules: plan.rules,
      gates: { maxDowntimeMs: plan.maxDowntimeMs },
      yes: plan.yes,
      confirmAlways: plan.confirmAlways,
      historyFile: plan.historyFile,
    },
    {
      human,
      style,
      renderers: createRenderers(specs, { human, stdout: process.stdout, style, tty, tool }),
      signals,
      clock: monotonicClock,
      ask: terminal ? promptLine : undefined,
      askHidden: terminal ? promptHidden : undefined,
      exitNow: (code) => {
        beforeExit();
        process.exit(code);
      },
    },
  );
}

async function dryRun(plan: AuroraPlan): Promise<number> {
  const { dryRunLines } = await import('../aurora/dry-run.js');
  process.stdout.write(`${dryRunLines(plan).join('\n')}\n`);
  return ExitCode.passed;
}
