import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { quote, usageError } from '../core/errors.js';
import type { LoadShape } from '../core/load/messages.js';
import { planLoad } from '../core/load/plan.js';
import { parseWhole } from '../core/numbers.js';
import type { LoginKind } from '../core/report/renderer.js';
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
import { checkModeEndpoints } from './monitors/endpoints.js';
import { type ModeName, modeNames } from './monitors/index.js';
import type { AuroraOptions } from './options.js';
import { type SslMode, sslModes, type TlsChoice } from './tls.js';
import { type TriggerName, triggerNames } from './triggers/index.js';

/** A drill, fully validated: nothing after this can fail because of what the user typed. */
export interface AuroraPlan extends SessionPlan, LabChoice {
  /** Undefined only with --lab, until the lab has started. */
  endpoint: Endpoint | undefined;
  /** What the command line gave of the values a lab supplies: with --lab-state-dir they must match the lab's. */
  labGiven: GivenLabValues;
  user: string;
  password: string | undefined;
  /** --iam-auth: log in with IAM tokens instead of a password. */
  iamAuth: boolean;
  /** --secret-id: the Secrets Manager secret the user and password are read from at the start. */
  secretId: string | undefined;
  /** --ssl-mode and --ca: how every connection of the drill uses TLS. */
  tls: TlsChoice;
  /** How names are resolved: a DNS server (e.g. the lab's) or the system's, and the cache. */
  dns: DnsChoice;
  modes: ModeName[];
  instancePattern: string | undefined;
  proxyEndpoint: Endpoint | undefined;
  sweepIntervalMs: number;
  intervalMs: number;
  connectTimeoutMs: number;
  queryTimeoutMs: number;
  trigger: TriggerName | 'none';
  cluster: string | undefined;
  target: string | undefined;
  forceFailover: boolean;
  aws: {
    region?: string;
    profile?: string;
    endpoint?: string;
    credentials?: { accessKeyId: string; secretAccessKey: string };
  };
  /** Follow RDS DescribeEvents when the cluster is known. */
  events: boolean;
  writeCheck: { schema: string; intervalMs: number; cleanup: boolean } | undefined;
  writeSchema: string;
  poolSize: number;
  ddl: { rows: number } | undefined;
  load: LoadShape | undefined;
  /** --notifications: a listener subscribed to the failover topic for the drill's duration. */
  notifications: { topic: string; listen: Endpoint; url: string | undefined } | undefined;
  /** --cleanup: drop what the drill created (ledger schema, load table). */
  cleanup: boolean;
}

