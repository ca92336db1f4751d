import type { MonitorFigures } from '../../analysis.js';
import { formatDuration } from '../../duration.js';
import type { GroundTruthEvent, HistoryRecord, TriggerStep } from '../../history.js';
import type { RunResult } from '../renderer.js';
import { type LaneMarks, markTip } from './marks.js';
import { esc, px } from './markup.js';

/**
 * One run as an SVG chart on one time axis (0 = the drill's start): the labelled marks of what happened (trigger,
 * provider events, notifications, lab ground truth) across the top, a lane per monitor with its probes and the
 * outages, and the `--load` throughput and p99 latency beneath. Drawn from the run's records, its probes' marks
 * and its analysis only, so a saved history re-renders exactly like the live drill.
 */
export function timelineSvg(
  run: RunResult,
  records: readonly HistoryRecord[],
  lanes: ReadonlyMap<string, LaneMarks>,
): string {
  const { analysis } = run;
  const span = Math.max(analysis.elapsedMs, 1000);
  const x = (ms: number) => chart.left + (Math.min(Math.max(ms, 0), span) / span) * plotWidth;

  const markers = placeLabels(markersOf(run, records), x);
  const rows = markers.reduce((n, m) => Math.max(n, m.row + 1), 0);
  const lanesTop = chart.top + rows * chart.labelRow + 8;
  const lanesBottom = lanesTop + analysis.monitors.length * chart.lane;
  const load = loadPanels(run, x, lanesBottom + 10);
  const plotBottom = load ? load.bottom : lanesBottom;
  const height = plotBottom + chart.axis;

  const parts: string[] = [];
  parts.push(axis(span, x, lanesTop, plotBottom));
  analysis.monitors.forEach((m, i) => {
    parts.push(lane(m, i, lanesTop + i * chart.lane, x, analysis.elapsedMs, lanes.get(m.monitor)));
  });
  if (load) parts.push(load.svg);
  parts.push(groundTruthTicks(records, x, lanesTop));
  for (const m of markers) parts.push(marker(m, lanesTop, plotBottom));

  const name = `timeline of run ${run.index + 1}: ${analysis.monitors.length} monitors over ${formatDuration(span)}`;
  return (
    `<svg class="timeline" viewBox="0 0 ${chart.width} ${px(height)}" role="img" aria-label="${esc(name)}" ` +
    `xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`
  );
}

/** Geometry in SVG units (the chart scales to the page's width). */
const chart = {
  width: 1200,
  left: 200,
  right: 28,
  top: 4,
  labelRow: 16,
  lane: 38,
  mark: 16,
  panel: 70,
  axis: 24,
};
const plotWidth = chart.width - chart.left - chart.right;
/** Label widths are estimated (no layout engine here): ~6.3 units a character at the 11-unit font. */
const charWidth = 6.3;

type MarkerKind = 'trigger' | 'provider' | 'notification' | 'truth';

interface Marker {
  t: number;
  kind: MarkerKind;
  /** What tests and readers can select it by: `trigger-requested`, `writer-down`, ... */
  id: string;
  label: string;
  tip: string;
}

interface PlacedMarker extends Marker {
  x: number;
  row: number;
  anchorEnd: boolean;
}

const at = (ms: number) => `+${formatDuration(ms)}`;
const short = (text: string, n = 42) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

