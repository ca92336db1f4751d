import { accessSync, constants, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Endpoint, parseEndpoint } from '../aurora/endpoint.js';
import type { Resolver } from '../aurora/resolver.js';
import { analyze, type DrillAnalysis } from '../core/analysis.js';
import type { Clock } from '../core/clock.js';
import { monotonicClock } from '../core/clock.js';
import { runDrill, type ScheduledTrigger, type StopRules } from '../core/drill.js';
import { formatDuration, parseDuration } from '../core/duration.js';
import { ExitCode, usageError } from '../core/errors.js';
import { History } from '../core/history.js';
import type { ProbeOutcome, ScheduledMonitor } from '../core/monitor.js';
import { summarizeRuns } from '../core/repeats.js';
import { buildReport, buildRun, type RunReport } from '../core/report/json.js';
import { LiveView } from '../core/report/live.js';
import { styleFor } from '../core/report/style.js';
import { renderRepeats, renderSummary } from '../core/report/summary.js';
import { pause } from '../core/scheduler.js';
import { addSecret, redactText } from '../core/secrets.js';
import { verdict } from '../core/verdict.js';
import type { LabStatus } from '../lab/client.js';
import { isLoopbackHost, parseHttpsEndpoint } from '../notify/inputs.js';
import { parseWhole } from './numbers.js';
import { promptHidden, promptLine } from './prompt.js';
import { knownModes, type Mode, tool } from './tool.js';

/** The options commander hands over, as typed strings. */
export interface AuroraOptions {
  endpoint?: string;
  user?: string;
  password?: string;
  dnsServer?: string;
  mode: string;
  instancePattern?: string;
  proxyEndpoint?: string;
  sweepInterval: string;
  interval: string;
  connectTimeout: string;
  queryTimeout: string;
  duration?: string;
  untilRecovered?: boolean;
  settle: string;
  timeout: string;
  maxDowntime?: string;
  trigger: string;
  at: string;
  cluster?: string;
  target?: string;
  forceFailover?: boolean;
  baseline: string;
  repeat: string;
  cooldown: string;
  region?: string;
  profile?: string;
  yes?: boolean;
  dryRun?: boolean;
  lab?: boolean;
  labTiming: string;
  labStateDir?: string;
  events: boolean;
  writeCheck?: boolean;
  writeSchema: string;
  poolSize: string;
  ddl?: boolean;
  ddlRows: string;
  writeInterval?: string;
  load?: string;
  loadMix: string;
  loadRate?: string;
  notifications?: boolean;
  topic: string;
  notificationsListen: string;
  notificationsUrl?: string;
  cleanup?: boolean;
  json?: boolean;
  report?: string;
  history?: string;
  color: boolean;
}

export const triggers = ['none', 'failover', 'reboot', 'crash', 'crash-dispatcher', 'crash-node'] as const;
export type TriggerName = (typeof triggers)[number];

/** A drill, fully validated: nothing after this can fail because of what the user typed. */
export interface AuroraPlan {
  /** Undefined only with --lab, until the lab has started. */
  endpoint: Endpoint | undefined;
  user: string;
  password: string | undefined;
  /** A DNS server to resolve with (e.g. the lab's); undefined for the system resolver. */
  dnsServer: Endpoint | undefined;
  modes: Mode[];
  instancePattern: string | undefined;
  proxyEndpoint: Endpoint | undefined;
  sweepIntervalMs: number;
  intervalMs: number;
  connectTimeoutMs: number;
  queryTimeoutMs: number;
  rules: StopRules;
  maxDowntimeMs: number | undefined;
  trigger: TriggerName;
  atMs: number;
  cluster: string | undefined;
  target: string | undefined;
  forceFailover: boolean;
  baselineMs: number;
  repeat: number;
  cooldownMs: number;
  aws: {
    region?: string;
    profile?: string;
    endpoint?: string;
    credentials?: { accessKeyId: string; secretAccessKey: string };
  };
  yes: boolean;
  /** DRILL_CONFIRM=always: ask before a destructive trigger even against a lab (a runbook rehearsal). */
  confirmAlways: boolean;
  dryRun: boolean;
  /** Follow RDS DescribeEvents when the cluster is known. */
  events: boolean;
  writeCheck: { schema: string; intervalMs: number; cleanup: boolean } | undefined;
  writeSchema: string;
  poolSize: number;
  ddl: { rows: number } | undefined;
  load: { workers: number; mix: { read: number; write: number }; rateLimit: number | null } | undefined;
  /** --notifications: a listener subscribed to the failover topic for the drill's duration. */
  notifications: { topic: string; listen: Endpoint; url: string | undefined } | undefined;
  /** --cleanup: drop what the drill created (ledger schema, load table). */
  cleanup: boolean;
  lab: 'fast' | 'aurora' | undefined;
  labStateDir: string | undefined;
  json: boolean;
  reportFile: string | undefined;
  historyFile: string | undefined;
  color: boolean;
}

