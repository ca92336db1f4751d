import type { ChalkInstance } from 'chalk';
import { analyze } from '../analysis.js';
import type { Clock } from '../clock.js';
import { runDrill, type ScheduledTrigger, type StopRules } from '../drill.js';
import { formatDuration } from '../duration.js';
import { DrillError, ExitCode, usageError } from '../errors.js';
import { History, type RunEnd, type RunStart } from '../history.js';
import { summarizeRuns } from '../repeats.js';
import type { Renderer, RunResult, SessionResult } from '../report/renderer.js';
import { interruptWords } from '../report/summary.js';
import { pause } from '../scheduler.js';
import { addSecret, redactText } from '../secrets.js';
import { type Gates, verdict } from '../verdict.js';
import type { DrillPart, DrillService, PreparedTrigger } from './part.js';
import type { Signals } from './signals.js';

export interface SessionOptions {
  /** `--repeat`: runs in a row, `cooldownMs` apart. */
  repeat: number;
  cooldownMs: number;
  rules: StopRules;
  gates: Gates;
  /** `--yes`: fire a destructive trigger without asking. */
  yes: boolean;
  /** DRILL_CONFIRM=always: ask even against a lab (a runbook rehearsal). */
  confirmAlways: boolean;
  /** `--history FILE`: every record as NDJSON, as it happens. */
  historyFile?: string;
}

/** Everything the session does to the world beyond the service, injected so tests can drive it. */
export interface SessionIO {
  /** Messages for people: cooldowns, runs, a renderer that failed. */
  human: NodeJS.WritableStream;
  style: ChalkInstance;
  renderers: Renderer[];
  signals: Signals;
  /** A fresh clock for each run (every run has its own axis). */
  clock(): Clock;
  /** Asks on a terminal; undefined when there is none to ask on. */
  ask?: (question: string) => Promise<string>;
  /** Asks without echo (a password); undefined when there is no terminal. */
  askHidden?: (question: string) => Promise<string>;
  /** A second Ctrl+C leaves at once. */
  exitNow(code: number): void;
}

/**
 * Runs a drill for any service: the repeat loop and cooldown, interrupts, the parts' lifecycle, the rule that
 * nothing is written before the trigger is confirmed, the drill itself, analysis, verdict and the renderers.
 * Returns the exit code; a DrillError thrown while setting up a run ends the session (nothing reported).
 */
export async function runSession(
  service: DrillService,
  options: SessionOptions,
  io: SessionIO,
): Promise<number> {
  const prompt = service.passwordPrompt?.();
  if (prompt !== undefined && io.askHidden) {
    const password = await io.askHidden(prompt);
    addSecret(password);
    service.usePassword?.(password);
  }
  const interrupt = new AbortController();
  const unsubscribe = io.signals.subscribe((signal) => {
    if (interrupt.signal.aborted) io.exitNow(ExitCode.interrupted);
    // The signal's name is the abort's reason: the reports say which one ended the drill.
    interrupt.abort(signal);
  });
  const startedAt = new Date().toISOString();
  const runs: RunResult[] = [];
  try {
    for (let i = 0; i < options.repeat && !interrupt.signal.aborted; i++) {
      if (i > 0) {
        const next = `before run ${i + 1} of ${options.repeat}`;
        io.human.write(io.style.dim(`\ncooling down ${formatDuration(options.cooldownMs)} ${next}\n`));
        await pause(options.cooldownMs, interrupt.signal);
        if (interrupt.signal.aborted) break;
      }
      if (options.repeat > 1) io.human.write(io.style.bold(`\nrun ${i + 1} of ${options.repeat}\n`));
      runs.push(await runOnce(service, options, io, i, interrupt.signal, startedAt));
    }
  } finally {
    unsubscribe();
  }
  const session = sessionResult(startedAt, runs, options.repeat, interruptedBy(interrupt.signal));
  each(io, (r) => r.sessionEnded?.(session));
  return session.exitCode;
}

/**
 * The session's outcome from its runs: the worst run's exit code (130 when interrupted, whichever the signal),
 * the spread of repeats. `interrupted`: the signal's name, or true when it is not known (a killed drill's history).
 */
export function sessionResult(
  startedAt: string,
  runs: RunResult[],
  repeat: number,
  interrupted: string | boolean,
): SessionResult {
  const exitCode = interrupted ? ExitCode.interrupted : Math.max(...runs.map((r) => r.verdict.exitCode));
  const repeats = repeat > 1 ? summarizeRuns(runs.map((r) => r.analysis)) : null;
  return {
    startedAt,
    exitCode,
    interrupted: interrupted !== false,
    ...(typeof interrupted === 'string' ? { interruptedBy: interrupted } : {}),
    runs,
    repeats,
  };
}

/** The signal that aborted `interrupt` (its reason), false when none did. */
function interruptedBy(interrupt: AbortSignal): string | false {
  return interrupt.aborted ? String(interrupt.reason) : false;
}

