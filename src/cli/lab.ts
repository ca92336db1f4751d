import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDuration, parseDuration } from '../core/duration.js';
import { cannotStart, usageError } from '../core/errors.js';
import { parseWhole } from '../core/numbers.js';
import { styleFor } from '../core/report/style.js';
import {
  alive,
  exportLines,
  killLeftovers,
  Lab,
  type LabOptions,
  type LabStatus,
  labDefaults,
  readLabPassword,
  readLabStatus,
  refuseIfRunning,
  requireRunning,
} from '../lab/lab.js';
import { freePort } from '../lab/ports.js';

export interface LabUpOptions {
  stateDir: string;
  readers: string;
  dnsPort: string;
  apiPort: string;
  timing: string;
  password?: string;
  lossy?: boolean;
  region: string;
  firstAddress: string;
  dnsDelay?: string;
  detach?: boolean;
  color: boolean;
}

export function planLab(o: LabUpOptions): LabOptions {
  if (o.timing !== 'fast' && o.timing !== 'aurora')
    throw usageError(`--timing must be fast or aurora, got '${o.timing}'`);
  return {
    stateDir: resolve(o.stateDir),
    readers: parseWhole(o.readers, '--readers', 0, 8),
    dnsPort: parseWhole(o.dnsPort, '--dns-port', 1, 65535),
    apiPort: parseWhole(o.apiPort, '--api-port', 1, 65535),
    timing: o.timing,
    user: 'admin',
    password: o.password,
    lossy: o.lossy === true,
    region: o.region,
    firstAddress: parseWhole(o.firstAddress, '--first-address', 3, 254),
    ...(o.dnsDelay !== undefined ? { dnsDelayMs: parseDuration(o.dnsDelay, '--dns-delay') } : {}),
  };
}

