/** Exit codes users and CI rely on; documented in README.md. */
export const ExitCode = {
  passed: 0,
  failed: 1,
  usage: 2,
  cannotStart: 3,
  internal: 4,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * An error a user can cause or fix. Its message is one line that says what is wrong and what to do; the CLI
 * prints it without a stack trace and exits with `exitCode`.
 */
export class DrillError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
  ) {
    super(message);
    this.name = 'DrillError';
  }
}

export function usageError(message: string): DrillError {
  return new DrillError(message, ExitCode.usage);
}

export function cannotStart(message: string): DrillError {
  return new DrillError(message, ExitCode.cannotStart);
}
