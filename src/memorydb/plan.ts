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
import {
  type GivenLabValues,
  type GivenOnCommandLine,
  givenLabValues,
  refuseGivenWithThrowawayLab,
  refuseValuesUnlikeLab,
} from '../lab/given-values.js';
import { type LabChoice, planLabChoice } from '../lab/options.js';
import { type Endpoint, parseEndpoint } from '../net/endpoint.js';
import { planDns } from '../net/options.js';
import type { DnsChoice } from '../net/resolver.js';
import { endpointNames } from './endpoint-names.js';
import { type ModeName, modeNames } from './monitors/index.js';
import type { MemoryDbOptions } from './options.js';
import { type TriggerName, triggerNames } from './triggers/index.js';

/** MemoryDB's port, and the one its cluster endpoint answers on. */
export const memorydbPort = 6379;

/** A MemoryDB drill, fully validated: nothing after this can fail because of what the user typed. */
export interface MemoryDbPlan extends SessionPlan, LabChoice {
  /** Undefined only with --lab, until the lab has started. */
  endpoint: Endpoint | undefined;
  /** What the command line gave of the values a lab supplies: with --lab-state-dir they must match the lab's. */
  labGiven: GivenLabValues;
  user: string | undefined;
  password: string | undefined;
  /** --iam-auth: log in with tokens signed for the cluster's name, made as they come due. */
  iamAuth: boolean;
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

/** `given`: the options the command line gave (commander's getOptionValueSource 'cli'); all of them if unknown. */
export function planMemoryDb(
  o: MemoryDbOptions,
  env = process.env,
  given?: GivenOnCommandLine,
): MemoryDbPlan {
  const { fromLab, ...labChoice } = planLabChoice(o);
  const labGiven = givenLabValues(o, given);
  if (labChoice.lab) refuseGivenWithThrowawayLab(labGiven);
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
  const endpoint = fromLab ? undefined : parseEndpoint(o.endpoint as string, memorydbPort);
  const named = endpoint ? endpointNames(endpoint.host) : undefined;
  if (o.iamAuth) refuseIamClashes(o, endpoint, named);
  return {
    ...planSession(o, env),
    endpoint,
    labGiven,
    user: o.user,
    // A password in the environment (a lab's export lines) has no say when tokens log in.
    password: o.iamAuth ? undefined : (o.password ?? env.DRILL_PASSWORD ?? env.REDISCLI_AUTH),
    iamAuth: o.iamAuth === true,
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
    // A bastion's instance role gives credentials but no region: the endpoint's name has it.
    aws: { region: o.region ?? named?.region, profile: o.profile },
    ...labChoice,
  };
}

/**
 * --iam-auth needs TLS, a user, and the cluster's name (the token is signed for it); a password has no place. A
 * cluster or region other than the endpoint's would only make tokens MemoryDB refuses.
 */
function refuseIamClashes(
  o: MemoryDbOptions,
  endpoint: Endpoint | undefined,
  named: { cluster: string; region: string } | undefined,
): void {
  if (o.password !== undefined) {
    throw usageError('-p gives a password, which --iam-auth replaces with tokens: leave -p out');
  }
  if (o.tls === false) {
    throw usageError(
      '--iam-auth sends its token over TLS only (MemoryDB takes IAM logins over TLS): leave out --no-tls',
    );
  }
  if (endpoint && !o.user) {
    throw usageError('--iam-auth logs in as a MemoryDB user with IAM authentication: name it with -u');
  }
  if (endpoint && !o.cluster && !named) {
    throw usageError(
      `--iam-auth signs its token for the cluster's name, which ${endpoint.host} does not give: name it with --cluster`,
    );
  }
  if (named && o.cluster && o.cluster !== named.cluster) {
    throw usageError(
      `--iam-auth: --cluster ${o.cluster}, but the endpoint is cluster ${named.cluster}'s: a token signed for ${o.cluster} would be refused`,
    );
  }
  if (named && o.region && o.region !== named.region) {
    throw usageError(
      `--iam-auth: the region is ${o.region} (--region or AWS_REGION), but the endpoint is in ${named.region}: a token signed there would be refused`,
    );
  }
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
  const endpoint = `${m.clusterEndpoint}:${m.port}`;
  // --iam-auth logs in as the lab's IAM user, with tokens; otherwise as its ACL user, with the password.
  const user = plan.iamAuth && m.iamUser ? m.iamUser : m.user;
  if (plan.labStateDir) {
    const g = plan.labGiven;
    refuseValuesUnlikeLab(
      [
        {
          option: '--endpoint',
          given: g.endpoint,
          lab: endpoint,
          kind: 'endpoint',
          defaultPort: memorydbPort,
        },
        { option: '--user', given: g.user, lab: user },
        { option: '--password', given: g.password, lab: password, kind: 'secret' },
        { option: '--cluster', given: g.cluster, lab: m.clusterName, kind: 'id' },
        {
          option: '--dns-server',
          given: g.dnsServer,
          lab: status.dnsServer,
          kind: 'endpoint',
          defaultPort: 53,
        },
      ],
      status.stateDir,
    );
  }
  plan.endpoint = parseEndpoint(endpoint, memorydbPort);
  plan.user = user;
  plan.password = plan.iamAuth ? undefined : password;
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
