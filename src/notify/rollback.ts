import { DrillError, ExitCode } from '../core/errors.js';

interface Undo {
  /** What the undo removes, as the user reads it: "deleted topic arn:...". */
  what: string;
  run: () => Promise<void>;
}

export interface RollbackOutcome {
  undone: string[];
  failed: { what: string; error: string }[];
}

/**
 * What one setup run created or changed, newest last, each with the call that undoes it. Only this run's own
 * work is recorded, so a rollback never touches what existed before the run.
 */
export class Journal {
  private readonly undos: Undo[] = [];

  record(what: string, run: () => Promise<void>): void {
    this.undos.push({ what, run });
  }

  get empty(): boolean {
    return this.undos.length === 0;
  }

  /** Undoes everything recorded, newest first; one failed undo does not stop the others. */
  async rollback(): Promise<RollbackOutcome> {
    const outcome: RollbackOutcome = { undone: [], failed: [] };
    while (this.undos.length > 0) {
      const undo = this.undos.pop() as Undo;
      try {
        await undo.run();
        outcome.undone.push(undo.what);
      } catch (err) {
        outcome.failed.push({ what: undo.what, error: (err as Error).message ?? String(err) });
      }
    }
    return outcome;
  }
}

/** The failure, one line, saying what the rollback undid (or could not undo) after it. */
export function failureAfterRollback(err: unknown, outcome: RollbackOutcome): DrillError {
  const base =
    err instanceof DrillError
      ? err
      : new DrillError(`internal error: ${(err as Error)?.message ?? String(err)}`, ExitCode.internal);
  const parts: string[] = [];
  if (outcome.undone.length > 0)
    parts.push(`rolled back what this run created: ${outcome.undone.join(', ')}`);
  if (outcome.failed.length > 0) {
    parts.push(
      `could not roll back ${outcome.failed.map((f) => `${f.what} (${f.error})`).join(', ')}: remove ${
        outcome.failed.length === 1 ? 'it' : 'them'
      } by hand or run 'drill notify teardown'`,
    );
  }
  if (parts.length === 0) return base;
  const error = new DrillError(`${base.message}; ${parts.join('; ')}`, base.exitCode);
  return error;
}
