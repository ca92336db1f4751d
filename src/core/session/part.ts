import type { Clock } from '../clock.js';
import type { Monitor, ScheduledTrigger } from '../drill.js';
import type { History } from '../history.js';
import type { ReportTarget } from '../report/renderer.js';
import type { Trigger } from '../trigger.js';

/**
 * One piece of a drill besides its trigger: a monitor's preparation, a workload, a write ledger, an event
 * follower, a notification listener. Every step is optional; the session calls them in a fixed order:
 * check (parts that do not write) -> the trigger's preflight and confirmation -> prepare (writing parts are
 * checked after it) -> wrapTrigger -> start -> the drill -> stop -> finish (in reverse order of prepare).
 */
export interface DrillPart {
  readonly name: string;
  /** The monitor this part runs, if it is one; the session hands it to the drill. */
  readonly monitor?: Monitor;
  /** It creates something in the target (a table, a ledger): nothing of it happens before the confirmation. */
  readonly writes?: boolean;
  /** Fails fast, with a DrillError in a user's words, when the drill cannot start (e.g. the first probe). */
  check?(): Promise<void>;
  /** Creates what the part needs before the drill (tables, subscriptions). */
  prepare?(): Promise<void>;
  /** Lets the part act around the trigger (a DDL statement that must run while the fault happens). */
  wrapTrigger?(trigger: Trigger): Trigger;
  /** Starts with the monitors. */
  start?(): void;
  /** The drill is over: stop working (a workload's last window, a listener's last notification). */
  stop?(): Promise<void>;
  /**
   * After the drill, or when it never started (`ran` false): check, read back, clean up, release. Called for
   * every part whose prepare succeeded, last prepared first (a table check before the schema is dropped).
   * `signal` aborts on Ctrl+C or when the session's bound for this step passes: stop waiting, say so.
   */
  finish?(ran: boolean, signal: AbortSignal): Promise<void>;
  /** How long `finish` may take before the session goes on (default: the session's 30 s). */
  readonly finishWithinMs?: number;
}

/** The trigger a drill will fire, and what to ask before firing it. */
export interface PreparedTrigger {
  scheduled: ScheduledTrigger;
  /**
   * `what` completes "This will ...", `answer` is what the user types to go on. Against a lab (`lab`) nobody is
   * asked unless DRILL_CONFIRM=always; elsewhere the session asks on a terminal or needs --yes.
   */
  confirmation: { what: string; answer: string; lab: boolean };
}

/** What the session needs of one run, built by the service on the run's own history. */
export interface DrillSetup {
  /** The first line of the live view: what is drilled, and how. */
  header: { title: string; details: string };
  target: ReportTarget;
  parts: DrillPart[];
  /**
   * Runs after the read-only parts' checks and before anything is written: the service's checks of the
   * target (the cluster exists, has a reader) and the trigger to fire, if any.
   */
  preflight?(): Promise<PreparedTrigger | undefined>;
}

/** One run of a drill (of `total` with --repeat), on its own history. */
export interface RunContext {
  index: number;
  total: number;
  history: History;
  clock: Clock;
}

/** A service (Aurora, MemoryDB) as the session sees it. */
export interface DrillService {
  /** The password prompt when the service needs a password it does not have, else undefined. */
  passwordPrompt?(): string | undefined;
  usePassword?(password: string): void;
  /** Builds one run. A DrillError thrown here ends the session before anything ran. */
  setup(run: RunContext): Promise<DrillSetup>;
}
