import { randomBytes } from 'node:crypto';
import type { TokenKeeper } from '../aws/token-keeper.js';
import { formatDuration } from '../core/duration.js';
import type { LoadShape } from '../core/load/messages.js';
import { loginText, type ReportTarget } from '../core/report/renderer.js';
import { addSecret } from '../core/secrets.js';
import type { DrillPart, DrillService, DrillSetup, RunContext } from '../core/session/part.js';
import type { Endpoint } from '../net/endpoint.js';
import type { MemoryDbCluster, MemoryDbControl } from './api.js';
import { clusterClient, type RedisTarget } from './connection.js';
import { clusterFromEndpoint } from './endpoint-names.js';
import type { RedisLoadService } from './load/keys.js';
import { monitorModes } from './monitors/index.js';
import type { MemoryDbPlan } from './plan.js';
import { startFailure } from './preflight.js';
import type { MemoryDbRun } from './run.js';
import { discoverShards } from './topology.js';
import { triggerKinds } from './triggers/index.js';

/**
 * `drill memorydb` as the session sees it: one run = the cluster's shards as its nodes describe them, a monitor
 * per shard for each --mode, the provider's events and a lab's ground truth, and the trigger.
 */
export function memorydbService(plan: MemoryDbPlan, groundTruthFile: string | undefined): DrillService {
  const endpoint = plan.endpoint as Endpoint;
  addSecret(plan.password);
  return {
    passwordPrompt: () =>
      plan.password === undefined && plan.user !== undefined && !plan.iamAuth
        ? `Password for ${plan.user}@${endpoint.text}: `
        : undefined,
    usePassword: (password) => {
      plan.password = password;
    },
    setup: (ctx) => setupRun(plan, endpoint, groundTruthFile, ctx),
  };
}

async function setupRun(
  plan: MemoryDbPlan,
  endpoint: Endpoint,
  groundTruthFile: string | undefined,
  { history, clock }: RunContext,
): Promise<DrillSetup> {
  const { makeResolver } = await import('../net/resolver.js');
  const tokens = plan.iamAuth ? await iamTokens(plan, endpoint) : undefined;
  const target: RedisTarget = {
    user: plan.user,
    password: plan.password,
    ...(tokens ? { token: () => tokens.current() } : {}),
    tls: plan.tls,
    ca: plan.ca,
    connectTimeoutMs: plan.connectTimeoutMs,
    commandTimeoutMs: plan.commandTimeoutMs,
    resolver: makeResolver(plan.dns),
    // ioredis resolves passed-through names itself: only a drill that caches nothing and asks the system may let it.
    passthrough: plan.dns.server === undefined && plan.dns.cache === 'off',
  };
  const shards = await discoverShards(target, endpoint).catch((err) => {
    throw err?.name === 'DrillError' ? err : startFailure(endpoint, plan, err);
  });
  let seq = 0;
  let app: ReturnType<MemoryDbRun['app']> | undefined;
  let control: Promise<{ api: MemoryDbControl; cluster: MemoryDbCluster } | undefined> | undefined;
  const run: MemoryDbRun = {
    plan,
    endpoint,
    history,
    clock,
    target,
    shards,
    runId: randomBytes(4).toString('hex'),
    nextSeq: () => ++seq,
    app: () => {
      app ??= clusterClient(
        target,
        endpoint,
        shards.flatMap((s) => s.nodes.map((n) => n.host)),
      );
      return app;
    },
    closeApp: async () => {
      if (app) (await app).cluster.disconnect();
    },
    control: () => {
      control ??= connectControl(plan, endpoint);
      return control;
    },
  };
  const parts: DrillPart[] = [];
  for (const mode of plan.modes) parts.push(...(await monitorModes[mode].parts(run)));
  if (plan.load) parts.push(await loadPart(run, plan.load));
  if (groundTruthFile)
    parts.push((await import('../lab/client.js')).groundTruthPart(groundTruthFile, history));
  if (plan.events) parts.push(await eventsPart(run));
  const trigger = plan.trigger === 'none' ? undefined : triggerKinds[plan.trigger];
  const details = [`${shards.length} shards`, `write every ${formatDuration(plan.intervalMs)}`];
  if (plan.load) details.push(`load ${plan.load.workers} clients`);
  if (trigger) details.push(`${plan.trigger} of shard ${plan.shard} at +${formatDuration(plan.atMs)}`);
  const reportTarget: ReportTarget = {
    endpoint: endpoint.text,
    host: endpoint.host,
    port: endpoint.port,
    ...(plan.user ? { user: plan.user } : {}),
    login: plan.iamAuth ? 'iam' : plan.password === undefined ? 'none' : 'password',
  };
  return {
    header: {
      title: `drill memorydb · ${plan.modes.join(', ')} · ${endpoint.text}${plan.user ? ` as ${plan.user}` : ''} with ${loginText(reportTarget)}`,
      details: details.join(' · '),
    },
    target: reportTarget,
    parts,
    async preflight() {
      // A cluster asked for (--cluster, a trigger) is looked up first: a wrong --cluster fails before the drill.
      if (askedForCluster(plan)) await run.control();
      return trigger?.prepare(run);
    },
  };
}