function markersOf(run: RunResult, records: readonly HistoryRecord[]): Marker[] {
  const a = run.analysis;
  const out: Marker[] = [];
  const steps = records.filter((r): r is TriggerStep => r.kind === 'trigger');
  const t = a.trigger;
  if (t) {
    const step = (s: TriggerStep['step'], ms: number | null, word: string) => {
      if (ms === null) return;
      const detail = steps.find((r) => r.step === s)?.detail;
      const tip = `trigger ${t.name} ${s} at ${at(ms)}${detail ? `\n${detail}` : ''}`;
      out.push({ t: ms, kind: 'trigger', id: `trigger-${s}`, label: `${t.name} ${word}`, tip });
    };
    step('requested', t.requestedAtMs, 'requested');
    step('acknowledged', t.acknowledgedAtMs, 'acknowledged');
    step('completed', t.completedAtMs, 'completed');
    const failed = steps.find((r) => r.step === 'failed');
    if (failed) {
      const tip = `trigger ${t.name} failed at ${at(failed.t)}\n${t.failed ?? ''}`;
      out.push({ t: failed.t, kind: 'trigger', id: 'trigger-failed', label: `${t.name} failed`, tip });
    }
  }
  for (const e of a.events) {
    const tip = `${e.source} at ${at(e.t)} (${e.at})\n${e.message}`;
    out.push({ t: e.t, kind: 'provider', id: e.phase ?? 'provider-event', label: short(e.message), tip });
  }
  for (const n of a.notifications?.list ?? []) {
    const delay = n.delayMs === null ? '' : `, ${formatDuration(n.delayMs)} after its event`;
    const tip = `SNS notification from ${a.notifications?.topic} at ${at(n.atMs)}${delay}\n${n.message}`;
    out.push({
      t: n.atMs,
      kind: 'notification',
      id: 'notification',
      label: `SNS: ${short(n.message, 36)}`,
      tip,
    });
  }
  const g = a.groundTruth;
  if (g) {
    const truth = records.filter((r): r is GroundTruthEvent => r.kind === 'ground-truth');
    const fact = (ms: number | null, id: string, label: string, f: GroundTruthEvent['fact']) => {
      if (ms === null) return;
      const what = truth.find((r) => r.t === ms && r.fact === f)?.what;
      out.push({
        t: ms,
        kind: 'truth',
        id,
        label,
        tip: `lab: ${label} at ${at(ms)}${what ? `\n${what}` : ''}`,
      });
    };
    fact(g.writerDownMs, 'writer-down', 'writer down', 'node-down');
    fact(g.writerUpMs, 'writer-up', 'writer up', 'writer-up');
    fact(g.dnsSwitchedMs, 'dns-moved', 'DNS moved', 'writer-endpoint-moved');
  }
  return out.sort((p, q) => p.t - q.t);
}

/** Labels go in the first row where they do not overlap the one before; past the last row they share the emptiest. */
function placeLabels(markers: readonly Marker[], x: (ms: number) => number): PlacedMarker[] {
  const maxRows = 12;
  const rowEnds: number[] = [];
  return markers.map((m) => {
    const w = m.label.length * charWidth + 6;
    const anchorEnd = x(m.t) + 3 + w > chart.width;
    const from = anchorEnd ? x(m.t) - 3 - w : x(m.t) + 3;
    let row = rowEnds.findIndex((end) => from >= end + 4);
    if (row < 0 && rowEnds.length < maxRows) row = rowEnds.length;
    if (row < 0) row = rowEnds.indexOf(Math.min(...rowEnds));
    rowEnds[row] = Math.max(rowEnds[row] ?? 0, from + w);
    return { ...m, x: x(m.t), row, anchorEnd };
  });
}

function marker(m: PlacedMarker, lanesTop: number, bottom: number): string {
  const mx = px(m.x);
  const y = chart.top + m.row * chart.labelRow + 11;
  const text = m.anchorEnd ? `x="${px(m.x - 3)}" text-anchor="end"` : `x="${px(m.x + 3)}"`;
  const line = (cls: string, to: number) =>
    `<line class="${cls}" x1="${mx}" x2="${mx}" y1="${px(y - 9)}" y2="${px(to)}"/>`;
  // The line crosses the lanes without catching the pointer (the probes under it stay hoverable); a wide
  // transparent twin above the lanes makes the mark itself easy to hover.
  return (
    `<g class="marker ${m.kind}" data-marker="${esc(m.id)}" data-tip="${esc(m.tip)}">` +
    `${line('rule', bottom)}${line('hit', lanesTop)}<text ${text} y="${px(y)}">${esc(m.label)}</text></g>`
  );
}

