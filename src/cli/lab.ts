import { resolve } from 'node:path';
import { formatDuration, parseDuration } from '../core/duration.js';
import { usageError } from '../core/errors.js';
import { parseWhole } from '../core/numbers.js';
import { styleFor } from '../core/report/style.js';
import {
  type LabOptions,
  type LabStatus,
  readLabPassword,
  requireRunning,
  startDetached,
  stopLab,
} from '../lab/client.js';
import { exportLines, Lab } from '../lab/lab.js';

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
  memorydb?: boolean;
  shards: string;
  replicas: string;
  tls: boolean;
  memorydbFirstAddress: string;
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

/** `drill lab status`: exit 0 and the lab's endpoints when one runs, exit 3 when none does. */
export function labStatus(o: { stateDir: string; json?: boolean; color: boolean }): number {
  const status = requireRunning(o.stateDir);
  if (o.json) process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
  else process.stdout.write(describe(status, undefined, o.color, true));
  return 0;
}

/** `drill lab down`: stops the lab's owner process, and any server it left behind; safe when none runs. */
export async function labDown(o: { stateDir: string }): Promise<number> {
  const dir = resolve(o.stateDir);
  const stopped = await stopLab(dir);
  process.stdout.write(stopped ? `lab stopped (state dir ${dir})\n` : `no lab is running from ${dir}\n`);
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
    ...memoryDbLines(s),
    '',
    style.dim(detached ? 'Point drill, the AWS SDK and the AWS CLI at it:' : 'In another terminal:'),
    ...exportLines(s, password).map((l) => `  ${l}`),
    '  drill aurora --mode simple',
    `  drill notify setup --email you@example.com --lab-state-dir ${s.stateDir}`,
    `  aws rds failover-db-cluster --db-cluster-identifier ${s.aurora.clusterId} --endpoint-url ${s.apiEndpoint}`,
    ...(s.memorydb
      ? [
          `  aws memorydb failover-shard --cluster-name ${s.memorydb.clusterName} --shard-name 0001 --endpoint-url ${s.apiEndpoint}`,
        ]
      : []),
    '',
    style.dim(detached ? `Stop it with: drill lab down --state-dir ${s.stateDir}` : 'Ctrl+C stops the lab.'),
  ];
  return `${lines.join('\n')}\n`;
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
    `  MemoryDB API      ${s.apiEndpoint} (FailoverShard: 5 calls in 24 h, counted in ${s.stateDir}/memorydb-failover-calls.json)`,
  ];
}
