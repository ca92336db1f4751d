import type { ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import type { DrillAnalysis, MonitorFigures } from '../analysis.js';
import { formatDuration } from '../duration.js';
import { holdBackMs, type LoadFigures, recoveredShare } from '../load/figures.js';
import type { NotificationFigures } from '../notifications.js';
import type { RepeatSummary, Spread } from '../repeats.js';
import { tenthText } from '../rounding.js';
import type { StopReason, Verdict } from '../verdict.js';
import type { RenderContext, Renderer } from './renderer.js';

/** Why a run stopped: the rule that ended it, and for an interrupt the signal (a RunResult is one). */
export interface RunStop {
  stop: StopReason;
  interruptedBy?: string;
}

const ruleWords: Record<Exclude<StopReason, 'interrupted'>, string> = {
  duration: '--duration reached',
  recovered: 'recovered (and --settle passed)',
  'no-outage': 'no outage observed',
  timeout: '--timeout reached',
};

const signalWords: Record<string, string> = {
  SIGINT: 'interrupted (Ctrl+C)',
  SIGTERM: 'terminated (SIGTERM)',
  SIGHUP: 'hung up (SIGHUP: the terminal closed)',
};

/** An interrupt in words, by its signal; a drill that was killed, or a file from before signals were kept, names none. */
export function interruptWords(signal: string | undefined): string {
  if (signal === undefined) return 'interrupted';
  return signalWords[signal] ?? `interrupted (${signal})`;
}

/** Why a run stopped, in words. */
export function stopWords(run: RunStop): string {
  return run.stop === 'interrupted' ? interruptWords(run.interruptedBy) : ruleWords[run.stop];
}

/** Only the rule under the header: a figure per line reads better than a grid in a terminal or a CI log. */
export const compact = {
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

/** Said once at the end when no timeline was asked for: the chart is one flag away. */
export const htmlHint =
  'timeline: add --html FILE to draw every probe, outage and event of this drill on one chart';

/** `summary`: the table after each run, and the spread over the runs after --repeat; for people. */
export function summaryRenderer(ctx: RenderContext): Renderer {
  return {
    name: 'summary',
    runEnded(run) {
      const width = (ctx.human as NodeJS.WriteStream).columns || undefined;
      ctx.human.write(`\n${renderSummary(run.analysis, run.verdict, run, ctx.style, width)}`);
    },
    sessionEnded(session) {
      if (session.repeats) {
        const analyses = session.runs.map((r) => r.analysis);
        ctx.human.write(renderRepeats(analyses, session.repeats, ctx.style));
      }
      if (session.runs.length > 0 && ctx.formats && !ctx.formats.includes('html')) {
        ctx.human.write(ctx.style.dim(`${htmlHint}\n`));
      }
    },
  };
}

/** The end-of-drill table: one column per monitor, one row per figure, then the verdict. */
export function renderSummary(
  analysis: DrillAnalysis,
  result: Verdict,
  stop: RunStop,
  style: ChalkInstance,
  width = defaultWidth,
): string {
  const tables = columnGroups(analysis.monitors, width).map((monitors) => {
    const table = new Table({
      head: ['', ...monitors.map((m) => style.bold(m.monitor))],
      style: { head: [], border: [], 'padding-left': 1, 'padding-right': 2 },
      chars: compact,
    });
    for (const row of figureRows) {
      const cell = (m: MonitorFigures) => {
        const text = row.cell(m);
        if (row.label !== 'downtime') return text;
        return m.downtimeMs === null ? style.green(text) : m.recovered ? text : style.red(text);
      };
      table.push([style.dim(row.label), ...monitors.map(cell)]);
    }
    return table.toString();
  });
  const details = detailLines(analysis, stop).map((l) => (l.bad ? style.red.bold(l.text) : l.text));
  const lines = [tables.join('\n\n'), ...details];
  if (result.passed) lines.push(style.green.bold('PASS'));
  else lines.push(...result.reasons.map((r) => style.red.bold(`FAIL ${r}`)));
  return `${lines.join('\n')}\n`;
}

/** Where no terminal says how wide it is (a CI log), a table is kept to this many columns. */
const defaultWidth = 160;

/**
 * The monitors in groups whose table fits `width` columns: six MemoryDB monitors side by side would be 230
 * columns wide, so they become tables of a few monitors each, one under the other. A group has one at least.
 */
function columnGroups(monitors: readonly MonitorFigures[], width: number): MonitorFigures[][] {
  const padding = 3;
  const labelWidth = Math.max(...figureRows.map((r) => r.label.length)) + padding;
  const widthOf = (m: MonitorFigures) =>
    Math.max(m.monitor.length, ...figureRows.map((r) => r.cell(m).length)) + padding;
  const groups: MonitorFigures[][] = [];
  let used = labelWidth;
  for (const m of monitors) {
    const w = widthOf(m);
    const last = groups[groups.length - 1];
    if (last && used + w <= width) {
      last.push(m);
      used += w;
    } else {
      groups.push([m]);
      used = labelWidth + w;
    }
  }
  return groups;
}

/** A line under the table; `bad` when it tells of a failure (a renderer may mark it). */
export interface DetailLine {
  text: string;
  bad?: boolean;
}

/** What the table has no column for: DNS, provider, ground truth, DDL, notifications, load, writes, why it stopped. */
export function detailLines(analysis: DrillAnalysis, stop: RunStop): DetailLine[] {
  const lines: DetailLine[] = [];
  const add = (text: string, bad = false) => lines.push(bad ? { text, bad } : { text });
  // Every monitor of a drill usually resolves the same way: one line, not a repeated row.
  const dns = [...new Set(analysis.monitors.flatMap((m) => (m.dns ? [m.dns] : [])))];
  if (dns.length) add(`DNS: ${dns.join('; ')}`);
  const p = analysis.provider;
  if (p?.failoverMs != null) add(`provider: failover took ${formatDuration(p.failoverMs)} by its events`);
  const g = analysis.groundTruth;
  if (g?.writerDownMs != null) {
    const parts = [`writer down at +${formatDuration(g.writerDownMs)}`];
    if (g.writerUpMs !== null) {
      parts.push(
        `a writer up at +${formatDuration(g.writerUpMs)} (${formatDuration(g.writerRecoveryMs ?? 0)} later)`,
      );
    }
    if (g.dnsSwitchedMs !== null) parts.push(`cluster DNS moved at +${formatDuration(g.dnsSwitchedMs)}`);
    add(`lab ground truth: ${parts.join(', ')}`);
  }
  const d = analysis.ddl;
  if (d) {
    const took = d.durationMs !== null ? ` after ${formatDuration(d.durationMs)}` : '';
    const after =
      d.rowsAfter === null
        ? ''
        : `; afterwards ${d.rowsAfter} rows, new column ${d.columnAdded ? 'present' : 'absent'}`;
    add(
      `ddl: ALTER TABLE ${d.outcome}${took}${d.error ? ` (${d.error})` : ''}${after}`,
      d.outcome === 'failed',
    );
  }
  if (analysis.notifications) add(notificationLine(analysis.notifications));
  if (analysis.load) for (const line of loadLines(analysis.load, analysis.triggerAtMs !== null)) add(line);
  const w = analysis.writes;
  if (w) {
    const lost = w.lost === null ? 'not read back' : `${w.lost} lost`;
    const text = `writes: ${w.acknowledged} acknowledged, ${w.failed} failed, ${w.indeterminate} indeterminate, ${lost}`;
    add(text, !!w.lost);
  }
  add(`stopped: ${stopWords(stop)} after ${formatDuration(analysis.elapsedMs)}`);
  return lines;
}

/** A monitor's figures as rows of plain text: the summary table's, and any other renderer's that shows them. */
export interface FigureRow {
  label: string;
  cell: (m: MonitorFigures) => string;
  /** The cell says something went wrong (a renderer may mark it). */
  bad?: (m: MonitorFigures) => boolean;
}

export const figureRows: readonly FigureRow[] = [
  { label: 'target', cell: (m) => m.label ?? m.target },
  {
    label: 'probes',
    cell: (m) => `${m.probes} (${m.good} good, ${m.wrongRole} wrong role, ${m.failed} failed)`,
  },
  { label: 'outages', cell: (m) => String(m.outages.length) },
  { label: 'downtime', cell: downtime, bad: (m) => !m.recovered },
  { label: 'tighter bound', cell: (m) => orDash(m.tightDowntimeMs) },
  { label: 'time to first connect', cell: (m) => orDash(m.timeToFirstConnectMs) },
  { label: 'stale-role time', cell: (m) => formatDuration(m.staleRoleMs) },
  { label: 'flip-flops', cell: (m) => String(m.flipFlops) },
  { label: 'nodes seen', cell: (m) => (m.nodes.length ? m.nodes.join(' → ') : '-') },
  {
    label: 'new writer seen',
    cell: (m) =>
      m.firstNewWriterSeenMs === null
        ? '-'
        : `+${formatDuration(m.firstNewWriterSeenMs)}${m.firstNewWriterRoute ? ` via ${m.firstNewWriterRoute}` : ''}`,
  },
  { label: 'errors', cell: (m) => errors(m.errors) },
  {
    label: 'writes on a read-only node',
    cell: (m) => (m.readOnlyErrors ? `${m.readOnlyErrors} over ${formatDuration(m.readOnlySpanMs)}` : '-'),
    bad: (m) => m.readOnlyErrors > 0,
  },
  { label: 'latency p50/p95/max', cell: (m) => latency(m) },
];

function downtime(m: MonitorFigures): string {
  if (m.downtimeMs === null) return 'none';
  const text = `${formatDuration(m.downtimeMs)} ± ${formatDuration(m.resolutionMs)}`;
  return m.recovered ? text : `≥ ${text} (not recovered)`;
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
  return l ? `${tenthText(l.p50)} / ${tenthText(l.p95)} / ${tenthText(l.max)} ms` : '-';
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
    return `${byKind.join(' + ')}${p.latencyMs ? `, p99 ${tenthText(p.latencyMs.p99)} ms` : ''}`;
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
  if (l.lateWindows) {
    lines.push(
      `  ${l.lateWindows} load window${l.lateWindows === 1 ? '' : 's'} came more than ${holdBackMs / 1000} s out of order (lines moved in the history file?): counted in the totals, but the phases, the stall and recovery may be off`,
    );
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
