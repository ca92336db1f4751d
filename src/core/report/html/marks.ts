import { formatDuration } from '../../duration.js';
import type { Observation } from '../../history.js';
import { type ProbeState, probeState } from '../../outages.js';

/** One mark on a monitor's lane: a probe, or a run of neighbouring probes once the lane is too full to part them. */
export interface ProbeMark {
  t0: number;
  t1: number;
  /** The worst outcome among its probes: an error over a wrong role over a right one. */
  state: ProbeState;
  /** A single probe's own tip; a run's tip is made from its counts. */
  tip: string | undefined;
  seq0: number;
  seq1: number;
  count: number;
  good: number;
  wrongRole: number;
  failed: number;
  errors: Record<string, number>;
}

/**
 * More probes than this on one lane (8 minutes at 10 Hz) and neighbours are drawn together: the chart is about a
 * thousand units wide, and a drill of days must neither hold every probe in memory nor write them all to the page.
 */
export const marksPerLane = 5000;

const worse: Record<ProbeState, number> = { good: 0, 'wrong-role': 1, failed: 2 };

/** The marks of one lane as probes come: one a probe until the lane is full, then runs of up to `unit` probes. */
export class LaneMarks {
  marks: ProbeMark[] = [];
  /** Probes a mark may hold; doubles each time the lane fills up. */
  private unit = 1;

  push(o: Observation): void {
    const state = probeState(o);
    const mark: ProbeMark = {
      t0: o.t0,
      t1: o.t1,
      state,
      tip: probeTip(o, state),
      seq0: o.seq,
      seq1: o.seq,
      count: 1,
      good: state === 'good' ? 1 : 0,
      wrongRole: state === 'wrong-role' ? 1 : 0,
      failed: state === 'failed' ? 1 : 0,
      errors: o.error ? { [o.error.code]: 1 } : {},
    };
    const last = this.marks[this.marks.length - 1];
    if (last && last.state === state && last.count < this.unit) join(last, mark);
    else this.marks.push(mark);
    if (this.marks.length > marksPerLane) this.thin();
  }

  /** Joins neighbours of the same outcome up to twice as many probes a mark; a lane that flaps, any neighbours. */
  private thin(): void {
    this.unit *= 2;
    this.marks = joined(this.marks, this.unit, true);
    if (this.marks.length > (marksPerLane * 3) / 4) this.marks = joined(this.marks, this.unit, false);
  }
}

function joined(marks: readonly ProbeMark[], unit: number, sameState: boolean): ProbeMark[] {
  const out: ProbeMark[] = [];
  for (const m of marks) {
    const last = out[out.length - 1];
    if (last && (!sameState || last.state === m.state) && last.count + m.count <= unit) join(last, m);
    else out.push(m);
  }
  return out;
}

function join(into: ProbeMark, m: ProbeMark): void {
  into.t1 = Math.max(into.t1, m.t1);
  into.seq1 = m.seq1;
  into.count += m.count;
  into.good += m.good;
  into.wrongRole += m.wrongRole;
  into.failed += m.failed;
  for (const [code, n] of Object.entries(m.errors)) into.errors[code] = (into.errors[code] ?? 0) + n;
  if (worse[m.state] > worse[into.state]) into.state = m.state;
  into.tip = undefined;
}

const at = (ms: number) => `+${formatDuration(ms)}`;

const outcomeWords: Record<ProbeState, string> = {
  good: 'right role',
  'wrong-role': 'wrong role',
  failed: 'error',
};

/** What hovering a mark shows. */
export function markTip(monitor: string, m: ProbeMark): string {
  if (m.tip !== undefined) return m.tip;
  const lines = [
    `${monitor} #${m.seq0}–#${m.seq1} from ${at(m.t0)} to ${at(m.t1)}: ${m.count} probes`,
    `${m.good} right role, ${m.wrongRole} wrong role, ${m.failed} errors`,
  ];
  const errors = Object.entries(m.errors).map(([code, n]) => `${code} ×${n}`);
  if (errors.length) lines.push(errors.join(', '));
  return lines.join('\n');
}

function probeTip(o: Observation, state: ProbeState): string {
  const lines = [`${o.monitor} #${o.seq} at ${at(o.t0)}: ${outcomeWords[state]}`];
  if (o.ok) lines.push(`${o.role}${o.role === o.expect ? '' : ` (wanted ${o.expect})`}`);
  lines.push(`address ${o.address ?? o.target}${o.route ? ` via ${o.route}` : ''}`);
  if (o.nodeId) lines.push(`node ${o.nodeId}`);
  lines.push(
    `latency ${(o.t1 - o.t0).toFixed(1)} ms${o.tlsMs === undefined ? '' : ` (TLS handshake ${o.tlsMs} ms)`}`,
  );
  if (o.error)
    lines.push(`error ${o.error.code}${o.error.name ? ` ${o.error.name}` : ''}: ${o.error.message}`);
  if (o.write) lines.push(`write #${o.write.seq} ${o.write.outcome}`);
  return lines.join('\n');
}