function axis(span: number, x: (ms: number) => number, top: number, bottom: number): string {
  const steps = [100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000];
  const step = steps.find((s) => span / s <= 12) ?? 1_800_000;
  const out: string[] = ['<g class="axis">'];
  for (let t = 0; t <= span; t += step) {
    const tx = px(x(t));
    out.push(`<line class="grid" x1="${tx}" x2="${tx}" y1="${px(top)}" y2="${px(bottom)}"/>`);
    out.push(`<text x="${tx}" y="${px(bottom + 16)}" text-anchor="middle">${esc(axisLabel(t))}</text>`);
  }
  out.push(
    `<line x1="${chart.left}" x2="${chart.width - chart.right}" y1="${px(bottom)}" y2="${px(bottom)}"/>`,
  );
  out.push('</g>');
  return out.join('');
}

function axisLabel(ms: number): string {
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return s ? `${m} m ${s} s` : `${m} m`;
}

function lane(
  m: MonitorFigures,
  i: number,
  top: number,
  x: (ms: number) => number,
  elapsedMs: number,
  marks: LaneMarks | undefined,
): string {
  const out: string[] = [`<g class="lane" data-monitor="${esc(m.monitor)}">`];
  const right = chart.width - chart.right;
  out.push(
    `<rect class="lane-bg${i % 2 ? ' odd' : ''}" x="0" y="${px(top)}" width="${right}" height="${chart.lane}"/>`,
  );
  out.push(`<text class="lane-name" x="8" y="${px(top + 16)}">${esc(short(m.monitor, 26))}</text>`);
  const sub = `${m.mode === m.monitor ? '' : `${m.mode} · `}${m.label ?? m.target}`;
  out.push(
    `<text class="lane-sub" x="8" y="${px(top + 30)}">${esc(short(sub, 30))}<title>${esc(m.target)}</title></text>`,
  );

  for (const o of m.outages) {
    const end = o.endMs ?? elapsedMs;
    const x0 = x(o.startMs);
    const w = Math.max(1, x(end) - x0);
    const length =
      o.endMs === null ? `≥ ${formatDuration(o.lengthMs)} (not recovered)` : formatDuration(o.lengthMs);
    const errors = Object.entries(o.errors)
      .map(([code, n]) => `${code} ×${n}`)
      .join(', ');
    const tip =
      `${m.monitor}: outage ${length} from ${at(o.startMs)}\n` +
      `tighter bound ${formatDuration(o.tightMs)}; ${o.badProbes} bad probes (${o.wrongRoleProbes} wrong role)` +
      (errors ? `\n${errors}` : '');
    out.push(
      `<g class="outage" data-tip="${esc(tip)}"><rect x="${px(x0)}" y="${px(top + 1)}" width="${px(w)}" ` +
        `height="${chart.lane - 2}"/><text x="${px(x0 + w / 2)}" y="${px(top + 11)}" text-anchor="middle">` +
        `${esc(length)}</text></g>`,
    );
  }

  const markTop = top + chart.lane - chart.mark - 5;
  for (const mark of marks?.marks ?? []) {
    const x0 = x(mark.t0);
    const w = Math.max(2, x(mark.t1) - x0);
    out.push(
      `<rect class="probe ${mark.state}" x="${px(x0)}" y="${px(markTop)}" width="${px(w)}" height="${chart.mark}" ` +
        `data-tip="${esc(markTip(m.monitor, mark))}"/>`,
    );
  }
  out.push('</g>');
  return out.join('');
}

/** Ground truth without a drill meaning (roles, topology, the reader's DNS): small ticks, read by hovering. */
function groundTruthTicks(
  records: readonly HistoryRecord[],
  x: (ms: number) => number,
  lanesTop: number,
): string {
  const out: string[] = ['<g class="truth-ticks">'];
  for (const r of records) {
    if (r.kind !== 'ground-truth') continue;
    const tx = px(x(r.t));
    out.push(
      `<line x1="${tx}" x2="${tx}" y1="${px(lanesTop - 6)}" y2="${px(lanesTop)}" data-tip="${esc(`lab at ${at(r.t)}: ${r.what}`)}"/>`,
    );
  }
  out.push('</g>');
  return out.join('');
}

