import { createHash } from 'node:crypto';
import type { DrillAnalysis } from '../../analysis.js';
import { formatDuration } from '../../duration.js';
import type { HistoryRecord } from '../../history.js';
import type { Spread } from '../../repeats.js';
import type { RunResult, SessionResult } from '../renderer.js';
import { detailLines, figureRows } from '../summary.js';
import { script, styles } from './assets.js';
import type { LaneMarks } from './marks.js';
import { esc } from './markup.js';
import { timelineSvg } from './timeline.js';

/** What the page shows of one run beyond its result: the records and probe marks it drew from, and its header. */
export interface RunPage {
  result: RunResult;
  records: readonly HistoryRecord[];
  lanes: ReadonlyMap<string, LaneMarks>;
  header: { title: string; details: string } | undefined;
}

/**
 * The whole report as one HTML document. A Content-Security-Policy lets the page fetch nothing and run only its own
 * script (by hash): even a string that slipped past escaping could neither load a resource nor execute.
 */
export function renderPage(
  tool: { name: string; version: string },
  session: SessionResult,
  runs: RunPage[],
): string {
  const hash = createHash('sha256').update(script).digest('base64');
  const csp = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${hash}'; img-src data:`;
  const first = runs[0]?.header?.title ?? 'failover drill';
  const verdictWord = sessionVerdict(session);
  const body: string[] = [];
  body.push(`<h1>${esc(first)}</h1>`);
  body.push(
    `<p class="meta">${esc(`${tool.name} ${tool.version} · started ${session.startedAt} · ${runs.length} run${runs.length === 1 ? '' : 's'} · exit code ${session.exitCode}`)}</p>`,
  );
  if (session.repeats) {
    body.push(`<div class="verdict ${verdictWord.cls}">${esc(verdictWord.text)}</div>`);
    body.push(repeatTable(session));
  }
  for (const run of runs) body.push(runSection(run, runs.length));
  body.push(
    `<footer>${esc(`${tool.name} ${tool.version}`)}: times are on the drill's axis (+0 = its start).</footer>`,
  );
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(`${first} · ${verdictWord.text}`)}</title>`,
    `<style>${styles}</style></head><body>`,
    ...body,
    '<div id="tip" class="tip" hidden></div>',
    `<script>${script}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}

function sessionVerdict(session: SessionResult): { text: string; cls: string } {
  if (session.interrupted) return { text: 'INTERRUPTED', cls: 'interrupted' };
  const failed = session.runs.filter((r) => !r.verdict.passed).length;
  if (failed === 0) return { text: 'PASS', cls: 'pass' };
  return { text: `FAIL (${failed} of ${session.runs.length} runs)`, cls: 'fail' };
}

function runSection(page: RunPage, total: number): string {
  const { result: run, header } = page;
  const out: string[] = [`<section class="run" id="run-${run.index + 1}">`];
  if (total > 1) out.push(`<h2>${esc(`Run ${run.index + 1} of ${total}`)}</h2>`);
  const details = header?.details ? `${header.details} · ` : '';
  out.push(`<p class="details">${esc(`${details}started ${run.startedAt}`)}</p>`);
  const v = run.verdict;
  out.push(`<div class="verdict ${v.passed ? 'pass' : 'fail'}">${v.passed ? 'PASS' : 'FAIL'}</div>`);
  if (v.reasons.length)
    out.push(`<ul class="reasons">${v.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>`);
  out.push(figureTable(run.analysis));
  out.push(`<ul class="facts">${facts(run).join('')}</ul>`);
  out.push(legend(run.analysis));
  out.push(`<div class="chart">${timelineSvg(run, page.records, page.lanes)}</div>`);
  out.push('</section>');
  return out.join('\n');
}

function figureTable(a: DrillAnalysis): string {
  const head = `<tr><th></th>${a.monitors.map((m) => `<th>${esc(m.monitor)}</th>`).join('')}</tr>`;
  const body = figureRows.map(
    (row) =>
      `<tr><td class="figure">${esc(row.label)}</td>${a.monitors
        .map((m) => `<td${row.bad?.(m) ? ' class="bad"' : ''}>${esc(row.cell(m))}</td>`)
        .join('')}</tr>`,
  );
  return `<table class="figures">${head}${body.join('')}</table>`;
}

