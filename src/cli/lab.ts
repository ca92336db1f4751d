import { existsSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { formatDuration, parseDuration } from '../core/duration.js';
import { usageError } from '../core/errors.js';
import { parseWhole } from '../core/numbers.js';
import { styleFor } from '../core/report/style.js';
import {
  detachedOwnerEnv,
  killLabProcesses,
  type LabOptions,
  type LabStatus,
  labPasswordFile,
  readLabPassword,
  requireRunning,
  startDetached,
  stopLab,
  throwawayLabEnv,
} from '../lab/client.js';
import { exportLines, Lab } from '../lab/lab.js';
import { describeServers } from '../lab/processes.js';

export interface LabUpOptions {
  stateDir: string;
  readers: string;
  dnsPort: string;
  apiPort: string;
  timing: string;
  password?: string;
  lossy?: boolean;
  requireTls?: boolean;
  region: string;
  firstAddress: string;
  dnsDelay?: string;
  memorydb?: boolean;
  shards: string;
  replicas: string;
  tls: boolean;
  memorydbFirstAddress: string;
  detach?: boolean;
  color: boolean;
}

/** An AWS region's shape: us-east-1, eu-central-2, us-gov-west-1, cn-north-1. */
const regionShape = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export function planLab(o: LabUpOptions): LabOptions {
  if (o.timing !== 'fast' && o.timing !== 'aurora')
    throw usageError(`--timing must be fast or aurora, got '${o.timing}'`);
  if (!regionShape.test(o.region)) throw usageError(`--region must look like us-east-1, got '${o.region}'`);
  if (!o.memorydb) {
    // The MemoryDB options shape a cluster only --memorydb starts: alone they would be silently ignored.
    const shaped: [boolean, string][] = [
      [o.shards !== '3', '--shards'],
      [o.replicas !== '1', '--replicas'],
      [o.tls === false, '--no-tls'],
      [o.memorydbFirstAddress !== '11', '--memorydb-first-address'],
    ];
    const given = shaped.find(([yes]) => yes);
    if (given) throw usageError(`${given[1]} shapes the MemoryDB cluster: give --memorydb`);
  }
  return {
    stateDir: stateDirFor(o.stateDir),
    readers: parseWhole(o.readers, '--readers', 0, 8),
    dnsPort: parseWhole(o.dnsPort, '--dns-port', 1, 65535),
    apiPort: parseWhole(o.apiPort, '--api-port', 1, 65535),
    timing: o.timing,
    user: 'admin',
    password: o.password,
    lossy: o.lossy === true,
    ...(o.requireTls ? { requireTls: true } : {}),
    region: o.region,
    firstAddress: parseWhole(o.firstAddress, '--first-address', 3, 254),
    ...(process.env[throwawayLabEnv] ? { throwaway: true } : {}),
    ...(o.dnsDelay !== undefined ? { dnsDelayMs: parseDuration(o.dnsDelay, '--dns-delay') } : {}),
    ...(o.memorydb
      ? {
          memorydb: {
            shards: parseWhole(o.shards, '--shards', 1, 5),
            replicas: parseWhole(o.replicas, '--replicas', 0, 2),
            tls: o.tls !== false,
            firstAddress: parseWhole(o.memorydbFirstAddress, '--memorydb-first-address', 2, 254),
          },
        }
      : {}),
  };
}

/** A state dir that exists, or can be made: a regular file in its place (or above it) is a usage error. */
function stateDirFor(dir: string): string {
  const path = resolve(dir);
  for (let p = path; ; p = dirname(p)) {
    if (existsSync(p)) {
      if (statSync(p).isDirectory()) return path;
      throw usageError(
        `--state-dir ${path}: ${p === path ? 'it is' : `${p} is`} a file, not a folder; name a folder (made if missing)`,
      );
    }
    if (dirname(p) === p) return path;
  }
}

const interrupts: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * `drill lab up`: in the foreground until Ctrl+C, or with --detach in the background once ready. Ctrl+C,
 * SIGTERM or SIGHUP while it starts takes down what it started (the background lab too) and exits 130; a second
 * one kills whatever the state dir knows of and exits at once.
 */
export async function labUp(o: LabUpOptions): Promise<number> {
  const plan = planLab(o);
  const interrupted = new AbortController();
  const onSignal = (): void => {
    if (interrupted.signal.aborted) {
      killLabProcesses(plan.stateDir);
      process.exit(130);
    }
    interrupted.abort();
  };
  for (const s of interrupts) process.on(s, onSignal);
  // A drill's throwaway lab: EOF on stdin means the drill is gone, however it died; the lab follows it.
  let ownerGone = false;
  const onOwnerGone = (): void => {
    ownerGone = true;
    interrupted.abort();
  };
  if (plan.throwaway) {
    process.stdin.once('end', onOwnerGone).once('close', onOwnerGone).on('error', onOwnerGone);
    process.stdin.resume();
  }
  try {
    const { signal } = interrupted;
    if (o.detach) {
      const status = await startDetached(plan, { signal });
      process.stdout.write(describe(status, readLabPassword(plan.stateDir), o.color, true));
      return 0;
    }
    const t0 = performance.now();
    const lab = await Lab.start(plan, { signal });
    const readyMs = performance.now() - t0;
    // A background lab's output goes to lab.log: the password stays in the password file (mode 600).
    const password = process.env[detachedOwnerEnv] ? undefined : lab.password;
    process.stdout.write(describe(lab.status(), password, o.color, false, readyMs));
    if (!signal.aborted) await new Promise((stop) => signal.addEventListener('abort', stop, { once: true }));
    process.stdout.write('stopping the lab...\n');
    await lab.stop();
    return 0;
  } finally {
    for (const s of interrupts) process.off(s, onSignal);
    if (plan.throwaway) process.stdin.destroy();
    if (ownerGone) rmSync(plan.stateDir, { recursive: true, force: true });
  }
}

/** `drill lab status`: exit 0 and the lab's endpoints when one runs, exit 3 when none does. */
export function labStatus(o: { stateDir: string; json?: boolean; color: boolean }): number {
  const status = requireRunning(o.stateDir);
  if (o.json) process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
  else process.stdout.write(describe(status, undefined, o.color, true));
  return 0;
}

/**
 * `drill lab down`: stops every process the state dir knows of (the lab's owner, and servers a half-started or
 * killed lab left behind) and says which; safe when none runs.
 */
export async function labDown(o: { stateDir: string }): Promise<number> {
  const dir = resolve(o.stateDir);
  const stopped = await stopLab(dir);
  if (!stopped) {
    process.stdout.write(`no lab is running from ${dir}\n`);
    return 0;
  }
  const parts = stopped.owner ? [`the lab (pid ${stopped.owner})`] : [];
  if (stopped.servers.length > 0) parts.push(describeServers(stopped.servers));
  process.stdout.write(`stopped ${parts.join(' and ')}\n`);
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
      `drill lab: Aurora MySQL${s.memorydb ? ' and MemoryDB' : ''} lab ${readyMs === undefined ? 'running' : `ready in ${formatDuration(readyMs)}`}` +
        ` (timing ${s.timing}${s.lossy ? ', lossy' : ''}; state dir ${s.stateDir})`,
    ),
    `  cluster endpoint  ${s.aurora.clusterEndpoint}:3306 -> ${writer?.address ?? '?'}`,
    `  reader endpoint   ${s.aurora.readerEndpoint}:3306`,
    `  RDS Proxy         ${s.aurora.proxyEndpoint}:3306 -> ${s.aurora.proxyAddress}`,
    ...s.aurora.instances.map(
      (i) => `  instance          ${i.id} (${i.role}) ${i.host} -> ${i.address}:3306`,
    ),
    ...auroraTlsLines(s),
    `  DNS server        ${s.dnsServer} (TTL 5 s)`,
    `  RDS and SNS API   ${s.apiEndpoint} (and Secrets Manager)`,
    ...(s.aurora.secretId ? [`  master secret     ${s.aurora.secretId} (--secret-id)`] : []),
    ...(s.aurora.iamUser
      ? [`  IAM auth user     ${s.aurora.iamUser} (--iam-auth -u ${s.aurora.iamUser}, over TLS)`]
      : []),
    `  SNS outbox        ${s.outbox} (mail and SQS deliveries, a file each)`,
    `  ground truth      ${s.groundTruthFile}`,
    ...(password
      ? []
      : [`  password          in ${labPasswordFile(s.stateDir)} (mode 600; the export line reads it)`]),
    ...memoryDbLines(s),
    '',
    style.dim(detached ? 'Point drill, the AWS SDK and the AWS CLI at it:' : 'In another terminal:'),
    ...exportLines(s, password).map((l) => `  ${l}`),
    '  drill aurora --mode simple',
    `  drill notify setup --email you@example.com --lab-state-dir ${s.stateDir}`,
    `  aws rds failover-db-cluster --db-cluster-identifier ${s.aurora.clusterId} --endpoint-url ${s.apiEndpoint}`,
    ...(s.memorydb
      ? [
          // DRILL_ENDPOINT above is Aurora's: the lab's state dir gives drill memorydb its own endpoint.
          `  drill memorydb --lab-state-dir ${s.stateDir} --trigger failover-shard --until-recovered`,
          `  aws memorydb failover-shard --cluster-name ${s.memorydb.clusterName} --shard-name 0001 --endpoint-url ${s.apiEndpoint}`,
        ]
      : []),
    '',
    style.dim(detached ? `Stop it with: drill lab down --state-dir ${s.stateDir}` : 'Ctrl+C stops the lab.'),
  ];
  return `${lines.join('\n')}\n`;
}