/** `--load`: operations per second (succeeded, failed on top) and each window's p99 latency, on the same axis. */
function loadPanels(
  run: RunResult,
  x: (ms: number) => number,
  top: number,
): { svg: string; bottom: number } | null {
  const l = run.analysis.load;
  if (!l || l.timeline.length === 0) return null;
  // Each point says how long it covers: a window, or neighbouring windows joined on a long drill.
  const rates = l.timeline.map((w) => {
    const s = Math.max(w.spanMs, 1) / 1000;
    return { ...w, span: w.spanMs, okPerSec: w.ok / s, failedPerSec: w.failed / s };
  });
  const maxRate = Math.max(1, ...rates.map((r) => r.okPerSec + r.failedPerSec));
  const maxP99 = Math.max(1, ...rates.map((r) => r.p99 ?? 0));
  const right = chart.width - chart.right;
  const out: string[] = ['<g class="load">'];

  const tpTop = top;
  const tpBase = tpTop + chart.panel;
  out.push(`<rect class="panel-bg" x="0" y="${px(tpTop)}" width="${right}" height="${chart.panel}"/>`);
  out.push(`<text class="lane-name" x="8" y="${px(tpTop + 16)}">throughput</text>`);
  out.push(`<text class="lane-sub" x="8" y="${px(tpTop + 30)}">ops/s, max ${Math.round(maxRate)}</text>`);
  for (const r of rates) {
    const x0 = x(r.atMs);
    const w = Math.max(1, x(r.atMs + r.span) - x0 - 1);
    const hOk = ((chart.panel - 8) * r.okPerSec) / maxRate;
    const hFail = ((chart.panel - 8) * r.failedPerSec) / maxRate;
    const tip =
      `load at ${at(r.atMs)}: ${Math.round(r.okPerSec)} ops/s ok, ${Math.round(r.failedPerSec)} failed/s` +
      (r.p99 === null ? '' : `\np50 ${r.p50?.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms`);
    out.push(
      `<g class="window" data-tip="${esc(tip)}"><rect class="ops-ok" x="${px(x0)}" y="${px(tpBase - hOk)}" ` +
        `width="${px(w)}" height="${px(hOk)}"/><rect class="ops-failed" x="${px(x0)}" ` +
        `y="${px(tpBase - hOk - hFail)}" width="${px(w)}" height="${px(hFail)}"/></g>`,
    );
  }

  const latTop = tpBase + 6;
  const latBase = latTop + chart.panel;
  out.push(`<rect class="panel-bg" x="0" y="${px(latTop)}" width="${right}" height="${chart.panel}"/>`);
  out.push(`<text class="lane-name" x="8" y="${px(latTop + 16)}">p99 latency</text>`);
  out.push(`<text class="lane-sub" x="8" y="${px(latTop + 30)}">ms, max ${maxP99.toFixed(1)}</text>`);
  const y = (v: number) => latBase - ((chart.panel - 8) * v) / maxP99;
  let path = '';
  for (const r of rates) {
    if (r.p99 === null) {
      path += ' ';
      continue;
    }
    const cx = x(r.atMs + r.span / 2);
    path += `${path.endsWith(' ') || path === '' ? 'M' : 'L'}${px(cx)},${px(y(r.p99))}`;
    out.push(
      `<circle class="p99" cx="${px(cx)}" cy="${px(y(r.p99))}" r="3" data-tip="${esc(`p99 ${r.p99.toFixed(1)} ms at ${at(r.atMs)}`)}"/>`,
    );
  }
  if (path.trim()) out.push(`<path class="p99-line" d="${path.trim().replace(/ +/g, ' ')}"/>`);
  out.push('</g>');
  return { svg: out.join(''), bottom: latBase };
}