const plus = (ms: number) => `+${formatDuration(ms)}`;

/** The lines under the table: trigger, provider, lab, notifications, load, writes, DDL, why it stopped. */
function facts(run: RunResult): string[] {
  const a = run.analysis;
  const lines: { text: string; bad?: boolean }[] = [];
  const t = a.trigger;
  if (t) {
    const steps = [`requested ${plus(t.requestedAtMs)}`];
    if (t.acknowledgedAtMs !== null) steps.push(`acknowledged ${plus(t.acknowledgedAtMs)}`);
    if (t.completedAtMs !== null) steps.push(`completed ${plus(t.completedAtMs)}`);
    lines.push({
      text: `trigger ${t.name}: ${steps.join(', ')}${t.failed ? `; failed: ${t.failed}` : ''}`,
      bad: !!t.failed,
    });
  }
  lines.push(...detailLines(a, run));
  return lines.map((l) => `<li${l.bad ? ' class="bad"' : ''}>${esc(l.text)}</li>`);
}

/** Only the kinds of mark this run has. */
function legend(a: DrillAnalysis): string {
  const items: [string, string][] = [
    ['l-good', 'right role'],
    ['l-wrong', 'wrong role'],
    ['l-failed', 'error'],
    ['l-outage', 'outage'],
  ];
  if (a.trigger) items.push(['l-trigger', 'trigger']);
  if (a.events.length) items.push(['l-provider', 'provider event']);
  if (a.notifications?.list.length) items.push(['l-notification', 'SNS notification']);
  if (a.groundTruth) items.push(['l-truth', 'lab ground truth']);
  return `<div class="legend">${items.map(([c, t]) => `<span class="${c}">${esc(t)}</span>`).join('')}</div>`;
}

/** `--repeat`: each monitor's downtime per run, then its spread; the provider's failover time beside. */
function repeatTable(session: SessionResult): string {
  const r = session.repeats;
  if (!r) return '';
  const names = Object.keys(r.monitors);
  const provider = r.providerFailoverMs !== null;
  const head = [
    '<th></th>',
    ...names.map((n) => `<th>${esc(`${n} downtime`)}</th>`),
    provider ? '<th>provider failover</th>' : '',
    '<th>verdict</th>',
  ].join('');
  const rows = session.runs.map((run) => {
    const cells = names.map((n) => {
      const d = run.analysis.monitors.find((m) => m.monitor === n)?.downtimeMs;
      return `<td>${esc(d === null || d === undefined ? 'none' : formatDuration(d))}</td>`;
    });
    const pf = run.analysis.provider?.failoverMs;
    if (provider) cells.push(`<td>${esc(pf === null || pf === undefined ? '-' : formatDuration(pf))}</td>`);
    cells.push(`<td${run.verdict.passed ? '' : ' class="bad"'}>${run.verdict.passed ? 'PASS' : 'FAIL'}</td>`);
    return `<tr><td class="figure"><a href="#run-${run.index + 1}">${esc(`run ${run.index + 1}`)}</a></td>${cells.join('')}</tr>`;
  });
  const spreadCell = (s: Spread | null, k: 'min' | 'median' | 'p95' | 'max') =>
    `<td>${esc(s ? formatDuration(s[k]) : '-')}</td>`;
  for (const k of ['min', 'median', 'p95', 'max'] as const) {
    const cells = names.map((n) => spreadCell(r.monitors[n]?.downtimeMs ?? null, k));
    if (provider) cells.push(spreadCell(r.providerFailoverMs, k));
    rows.push(`<tr class="spread"><th>${k}</th>${cells.join('')}<td></td></tr>`);
  }
  return `<table class="repeats" data-runs="${r.runs}">${`<tr>${head}</tr>`}${rows.join('')}</table>`;
}
