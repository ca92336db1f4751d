import { readFileSync } from 'node:fs';
import { cannotStart, usageError } from '../core/errors.js';
import { planSession, positiveDuration, type SessionPlan } from '../core/session/plan.js';
import type { LabStatus } from '../lab/client.js';
import { type Endpoint, parseDnsServer, parseEndpoint } from '../net/endpoint.js';
import { type ModeName, modeNames } from './monitors/index.js';
import type { MemoryDbOptions } from './options.js';
import { type TriggerName, triggerNames } from './triggers/index.js';

/** MemoryDB's port, and the one its cluster endpoint answers on. */
export const memorydbPort = 6379;

/** A MemoryDB drill, fully validated: nothing after this can fail because of what the user typed. */
export interface MemoryDbPlan extends SessionPlan {
  /** Undefined only with --lab, until the lab has started. */
  endpoint: Endpoint | undefined;
  user: string | undefined;
  password: string | undefined;
  tls: boolean;
  /** PEM of `--ca` (the lab's CA), read once; undefined for the system's CAs. */
  ca: string | undefined;
  dnsServer: Endpoint | undefined;
  modes: ModeName[];
  intervalMs: number;
  fastIntervalMs: number;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  trigger: TriggerName | 'none';
  cluster: string | undefined;
  shard: string;
  writeCheck: boolean;
  events: boolean;
  aws: {
    region?: string;
    profile?: string;
    endpoint?: string;
    credentials?: { accessKeyId: string; secretAccessKey: string };
  };
  lab: 'fast' | 'aurora' | undefined;
  labStateDir: string | undefined;
}

export function planMemoryDb(o: MemoryDbOptions, env = process.env): MemoryDbPlan {
  if (o.labStateDir !== undefined && o.labStateDir.trim() === '') {
    throw usageError("--lab-state-dir '': give the folder the lab runs from (drill lab status shows it)");
  }
  if (o.lab && o.labTiming !== 'fast' && o.labTiming !== 'aurora') {
    throw usageError(`--lab-timing must be fast or aurora, got '${o.labTiming}'`);
  }
  if (o.lab && o.labStateDir) {
    throw usageError('--lab starts a throwaway lab; --lab-state-dir uses a running one: pick one');
  }
  const fromLab = o.lab === true || o.labStateDir !== undefined;
  if (!fromLab && !o.endpoint) {
    throw usageError(
      'missing --endpoint: the cluster endpoint to watch (-e clustercfg.<cluster>...:6379, or DRILL_ENDPOINT), or --lab',
    );
  }
  const modes = o.mode.split(',').map((m) => m.trim());
  for (const m of modes) {
    if (!(modeNames as readonly string[]).includes(m)) {
      throw usageError(`unknown mode '${m}': choose from ${modeNames.join(', ')}`);
    }
  }
  if (new Set(modes).size !== modes.length) throw usageError(`--mode ${o.mode} names a mode twice`);
  if (!(triggerNames as readonly string[]).includes(o.trigger)) {
    throw usageError(`unknown trigger '${o.trigger}': choose from ${triggerNames.join(', ')}`);
  }
  if (!/^\d{4}$/.test(o.shard)) {
    throw usageError(`--shard '${o.shard}': MemoryDB names shards 0001, 0002, ...`);
  }
  return {
    ...planSession(o, env),
    endpoint: fromLab ? undefined : parseEndpoint(o.endpoint as string, memorydbPort),
    user: o.user,
    password: o.password ?? env.DRILL_PASSWORD ?? env.REDISCLI_AUTH,
    tls: o.tls,
    ca: o.ca === undefined ? undefined : readCa(o.ca),
    dnsServer: o.dnsServer && !fromLab ? parseDnsServer(o.dnsServer) : undefined,
    modes: modes as ModeName[],
    intervalMs: positiveDuration(o.interval, '--interval'),
    fastIntervalMs: positiveDuration(o.fastInterval, '--fast-interval'),
    connectTimeoutMs: positiveDuration(o.connectTimeout, '--connect-timeout'),
    commandTimeoutMs: positiveDuration(o.commandTimeout, '--command-timeout'),
    trigger: o.trigger as TriggerName | 'none',
    cluster: o.cluster,
    shard: o.shard,
    writeCheck: o.writeCheck === true,
    events: o.events !== false,
    aws: { region: o.region, profile: o.profile },
    lab: o.lab ? (o.labTiming as 'fast' | 'aurora') : undefined,
    labStateDir: o.labStateDir,
  };
}

function readCa(path: string): string {
  try {
    const pem = readFileSync(path, 'utf8');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate in it');
    return pem;
  } catch (err) {
    throw usageError(`--ca ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Points a plan at a lab's MemoryDB cluster: its endpoint, ACL user, password, CA, DNS server and API. */
export function useLab(plan: MemoryDbPlan, status: LabStatus, password: string): void {
  const m = status.memorydb;
  if (!m) {
    throw cannotStart(
      `the lab at ${status.stateDir} has no MemoryDB cluster: start one with 'drill lab up --memorydb --detach'`,
    );
  }
  plan.endpoint = parseEndpoint(`${m.clusterEndpoint}:${m.port}`, memorydbPort);
  plan.user = m.user;
  plan.password = password;
  plan.tls = m.tls;
  plan.ca = m.caFile ? readCa(m.caFile) : undefined;
  plan.dnsServer = parseEndpoint(status.dnsServer, 53);
  plan.cluster = m.clusterName;
  plan.aws = {
    region: status.region,
    endpoint: status.apiEndpoint,
    credentials: { accessKeyId: 'lab', secretAccessKey: 'lab' },
  };
}
