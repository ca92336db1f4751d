import { readFileSync } from 'node:fs';
import { cannotStart, usageError } from '../core/errors.js';
import type { LoadShape } from '../core/load/messages.js';
import { planLoad } from '../core/load/plan.js';
import {
  parseModes,
  parseTrigger,
  planSession,
  positiveDuration,
  type SessionPlan,
} from '../core/session/plan.js';
import type { LabStatus } from '../lab/client.js';
import { type LabChoice, planLabChoice } from '../lab/options.js';
import { type Endpoint, parseEndpoint } from '../net/endpoint.js';
import { planDns } from '../net/options.js';
import type { DnsChoice } from '../net/resolver.js';
import { type ModeName, modeNames } from './monitors/index.js';
import type { MemoryDbOptions } from './options.js';
import { type TriggerName, triggerNames } from './triggers/index.js';

/** MemoryDB's port, and the one its cluster endpoint answers on. */
export const memorydbPort = 6379;

/** A MemoryDB drill, fully validated: nothing after this can fail because of what the user typed. */
export interface MemoryDbPlan extends SessionPlan, LabChoice {
  /** Undefined only with --lab, until the lab has started. */
  endpoint: Endpoint | undefined;
  user: string | undefined;
  password: string | undefined;
  tls: boolean;
  /** PEM of `--ca` (the lab's CA), read once; undefined for the system's CAs. */
  ca: string | undefined;
  dns: DnsChoice;
  modes: ModeName[];
  intervalMs: number;
  fastIntervalMs: number;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  trigger: TriggerName | 'none';
  cluster: string | undefined;
  shard: string;
  writeCheck: boolean;
  /** `--load N`: application clients doing GET/SET across every shard. */
  load: LoadShape | undefined;
  events: boolean;
  aws: {
    region?: string;
    profile?: string;
    endpoint?: string;
    credentials?: { accessKeyId: string; secretAccessKey: string };
  };
}

export function planMemoryDb(o: MemoryDbOptions, env = process.env): MemoryDbPlan {
  const { fromLab, ...labChoice } = planLabChoice(o);
  if (!fromLab && !o.endpoint) {
    throw usageError(
      'missing --endpoint: the cluster endpoint to watch (-e clustercfg.<cluster>...:6379, or DRILL_ENDPOINT), or --lab',
    );
  }
  const modes = parseModes(o.mode, modeNames);
  const trigger = parseTrigger(o.trigger, triggerNames);
  if (!/^\d{4}$/.test(o.shard)) {
    throw usageError(`--shard '${o.shard}': MemoryDB names shards 0001, 0002, ...`);
  }
  if (o.shard !== '0001' && trigger === 'none') {
    throw usageError(
      `--shard names the shard FailoverShard fails over: it has no effect with --trigger none`,
    );
  }
  return {
    ...planSession(o, env),
    endpoint: fromLab ? undefined : parseEndpoint(o.endpoint as string, memorydbPort),
    user: o.user,
    password: o.password ?? env.DRILL_PASSWORD ?? env.REDISCLI_AUTH,
    tls: o.tls,
    ca: o.ca === undefined ? undefined : readCa(o.ca),
    dns: planDns(o, fromLab),
    modes,
    intervalMs: positiveDuration(o.interval, '--interval'),
    fastIntervalMs: positiveDuration(o.fastInterval, '--fast-interval'),
    connectTimeoutMs: positiveDuration(o.connectTimeout, '--connect-timeout'),
    commandTimeoutMs: positiveDuration(o.commandTimeout, '--command-timeout'),
    trigger,
    cluster: o.cluster,
    shard: o.shard,
    writeCheck: o.writeCheck === true,
    load: planLoad(o),
    events: o.events !== false,
    aws: { region: o.region, profile: o.profile },
    ...labChoice,
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
  plan.dns.server = parseEndpoint(status.dnsServer, 53);
  plan.cluster = m.clusterName;
  plan.aws = {
    region: status.region,
    endpoint: status.apiEndpoint,
    credentials: { accessKeyId: 'lab', secretAccessKey: 'lab' },
  };
}
