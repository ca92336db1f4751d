import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { type LabStatus, readLabPassword } from '../../src/lab/client.js';
import { freePort } from '../../src/lab/ports.js';
import { drill } from './cli.js';

export interface TestLab {
  stateDir: string;
  status: LabStatus;
  password: string;
}

/**
 * `drill lab up --detach` on this test file's own block of loopback addresses (instances from 127.0.0.`first`,
 * the proxy just below) with free DNS and API ports; `more` are further `lab up` options.
 */
export async function startTestLab(stateDir: string, first: number, more: string[] = []): Promise<TestLab> {
  const up = await drill(
    ['lab', 'up', '--detach', '--state-dir', stateDir, '--first-address', String(first)].concat(
      ['--api-port', String(await freePort()), '--dns-port', String(await freePort())],
      more,
    ),
    {},
    120_000,
  );
  assert.equal(up.code, 0, up.stderr + up.stdout);
  return { stateDir, status: await labStatus(stateDir), password: readLabPassword(stateDir) ?? '' };
}

/** What `drill lab status --json` says now. */
export async function labStatus(stateDir: string): Promise<LabStatus> {
  return JSON.parse((await drill(['lab', 'status', '--json', '--state-dir', stateDir])).stdout) as LabStatus;
}

export async function stopTestLab(stateDir: string): Promise<void> {
  await drill(['lab', 'down', '--state-dir', stateDir]);
}

/** Processes whose command line mentions `text` (a state dir), as `ps -eo pid,args` shows them. */
export function processesMentioning(text: string): { pid: number; args: string }[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && m[2]?.includes(text) === true)
    .map((m) => ({ pid: Number(m[1]), args: m[2] ?? '' }))
    .filter((p) => p.pid !== process.pid && !p.args.startsWith('ps '));
}

/** A test's last resort: SIGKILL whatever still mentions `text`, so a failed test leaves nothing behind. */
export function killMentioning(text: string): void {
  for (const p of processesMentioning(text)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

/** Whether something accepts TCP connections on host:port. */
export function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.setTimeout(1000, () => {
      s.destroy();
      resolve(false);
    });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
