import assert from 'node:assert/strict';
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
