import { accessSync, closeSync, constants, openSync, type Stats, statSync, unlinkSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { StopRules } from '../drill.js';
import { formatDuration, parseDuration } from '../duration.js';
import { usageError } from '../errors.js';
import { parseWhole } from '../numbers.js';
import type { OptionSpec, OptionsOf } from '../options.js';

/**
 * Where reports go. A drill and `drill report` (which re-renders a saved run) share these, so every format works
 * from both: a new format is one option here and one line in `reportSpecs` (core/report/index.ts).
 */
export const reportOptionSpecs = [
  { key: 'json', flags: '--json', help: 'print the JSON report on stdout (the live view goes to stderr)' },
  { key: 'report', flags: '--report <file>', help: 'write the JSON report to a file' },
  {
    key: 'html',
    flags: '--html <file>',
    help: 'write the timeline (every probe, outage and event on one axis) to a self-contained HTML file',
  },
  {
    key: 'junit',
    flags: '--junit <file>',
    help: 'write a JUnit XML report: a test suite per run, a test case per monitor and gate',
  },
  {
    key: 'markdown',
    flags: '--markdown <file>',
    help: 'write the summary as GitHub-flavoured Markdown, verdict first',
  },
  {
    key: 'stepSummary',
    flags: '--no-step-summary',
    help: 'do not append the Markdown summary to $GITHUB_STEP_SUMMARY (appended when it is set)',
  },
  { key: 'color', flags: '--no-color', help: 'plain text even on a terminal (NO_COLOR does the same)' },
] as const satisfies readonly OptionSpec[];

export type ReportOptionValues = OptionsOf<typeof reportOptionSpecs>;

/** The options every drill has, whatever the service: when it stops, repeats, asks, and where it reports. */
export const sessionOptionSpecs = [
  {
    key: 'duration',
    flags: '--duration <duration>',
    help: 'stop after this long (default: until Ctrl+C or a rule below)',
  },
  {
    key: 'untilRecovered',
    flags: '--until-recovered',
    help: 'stop once the first outage has ended and --settle has passed',
  },
  {
    key: 'settle',
    flags: '--settle <duration>',
    help: 'keep watching this long after recovery',
    default: '5s',
  },
  {
    key: 'timeout',
    flags: '--timeout <duration>',
    help: 'give up (exit 1) when an outage lasts longer than this',
    default: '5m',
  },
  {
    key: 'maxDowntime',
    flags: '--max-downtime <duration>',
    help: 'exit 1 when the downtime is longer than this',
  },
  { key: 'at', flags: '--at <duration>', help: 'fire the trigger this long after the start', default: '3s' },
  {
    key: 'baseline',
    flags: '--baseline <duration>',
    help: 'good probes needed, from every monitor, before the trigger fires',
    default: '2s',
  },
  {
    key: 'repeat',
    flags: '--repeat <n>',
    help: 'drill this many times in a row (each failover moves the writer)',
    default: '1',
  },
  { key: 'cooldown', flags: '--cooldown <duration>', help: 'wait between repeated drills', default: '30s' },
  { key: 'yes', flags: '--yes', help: 'do not ask before a destructive trigger against a non-lab target' },
  { key: 'dryRun', flags: '--dry-run', help: 'print the plan and the equivalent commands; touch nothing' },
  {
    key: 'history',
    flags: '--history <file>',
    help: 'stream every observation and event to an NDJSON file as it happens',
  },
  ...reportOptionSpecs,
] as const satisfies readonly OptionSpec[];

export type SessionOptionValues = OptionsOf<typeof sessionOptionSpecs>;

/** Where the reports go, validated: every file checked writable before anything starts. */
export interface ReportPlan {
  json: boolean;
  reportFile: string | undefined;
  /** `--html FILE`: the timeline page. */
  htmlFile: string | undefined;
  junitFile: string | undefined;
  markdownFile: string | undefined;
  /** $GITHUB_STEP_SUMMARY unless --no-step-summary: the Markdown summary is appended there. */
  stepSummaryFile: string | undefined;
  color: boolean;
}

/** The session's part of a plan, validated. */
export interface SessionPlan extends ReportPlan {
  rules: StopRules;
  maxDowntimeMs: number | undefined;
  atMs: number;
  baselineMs: number;
  repeat: number;
  cooldownMs: number;
  yes: boolean;
  /** DRILL_CONFIRM=always: ask before a destructive trigger even against a lab (a runbook rehearsal). */
  confirmAlways: boolean;
  dryRun: boolean;
  historyFile: string | undefined;
}

/** A duration option that must be longer than 0. */
export function positiveDuration(text: string, flag: string): number {
  const ms = parseDuration(text, flag);
  if (ms <= 0) throw usageError(`${flag} must be longer than 0, got '${text}'`);
  return ms;
}

/** `others` are further files the command writes (a drill's --history), which no report may share. */
export function planReports(
  o: ReportOptionValues,
  env: NodeJS.ProcessEnv = process.env,
  others: readonly [flag: string, path: string | undefined][] = [],
): ReportPlan {
  distinctFiles([
    ['--report', o.report],
    ['--html', o.html],
    ['--junit', o.junit],
    ['--markdown', o.markdown],
    ...others,
  ]);
  const file = (path: string | undefined, flag: string) =>
    path === undefined ? undefined : writableFile(path, flag);
  const stepSummary = env.GITHUB_STEP_SUMMARY;
  return {
    json: o.json === true,
    reportFile: file(o.report, '--report'),
    junitFile: file(o.junit, '--junit'),
    htmlFile: file(o.html, '--html'),
    markdownFile: file(o.markdown, '--markdown'),
    stepSummaryFile: o.stepSummary && stepSummary ? stepSummary : undefined,
    color: o.color,
  };
}

/** Two outputs in one file would overwrite each other: refuse before anything starts. */
function distinctFiles(files: readonly [flag: string, path: string | undefined][]): void {
  const seen = new Map<string, string>();
  for (const [flag, path] of files) {
    if (path === undefined) continue;
    const earlier = seen.get(resolve(path));
    if (earlier) throw usageError(`${earlier} and ${flag} name the same file ${path}: give them one each`);
    seen.set(resolve(path), flag);
  }
}

export function planSession(o: SessionOptionValues, env: NodeJS.ProcessEnv = process.env): SessionPlan {
  const reports = planReports(o, env, [['--history', o.history]]);
  return {
    ...reports,
    rules: {
      durationMs: o.duration === undefined ? undefined : positiveDuration(o.duration, '--duration'),
      untilRecovered: o.untilRecovered === true,
      settleMs: parseDuration(o.settle, '--settle'),
      timeoutMs: positiveDuration(o.timeout, '--timeout'),
    },
    maxDowntimeMs: o.maxDowntime === undefined ? undefined : parseDuration(o.maxDowntime, '--max-downtime'),
    atMs: parseDuration(o.at, '--at'),
    baselineMs: parseDuration(o.baseline, '--baseline'),
    repeat: parseWhole(o.repeat, '--repeat', 1, 100),
    cooldownMs: parseDuration(o.cooldown, '--cooldown'),
    yes: o.yes === true,
    confirmAlways: confirmAlways(env.DRILL_CONFIRM),
    dryRun: o.dryRun === true,
    historyFile: o.history === undefined ? undefined : writableFile(o.history, '--history'),
  };
}

function confirmAlways(value: string | undefined): boolean {
  if (value === undefined || value === '') return false;
  if (value !== 'always') throw usageError(`DRILL_CONFIRM must be 'always' or unset, got '${value}'`);
  return true;
}

/**
 * A report or history file, checked before anything starts (a failover is not redone because a path was wrong):
 * not a folder, and one this process can create or write. A new file is made and removed again to find out.
 */
function writableFile(path: string, flag: string): string {
  const full = resolve(path);
  try {
    accessSync(dirname(full), constants.W_OK);
  } catch {
    throw usageError(`${flag} ${path}: folder ${dirname(full)} does not exist or is not writable`);
  }
  const existing = statOrUndefined(full);
  if (existing?.isDirectory()) throw usageError(`${flag} ${path} is a folder: name a file in it`);
  try {
    if (existing) closeSync(openSync(full, 'r+'));
    else {
      closeSync(openSync(full, 'wx'));
      unlinkSync(full);
    }
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw usageError(`${flag} ${path}: cannot write there (${why})`);
  }
  return full;
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** `--mode a,b`: each a known monitor, each once. */
export function parseModes<M extends string>(text: string, known: readonly M[]): M[] {
  const modes = text.split(',').map((m) => m.trim());
  for (const m of modes) {
    if (!(known as readonly string[]).includes(m)) {
      throw usageError(`unknown mode '${m}': choose from ${known.join(', ')}`);
    }
  }
  if (new Set(modes).size !== modes.length) throw usageError(`--mode ${text} names a mode twice`);
  return modes as M[];
}

/** `--trigger NAME`: one the service knows, or `none`. */
export function parseTrigger<T extends string>(text: string, known: readonly T[]): T {
  if (!(known as readonly string[]).includes(text)) {
    throw usageError(`unknown trigger '${text}': choose from ${known.join(', ')}`);
  }
  return text as T;
}

/** The dry run's line on when the drill stops. */
export function stopRuleWords(rules: StopRules): string {
  const stop = rules.untilRecovered
    ? `once recovered and settled for ${formatDuration(rules.settleMs)}`
    : rules.durationMs
      ? `after ${formatDuration(rules.durationMs)}`
      : 'on Ctrl+C';
  return `stop: ${stop}; give up after ${formatDuration(rules.timeoutMs)} down`;
}
