/** Where interrupts come from: the process's signals in the CLI, a button in a test. */
export interface Signals {
  /** Calls `handler` on each interrupt until the returned function is called. */
  subscribe(handler: () => void): () => void;
}

/** SIGINT (Ctrl+C) and SIGTERM, as a drill run from a terminal or a CI job receives them. */
export const processSignals: Signals = {
  subscribe(handler) {
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    return () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    };
  },
};
