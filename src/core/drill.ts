import type { History, HistoryRecord } from './history.js';
import type { OutageTracker } from './outages.js';
import type { Trigger } from './trigger.js';
import type { StopReason } from './verdict.js';

/** A strategy that schedules probes and appends what they saw to the history. */
export interface Monitor {
  readonly name: string;
  start(): void;
  /** Aborts the probe in flight; resolves once nothing of this monitor runs. */
  stop(): Promise<void>;
}

export interface StopRules {
  /** Stop after this long; undefined runs until another rule or Ctrl+C ends the drill. */
  durationMs?: number;
  /**
   * Stop once every monitor that saw an outage has recovered from it and `settleMs` has passed; or, when the
   * trigger has ended and `settleMs` (at least 1 s) passed with no outage seen at all, "no outage observed".
   */
  untilRecovered: boolean;
  settleMs: number;
  /**
   * Give up when an outage lasts longer than this; with `untilRecovered` and a trigger, also when the drill has
   * not ended this long after the trigger was due (a baseline never reached, a trigger that never completes).
   */
  timeoutMs: number;
}

/** A trigger and when to fire it (ms after the drill's start). */
export interface ScheduledTrigger {
  trigger: Trigger;
  atMs: number;
  /** Every monitor must have seen only good probes for this long before the trigger fires; it waits if not. */
  baselineMs?: number;
}

/** How long a trigger may take to stop once the drill has ended (an API call in flight). */
const triggerStopGraceMs = 5000;

/**
 * Runs monitors until a stop rule fires or `interrupt` aborts, then stops them all and says why it ended.
 * Outages are judged by the trackers analysis reads: the history's, fed as each probe is recorded.
 */
