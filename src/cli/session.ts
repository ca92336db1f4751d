import { monotonicClock } from '../core/clock.js';
import { ExitCode } from '../core/errors.js';
import { createRenderers, reportSpecs } from '../core/report/index.js';
import type { RendererSpec } from '../core/report/renderer.js';
import { styleFor } from '../core/report/style.js';
import type { DrillService } from '../core/session/part.js';
import type { SessionPlan } from '../core/session/plan.js';
import { runSession } from '../core/session/session.js';
import { type CaughtSignals, catchProcessSignals } from '../core/session/signals.js';
import type { LabStatus, LabTiming } from '../lab/client.js';
import { takeEarlySignals } from './early-signals.js';
import { promptHidden, promptLine } from './prompt.js';
import { tool } from './tool.js';

/** What a service's command hands over: its validated plan and how it uses a lab. */
export interface DrillCommand {
  plan: SessionPlan & { lab: LabTiming | undefined; labStateDir: string | undefined };
  /** Points the plan at a lab's endpoints and credentials (throws when the lab lacks the service). */
  useLab(status: LabStatus, password: string): void;
  /** The host drilled without a lab: a lab started by hand that serves it gets its ground truth followed too. */
  host(): string;
  /** What a throwaway lab must have beside Aurora. */
  labOptions?: { memorydb?: boolean };
  dryRun(): Promise<string[]>;
  service(groundTruthFile: string | undefined): Promise<DrillService>;
}

/** `drill <service>`: (lab) -> dry run or the drill session -> exit code. */
export async function runDrillCommand(command: DrillCommand): Promise<number> {
  // Caught before anything is created: an early Ctrl+C, SIGTERM or SIGHUP must not leave a lab behind.
  const signals = takeEarlySignals() ?? catchProcessSignals();
  try {
    return await withLab(command, signals);
  } finally {
    signals.release();
  }
}

async function withLab(command: DrillCommand, signals: CaughtSignals): Promise<number> {
  const { plan } = command;
  if (plan.labStateDir) {
    const { runningLab } = await import('../lab/client.js');
    const lab = runningLab(plan.labStateDir);
    command.useLab(lab.status, lab.password);
    return plan.dryRun ? dryRun(command) : drill(command, signals, lab.status.groundTruthFile);
  }
  if (plan.dryRun) return dryRun(command);
  if (!plan.lab) {
    const { labServing } = await import('../lab/client.js');
    return drill(command, signals, labServing(command.host())?.groundTruthFile);
  }
  const { startEphemeralLab } = await import('../lab/client.js');
  const starting = new AbortController();
  const stopStarting = signals.subscribe(() => starting.abort());
  const lab = await startEphemeralLab(plan.lab, { ...command.labOptions, signal: starting.signal }).finally(
    stopStarting,
  );
  try {
    command.useLab(lab.status, lab.password);
    return await drill(command, signals, lab.status.groundTruthFile, () => lab.stopNow());
  } finally {
    await lab.stop();
  }
}

async function drill(
  command: DrillCommand,
  signals: CaughtSignals,
  groundTruthFile: string | undefined,
  beforeExit: () => void = () => {},
): Promise<number> {
  const { plan } = command;
  const service = await command.service(groundTruthFile);
  const human = plan.json ? process.stderr : process.stdout;
  const style = styleFor(human, plan.color);
  const tty = (human as NodeJS.WriteStream).isTTY === true;
  const specs: RendererSpec[] = [{ name: 'live' }, { name: 'summary' }, ...reportSpecs(plan)];
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

async function dryRun(command: DrillCommand): Promise<number> {
  process.stdout.write(`${(await command.dryRun()).join('\n')}\n`);
  return ExitCode.passed;
}
