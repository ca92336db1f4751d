import type { DrillAnalysis } from './analysis.js';
import { formatDuration } from './duration.js';
import { ExitCode, type ExitCodeValue } from './errors.js';

export interface Gates {
  maxDowntimeMs?: number;
  /** The trigger the drill was asked to fire: a drill that never fired it did not happen, and fails. */
  trigger?: string;
}

export type StopReason = 'duration' | 'recovered' | 'no-outage' | 'timeout' | 'interrupted';

/** The gates a drill is judged by; a JUnit report has a test case for each. */
export type Gate = 'trigger' | 'recovered' | 'saw-role' | 'max-downtime' | 'lost-writes';

/** One failed gate: which, for which monitor (none for the run-wide gates), and why. */
export interface GateFailure {
  gate: Gate;
  monitor?: string;
  reason: string;
}

export interface Verdict {
  exitCode: ExitCodeValue;
  passed: boolean;
  /** One line per failed gate, in words a runbook can quote. */
  reasons: string[];
  /** The same failures with the gate each belongs to, for reports that show a line per gate. */
  failures: GateFailure[];
}

/** Pure: whether a drill passed its gates. Interrupted drills exit 130 but still say what failed. */
export function verdict(analysis: DrillAnalysis, gates: Gates, stop: StopReason): Verdict {
  const failures: GateFailure[] = [];
  const fail = (gate: Gate, reason: string, monitor?: string) =>
    failures.push(monitor === undefined ? { gate, reason } : { gate, monitor, reason });
  if (gates.trigger !== undefined && analysis.trigger === null) {
    fail(
      'trigger',
      `trigger ${gates.trigger} never fired: the drill ended (${stop}) before it was due or before every monitor was steady for --baseline`,
    );
  }
  if (analysis.trigger?.failed)
    fail('trigger', `trigger ${analysis.trigger.name} failed: ${analysis.trigger.failed}`);
  const w = analysis.writes;
  if (w?.lost) {
    fail(
      'lost-writes',
      `${w.lost} acknowledged write${w.lost === 1 ? '' : 's'} lost (ledger seq ${w.lostSeqs.join(', ')})`,
    );
  }
  for (const m of analysis.monitors) {
    if (!m.recovered) {
      const open = m.outages[m.outages.length - 1];
      const since = open ? ` (down for at least ${formatDuration(open.lengthMs)})` : '';
      const how = stop === 'interrupted' ? 'not recovered when interrupted' : 'never recovered';
      fail('recovered', `${m.monitor}: ${how}${since}`, m.monitor);
    } else if (m.timeToFirstGoodMs === null) {
      fail('saw-role', `${m.monitor}: never saw the ${m.expect}`, m.monitor);
    }
    if (gates.maxDowntimeMs !== undefined && m.downtimeMs !== null && m.downtimeMs > gates.maxDowntimeMs) {
      fail(
        'max-downtime',
        `${m.monitor}: downtime ${formatDuration(m.downtimeMs)} exceeds --max-downtime ${formatDuration(gates.maxDowntimeMs)}`,
        m.monitor,
      );
    }
  }
  const passed = failures.length === 0;
  const exitCode = stop === 'interrupted' ? ExitCode.interrupted : passed ? ExitCode.passed : ExitCode.failed;
  return { exitCode, passed, reasons: failures.map((f) => f.reason), failures };
}
