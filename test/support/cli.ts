import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const drillBin = fileURLToPath(new URL('../../../bin/drill.js', import.meta.url));

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ChildProcess;
  /** Everything printed so far. */
  readonly stdout: string;
  readonly stderr: string;
  finished: Promise<Finished>;
}

/** Starts `drill ARGS` as a user would, without a terminal, with the given environment on top of ours. */
export function startDrill(
  args: string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 60_000,
): Running {
  const child = spawn(process.execPath, [drillBin, ...args], {
    env: {
      ...process.env,
      NO_COLOR: undefined,
      FORCE_COLOR: undefined,
      DRILL_PASSWORD: undefined,
      MYSQL_PWD: undefined,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const finished = new Promise<Finished>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    finished,
  };
}

export function drill(args: string[], env: Record<string, string | undefined> = {}, timeoutMs?: number) {
  return startDrill(args, env, timeoutMs).finished;
}

/** Waits until `check` holds, polling; fails after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const shellQuote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * Runs `drill ARGS` on a pseudo-terminal (util-linux `script`), as a person at a terminal would, and types
 * `answer` once `prompt` has appeared. Output arrives as the terminal shows it (both streams, CRLF).
 */
export async function drillOnTerminal(
  args: string[],
  prompt: string,
  answer: string,
  env: Record<string, string | undefined> = {},
  timeoutMs = 60_000,
): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, drillBin, ...args].map(shellQuote).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    env: { ...process.env, NO_COLOR: '1', DRILL_PASSWORD: undefined, MYSQL_PWD: undefined, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let answered = false;
  child.stdout?.on('data', (d) => {
    output += d;
    if (!answered && output.includes(prompt)) {
      answered = true;
      child.stdin?.write(`${answer}\r`);
    }
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, output });
    });
  });
}
