import { ExitCode } from '../core/errors.js';

/** Asks for a password on the terminal without echoing it. Ctrl+C ends the program as an interrupt. */
export function promptHidden(
  question: string,
  input = process.stdin,
  output = process.stderr,
): Promise<string> {
  return new Promise((resolve) => {
    output.write(question);
    let answer = '';
    const wasRaw = input.isRaw;
    input.setRawMode?.(true);
    input.resume();
    input.setEncoding('utf8');
    const done = (): void => {
      input.setRawMode?.(wasRaw);
      input.pause();
      input.removeListener('data', onData);
      output.write('\n');
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          done();
          resolve(answer);
          return;
        }
        if (ch === '\u0003') {
          done();
          process.exit(ExitCode.interrupted);
        }
        if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
        else answer += ch;
      }
    };
    input.on('data', onData);
  });
}

/** Asks one visible question on the terminal and returns the line typed. */
export async function promptLine(question: string): Promise<string> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}
