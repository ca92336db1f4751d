import type { DrillAnalysis } from './analysis.js';
import { formatDuration } from './duration.js';
import { ExitCode, type ExitCodeValue } from './errors.js';

export interface Gates {
  maxDowntimeMs?: number;
  /** The trigger the drill was asked to fire: a drill that never fired it did not happen, and fails. */
  trigger?: string;
}

export type StopReason = 'duration' | 'recovered' | 'no-outage' | 'timeout' | 'interrupted';

export interface Verdict {
  exitCode: ExitCodeValue;
  passed: boolean;
  /** One line per failed gate, in words a runbook can quote. */
  reasons: string[];
}

/** Pure: whether a drill passed its gates. Interrupted drills exit 130 but still say what failed. */
export function verdict(analysis: DrillAnalysis, gates: Gates, stop: StopReason): Verdict {
  const reasons: string[] = [];
  if (gates.trigger !== undefined && analysis.trigger === null) {
    reasons.push(
      `trigger ${gates.trigger} never fired: the drill ended (${stop}) before it was due or before every monitor was steady for --baseline`,
    );
  }
  if (analysis.trigger?.failed)
    reasons.push(`trigger ${analysis.trigger.name} failed: ${analysis.trigger.failed}`);
  const w = analysis.writes;
  if (w?.lost) {
    reasons.push(
      `${w.lost} acknowledged write${w.lost === 1 ? '' : 's'} lost (ledger seq ${w.lostSeqs.join(', ')})`,
    );
  }
  for (const m of analysis.monitors) {
    if (!m.recovered) {
      const open = m.outages[m.outages.length - 1];
      const since = open ? ` (down for at least ${formatDuration(open.lengthMs)})` : '';
      const how = stop === 'interrupted' ? 'not recovered when interrupted' : 'never recovered';
      reasons.push(`${m.monitor}: ${how}${since}`);
    } else if (m.timeToFirstGoodMs === null) {
      reasons.push(`${m.monitor}: never saw the ${m.expect}`);
    }
    if (gates.maxDowntimeMs !== undefined && m.downtimeMs !== null && m.downtimeMs > gates.maxDowntimeMs) {
      reasons.push(
        `${m.monitor}: downtime ${formatDuration(m.downtimeMs)} exceeds --max-downtime ${formatDuration(gates.maxDowntimeMs)}`,
      );
    }
  }
  const passed = reasons.length === 0;
  const exitCode = stop === 'interrupted' ? ExitCode.interrupted : passed ? ExitCode.passed : ExitCode.failed;
  return { exitCode, passed, reasons };
}