async function runOnce(
  service: DrillService,
  options: SessionOptions,
  io: SessionIO,
  index: number,
  interrupt: AbortSignal,
  sessionStartedAt: string,
): Promise<RunResult> {
  const clock = io.clock();
  const startedAt = new Date(clock.originWallMs).toISOString();
  const history = new History(clock);
  const prepared: DrillPart[] = [];
  let ran = false;
  try {
    if (options.historyFile) history.streamTo(options.historyFile, index > 0);
    history.append<RunStart>({
      kind: 'run-start',
      t: clock.now(),
      index,
      total: options.repeat,
      startedAt,
      sessionStartedAt,
    });
    if (index > 0) history.note(`run ${index + 1} of ${options.repeat}`);
    each(io, (r) => r.runStarted?.(history, { index, total: options.repeat }));
    const setup = await service.setup({ index, total: options.repeat, history, clock });
    each(io, (r) => r.runHeader?.(setup.header));

    // Parts that only read are checked first (the first probe); the target's checks and the confirmation come
    // next, so that nothing is created in the target (a heartbeat table, a ledger) before the user said yes.
    for (const part of setup.parts) if (!part.writes) await part.check?.();
    const trigger = await setup.preflight?.();
    if (trigger) await confirm(trigger, options, io);
    for (const part of setup.parts) {
      await part.prepare?.();
      prepared.push(part);
      if (part.writes) await part.check?.();
    }
    let scheduled: ScheduledTrigger | undefined = trigger?.scheduled;
    for (const part of setup.parts) {
      if (scheduled && part.wrapTrigger)
        scheduled = { ...scheduled, trigger: part.wrapTrigger(scheduled.trigger) };
    }

    const monitors = setup.parts.flatMap((p) => (p.monitor ? [p.monitor] : []));
    for (const part of setup.parts) part.start?.();
    ran = true;
    const stop = await runDrill(history, monitors, options.rules, interrupt, scheduled).finally(() =>
      Promise.all(prepared.map((p) => p.stop?.())),
    );
    const signal = stop === 'interrupted' ? interruptedBy(interrupt) : false;
    await finish(prepared, true, history, interrupt);
    prepared.length = 0;

    const gates: Gates = trigger
      ? { ...options.gates, trigger: trigger.scheduled.trigger.name }
      : options.gates;
    // What `drill report` needs to judge this run again from the history file alone.
    history.append<RunEnd>({
      kind: 'run-end',
      t: clock.now(),
      stop,
      ...(signal ? { interruptedBy: signal } : {}),
      gates,
      target: setup.target,
      header: setup.header,
    });
    const analysis = analyze(history.kept);
    const run: RunResult = {
      index,
      startedAt,
      target: setup.target,
      stop,
      ...(signal ? { interruptedBy: signal } : {}),
      gates,
      analysis,
      verdict: verdict(analysis, gates, stop),
    };
    each(io, (r) => r.runEnded?.(run));
    return run;
  } finally {
    // A run that never started (a refused confirmation, a failed prepare) releases what it had prepared.
    await finish(prepared, ran, history, interrupt);
    history.close();
  }
}

/** How long one part may take to finish (read back a ledger, check a table) before the drill goes on. */
export const finishBoundMs = 30_000;

/**
 * Last prepared, first finished: a table is checked before the schema it lives in is dropped. Each part gets
 * at most `finishBoundMs`, and a Ctrl+C (even the one that ended the drill, once more) cuts the wait short.
 */
async function finish(
  parts: readonly DrillPart[],
  ran: boolean,
  history: History,
  interrupt: AbortSignal,
): Promise<void> {
  for (const part of [...parts].reverse()) {
    if (!part.finish) continue;
    const bound = new AbortController();
    const within = part.finishWithinMs ?? finishBoundMs;
    const timer = setTimeout(() => bound.abort(), within);
    // The Ctrl+C that ended the drill must not also skip its read-back: only a later one cuts it short.
    const wasInterrupted = interrupt.aborted;
    const onInterrupt = (): void => bound.abort();
    if (!wasInterrupted) interrupt.addEventListener('abort', onInterrupt, { once: true });
    const cut = new Promise<'cut'>((resolve) => bound.signal.addEventListener('abort', () => resolve('cut')));
    try {
      const how = await Promise.race([part.finish(ran, bound.signal).then(() => 'done' as const), cut]);
      if (how === 'cut') {
        const why =
          interrupt.aborted && !wasInterrupted
            ? interruptWords(String(interrupt.reason))
            : `not done within ${within / 1000} s`;
        history.note(`${part.name}: left unfinished: ${why}`, 'warn');
      }
    } catch (err) {
      // A part that throws must not keep the others from finishing; what it says goes on the timeline.
      history.note(`${part.name}: ${(err as Error)?.message ?? String(err)}`, 'warn');
    } finally {
      clearTimeout(timer);
      interrupt.removeEventListener('abort', onInterrupt);
    }
  }
}

async function confirm(trigger: PreparedTrigger, options: SessionOptions, io: SessionIO): Promise<void> {
  const { what, answer, lab } = trigger.confirmation;
  if (options.yes || (lab && !options.confirmAlways)) return;
  if (!io.ask) {
    throw usageError(
      `refusing to ${what} without --yes: ${lab ? 'DRILL_CONFIRM=always asks first' : 'this is not a lab'}, and there is no terminal to ask on`,
    );
  }
  const typed = await io.ask(`This will ${what}. Type '${answer}' to go on: `).catch(() => {
    // Ctrl+C at the prompt (readline rejects rather than signalling): an answer of no, and an interrupt.
    throw new DrillError('not confirmed (interrupted): nothing was done', ExitCode.interrupted);
  });
  if (typed.trim() !== answer) throw usageError('not confirmed: nothing was done');
}

/** Calls every renderer; one that throws is reported and the others still run (the exit code is kept). */
export function each(
  io: Pick<SessionIO, 'renderers' | 'human' | 'style'>,
  call: (r: Renderer) => void,
): void {
  for (const r of io.renderers) {
    try {
      call(r);
    } catch (err) {
      const why = err instanceof DrillError ? err.message : (err as Error)?.message;
      io.human.write(io.style.yellow(redactText(`drill: the ${r.name} report failed: ${why}\n`)));
    }
  }
}