/** `given`: the options the command line gave (commander's getOptionValueSource 'cli'); all of them if unknown. */
export function planAurora(o: AuroraOptions, env = process.env, given?: GivenOnCommandLine): AuroraPlan {
  const { fromLab, ...labChoice } = planLabChoice(o);
  const labGiven = givenLabValues(o, given);
  if (labChoice.lab) refuseGivenWithThrowawayLab(labGiven);
  if (!fromLab && !o.endpoint) {
    throw usageError(
      'missing --endpoint: the cluster endpoint to watch (-e HOST[:PORT], or DRILL_ENDPOINT), or --lab',
    );
  }
  const endpoint = fromLab ? undefined : parseEndpoint(o.endpoint as string);
  if (!fromLab && !o.user && !o.secretId)
    throw usageError('missing --user: the database user to connect as (-u NAME, or DRILL_USER)');
  refuseLoginClashes(o);
  const modes = parseModes(o.mode, modeNames);
  const trigger = parseTrigger(o.trigger, triggerNames);
  if (o.target && o.trigger !== 'failover') {
    throw usageError(
      `--target names the reader a failover promotes: it has no effect with --trigger ${o.trigger}`,
    );
  }
  if (o.ddl && o.trigger === 'none') {
    throw usageError('--ddl runs its ALTER TABLE through a fault: give it a --trigger');
  }
  if (o.forceFailover && o.trigger !== 'reboot') {
    throw usageError(
      `--force-failover makes a reboot fail over: it has no effect with --trigger ${o.trigger}`,
    );
  }
  refuseOrphans(o);
  if (endpoint) checkModeEndpoints(modes, endpoint, o.instancePattern);
  const positive = positiveDuration;
  return {
    ...planSession(o, env),
    endpoint,
    labGiven,
    user: o.user ?? 'admin',
    password: o.password ?? env.DRILL_PASSWORD ?? env.MYSQL_PWD,
    iamAuth: o.iamAuth === true,
    secretId: o.secretId,
    tls: planTls(o),
    dns: planDns(o, fromLab),
    modes,
    instancePattern: o.instancePattern === undefined ? undefined : validPattern(o.instancePattern),
    proxyEndpoint: o.proxyEndpoint ? parseEndpoint(o.proxyEndpoint) : undefined,
    sweepIntervalMs: positive(o.sweepInterval, '--sweep-interval'),
    intervalMs: positive(o.interval, '--interval'),
    connectTimeoutMs: positive(o.connectTimeout, '--connect-timeout'),
    queryTimeoutMs: positive(o.queryTimeout, '--query-timeout'),
    trigger,
    cluster: o.cluster,
    target: o.target,
    forceFailover: o.forceFailover === true,
    aws: { region: o.region, profile: o.profile },
    events: o.events !== false,
    writeSchema: validSchema(o.writeSchema),
    poolSize: parseWhole(o.poolSize, '--pool-size', 1, 100),
    ddl: o.ddl ? { rows: parseWhole(o.ddlRows, '--ddl-rows', 1000, 100_000_000) } : undefined,
    load: planLoad(o),
    notifications: o.notifications
      ? {
          topic: o.topic,
          // Port 0 (any free port) is a listener's default, not an endpoint's.
          listen: parseEndpoint(o.notificationsListen.replace(/:0$/, ''), 0),
          url: o.notificationsUrl,
        }
      : undefined,
    cleanup: o.cleanup === true,
    writeCheck: o.writeCheck
      ? {
          schema: validSchema(o.writeSchema),
          intervalMs: o.writeInterval
            ? positive(o.writeInterval, '--write-interval')
            : positive(o.interval, '--interval'),
          cleanup: o.cleanup === true,
        }
      : undefined,
    ...labChoice,
  };
}