export function planAurora(o: AuroraOptions, env = process.env): AuroraPlan {
  if (o.lab && o.labTiming !== 'fast' && o.labTiming !== 'aurora') {
    throw usageError(`--lab-timing must be fast or aurora, got '${o.labTiming}'`);
  }
  if (o.lab && o.labStateDir)
    throw usageError('--lab starts a throwaway lab; --lab-state-dir uses a running one: pick one');
  if (!o.lab && !o.labStateDir && !o.endpoint) {
    throw usageError(
      'missing --endpoint: the cluster endpoint to watch (-e HOST[:PORT], or DRILL_ENDPOINT), or --lab',
    );
  }
  const fromLab = o.lab === true || o.labStateDir !== undefined;
  const endpoint = fromLab ? undefined : parseEndpoint(o.endpoint as string);
  if (!fromLab && !o.user)
    throw usageError('missing --user: the database user to connect as (-u NAME, or DRILL_USER)');
  const modes = o.mode.split(',').map((m) => m.trim());
  for (const m of modes) {
    if (!(knownModes as readonly string[]).includes(m)) {
      throw usageError(`unknown mode '${m}': choose from ${knownModes.join(', ')}`);
    }
  }
  if (new Set(modes).size !== modes.length) throw usageError(`--mode ${o.mode} names a mode twice`);
  if (!(triggers as readonly string[]).includes(o.trigger)) {
    throw usageError(`unknown trigger '${o.trigger}': choose from ${triggers.join(', ')}`);
  }
  const positive = (text: string, flag: string): number => {
    const ms = parseDuration(text, flag);
    if (ms <= 0) throw usageError(`${flag} must be longer than 0, got '${text}'`);
    return ms;
  };
  return {
    endpoint,
    user: o.user ?? 'admin',
    password: o.password ?? env.DRILL_PASSWORD ?? env.MYSQL_PWD,
    dnsServer: o.dnsServer && !fromLab ? parseEndpoint(o.dnsServer, 53) : undefined,
    modes: modes as Mode[],
    instancePattern: o.instancePattern,
    proxyEndpoint: o.proxyEndpoint ? parseEndpoint(o.proxyEndpoint) : undefined,
    sweepIntervalMs: positive(o.sweepInterval, '--sweep-interval'),
    intervalMs: positive(o.interval, '--interval'),
    connectTimeoutMs: positive(o.connectTimeout, '--connect-timeout'),
    queryTimeoutMs: positive(o.queryTimeout, '--query-timeout'),
    rules: {
      durationMs: o.duration === undefined ? undefined : positive(o.duration, '--duration'),
      untilRecovered: o.untilRecovered === true,
      settleMs: parseDuration(o.settle, '--settle'),
      timeoutMs: positive(o.timeout, '--timeout'),
    },
    maxDowntimeMs: o.maxDowntime === undefined ? undefined : parseDuration(o.maxDowntime, '--max-downtime'),
    trigger: o.trigger as TriggerName,
    atMs: parseDuration(o.at, '--at'),
    cluster: o.cluster,
    target: o.target,
    forceFailover: o.forceFailover === true,
    baselineMs: parseDuration(o.baseline, '--baseline'),
    repeat: parseWhole(o.repeat, '--repeat', 1, 100),
    cooldownMs: parseDuration(o.cooldown, '--cooldown'),
    aws: { region: o.region, profile: o.profile },
    yes: o.yes === true,
    confirmAlways: confirmAlways(env.DRILL_CONFIRM),
    dryRun: o.dryRun === true,
    events: o.events !== false,
    writeSchema: validSchema(o.writeSchema),
    poolSize: parseWhole(o.poolSize, '--pool-size', 1, 100),
    ddl: o.ddl ? { rows: parseWhole(o.ddlRows, '--ddl-rows', 1000, 100_000_000) } : undefined,
    load:
      o.load === undefined
        ? undefined
        : {
            workers: parseWhole(o.load, '--load', 1, 256),
            mix: parseMix(o.loadMix),
            rateLimit: o.loadRate === undefined ? null : parseWhole(o.loadRate, '--load-rate', 1, 1_000_000),
          },
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
    lab: o.lab ? (o.labTiming as 'fast' | 'aurora') : undefined,
    labStateDir: o.labStateDir,
    json: o.json === true,
    reportFile: o.report === undefined ? undefined : writableFile(o.report, '--report'),
    historyFile: o.history === undefined ? undefined : writableFile(o.history, '--history'),
    color: o.color,
  };
}