/**
 * --iam-auth: the first token made now (a missing credential or region fails here, before anything starts),
 * later ones as they come due. It is signed for the cluster's name: --cluster, or the one the endpoint gives.
 */
async function iamTokens(plan: MemoryDbPlan, endpoint: Endpoint): Promise<TokenKeeper> {
  const [{ memorydbTokenMaker }, { keepTokens }, { explainAwsError }] = await Promise.all([
    import('../aws/memorydb-token.js'),
    import('../aws/token-keeper.js'),
    import('../aws/errors.js'),
  ]);
  const cluster = iamCluster(plan, endpoint);
  return keepTokens(await memorydbTokenMaker(plan.aws, cluster, plan.user as string)).catch((err) => {
    throw explainAwsError(err, 'memorydb:Connect');
  });
}

/** The cluster name an IAM token is signed for (the plan made sure there is one). */
export const iamCluster = (plan: MemoryDbPlan, endpoint: Endpoint): string =>
  plan.cluster ?? clusterFromEndpoint(endpoint.host) ?? '';

/**
 * `--load N`: N application clients on the cluster, in a worker thread, GET and SET across every shard. Nothing
 * to create first: its keys expire by themselves after a day.
 */
async function loadPart(run: MemoryDbRun, load: LoadShape): Promise<DrillPart> {
  const { LoadWorkload } = await import('../core/load/workload.js');
  const { resolver: _, token: __, ...target } = run.target;
  const service: RedisLoadService = {
    target,
    dns: run.plan.dns,
    ...(run.plan.iamAuth ? { iam: { aws: run.plan.aws, cluster: iamCluster(run.plan, run.endpoint) } } : {}),
    seed: { host: run.endpoint.host, port: run.endpoint.port },
    hosts: run.shards.flatMap((s) => s.nodes.map((n) => n.host)),
  };
  const workload = new LoadWorkload(run.history, run.clock, {
    ...load,
    worker: new URL('./load/worker.js', import.meta.url),
    target: run.endpoint.text,
    windowMs: 1000,
    service,
  });
  return { name: 'load', writes: true, start: () => workload.start(), stop: () => workload.stop() };
}

/**
 * MemoryDB DescribeEvents followed through the drill, when the cluster is known: asked for (--cluster, a trigger),
 * or named by the endpoint. The latter is followed only if AWS answers: a drill without AWS access starts as
 * before and notes once that provider events are left out.
 */
async function eventsPart(run: MemoryDbRun): Promise<DrillPart> {
  const [follower, { memorydbEvents }, { MemoryDbControl }] = await Promise.all([
    import('../aws/event-follower.js'),
    import('./events.js'),
    import('./api.js'),
  ]);
  return follower.eventsPart(run.history, async () => {
    if (askedForCluster(run.plan)) {
      const control = await run.control();
      return control && memorydbEvents(control.api, control.cluster.name);
    }
    const named = clusterFromEndpoint(run.endpoint.host);
    if (!named) return undefined;
    return { ...memorydbEvents(await MemoryDbControl.connect(run.plan.aws), named), optional: true };
  });
}

/** The drill needs the MemoryDB API before it starts: --cluster given, or a trigger that calls it. */
const askedForCluster = (plan: MemoryDbPlan): boolean =>
  plan.cluster !== undefined || plan.trigger !== 'none';

/**
 * The MemoryDB API side of a drill, when it has one: the cluster named by --cluster, or by the endpoint for a
 * trigger. Without either, a drill needs no AWS credentials at all.
 */
async function connectControl(
  plan: MemoryDbPlan,
  endpoint: Endpoint,
): Promise<{ api: MemoryDbControl; cluster: MemoryDbCluster } | undefined> {
  const name = plan.cluster ?? clusterFromEndpoint(endpoint.host);
  if (!name) return undefined;
  const { MemoryDbControl } = await import('./api.js');
  const api = await MemoryDbControl.connect(plan.aws);
  return { api, cluster: await api.describeCluster(name) };
}
