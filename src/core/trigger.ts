import type { History, TriggerStep, Unstamped } from './history.js';

/**
 * A fault the drill causes itself. `fire` appends its steps (requested, acknowledged, completed or failed) to the
 * history as they happen and resolves when it is done; it never throws: a failure is a `failed` step.
 */
export interface Trigger {
  readonly name: string;
  /** `signal` aborts when the drill ends: stop waiting, record nothing more. */
  fire(history: History, signal: AbortSignal): Promise<void>;
}

/** Appends one trigger step at the history's current time. */
export function triggerStep(
  history: History,
  trigger: string,
  step: TriggerStep['step'],
  detail?: string,
): void {
  const record: Unstamped<TriggerStep> = { kind: 'trigger', t: history.clock.now(), trigger, step };
  if (detail !== undefined) record.detail = detail;
  history.append<TriggerStep>(record);
}
