import type { Observation } from './history.js';

/** How one probe counts: the right role answered, a wrong role answered (e.g. stale DNS), or no answer. */
export type ProbeState = 'good' | 'wrong-role' | 'failed';

export function probeState(o: Observation): ProbeState {
  if (!o.ok) return 'failed';
  return o.role === o.expect ? 'good' : 'wrong-role';
}

/**
 * An outage runs from the start of the first bad probe after a good one to the end of the first good probe
 * after it (DESIGN.md, "Figures"). While it is open, `endMs` is null and the lengths are lower bounds measured
 * to the end of the last probe seen.
 */
export interface Outage {
  startMs: number;
  endMs: number | null;
  lengthMs: number;
  /** Tighter bound: end of the last good probe before it to the start of the first good probe after it. */
  tightMs: number;
  /** Probe start-to-start spacing at the outage's edges: the figures are no more precise than this. */
  edgeSpacingMs: number;
  badProbes: number;
  wrongRoleProbes: number;
  errors: Record<string, number>;
}

/** What one probe changed: an outage opened or closed, or neither. */
export interface ProbeChange {
  readonly opened?: Outage;
  readonly closed?: Outage;
}

const unchanged: ProbeChange = Object.freeze({});

/**
 * Folds observations of one monitor, in order, into outages. Analysis folds a whole history with it; the runner
 * feeds it live to decide when a drill has recovered, so both agree on what an outage is.
 */
export class OutageTracker {
  readonly outages: Outage[] = [];
  private open: Outage | undefined;
  private lastGood: Observation | undefined;
  private previous: Observation | undefined;

  /** Returns what this observation changed: an outage opened or closed. */
  push(o: Observation): ProbeChange {
    const state = probeState(o);
    const prev = this.previous;
    this.previous = o;
    if (state === 'good') {
      const open = this.open;
      const lastGood = this.lastGood;
      this.lastGood = o;
      // Most probes change nothing: they share one answer rather than make an object each.
      if (!open) return unchanged;
      open.endMs = o.t1;
      open.lengthMs = o.t1 - open.startMs;
      open.tightMs = o.t0 - (lastGood as Observation).t1;
      open.edgeSpacingMs = Math.max(open.edgeSpacingMs, prev ? o.t0 - prev.t0 : 0);
      this.open = undefined;
      return { closed: open };
    }
    if (!this.lastGood) return unchanged; // not yet up: that is time to first connect, not an outage
    let open = this.open;
    let change = unchanged;
    if (!open) {
      open = {
        startMs: o.t0,
        endMs: null,
        lengthMs: 0,
        tightMs: 0,
        edgeSpacingMs: o.t0 - this.lastGood.t0,
        badProbes: 0,
        wrongRoleProbes: 0,
        errors: {},
      };
      this.open = open;
      this.outages.push(open);
      change = { opened: open };
    }
    open.badProbes++;
    if (state === 'wrong-role') open.wrongRoleProbes++;
    if (o.error) open.errors[o.error.code] = (open.errors[o.error.code] ?? 0) + 1;
    open.lengthMs = o.t1 - open.startMs;
    open.tightMs = o.t1 - this.lastGood.t1;
    return change;
  }

  get current(): Outage | undefined {
    return this.open;
  }
}

/**
 * The outage a drill's downtime is about: the first one still running at, or starting after, the trigger (it may
 * have started before the trigger was acknowledged); without a trigger, the first one.
 */
export function outageAfterTrigger(
  outages: readonly Outage[],
  triggerAtMs: number | null,
): Outage | undefined {
  if (triggerAtMs === null) return outages[0];
  return outages.find((o) => o.endMs === null || o.endMs >= triggerAtMs);
}