/** `drill lab up`: in the foreground until Ctrl+C, or with --detach in the background once ready. */
export async function labUp(o: LabUpOptions): Promise<number> {
  const plan = planLab(o);
  if (o.detach) {
    const status = await startDetached(plan);
    process.stdout.write(describe(status, readLabPassword(plan.stateDir), o.color, true));
    return 0;
  }
  const t0 = performance.now();
  const lab = await Lab.start(plan);
  const readyMs = performance.now() - t0;
  process.stdout.write(describe(lab.status(), lab.password, o.color, false, readyMs));
  await new Promise<void>((resolveStop) => {
    const stop = (): void => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stdout.write('stopping the lab...\n');
  await lab.stop();
  return 0;
}

/** Starts `drill lab up` as a background process and waits until its lab.json says ready. */
export async function startDetached(plan: LabOptions, timeoutMs = 120_000): Promise<LabStatus> {
  refuseIfRunning(plan.stateDir);
  const { mkdirSync } = await import('node:fs');
  mkdirSync(plan.stateDir, { recursive: true });
  const logFile = join(plan.stateDir, 'lab.log');
  const log = openSync(logFile, 'w');
  const bin = fileURLToPath(new URL('../../../bin/drill.js', import.meta.url));
  const args = ['lab', 'up', '--state-dir', plan.stateDir, '--readers', String(plan.readers)];
  args.push('--dns-port', String(plan.dnsPort), '--api-port', String(plan.apiPort), '--timing', plan.timing);
  args.push('--region', plan.region, '--first-address', String(plan.firstAddress), '--no-color');
  if (plan.lossy) args.push('--lossy');
  if (plan.dnsDelayMs !== undefined) args.push('--dns-delay', `${plan.dnsDelayMs}ms`);
  const child = spawn(process.execPath, [bin, ...args], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, ...(plan.password ? { DRILL_LAB_PASSWORD: plan.password } : {}) },
  });
  closeSync(log);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  child.unref();
  const until = Date.now() + timeoutMs;
  for (;;) {
    const status = readLabStatus(plan.stateDir);
    if (status && status.pid === child.pid && status.state === 'ready') return status;
    if (exited || Date.now() > until) {
      if (!exited) child.kill('SIGTERM');
      const last = readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean).pop() ?? 'no output';
      throw cannotStart(`the lab did not start: ${last.replace(/^drill: /, '')} (log: ${logFile})`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `drill lab status`: exit 0 and the lab's endpoints when one runs, exit 3 when none does. */
export function labStatus(o: { stateDir: string; json?: boolean; color: boolean }): number {
  const status = requireRunning(o.stateDir);
  if (o.json) process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
  else process.stdout.write(describe(status, undefined, o.color, true));
  return 0;
}

/** `drill lab down`: stops the lab's owner process, and any server it left behind; safe when none runs. */
export async function labDown(o: { stateDir: string }, quiet = false): Promise<number> {
  const dir = resolve(o.stateDir);
  const say = (text: string): void => {
    if (!quiet) process.stdout.write(`${text}\n`);
  };
  const status = readLabStatus(dir);
  if (!status) {
    say(`no lab is running from ${dir}`);
    return 0;
  }
  if (alive(status.pid)) {
    process.kill(status.pid, 'SIGTERM');
    const until = Date.now() + 30_000;
    while (alive(status.pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    if (alive(status.pid)) process.kill(status.pid, 'SIGKILL');
  }
  killLeftovers(status);
  const { rmSync } = await import('node:fs');
  rmSync(join(dir, 'lab.json'), { force: true });
  rmSync(join(dir, 'password'), { force: true });
  say(`lab stopped (state dir ${dir})`);
  return 0;
}

function describe(
  s: LabStatus,
  password: string | undefined,
  color: boolean,
  detached: boolean,
  readyMs?: number,
): string {
  const style = styleFor(process.stdout, color);
  const writer = s.aurora.instances.find((i) => i.role === 'writer');
  const lines = [
    style.bold(
      `drill lab: Aurora MySQL lab ${readyMs === undefined ? 'running' : `ready in ${formatDuration(readyMs)}`}` +
        ` (timing ${s.timing}${s.lossy ? ', lossy' : ''}; state dir ${s.stateDir})`,
    ),
    `  cluster endpoint  ${s.aurora.clusterEndpoint}:3306 -> ${writer?.address ?? '?'}`,
    `  reader endpoint   ${s.aurora.readerEndpoint}:3306`,
    `  RDS Proxy         ${s.aurora.proxyEndpoint}:3306 -> ${s.aurora.proxyAddress}`,
    ...s.aurora.instances.map(
      (i) => `  instance          ${i.id} (${i.role}) ${i.host} -> ${i.address}:3306`,
    ),
    `  DNS server        ${s.dnsServer} (TTL 5 s)`,
    `  RDS and SNS API   ${s.apiEndpoint}`,
    `  SNS outbox        ${s.outbox} (mail and SQS deliveries, a file each)`,
    `  ground truth      ${s.groundTruthFile}`,
    '',
    style.dim(detached ? 'Point drill, the AWS SDK and the AWS CLI at it:' : 'In another terminal:'),
    ...exportLines(s, password).map((l) => `  ${l}`),
    '  drill aurora --mode simple',
    `  drill notify setup --email you@example.com --lab-state-dir ${s.stateDir}`,
    `  aws rds failover-db-cluster --db-cluster-identifier ${s.aurora.clusterId} --endpoint-url ${s.apiEndpoint}`,
    '',
    style.dim(detached ? `Stop it with: drill lab down --state-dir ${s.stateDir}` : 'Ctrl+C stops the lab.'),
  ];
  return `${lines.join('\n')}\n`;
}

export interface EphemeralLab {
  status: LabStatus;
  password: string;
  stop(): Promise<void>;
}

/**
 * `drill aurora --lab`: a lab in its own process (so its work never shares the drill's event loop) under a
 * temporary state dir, on instance addresses 127.0.0.21 and up (a lab started by hand keeps .11 and up).
 * `stop()` takes everything down and removes the state dir; Ctrl+C and errors get there through `finally`.
 */
export async function startEphemeralLab(timing: 'fast' | 'aurora'): Promise<EphemeralLab> {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const stateDir = mkdtempSync(join(tmpdir(), 'drill-ephemeral-lab-'));
  const plan: LabOptions = {
    stateDir,
    readers: 1,
    dnsPort: await freePort(),
    apiPort: await freePort(),
    timing,
    user: 'admin',
    lossy: false,
    region: 'us-east-1',
    firstAddress: Number(process.env.DRILL_LAB_FIRST_ADDRESS ?? 21),
  };
  const stop = async (): Promise<void> => {
    await labDown({ stateDir }, true);
    rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    const status = await startDetached(plan);
    return { status, password: readLabPassword(stateDir) ?? '', stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The running lab (from DRILL_LAB_DIR or the default state dir) that `host` belongs to, if any: a drill pointed
 * at a lab by hand follows its ground truth as `--lab` does.
 */
export function labServing(host: string, stateDir = labDefaults.stateDir): LabStatus | undefined {
  const status = readLabStatus(resolve(stateDir));
  if (!status || !alive(status.pid)) return undefined;
  const a = status.aurora;
  const names = [a.clusterEndpoint, a.readerEndpoint, a.proxyEndpoint, a.proxyAddress];
  for (const i of a.instances) names.push(i.host, i.address);
  return names.includes(host) ? status : undefined;
}

/** `--lab-state-dir`: the lab running from that dir, with its password, or exit 3 saying none runs. */
export function runningLab(stateDir: string): { status: LabStatus; password: string } {
  const status = requireRunning(stateDir, 'ready');
  return { status, password: readLabPassword(status.stateDir) ?? '' };
}
