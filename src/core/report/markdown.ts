import { appendFileSync, writeFileSync } from 'node:fs';
import { formatDuration } from '../duration.js';
import type { Spread } from '../repeats.js';
import { redactText } from '../secrets.js';
import {
  loginText,
  type RenderContext,
  type Renderer,
  type RunResult,
  type SessionResult,
} from './renderer.js';
import { detailLines, figureRows } from './summary.js';

/** Markdown is read in a browser, never on a terminal: its text is never coloured. */

/** `markdown`: the summary as GitHub-flavoured Markdown in a file, written when the session ends. */
export function markdownRenderer(ctx: RenderContext, to: string | undefined): Renderer {
  return {
    name: 'markdown',
    sessionEnded(session) {
      writeFileSync(destination(to, 'markdown'), renderMarkdown(session, ctx.tool));
    },
  };
}

/**
 * `step-summary`: the same Markdown appended to GitHub's job summary ($GITHUB_STEP_SUMMARY), never overwriting
 * what the job's other steps wrote there.
 */
export function stepSummaryRenderer(ctx: RenderContext, to: string | undefined): Renderer {
  return {
    name: 'step-summary',
    sessionEnded(session) {
      appendFileSync(destination(to, 'step-summary'), renderMarkdown(session, ctx.tool));
    },
  };
}

function destination(to: string | undefined, name: string): string {
  if (to === undefined) throw new Error(`the ${name} renderer needs a file`);
  return to;
}

/** Verdict first (what a reviewer looks for), then each run's figures as a table, a column per monitor. */
export function renderMarkdown(session: SessionResult, tool: { name: string; version: string }): string {
  const out: string[] = [`## Failover drill: ${sessionVerdict(session)}`, ''];
  const many = session.runs.length > 1;
  for (const run of session.runs) {
    if (many) out.push(`### Run ${run.index + 1}: ${run.verdict.passed ? 'PASS' : 'FAIL'}`, '');
    out.push(...runSection(run, !many), '');
  }
  if (session.repeats && many) out.push(...repeatsTable(session), '');
  out.push(`<sub>${cellText(`${tool.name} ${tool.version}, started ${session.startedAt}`)}</sub>`, '');
  // Redacted here, not by the caller: no path to a Markdown file can forget it.
  return redactText(`${out.join('\n')}\n`);
}

function sessionVerdict(session: SessionResult): string {
  const failed = session.runs.some((r) => !r.verdict.passed);
  const word = failed ? '❌ FAIL' : '✅ PASS';
  return session.interrupted ? `${word} (interrupted)` : word;
}

function runSection(run: RunResult, verdictShown: boolean): string[] {
  const { analysis } = run;
  const lines: string[] = [];
  // The reasons come first: they are the verdict's "why" (a single run's verdict is the heading above).
  if (!run.verdict.passed) lines.push(...run.verdict.reasons.map((r) => `- **FAIL** ${cellText(r)}`), '');
  else if (!verdictShown) lines.push('All gates passed.', '');
  const login = loginText(run.target, (id) => `\`${code(id)}\``);
  lines.push(
    `Target: \`${code(run.target.endpoint)}\`${login ? ` · logged in with ${login}` : ''} · started ${run.startedAt}`,
    '',
  );
  if (analysis.monitors.length > 0) {
    lines.push(row(['', ...analysis.monitors.map((m) => `**${cellText(m.monitor)}**`)]));
    lines.push(row(['---', ...analysis.monitors.map(() => '---')]));
    for (const { label, cell } of figureRows) {
      lines.push(row([cellText(label), ...analysis.monitors.map((m) => cellText(cell(m)))]));
    }
    lines.push('');
  }
  lines.push(...detailLines(analysis, run).map((l) => `- ${cellText(l.text.trim())}`));
  return lines;
}

/** After --repeat: each run's downtime per monitor, then min / median / p95 / max over the runs. */
function repeatsTable(session: SessionResult): string[] {
  const r = session.repeats;
  if (!r) return [];
  const names = Object.keys(r.monitors);
  const lines = [
    `### ${r.runs} runs`,
    '',
    row(['', ...names.map((n) => `**${cellText(n)}** downtime`)]),
    row(['---', ...names.map(() => '---')]),
  ];
  for (const run of session.runs) {
    const cells = names.map((n) => {
      const d = run.analysis.monitors.find((m) => m.monitor === n)?.downtimeMs;
      return d === null || d === undefined ? 'none' : formatDuration(d);
    });
    lines.push(row([`run ${run.index + 1}`, ...cells]));
  }
  for (const k of ['min', 'median', 'p95', 'max'] as const) {
    lines.push(row([`**${k}**`, ...names.map((n) => spreadCell(r.monitors[n]?.downtimeMs ?? null, k))]));
  }
  return lines;
}

function spreadCell(s: Spread | null, k: 'min' | 'median' | 'p95' | 'max'): string {
  return s ? formatDuration(s[k]) : '-';
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** Text in a table cell or list: a `|` would end the cell, and `<`/`>`/`&` would be read as HTML. */
export function cellText(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('|', '\\|')
    .replaceAll('\n', ' ');
}

/** Text inside backticks: a backtick would end the span. */
function code(text: string): string {
  return text.replaceAll('`', "'").replaceAll('|', '\\|');
}
