import { ExitCode } from '../core/errors.js';
import { type CaughtSignals, catchProcessSignals } from '../core/session/signals.js';

let early: CaughtSignals | undefined;

/**
 * Catches SIGINT, SIGTERM and SIGHUP from the start of the program, before any command runs: a drill takes them
 * over (a Ctrl+C in its first moments still ends it with a report); any other command gets them back.
 */
export function catchEarlySignals(alreadyCaught: readonly NodeJS.Signals[] = []): void {
  early = catchProcessSignals(undefined, alreadyCaught);
}

/** A drill takes over what was caught so far (a signal that already came is handed to its session). */
export function takeEarlySignals(): CaughtSignals | undefined {
  const caught = early;
  early = undefined;
  return caught;
}

/** For commands that are not drills: Node's own handling again, and an interrupt that already came ends them. */
export function releaseEarlySignals(): void {
  const caught = takeEarlySignals();
  caught?.release();
  if (caught && caught.pending > 0) process.exit(ExitCode.interrupted);
}
