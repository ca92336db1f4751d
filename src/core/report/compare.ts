import type { ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import type { DrillAnalysis, MonitorFigures } from '../analysis.js';
import { formatDuration } from '../duration.js';
import { usageError } from '../errors.js';
import { spread } from '../repeats.js';
import { roundHalfUp, tenth } from '../rounding.js';
import type { SessionResult } from './renderer.js';
import { compact } from './summary.js';

/** A figure `drill report compare` sets side by side; lower is better for every one of them. */
interface FigureDef {
  name: string;
  unit: 'ms' | 'count';
  /** A monitor's figure (one row per monitor), or the run's. */
  of: { monitor: (m: MonitorFigures) => number | null } | { run: (a: DrillAnalysis) => number | null };
  /** Why a run may lack it, for the line that says so. */
  absent?: string;
}

/**
 * The figures compared. A downtime of "none" (no outage) counts as 0, so a drill that had no outage and one that
 * had one compare; the run-wide figures exist only when the drill measured them.
 */
export const comparedFigures: readonly FigureDef[] = [
  { name: 'downtime', unit: 'ms', of: { monitor: (m) => m.downtimeMs ?? 0 } },
  { name: 'tight-downtime', unit: 'ms', of: { monitor: (m) => m.tightDowntimeMs ?? 0 } },
  { name: 'stale-role', unit: 'ms', of: { monitor: (m) => m.staleRoleMs } },
  { name: 'flip-flops', unit: 'count', of: { monitor: (m) => m.flipFlops } },
  { name: 'read-only-errors', unit: 'count', of: { monitor: (m) => m.readOnlyErrors } },
  {
    name: 'provider-failover',
    unit: 'ms',
    of: { run: (a) => a.provider?.failoverMs ?? null },
    absent: 'no provider failover events',
  },
  {
    name: 'lost-writes',
    unit: 'count',
    of: { run: (a) => a.writes?.lost ?? null },
    absent: 'no --write-check read back',
  },
  {
    name: 'load-stall',
    unit: 'ms',
    of: { run: (a) => a.load?.longestGapMs ?? null },
    absent: 'no --load',
  },
];

export const figureNames = comparedFigures.map((f) => f.name);

export interface ComparedRow {
  figure: string;
  unit: 'ms' | 'count';
  /** The monitor, for a monitor's figure. */
  monitor: string | null;
  base: number | null;
  next: number | null;
  /** (new - base) / base in percent; null when either is absent or base is 0. */
  changePct: number | null;
  /** Gated (named by --figure) and worse by more than the limit. */
  regressed: boolean;
  gated: boolean;
}

export interface Comparison {
  rows: ComparedRow[];
  regressions: ComparedRow[];
  /** NEW failed its own gates (a lost write, a monitor that never recovered, --max-downtime): worse, whatever the figures. */
  newFailures: string[];
  /** What the reader should know to trust the comparison: BASE's own failures, different DNS clients. */
  notes: string[];
}

/**
 * Pure: the figures of BASE and NEW side by side, and which gated figures got worse by more than
 * `maxRegressionPct`. With --repeat, a figure is the median over the runs. A figure 0 in BASE has regressed
 * when it is above 0 in NEW (there is no percentage of nothing). Drills of different monitors, or a gated figure
 * one of them lacks, are a usage error (exit 2): a gate that cannot be judged must not pass.
 */
export function compareDrills(
  base: SessionResult,
  next: SessionResult,
  gated: readonly string[],
  maxRegressionPct: number,
): Comparison {
  judgeable(base, 'BASE');
  judgeable(next, 'NEW');
  // A drill without a trigger watched a fault caused elsewhere, whatever it was: only two named faults can differ.
  const faults = [base, next].map((s) =>
    [...new Set(s.runs.flatMap((r) => r.analysis.trigger?.name ?? []))].join('+'),
  );
  if (faults[0] && faults[1] && faults[0] !== faults[1]) {
    throw usageError(
      `BASE and NEW drilled different faults (${faults[0]} vs ${faults[1]}): compare two drills of the same kind`,
    );
  }
  const monitors = monitorNames(base);
  const nextMonitors = monitorNames(next);
  if (monitors.join(',') !== nextMonitors.join(',')) {
    throw usageError(
      `BASE and NEW watched different monitors (${monitors.join(', ') || 'none'} vs ${nextMonitors.join(', ') || 'none'}): compare two drills of the same kind`,
    );
  }
  const rows: ComparedRow[] = [];
  for (const f of comparedFigures) {
    const isGated = gated.includes(f.name);
    const push = (monitor: string | null, b: number | null, n: number | null) => {
      if (isGated && (b === null || n === null)) {
        const side = b === null ? 'BASE' : 'NEW';
        throw usageError(`--figure ${f.name}: ${side} has none (${f.absent ?? 'not measured'})`);
      }
      const changePct = b === null || n === null || b === 0 ? null : ((n - b) / b) * 100;
      const worse = b !== null && n !== null && (b === 0 ? n > 0 : (changePct as number) > maxRegressionPct);
      rows.push({
        figure: f.name,
        unit: f.unit,
        monitor,
        base: b,
        next: n,
        changePct,
        gated: isGated,
        regressed: isGated && worse,
      });
    };
    const of = f.of;
    if ('monitor' in of) {
      for (const name of monitors) {
        const value = (s: SessionResult) =>
          median(
            s.runs
              .map((r) => r.analysis.monitors.find((m) => m.monitor === name))
              .map((m) => (m ? of.monitor(m) : null)),
          );
        push(name, value(base), value(next));
      }
    } else {
      const value = (s: SessionResult) => median(s.runs.map((r) => of.run(r.analysis)));
      const b = value(base);
      const n = value(next);
      // A run-wide figure neither drill measured is not shown, unless it was asked for (then it is an error above).
      if (b !== null || n !== null || isGated) push(null, b, n);
    }
  }
  const failures = (s: SessionResult) =>
    s.runs.flatMap((r) =>
      r.verdict.reasons.map((why) => (s.runs.length > 1 ? `run ${r.index}: ${why}` : why)),
    );
  const notes = failures(base).map((why) => `BASE failed its own gates: ${why}`);
  const dns = [base, next].map((s) =>
    [...new Set(s.runs.flatMap((r) => r.analysis.monitors.map((m) => m.dns ?? '?')))].join('; '),
  );
  if (dns[0] !== dns[1]) {
    notes.push(
      `BASE resolved names with ${dns[0]}, NEW with ${dns[1]}: the figures are of different clients`,
    );
  }
  return { rows, regressions: rows.filter((r) => r.regressed), newFailures: failures(next), notes };
}

/**
 * A drill whose trigger never fired (or failed), or that was interrupted, has no failover to compare: its
 * downtime would read as 0 and pass. Refused (exit 2), as a gate that cannot be judged.
 */
function judgeable(s: SessionResult, side: 'BASE' | 'NEW'): void {
  for (const r of s.runs) {
    const which = s.runs.length > 1 ? `${side} run ${r.index}` : side;
    if (r.stop === 'interrupted') {
      throw usageError(`${which} was interrupted: its figures are partial; compare drills that finished`);
    }
    const trigger = r.verdict.failures.find((f) => f.gate === 'trigger');
    if (trigger) throw usageError(`${which} cannot be compared: ${trigger.reason}`);
  }
}

function monitorNames(s: SessionResult): string[] {
  return [...new Set(s.runs.flatMap((r) => r.analysis.monitors.map((m) => m.monitor)))].sort();
}

/** Rounded to the tenth as reports are, so that a JSON report and its own history compare equal. */
function median(values: readonly (number | null)[]): number | null {
  const m = spread(values)?.median;
  return m === undefined ? null : tenth(m);
}

/**
 * What `drill report compare` prints: the files, the figures side by side with their change, then a line per
 * regression, NEW's own failures and the notes, or that nothing regressed. Durations read as in the summary.
 */
export function renderComparison(
  c: Comparison,
  how: { basePath: string; newPath: string; gated: readonly string[]; limit: number },
  style: ChalkInstance,
): string {
  const table = new Table({
    head: ['figure', 'monitor', 'BASE', 'NEW', 'change'].map((h) => style.bold(h)),
    style: { head: [], border: [], 'padding-left': 1, 'padding-right': 2 },
    chars: compact,
  });
  for (const r of c.rows) {
    const change = changeText(r);
    table.push([
      r.gated ? style.bold(r.figure) : r.figure,
      r.monitor ?? '-',
      figureText(r, r.base),
      figureText(r, r.next),
      r.regressed ? style.red.bold(change) : change,
    ]);
  }
  const lines = [`BASE ${how.basePath}`, `NEW  ${how.newPath}`, table.toString()];
  for (const r of c.regressions) {
    const which = `${r.figure}${r.monitor ? ` (${r.monitor})` : ''}`;
    lines.push(
      style.red.bold(
        `REGRESSED ${which}: ${figureText(r, r.base)} -> ${figureText(r, r.next)}, ${changeText(r)} (limit +${how.limit}%)`,
      ),
    );
  }
  for (const why of c.newFailures) lines.push(style.red.bold(`NEW failed its own gates: ${why}`));
  for (const note of c.notes) lines.push(style.yellow(`note: ${note}`));
  if (c.regressions.length === 0 && c.newFailures.length === 0) {
    lines.push(style.green.bold(`no regression past +${how.limit}% in ${how.gated.join(', ')}`));
  }
  return `${lines.join('\n')}\n`;
}

function figureText(r: ComparedRow, v: number | null): string {
  if (v === null) return '-';
  return r.unit === 'ms' ? formatDuration(v) : String(v);
}

function changeText(r: ComparedRow): string {
  if (r.base === null || r.next === null) return '-';
  if (r.base === r.next) return '=';
  if (r.changePct === null) return r.next > r.base ? 'from 0' : 'to 0';
  const pct = roundHalfUp(r.changePct);
  return `${pct > 0 ? '+' : ''}${pct}%`;
}