/** The instance fronts' TLS, and the flags a drill verifying them needs. */
function auroraTlsLines(s: LabStatus): string[] {
  const ca = s.aurora.caFile;
  if (!ca) return [];
  const plain = s.aurora.requireTls ? 'required' : 'optional';
  return [`  TLS               ${plain}; CA ${ca}: --ssl-mode verify-identity --ca ${ca}`];
}

/** The MemoryDB cluster's endpoints and nodes, for `drill lab up` and `drill lab status`. */
function memoryDbLines(s: LabStatus): string[] {
  const m = s.memorydb;
  if (!m) return [];
  const tls = m.tls ? `TLS, CA ${m.caFile}` : 'no TLS';
  return [
    `  MemoryDB cluster  ${m.clusterName}: ${m.clusterEndpoint}:${m.port} (${tls}; user ${m.user}, the lab's password)`,
    ...m.shards.flatMap((sh) =>
      sh.nodes.map(
        (n) =>
          `  node              ${n.name} (shard ${sh.name}, ${n.role}) ${n.host} -> ${n.address}:${m.port}`,
      ),
    ),
    ...(m.iamUser
      ? [
          `  IAM auth user     ${m.iamUser} (drill memorydb --lab-state-dir ${s.stateDir} --iam-auth; by hand: -e ${m.clusterEndpoint}${m.caFile ? ` --ca ${m.caFile}` : ''} -u ${m.iamUser} --iam-auth)`,
        ]
      : []),
    `  MemoryDB API      ${s.apiEndpoint} (FailoverShard: 5 calls in 24 h, counted in ${s.stateDir}/memorydb-failover-calls.json)`,
  ];
}