export async function runDrill(
  history: History,
  monitors: readonly Monitor[],
  rules: StopRules,
  interrupt: AbortSignal,
  scheduled?: ScheduledTrigger,
): Promise<StopReason> {
  const names = new Set(monitors.map((m) => m.name));
  const trackers = (): OutageTracker[] =>
    [...names].flatMap((name) => {
      const probes = history.probes(name);
      return probes ? [probes.tracker] : [];
    });
  /** Per monitor: start of its current run of good probes (undefined while its last probe was bad). */
  const steadySince = new Map<string, number>();
  let triggerAt: number | null = null;
  let settleTimer: NodeJS.Timeout | undefined;
  let durationTimer: NodeJS.Timeout | undefined;
  let finish: (reason: StopReason) => void = () => {};
  const ended = new Promise<StopReason>((resolve) => {
    finish = resolve;
  });

  const recoveredAll = (): boolean => {
    let sawOutage = false;
    for (const tracker of trackers()) {
      const relevant = tracker.outages.filter(
        (o) => triggerAt === null || o.endMs === null || o.endMs >= triggerAt,
      );
      if (relevant.length === 0) continue;
      sawOutage = true;
      if (tracker.current) return false;
    }
    return sawOutage;
  };

  const onRecord = (r: HistoryRecord): void => {
    if (r.kind === 'trigger' && r.step === 'requested' && triggerAt === null) triggerAt = r.t;
    if (r.kind !== 'observation' || !names.has(r.monitor)) return;
    const probes = history.probes(r.monitor);
    if (!probes) return;
    const { tracker, change } = probes;
    if (r.ok && r.role === r.expect) {
      if (!steadySince.has(r.monitor)) steadySince.set(r.monitor, r.t0);
    } else {
      steadySince.delete(r.monitor);
    }
    const open = tracker.current;
    if (open && r.t1 - open.startMs > rules.timeoutMs) {
      history.note(`${r.monitor}: gave up waiting for recovery after --timeout`, 'warn', r.monitor);
      finish('timeout');
      return;
    }
    if (!rules.untilRecovered) return;
    if (change.opened && settleTimer) {
      clearTimeout(settleTimer);
      settleTimer = undefined;
    }
    if (change.closed && recoveredAll()) {
      if (settleTimer) clearTimeout(settleTimer);
      settleTimer = setTimeout(() => void recovered(), rules.settleMs);
    }
  };

  // Recovered and settled: still let a running trigger say how it ended (a failover's completion), bounded.
  let triggerDone = true;
  const recovered = async (): Promise<void> => {
    if (!triggerDone) {
      const bound = new Promise<void>((resolve) => setTimeout(resolve, rules.timeoutMs).unref());
      await Promise.race([fired, bound]);
    }
    finish('recovered');
  };

  // The trigger ended and nothing was seen: a fault shorter than the probe interval (or none at all) still ends
  // a drill that waits for recovery; the probe interval is the resolution of "no outage".
  let quietTimer: NodeJS.Timeout | undefined;
  const sawAnyOutage = (): boolean =>
    trackers().some((t) =>
      t.outages.some((o) => triggerAt === null || o.endMs === null || o.endMs >= triggerAt),
    );
  let over = false;
  const whenTriggerEnded = (): void => {
    if (over || !rules.untilRecovered || sawAnyOutage()) return;
    quietTimer = setTimeout(
      () => {
        if (sawAnyOutage()) return;
        history.note('no outage observed: the trigger ended and --settle passed with every probe good');
        finish('no-outage');
      },
      Math.max(rules.settleMs, 1000),
    );
  };

  const unsubscribe = history.subscribe(onRecord);
  const onInterrupt = (): void => finish('interrupted');
  if (interrupt.aborted) finish('interrupted');
  interrupt.addEventListener('abort', onInterrupt, { once: true });
  if (rules.durationMs !== undefined) durationTimer = setTimeout(() => finish('duration'), rules.durationMs);
  // With a trigger, --timeout also bounds the whole drill from when the trigger was due (a baseline never
  // reached, a trigger that never completes); without one the drill waits for a fault caused elsewhere.
  let boundTimer: NodeJS.Timeout | undefined;
  if (rules.untilRecovered && scheduled) {
    boundTimer = setTimeout(() => {
      history.note('gave up: the drill did not end within --timeout of the trigger being due', 'warn');
      finish('timeout');
    }, scheduled.atMs + rules.timeoutMs);
  }

  for (const m of monitors) m.start();
  let fired: Promise<void> = Promise.resolve();
  const triggerStop = new AbortController();
  let triggerTimer: NodeJS.Timeout | undefined;
  let waitedForBaseline = false;
  const steady = (baselineMs: number): boolean => {
    const now = history.clock.now();
    return monitors.every((m) => {
      const since = steadySince.get(m.name);
      return since !== undefined && now - since >= baselineMs;
    });
  };
  const fireWhenSteady = (): void => {
    if (!scheduled) return;
    if (steady(scheduled.baselineMs ?? 0)) {
      triggerDone = false;
      fired = scheduled.trigger.fire(history, triggerStop.signal).finally(() => {
        triggerDone = true;
        whenTriggerEnded();
      });
      return;
    }
    if (!waitedForBaseline) {
      waitedForBaseline = true;
      history.note(
        `waiting for ${scheduled.baselineMs} ms of good probes from every monitor before the trigger`,
      );
    }
    triggerTimer = setTimeout(fireWhenSteady, 100);
  };
  if (scheduled) triggerTimer = setTimeout(fireWhenSteady, scheduled.atMs);
  const reason = await ended;
  over = true;
  clearTimeout(triggerTimer);
  triggerStop.abort();
  history.note(`drill stopped: ${reason}`);

  clearTimeout(settleTimer);
  clearTimeout(durationTimer);
  clearTimeout(boundTimer);
  clearTimeout(quietTimer);
  interrupt.removeEventListener('abort', onInterrupt);
  await Promise.all(monitors.map((m) => m.stop()));
  // A trigger told to stop says how it ended; one stuck in a call gets a bounded wait, then the drill goes on.
  let late: NodeJS.Timeout | undefined;
  const stuck = new Promise<'stuck'>((resolve) => {
    late = setTimeout(() => resolve('stuck'), triggerStopGraceMs);
  });
  if ((await Promise.race([fired.then(() => 'done' as const), stuck])) === 'stuck') {
    history.note(
      `the trigger did not stop within ${triggerStopGraceMs / 1000} s of the drill's end: left behind`,
      'warn',
    );
  }
  clearTimeout(late);
  unsubscribe();
  return reason;
}
