import type { DrillAnalysis } from './analysis.js';
import { nearestRank } from './rounding.js';

/** A figure's spread over repeated drills. */
export interface Spread {
  min: number;
  median: number;
  p95: number;
  max: number;
  /** Runs that had the figure (a run without an outage has no downtime). */
  n: number;
}

export interface RepeatSummary {
  runs: number;
  monitors: Record<
    string,
    { downtimeMs: Spread | null; staleRoleMs: Spread | null; flipFlops: Spread | null }
  >;
  providerFailoverMs: Spread | null;
}

export function spread(values: readonly (number | null | undefined)[]): Spread | null {
  const xs = values.filter((v): v is number => typeof v === 'number').sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const at = (q: number) => nearestRank(xs, q) as number;
  return {
    min: xs[0] as number,
    median: at(0.5),
    p95: at(0.95),
    max: xs[xs.length - 1] as number,
    n: xs.length,
  };
}

/** Pure: the spread of each monitor's figures over `--repeat` runs. */
export function summarizeRuns(analyses: readonly DrillAnalysis[]): RepeatSummary {
  const names = [...new Set(analyses.flatMap((a) => a.monitors.map((m) => m.monitor)))];
  const monitors: RepeatSummary['monitors'] = {};
  for (const name of names) {
    const of = analyses.map((a) => a.monitors.find((m) => m.monitor === name));
    monitors[name] = {
      downtimeMs: spread(of.map((m) => m?.downtimeMs)),
      staleRoleMs: spread(of.map((m) => m?.staleRoleMs)),
      flipFlops: spread(of.map((m) => m?.flipFlops)),
    };
  }
  return {
    runs: analyses.length,
    monitors,
    providerFailoverMs: spread(analyses.map((a) => a.provider?.failoverMs)),
  };
}