function confirmAlways(value: string | undefined): boolean {
  if (value === undefined || value === '') return false;
  if (value !== 'always') throw usageError(`DRILL_CONFIRM must be 'always' or unset, got '${value}'`);
  return true;
}

/** `--load-mix read=80,write=20`: relative weights, either may be 0 but not both. */
function parseMix(text: string): { read: number; write: number } {
  const mix = { read: 0, write: 0 };
  for (const part of text.split(',')) {
    const [key, value] = part.split('=').map((x) => x.trim());
    if ((key !== 'read' && key !== 'write') || value === undefined || !/^\d{1,6}$/.test(value)) {
      throw usageError(
        `--load-mix '${text}': use read=W,write=W with whole-number weights, e.g. read=80,write=20`,
      );
    }
    mix[key] = Number(value);
  }
  if (mix.read + mix.write === 0) throw usageError(`--load-mix '${text}': the weights add up to 0`);
  return mix;
}

function validSchema(name: string): string {
  if (!/^[A-Za-z0-9_$]{1,64}$/.test(name)) {
    throw usageError(`--write-schema '${name}': use 1-64 letters, digits, _ or $`);
  }
  return name;
}

function writableFile(path: string, flag: string): string {
  const full = resolve(path);
  try {
    accessSync(dirname(full), constants.W_OK);
  } catch {
    throw usageError(`${flag} ${path}: folder ${dirname(full)} does not exist or is not writable`);
  }
  return full;
}

/** `drill aurora`: options -> plan -> (lab) -> preflight -> drill -> summary and report. Returns the exit code. */
export async function runAurora(options: AuroraOptions): Promise<number> {
  const plan = planAurora(options);
  if (plan.labStateDir) {
    const { runningLab } = await import('../lab/client.js');
    const lab = runningLab(plan.labStateDir);
    useLab(plan, lab.status, lab.password);
    return plan.dryRun ? printDryRun(plan) : drillAll(plan, lab.status.groundTruthFile);
  }
  if (plan.dryRun) return printDryRun(plan);
  if (!plan.lab) return drillAll(plan);
  const { startEphemeralLab } = await import('../lab/client.js');
  const lab = await startEphemeralLab(plan.lab);
  try {
    useLab(plan, lab.status, lab.password);
    return await drillAll(plan, lab.status.groundTruthFile);
  } finally {
    await lab.stop();
  }
}

/**
 * `--repeat N`: N drills in a row with `--cooldown` between (each failover moves the writer, so they alternate),
 * one report holding every run and the spread of each figure. Ctrl+C ends the current run and the series.
 */
