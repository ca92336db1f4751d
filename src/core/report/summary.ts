import type { ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import type { DrillAnalysis, MonitorFigures } from '../analysis.js';
import { formatDuration } from '../duration.js';
import { type LoadFigures, recoveredShare } from '../load.js';
import type { NotificationFigures } from '../notifications.js';
import type { RepeatSummary, Spread } from '../repeats.js';
import type { StopReason, Verdict } from '../verdict.js';
import type { RenderContext, Renderer } from './renderer.js';

const stopWords: Record<StopReason, string> = {
  duration: '--duration reached',
  recovered: 'recovered (and --settle passed)',
  'no-outage': 'no outage observed',
  timeout: '--timeout reached',
  interrupted: 'interrupted (Ctrl+C)',
};

/** Only the rule under the header: a figure per line reads better than a grid in a terminal or a CI log. */
const compact = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: ' ',
};

/** `summary`: the table after each run, and the spread over the runs after --repeat; for people. */
export function summaryRenderer(ctx: RenderContext): Renderer {
  return {
    name: 'summary',
    runEnded(run) {
      ctx.human.write(`\n${renderSummary(run.analysis, run.verdict, run.stop, ctx.style)}`);
    },
    sessionEnded(session) {
      if (session.repeats) {
        const analyses = session.runs.map((r) => r.analysis);
        ctx.human.write(renderRepeats(analyses, session.repeats, ctx.style));
      }
    },
  };
}

/** A row of the summary: its label and the cell of each monitor. Markdown shows the same rows. */
export type FigureRow = readonly [label: string, cell: (m: MonitorFigures) => string];

/** The summary's rows, one figure each; cells styled with `style` (a plain one gives plain text). */
export function figureRows(style: ChalkInstance): FigureRow[] {
  return [
    ['target', (m) => m.label ?? m.target],
    ['probes', (m) => `${m.probes} (${m.good} good, ${m.wrongRole} wrong role, ${m.failed} failed)`],
    ['outages', (m) => String(m.outages.length)],
    ['downtime', (m) => downtime(m, style)],
    ['tighter bound', (m) => (m.tightDowntimeMs === null ? '-' : formatDuration(m.tightDowntimeMs))],
    ['time to first connect', (m) => orDash(m.timeToFirstConnectMs)],
    ['stale-role time', (m) => formatDuration(m.staleRoleMs)],
    ['flip-flops', (m) => String(m.flipFlops)],
    [`nodes seen`, (m) => (m.nodes.length ? m.nodes.join(' → ') : '-')],
    [
      'new writer seen',
      (m) =>
        m.firstNewWriterSeenMs === null
          ? '-'
          : `+${formatDuration(m.firstNewWriterSeenMs)}${m.firstNewWriterRoute ? ` via ${m.firstNewWriterRoute}` : ''}`,
    ],
    ['errors', (m) => errors(m.errors)],
    [
      'writes on a read-only node',
      (m) => (m.readOnlyErrors ? `${m.readOnlyErrors} over ${formatDuration(m.readOnlySpanMs)}` : '-'),
    ],
    ['latency p50/p95/max', (m) => latency(m)],
  ];
}

/** The end-of-drill table: one column per monitor, one row per figure, then the verdict. */
export function renderSummary(
  analysis: DrillAnalysis,
  result: Verdict,
  stop: StopReason,
  style: ChalkInstance,
): string {
  const table = new Table({
    head: ['', ...analysis.monitors.map((m) => style.bold(m.monitor))],
    style: { head: [], border: [], 'padding-left': 1, 'padding-right': 2 },
    chars: compact,
  });
  for (const [label, cell] of figureRows(style))
    table.push([style.dim(label), ...analysis.monitors.map(cell)]);
  const lines = [table.toString(), ...detailLines(analysis, stop, style)];
  if (result.passed) lines.push(style.green.bold('PASS'));
  else lines.push(...result.reasons.map((r) => style.red.bold(`FAIL ${r}`)));
  return `${lines.join('\n')}\n`;
}

/** What the table has no column for: provider, ground truth, DDL, notifications, load, writes, why it stopped. */
export function detailLines(analysis: DrillAnalysis, stop: StopReason, style: ChalkInstance): string[] {
  const lines: string[] = [];
  const p = analysis.provider;
  if (p?.failoverMs != null)
    lines.push(`provider: failover took ${formatDuration(p.failoverMs)} by its events`);
  const g = analysis.groundTruth;
  if (g?.writerDownMs != null) {
    const parts = [`writer down at +${formatDuration(g.writerDownMs)}`];
    if (g.writerUpMs !== null) {
      parts.push(
        `a writer up at +${formatDuration(g.writerUpMs)} (${formatDuration(g.writerRecoveryMs ?? 0)} later)`,
      );
    }
    if (g.dnsSwitchedMs !== null) parts.push(`cluster DNS moved at +${formatDuration(g.dnsSwitchedMs)}`);
    lines.push(`lab ground truth: ${parts.join(', ')}`);
  }
  const d = analysis.ddl;
  if (d) {
    const took = d.durationMs !== null ? ` after ${formatDuration(d.durationMs)}` : '';
    const after =
      d.rowsAfter === null
        ? ''
        : `; afterwards ${d.rowsAfter} rows, new column ${d.columnAdded ? 'present' : 'absent'}`;
    lines.push(`ddl: ALTER TABLE ${d.outcome}${took}${d.error ? ` (${d.error})` : ''}${after}`);
  }
  if (analysis.notifications) lines.push(notificationLine(analysis.notifications));
  if (analysis.load) lines.push(...loadLines(analysis.load, analysis.triggerAtMs !== null));
  const w = analysis.writes;
  if (w) {
    const lost = w.lost === null ? 'not read back' : `${w.lost} lost`;
    const text = `writes: ${w.acknowledged} acknowledged, ${w.failed} failed, ${w.indeterminate} indeterminate, ${lost}`;
    lines.push(w.lost ? style.red.bold(text) : text);
  }
  lines.push(`stopped: ${stopWords[stop]} after ${formatDuration(analysis.elapsedMs)}`);
  return lines;
}

