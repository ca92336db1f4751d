import type { ChalkInstance } from 'chalk';
import type { DrillAnalysis } from '../analysis.js';
import type { History } from '../history.js';
import type { RepeatSummary } from '../repeats.js';
import type { Gates, StopReason, Verdict } from '../verdict.js';

/** What was drilled, as reports name it. */
export interface ReportTarget {
  endpoint: string;
  host: string;
  port: number;
  user?: string;
  /** How the drill logged in: a password, IAM tokens, a Secrets Manager secret's password, or no password. */
  login?: LoginKind;
  /** With `login: 'secret'`: the secret's id or ARN as given (never its value). */
  secretId?: string;
}

export type LoginKind = 'password' | 'iam' | 'secret' | 'none';

/**
 * How a drill logged in, as the header and the Markdown report say it: `a password`, `IAM tokens`, ...;
 * `quoteId` sets a secret's id apart as the output needs.
 */
export function loginText(target: ReportTarget, quoteId = (id: string) => id): string | undefined {
  switch (target.login) {
    case 'password':
      return 'a password';
    case 'iam':
      return 'IAM tokens';
    case 'secret':
      return `the password of secret ${target.secretId ? quoteId(target.secretId) : '(unknown)'}`;
    case 'none':
      return 'no password';
    default:
      return undefined;
  }
}

/** One finished run: everything a renderer may show of it, already computed by analysis. */
export interface RunResult {
  index: number;
  startedAt: string;
  target: ReportTarget;
  stop: StopReason;
  /** The signal that interrupted the run (`SIGINT`, `SIGTERM`, `SIGHUP`); absent when not known. */
  interruptedBy?: string;
  gates: Gates;
  analysis: DrillAnalysis;
  verdict: Verdict;
}

export interface SessionResult {
  startedAt: string;
  exitCode: number;
  interrupted: boolean;
  /** The signal that interrupted the session, when it is known. */
  interruptedBy?: string;
  runs: RunResult[];
  /** The spread of each figure over --repeat runs; null for a single run. */
  repeats: RepeatSummary | null;
}

/**
 * A report format. It only formats what analysis computed, and owns its destination (a stream or a file).
 * Every hook is optional; the session calls them in order and keeps going when one throws.
 */
export interface Renderer {
  readonly name: string;
  /** A run's history exists (nothing probed yet): a live view subscribes here. */
  runStarted?(history: History, run: { index: number; total: number }): void;
  /** The run's monitors are built: what is drilled, and how. */
  runHeader?(header: { title: string; details: string }): void;
  runEnded?(run: RunResult): void;
  sessionEnded?(session: SessionResult): void;
}

/** What renderers write to and with. */
export interface RenderContext {
  /** The stream for people (stderr when JSON goes to stdout). */
  human: NodeJS.WritableStream;
  stdout: NodeJS.WritableStream;
  style: ChalkInstance;
  tty: boolean;
  tool: { name: string; version: string };
  /** The renderers of this session by name (createRenderers fills it): a renderer may point at one not asked for. */
  formats?: readonly string[];
}

/** A renderer by name, with its destination where it has one (`json` to '-' for stdout, or to a file). */
export interface RendererSpec {
  name: string;
  to?: string;
}