async function drillAll(plan: AuroraPlan, labGroundTruth?: string): Promise<number> {
  const endpoint = plan.endpoint as Endpoint;
  checkNotificationsReach(plan);
  if (plan.password === undefined && process.stdin.isTTY && process.stderr.isTTY) {
    plan.password = await promptHidden(`Password for ${plan.user}@${endpoint.text}: `);
  }
  addSecret(plan.password);
  const groundTruthFile =
    labGroundTruth ?? (await import('../lab/client.js')).labServing(endpoint.host)?.groundTruthFile;
  const interrupt = new AbortController();
  const onSignal = (): void => {
    if (interrupt.signal.aborted) process.exit(130); // a second Ctrl+C: leave now
    interrupt.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const human = plan.json ? process.stderr : process.stdout;
  const style = styleFor(human, plan.color);
  const startedAt = new Date().toISOString();
  const done: DrillRun[] = [];
  try {
    for (let i = 0; i < plan.repeat && !interrupt.signal.aborted; i++) {
      if (i > 0) {
        human.write(
          style.dim(
            `\ncooling down ${formatDuration(plan.cooldownMs)} before run ${i + 1} of ${plan.repeat}\n`,
          ),
        );
        await pause(plan.cooldownMs, interrupt.signal);
        if (interrupt.signal.aborted) break;
      }
      if (plan.repeat > 1) human.write(style.bold(`\nrun ${i + 1} of ${plan.repeat}\n`));
      done.push(await drill(plan, interrupt.signal, groundTruthFile, i));
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const repeats = plan.repeat > 1 ? summarizeRuns(done.map((d) => d.analysis)) : null;
  if (repeats)
    human.write(
      renderRepeats(
        done.map((d) => d.analysis),
        repeats,
        style,
      ),
    );
  const interrupted = interrupt.signal.aborted;
  const exitCode = interrupted ? ExitCode.interrupted : Math.max(...done.map((d) => d.exitCode));
  const report = buildReport(
    tool,
    startedAt,
    exitCode,
    done.map((d) => d.run),
    repeats,
  );
  const text = `${redactText(JSON.stringify(report, null, 2))}\n`;
  if (plan.json) process.stdout.write(text);
  if (plan.reportFile) writeFileSync(plan.reportFile, text);
  return exitCode;
}

interface DrillRun {
  exitCode: number;
  analysis: DrillAnalysis;
  run: RunReport;
}

/** Points a plan at a lab: its endpoints, master user and password, DNS server and RDS API. */
function useLab(plan: AuroraPlan, status: LabStatus, password: string): void {
  plan.endpoint = parseEndpoint(status.aurora.clusterEndpoint);
  plan.user = status.aurora.user;
  plan.password = password;
  plan.dnsServer = parseEndpoint(status.dnsServer, 53);
  plan.cluster = status.aurora.clusterId;
  plan.proxyEndpoint = parseEndpoint(status.aurora.proxyEndpoint);
  plan.aws = {
    region: status.region,
    endpoint: status.apiEndpoint,
    credentials: { accessKeyId: 'lab', secretAccessKey: 'lab' },
  };
}

/** One drill: preflight, monitors and trigger until a stop rule, then its summary. */
async function drill(
  plan: AuroraPlan,
  interrupt: AbortSignal,
  groundTruthFile: string | undefined,
  index: number,
): Promise<DrillRun> {
  const endpoint = plan.endpoint as Endpoint;

  const human = plan.json ? process.stderr : process.stdout;
  const tty = (human as NodeJS.WriteStream).isTTY === true;
  const style = styleFor(human, plan.color);
  const clock = monotonicClock();
  const startedAt = new Date(clock.originWallMs).toISOString();
  const history = new History(clock);
  if (plan.historyFile) history.streamTo(plan.historyFile, index > 0);
  if (index > 0) history.note(`run ${index + 1} of ${plan.repeat}`);
  const live = new LiveView(human, style, tty);
  history.subscribe(live.onRecord);

  const [{ systemResolver, dnsServerResolver }, { startFailure }] = await Promise.all([
    import('../aurora/resolver.js'),
    import('../aurora/preflight.js'),
  ]);
  const resolver = plan.dnsServer
    ? dnsServerResolver(plan.dnsServer.host, plan.dnsServer.port)
    : systemResolver;
  const credentials = { user: plan.user, password: plan.password };
  const timeouts = { connectTimeoutMs: plan.connectTimeoutMs, queryTimeoutMs: plan.queryTimeoutMs };
  const monitors = await buildMonitors(plan, history, clock, resolver, credentials, timeouts);

  human.write(
    style.bold(`drill aurora · ${plan.modes.join(', ')} · ${endpoint.text} as ${plan.user}`) +
      style.dim(
        ` · probe every ${formatDuration(plan.intervalMs)}` +
          (plan.trigger !== 'none' ? ` · ${plan.trigger} at +${formatDuration(plan.atMs)}` : '') +
          ' · Ctrl+C ends with a summary\n',
      ),
  );
  // Monitors that only read are probed first; the trigger is checked and confirmed next, so that nothing is
  // created in the database (pool heartbeat, write ledger) before the user has said yes.
  const firstProbe = async (m: Built): Promise<ProbeOutcome> => {
    const outcome = await m.monitor.probe(AbortSignal.timeout(m.monitor.deadlineMs));
    const failure = startFailure(m.endpoint, plan.user, outcome, m.monitor.mode);
    if (failure) {
      history.close();
      throw failure;
    }
    return outcome;
  };
  const writing = (m: Built) => m.monitor.mode === 'pool' || m.monitor.mode === 'writes';
  let first: ProbeOutcome | undefined;
  for (const m of monitors.filter((x) => !writing(x))) first ??= await firstProbe(m);
  const aws = await connectCluster(plan, endpoint);
  const address = first?.address ?? (await resolver.lookup(endpoint.host).catch(() => undefined));
  const scheduled = await prepareTrigger(
    history,
    plan,
    aws,
    endpoint,
    resolver,
    address,
    credentials,
    timeouts,
  );
  for (const m of monitors.filter(writing)) {
    if (m.monitor.mode === 'pool') {
      await (m.monitor as import('../aurora/monitors/pool.js').PoolMonitor).prepare().catch((err) => {
        throw usageError(
          `pool mode cannot create its heartbeat table on ${endpoint.text}: ${(err as Error).message}`,
        );
      });
      await firstProbe(m);
    } else {
      await (m.monitor as import('../aurora/monitors/writes.js').WriteChecker).prepare().catch((err) => {
        throw usageError(
          `--write-check cannot create its ledger on ${endpoint.text}: ${(err as Error).message}`,
        );
      });
    }
  }

  const ddl = await prepareDdl(plan, history, scheduled, resolver, credentials, timeouts);
  const load = await prepareLoad(plan, history, clock, resolver, credentials, timeouts);
  const follower = groundTruthFile ? await followGroundTruth(groundTruthFile, history) : undefined;
  const events = aws && plan.events ? await followEvents(aws, history) : undefined;
  const notifications = await listenForNotifications(plan, history, clock);
  load?.start();
  const stop = await runDrill(
    history,
    monitors.map((m) => m.monitor),
    plan.rules,
    interrupt,
    scheduled,
  ).finally(async () => {
    await load?.stop();
    await notifications?.stop(plan.trigger === 'failover' || plan.forceFailover);
  });
  // The table check comes before --cleanup, which may drop the schema the table lives in.
  await ddl?.check();
  await finishWrites(monitors, plan, history);
  if (load && plan.cleanup) {
    await load.cleanup().catch((err) => {
      history.note(`could not drop the load table: ${(err as Error).message}`, 'warn', 'load');
    });
  }
  await events?.stop();
  follower?.stop();
  live.finish();

  const analysis = analyze(history.records);
  const result = verdict(analysis, { maxDowntimeMs: plan.maxDowntimeMs }, stop);
  human.write(`\n${renderSummary(analysis, result, stop, style)}`);
  const run = buildRun(
    {
      startedAt,
      target: { endpoint: endpoint.text, host: endpoint.host, port: endpoint.port, user: plan.user },
      stop,
      gates: { maxDowntimeMs: plan.maxDowntimeMs ?? null },
    },
    analysis,
    result,
  );
  history.close();
  return { exitCode: result.exitCode, analysis, run };
}

interface Built {
  monitor: ScheduledMonitor;
  endpoint: Endpoint;
}

/** One monitor per mode; the wrong kind of endpoint for a mode is a usage error with a hint, before any probe. */
async function buildMonitors(
  plan: AuroraPlan,
  history: History,
  clock: Clock,
  resolver: Resolver,
  credentials: { user: string; password?: string },
  timeouts: { connectTimeoutMs: number; queryTimeoutMs: number },
): Promise<Built[]> {
  const { classifyHost, instancePattern } = await import('../aurora/hostnames.js');
  const endpoint = plan.endpoint as Endpoint;
  const kind = classifyHost(endpoint.host).kind;
  const base = { credentials, timeouts, intervalMs: plan.intervalMs, resolver };
  const built: Built[] = [];
  for (const mode of plan.modes) {
    if (mode === 'simple') {
      if (kind === 'cluster-ro') {
        throw usageError(
          `${endpoint.host} is a reader endpoint: simple mode watches the writer, so use the cluster endpoint (or --mode aware, which works from either)`,
        );
      }
      const { SimpleMonitor } = await import('../aurora/monitors/simple.js');
      built.push({ monitor: new SimpleMonitor(history, clock, { ...base, endpoint }), endpoint });
    } else if (mode === 'aware') {
      if (kind === 'proxy') {
        throw usageError(
          `${endpoint.host} is an RDS Proxy endpoint: aware mode needs the cluster or reader endpoint`,
        );
      }
      const pattern = instancePattern(endpoint.host, plan.instancePattern);
      if (!pattern) {
        throw usageError(
          `aware mode cannot name instance endpoints from ${endpoint.host}: pass --instance-pattern '?.abc123xyz789.us-east-1.rds.amazonaws.com'`,
        );
      }
      const { AwareMonitor } = await import('../aurora/monitors/aware.js');
      const monitor = new AwareMonitor(history, clock, {
        ...base,
        endpoint,
        instancePattern: pattern,
        sweepIntervalMs: plan.sweepIntervalMs,
      });
      built.push({ monitor, endpoint });
    } else if (mode === 'pool') {
      const { PoolMonitor } = await import('../aurora/monitors/pool.js');
      const monitor = new PoolMonitor(history, clock, {
        ...base,
        endpoint,
        schema: plan.writeSchema,
        connections: plan.poolSize,
      });
      built.push({ monitor, endpoint });
    } else {
      const proxyEndpoint = plan.proxyEndpoint ?? (plan.modes.length === 1 ? endpoint : undefined);
      if (!proxyEndpoint)
        throw usageError('proxy mode beside other modes needs --proxy-endpoint HOST[:PORT]');
      if (classifyHost(proxyEndpoint.host).kind !== 'proxy') {
        history.note(
          `${proxyEndpoint.host} is not an RDS Proxy endpoint: proxy mode measures one long-lived connection to it anyway`,
          'warn',
          'proxy',
        );
      }
      const { ProxyMonitor } = await import('../aurora/monitors/proxy.js');
      built.push({
        monitor: new ProxyMonitor(history, clock, { ...base, endpoint: proxyEndpoint }),
        endpoint: proxyEndpoint,
      });
    }
  }
  if (plan.writeCheck) {
    const { WriteChecker } = await import('../aurora/monitors/writes.js');
    const monitor = new WriteChecker(history, clock, {
      ...base,
      endpoint,
      intervalMs: plan.writeCheck.intervalMs,
      schema: plan.writeCheck.schema,
    });
    built.push({ monitor, endpoint });
  }
  return built;
}

/** `--ddl`: fills the table before the drill and starts the ALTER just before the trigger fires. */
async function prepareDdl(
  plan: AuroraPlan,
  history: History,
  scheduled: ScheduledTrigger | undefined,
  resolver: Resolver,
  credentials: { user: string; password?: string },
  timeouts: { connectTimeoutMs: number; queryTimeoutMs: number },
) {
  if (!plan.ddl) return undefined;
  if (!scheduled) throw usageError('--ddl runs its ALTER TABLE through a fault: give it a --trigger');
  const { DdlWorkload } = await import('../aurora/ddl.js');
  const endpoint = plan.endpoint as Endpoint;
  const ddl = new DdlWorkload(
    history,
    endpoint,
    credentials,
    timeouts,
    resolver,
    plan.writeSchema,
    plan.ddl.rows,
  );
  history.note(`--ddl: filling ${plan.writeSchema}.ddl_target with ${plan.ddl.rows} rows`);
  await ddl.prepare().catch((err) => {
    throw usageError(`--ddl cannot fill its table on ${endpoint.text}: ${(err as Error).message}`);
  });
  scheduled.trigger = ddl.around(scheduled.trigger);
  return ddl;
}

/** `--load N`: creates and fills the workload's table before the drill; the workload starts with the monitors. */
async function prepareLoad(
  plan: AuroraPlan,
  history: History,
  clock: Clock,
  resolver: Resolver,
  credentials: { user: string; password?: string },
  timeouts: { connectTimeoutMs: number; queryTimeoutMs: number },
) {
  if (!plan.load) return undefined;
  const { LoadWorkload } = await import('../aurora/load/workload.js');
  const endpoint = plan.endpoint as Endpoint;
  const load = new LoadWorkload(history, clock, {
    endpoint,
    credentials,
    timeouts,
    resolver,
    dnsServer: plan.dnsServer ? { host: plan.dnsServer.host, port: plan.dnsServer.port } : null,
    schema: plan.writeSchema,
    ...plan.load,
    windowMs: 1000,
  });
  await load.prepare().catch((err) => {
    throw usageError(`--load cannot create its table on ${endpoint.text}: ${(err as Error).message}`);
  });
  return load;
}

/** Whether the drill calls `service` on a lab (an API on loopback) rather than on AWS itself. */
function awsIsLocal(plan: AuroraPlan, service: 'RDS' | 'SNS'): boolean {
  const url = plan.aws.endpoint ?? process.env[`AWS_ENDPOINT_URL_${service}`];
  return url !== undefined && isLoopbackHost(new URL(url).hostname);
}

/** Against AWS, SNS can deliver only to a public URL: refuse before anything starts rather than mid-drill. */
function checkNotificationsReach(plan: AuroraPlan): void {
  const n = plan.notifications;
  if (n && !n.url && !awsIsLocal(plan, 'SNS')) {
    throw usageError(
      `--notifications: SNS cannot reach a listener on ${n.listen.text}; give --notifications-url https://... that forwards to it`,
    );
  }
}

/**
 * `--notifications`: subscribes a listener to the failover topic before the drill. Against a lab SNS delivers
 * straight to it; against AWS, `--notifications-url` is the public https URL that reaches it.
 */
async function listenForNotifications(plan: AuroraPlan, history: History, clock: Clock) {
  checkNotificationsReach(plan);
  const n = plan.notifications;
  if (!n) return undefined;
  const local = awsIsLocal(plan, 'SNS');
  const { DrillNotifications } = await import('../notify/drill.js');
  const { failoverPhase } = await import('../aurora/events.js');
  const fixed = n.url ? parseHttpsEndpoint(n.url, local, '--notifications-url') : undefined;
  return DrillNotifications.start(history, clock, {
    aws: plan.aws,
    topic: n.topic,
    listen: { host: n.listen.host, port: n.listen.port },
    endpoint: (listenerUrl) => fixed ?? { protocol: 'http', endpoint: listenerUrl },
    confirmTimeoutMs: 10_000,
    phaseOf: failoverPhase,
  });
}

/** Reads the ledger back from the writer (and drops it with --cleanup); a failure is a warning, not a crash. */
async function finishWrites(monitors: Built[], plan: AuroraPlan, history: History): Promise<void> {
  const checker = monitors.find((m) => m.monitor.mode === 'writes')?.monitor as
    | import('../aurora/monitors/writes.js').WriteChecker
    | undefined;
  if (!checker) return;
  try {
    await checker.readBack();
    if (plan.writeCheck?.cleanup) await checker.cleanup();
  } catch (err) {
    history.note(
      `could not read the write ledger back from the writer: ${(err as Error).message}`,
      'warn',
      'writes',
    );
  }
}

interface AwsCluster {
  rds: import('../aurora/rds.js').RdsControl;
  cluster: import('../aurora/rds.js').ClusterView;
}

/**
 * The RDS side of a drill, when it has one: the cluster named by --cluster (or found from the endpoint for a
 * failover trigger). Without either, a drill needs no AWS credentials at all.
 */
async function connectCluster(plan: AuroraPlan, endpoint: Endpoint): Promise<AwsCluster | undefined> {
  if (!plan.cluster && plan.trigger !== 'failover' && plan.trigger !== 'reboot') return undefined;
  const { RdsControl } = await import('../aurora/rds.js');
  const rds = await RdsControl.connect(plan.aws);
  const cluster = plan.cluster
    ? await rds.describeCluster(plan.cluster)
    : await rds.findClusterByEndpoint(endpoint.host);
  return cluster ? { rds, cluster } : undefined;
}

async function followEvents(aws: AwsCluster, history: History) {
  const { RdsEventFollower } = await import('../aurora/events.js');
  const members = [aws.cluster.writer, ...aws.cluster.readers].filter((x): x is string => x !== undefined);
  const follower = new RdsEventFollower(aws.rds, history, aws.cluster.id, () => members);
  follower.start();
  return follower;
}

async function followGroundTruth(file: string, history: History) {
  const { GroundTruthFollower } = await import('../lab/client.js');
  const follower = new GroundTruthFollower(file, history);
  follower.start();
  return follower;
}

/**
 * Checks a destructive trigger before the drill starts (the cluster exists, is available, has a reader) and
 * asks for confirmation unless the target is a lab or --yes was given.
 */
async function prepareTrigger(
  history: History,
  plan: AuroraPlan,
  aws: AwsCluster | undefined,
  endpoint: Endpoint,
  resolver: Resolver,
  address: string | undefined,
  credentials: { user: string; password?: string },
  timeouts: { connectTimeoutMs: number; queryTimeoutMs: number },
): Promise<ScheduledTrigger | undefined> {
  if (plan.trigger === 'none') return undefined;
  if (plan.trigger === 'failover' || plan.trigger === 'reboot') {
    const { FailoverTrigger, RebootTrigger } = await import('../aurora/triggers.js');
    if (!aws)
      throw usageError(`could not tell which DB cluster ${endpoint.host} belongs to: name it with --cluster`);
    const { cluster, rds } = aws;
    if (cluster.status !== 'available') {
      throw usageError(
        `cluster ${cluster.id} is ${cluster.status}, not available: wait for it, then drill again`,
      );
    }
    const failsOver = plan.trigger === 'failover' || plan.forceFailover;
    if (failsOver && cluster.readers.length === 0) {
      throw usageError(
        `cluster ${cluster.id} has no reader: a failover would only restart the writer ${cluster.writer}`,
      );
    }
    await checkEndpointBelongs(endpoint, cluster, history);
    if (plan.target && plan.trigger !== 'failover') {
      throw usageError(
        `--target names the reader a failover promotes: it has no effect with --trigger ${plan.trigger}`,
      );
    }
    if (plan.target && !cluster.readers.includes(plan.target)) {
      throw usageError(
        `--target ${plan.target} is not a reader of ${cluster.id} (readers: ${cluster.readers.join(', ')})`,
      );
    }
    const apiIsLocal = awsIsLocal(plan, 'RDS');
    if (plan.trigger === 'reboot') {
      const what = `reboot the writer ${cluster.writer} of cluster ${cluster.id}${plan.forceFailover ? ' with a failover' : ''}`;
      await confirm(plan, apiIsLocal, what, cluster.id);
      const trigger = new RebootTrigger(rds, cluster.id, cluster.writer as string, plan.forceFailover);
      return { trigger, atMs: plan.atMs, baselineMs: plan.baselineMs };
    }
    await confirm(plan, apiIsLocal, `fail over cluster ${cluster.id} (writer ${cluster.writer})`, cluster.id);
    const trigger = new FailoverTrigger(rds, cluster.id, cluster.writer, plan.target);
    return { trigger, atMs: plan.atMs, baselineMs: plan.baselineMs };
  }
  const { classifyHost } = await import('../aurora/hostnames.js');
  if (classifyHost(endpoint.host).kind === 'cluster-ro') {
    throw usageError(
      `--trigger ${plan.trigger} crashes the writer behind -e, but ${endpoint.host} is a reader endpoint: use the cluster endpoint`,
    );
  }
  const { CrashTrigger } = await import('../aurora/triggers.js');
  const crash = new CrashTrigger(plan.trigger, endpoint, resolver, credentials, timeouts);
  await confirm(
    plan,
    address !== undefined && isLoopbackHost(address),
    `run ${crash.statement} on the writer behind ${endpoint.text}`,
    endpoint.host,
  );
  return { trigger: crash, atMs: plan.atMs, baselineMs: plan.baselineMs };
}

/** The endpoint must be one of the cluster's own (an IP or a custom name cannot be told, and gets a note). */
async function checkEndpointBelongs(
  endpoint: Endpoint,
  cluster: import('../aurora/rds.js').ClusterView,
  history: History,
): Promise<void> {
  const { endpointMembership } = await import('../aurora/preflight.js');
  const { refuse, note } = endpointMembership(endpoint.host, cluster);
  if (refuse) throw usageError(refuse);
  if (note) history.note(note, 'warn');
}

async function confirm(plan: AuroraPlan, local: boolean, what: string, answer: string): Promise<void> {
  if (plan.yes || (local && !plan.confirmAlways)) return;
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw usageError(
      `refusing to ${what} without --yes: ${local ? 'DRILL_CONFIRM=always asks first' : 'this is not a lab'}, and there is no terminal to ask on`,
    );
  }
  const typed = await promptLine(`This will ${what}. Type '${answer}' to go on: `);
  if (typed.trim() !== answer) throw usageError('not confirmed: nothing was done');
}

function printDryRun(plan: AuroraPlan): number {
  const where = plan.lab ? 'a throwaway local lab' : (plan.endpoint as Endpoint).text;
  const lines = [
    `plan: watch ${where} in ${plan.modes.join(', ')} mode, probing every ${formatDuration(plan.intervalMs)}`,
    plan.trigger === 'none'
      ? 'trigger: none (cause the fault elsewhere)'
      : `trigger: ${plan.trigger} at +${formatDuration(plan.atMs)}`,
    `stop: ${plan.rules.untilRecovered ? `once recovered and settled for ${formatDuration(plan.rules.settleMs)}` : plan.rules.durationMs ? `after ${formatDuration(plan.rules.durationMs)}` : 'on Ctrl+C'}` +
      `; give up after ${formatDuration(plan.rules.timeoutMs)} down`,
  ];
  const cluster = plan.cluster ?? '<cluster id>';
  if (plan.trigger === 'failover') {
    lines.push(
      'equivalent commands:',
      `  aws rds describe-db-clusters --db-cluster-identifier ${cluster}`,
      `  aws rds failover-db-cluster --db-cluster-identifier ${cluster}${plan.target ? ` --target-db-instance-identifier ${plan.target}` : ''}`,
    );
  } else if (plan.trigger === 'reboot') {
    lines.push(
      'equivalent commands:',
      `  aws rds describe-db-clusters --db-cluster-identifier ${cluster}`,
      `  aws rds reboot-db-instance --db-instance-identifier <writer instance>${plan.forceFailover ? ' --force-failover' : ''}`,
    );
  } else if (plan.trigger !== 'none') {
    const statement = { crash: 'INSTANCE', 'crash-dispatcher': 'DISPATCHER', 'crash-node': 'NODE' }[
      plan.trigger
    ];
    const host = plan.endpoint ? `-h ${plan.endpoint.host} -P ${plan.endpoint.port} ` : '';
    lines.push(
      'equivalent command:',
      `  mysql ${host}-u ${plan.user} -p -e 'ALTER SYSTEM CRASH ${statement}'`,
    );
  }
  lines.push('dry run: nothing was touched');
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