/** `--ssl-mode` and `--ca`: the CA file is read now, so a wrong path stops the drill before anything starts. */
function planTls(o: AuroraOptions): TlsChoice {
  // IAM tokens go over TLS only, as RDS demands: TLS unless the user says how.
  const mode = o.sslMode ?? (o.ca ? 'verify-ca' : o.iamAuth ? 'required' : 'disabled');
  if (!(sslModes as readonly string[]).includes(mode)) {
    throw usageError(`--ssl-mode ${quote(mode)}: use one of ${sslModes.join(', ')}`);
  }
  if (o.iamAuth && (mode === 'disabled' || mode === 'preferred')) {
    throw usageError(
      `--iam-auth sends its token over TLS only: use --ssl-mode required, verify-ca or verify-identity, not ${mode}`,
    );
  }
  const verifies = mode === 'verify-ca' || mode === 'verify-identity';
  if (o.ca === undefined) return { mode: mode as SslMode, ca: undefined };
  if (!verifies) {
    throw usageError(
      `--ca checks the server's certificate: it has no effect with --ssl-mode ${mode} (use verify-ca or verify-identity)`,
    );
  }
  let ca: string;
  try {
    ca = readFileSync(o.ca, 'utf8');
  } catch (err) {
    throw usageError(
      `--ca ${quote(o.ca)}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  try {
    new X509Certificate(ca);
  } catch {
    throw usageError(
      `--ca ${quote(o.ca)} holds no PEM certificate: give the CA bundle (e.g. global-bundle.pem from AWS)`,
    );
  }
  return { mode: mode as SslMode, ca };
}

/** The three ways to log in are one at a time: a password, an IAM token, or a Secrets Manager secret. */
function refuseLoginClashes(o: AuroraOptions): void {
  if (o.iamAuth && o.secretId) {
    throw usageError('--iam-auth logs in with a token, --secret-id with a stored password: pick one');
  }
  if (o.password !== undefined && (o.iamAuth || o.secretId)) {
    throw usageError(
      `-p gives a password, which ${o.iamAuth ? '--iam-auth' : '--secret-id'} replaces: leave -p out`,
    );
  }
}

/** Options that only mean something beside another one: given alone, they would be silently ignored. */
function refuseOrphans(o: AuroraOptions): void {
  const given = (value: string | undefined, fallback?: string) => value !== undefined && value !== fallback;
  const orphans: [boolean, string][] = [
    [
      given(o.writeInterval) && !o.writeCheck,
      '--write-interval paces the --write-check ledger: give --write-check',
    ],
    [given(o.ddlRows, '200000') && !o.ddl, '--ddl-rows sizes the --ddl table: give --ddl'],
    [
      given(o.notificationsUrl) && !o.notifications,
      '--notifications-url is where --notifications listens: give --notifications',
    ],
  ];
  for (const [orphan, message] of orphans) if (orphan) throw usageError(message);
}

/** `--instance-pattern`: one '?' for the instance id, in a host name (`?.abc123xyz789.us-east-1.rds.amazonaws.com`). */
function validPattern(text: string): string {
  const ok = text.split('?').length === 2 && /^[a-z0-9?_-]+(\.[a-z0-9_-]+)+\.?$/i.test(text);
  if (!ok) {
    throw usageError(
      `--instance-pattern '${text}': use one '?' for the instance id in a host name, e.g. '?.abc123xyz789.us-east-1.rds.amazonaws.com'`,
    );
  }
  return text;
}

function validSchema(name: string): string {
  if (!/^[A-Za-z0-9_$]{1,64}$/.test(name)) {
    throw usageError(`--write-schema '${name}': use 1-64 letters, digits, _ or $`);
  }
  return name;
}

/** How the drill logs in, as its report and its access-denied hints say it. */
export function loginOf(plan: Pick<AuroraPlan, 'secretId' | 'iamAuth' | 'password'>): LoginKind {
  if (plan.secretId) return 'secret';
  if (plan.iamAuth) return 'iam';
  return plan.password === undefined ? 'none' : 'password';
}

/** Points a plan at a lab: its endpoints, master user and password, DNS server and RDS API. */
export function useLab(plan: AuroraPlan, status: LabStatus, password: string): void {
  // --iam-auth logs in as the lab's IAM user, with tokens; otherwise as the master user, with its password.
  const user = plan.iamAuth && status.aurora.iamUser ? status.aurora.iamUser : status.aurora.user;
  if (plan.labStateDir) {
    const g = plan.labGiven;
    refuseValuesUnlikeLab(
      [
        { option: '--endpoint', given: g.endpoint, lab: status.aurora.clusterEndpoint, kind: 'endpoint' },
        { option: '--user', given: g.user, lab: user },
        { option: '--password', given: g.password, lab: password, kind: 'secret' },
        { option: '--cluster', given: g.cluster, lab: status.aurora.clusterId, kind: 'id' },
        {
          option: '--proxy-endpoint',
          given: g.proxyEndpoint,
          lab: status.aurora.proxyEndpoint,
          kind: 'endpoint',
        },
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
  plan.endpoint = parseEndpoint(status.aurora.clusterEndpoint);
  plan.user = user;
  plan.password = password;
  plan.dns.server = parseEndpoint(status.dnsServer, 53);
  plan.cluster = status.aurora.clusterId;
  plan.proxyEndpoint = parseEndpoint(status.aurora.proxyEndpoint);
  // A lab's certificates are signed by its own CA: trust it when the drill verifies and was given no other.
  const caFile = status.aurora.caFile;
  if (caFile && plan.tls.ca === undefined && plan.tls.mode.startsWith('verify-')) {
    plan.tls.ca = readFileSync(caFile, 'utf8');
  }
  plan.aws = {
    region: status.region,
    endpoint: status.apiEndpoint,
    credentials: { accessKeyId: 'lab', secretAccessKey: 'lab' },
  };
}