function downtime(m: MonitorFigures, style: ChalkInstance): string {
  if (m.downtimeMs === null) return style.green('none');
  const text = `${formatDuration(m.downtimeMs)} ± ${formatDuration(m.resolutionMs)}`;
  return m.recovered ? text : style.red(`≥ ${text} (not recovered)`);
}

function orDash(ms: number | null): string {
  return ms === null ? '-' : formatDuration(ms);
}

export function errors(e: Record<string, number>): string {
  const entries = Object.entries(e).sort((a, b) => b[1] - a[1]);
  return entries.length ? entries.map(([code, n]) => `${code} ×${n}`).join(', ') : 'none';
}

function latency(m: MonitorFigures): string {
  const l = m.latencyMs;
  return l ? `${l.p50.toFixed(1)} / ${l.p95.toFixed(1)} / ${l.max.toFixed(1)} ms` : '-';
}

/** After `--repeat`: a row per run (each monitor's downtime), then min / median / p95 / max over the runs. */
export function renderRepeats(
  analyses: readonly DrillAnalysis[],
  summary: RepeatSummary,
  style: ChalkInstance,
): string {
  const names = Object.keys(summary.monitors);
  const table = new Table({
    head: ['', ...names.map((n) => style.bold(`${n} downtime`))],
    style: { head: [], border: [], 'padding-left': 1, 'padding-right': 2 },
    chars: compact,
  });
  analyses.forEach((a, i) => {
    table.push([
      style.dim(`run ${i + 1}`),
      ...names.map((n) => {
        const d = a.monitors.find((m) => m.monitor === n)?.downtimeMs;
        return d === null || d === undefined ? 'none' : formatDuration(d);
      }),
    ]);
  });
  for (const k of ['min', 'median', 'p95', 'max'] as const) {
    table.push([style.bold(k), ...names.map((n) => spreadCell(summary.monitors[n]?.downtimeMs ?? null, k))]);
  }
  return `\n${style.bold(`${summary.runs} runs`)}\n${table.toString()}\n`;
}

function spreadCell(s: Spread | null, k: 'min' | 'median' | 'p95' | 'max'): string {
  return s ? formatDuration(s[k]) : '-';
}

/** `--load`: throughput and latency before and after, the stall, and whether the drill's own timing held. */
function loadLines(l: LoadFigures, triggered: boolean): string[] {
  const phase = (p: LoadFigures['before']) => {
    if (p.opsPerSec === null) return '-';
    const byKind = [
      l.mix.read ? `${p.readsPerSec} reads/s` : null,
      l.mix.write ? `${p.writesPerSec} writes/s` : null,
    ].filter(Boolean);
    return `${byKind.join(' + ')}${p.latencyMs ? `, p99 ${p.latencyMs.p99.toFixed(1)} ms` : ''}`;
  };
  const held = l.rateLimit ? `, held to ${l.rateLimit} ops/s` : '';
  const failed = l.failed ? ` (${errors(l.errors)})` : '';
  const lines = [
    `load: ${l.workers} connection${l.workers === 1 ? '' : 's'}, ${l.readSharePct}% reads${held}: ${l.reads} reads and ${l.writes} writes ok, ${l.failed} failed${failed}`,
    `  before the trigger: ${phase(l.before)} · after recovery: ${phase(l.after)}`,
  ];
  if (triggered) {
    const stall =
      l.longestGapMs === null ? [] : [`no operation succeeded for ${formatDuration(l.longestGapMs)}`];
    stall.push(
      l.recoveredMs === null
        ? `reads and writes did not both come back to ${recoveredShare * 100}% of their rate before the trigger` +
            (l.readOnlyErrors ? ' (read-only errors: connections kept on the demoted writer)' : '')
        : `both back to ≥ ${recoveredShare * 100}% of their rate at +${formatDuration(l.recoveredMs)} after the trigger`,
    );
    lines.push(`  ${stall.join('; ')}`);
  }
  if (l.loopDelayMs) {
    lines.push(
      `  the drill's timers ran late by p99 ${formatDuration(l.loopDelayMs.p99)} (max ${formatDuration(l.loopDelayMs.max)}) under load`,
    );
  }
  return lines;
}

/** `--notifications`: what the topic delivered, beside the downtime above. */
function notificationLine(n: NotificationFigures): string {
  const parts = [`${n.received} received from ${n.topic}`];
  if (n.failoverStartedMs !== null) parts.push(`failover started at +${formatDuration(n.failoverStartedMs)}`);
  if (n.failoverCompletedMs !== null) parts.push(`completed at +${formatDuration(n.failoverCompletedMs)}`);
  if (n.maxDelayMs !== null) parts.push(`each within ${formatDuration(n.maxDelayMs)} of its event`);
  if (!n.confirmed) parts.push('the subscription was never confirmed');
  return `notifications: ${parts.join(', ')}`;
}
