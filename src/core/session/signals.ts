/** Where interrupts come from: the process's signals in the CLI, a button in a test. */
export interface Signals {
  /** Calls `handler` with the signal's name on each interrupt until the returned function is called. */
  subscribe(handler: (signal: NodeJS.Signals) => void): () => void;
}

export interface CaughtSignals extends Signals {
  /** Signals that came while nobody listened, not yet handed to a subscriber. */
  readonly pending: number;
  /** Gives the signals back to Node (the process may then die of them). */
  release(): void;
}

/**
 * SIGINT (Ctrl+C), SIGTERM (a CI job cancelled) and SIGHUP (the terminal closed), caught from the moment this
 * is called, so that nothing a drill starts is left behind by an early one. A signal that arrives while nobody
 * listens is kept and handed to the next subscriber.
 */
export function catchProcessSignals(
  names: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'],
  alreadyCaught: readonly NodeJS.Signals[] = [],
): CaughtSignals {
  const handlers = new Set<(signal: NodeJS.Signals) => void>();
  const pending = [...alreadyCaught];
  const onSignal = (signal: NodeJS.Signals): void => {
    if (handlers.size === 0) pending.push(signal);
    for (const h of [...handlers]) h(signal);
  };
  for (const name of names) process.on(name, onSignal);
  return {
    get pending() {
      return pending.length;
    },
    subscribe(handler) {
      handlers.add(handler);
      for (let signal = pending.shift(); signal; signal = pending.shift()) handler(signal);
      return () => handlers.delete(handler);
    },
    release() {
      for (const name of names) process.off(name, onSignal);
    },
  };
}
