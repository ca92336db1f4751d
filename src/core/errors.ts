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

/**
 * A value the user typed, as an error message shows it: in single quotes, with line breaks, tabs and other
 * control characters escaped (`'a@b.c\nx'`), so that the message stays one line and cannot drive the terminal.
 */
export function quote(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this escapes
  const escaped = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  return `'${escaped}'`;
}
