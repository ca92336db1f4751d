import type { TokenKeeper } from '../aws/token-keeper.js';
import { formatDuration } from '../core/duration.js';
import { cannotStart, quote } from '../core/errors.js';
import { loginText, type ReportTarget } from '../core/report/renderer.js';
import { addSecret } from '../core/secrets.js';
import type { DrillPart, DrillService, DrillSetup, RunContext } from '../core/session/part.js';
import type { Endpoint } from '../net/endpoint.js';
import { monitorModes } from './monitors/index.js';
import { checkNotificationsReach, ddlPart, eventsPart, loadPart, notificationsPart } from './parts.js';
import { type AuroraPlan, loginOf } from './plan.js';
import type { AuroraRun, AwsCluster } from './run.js';
import { triggerKinds } from './triggers/index.js';

/**
 * `drill aurora` as the session sees it: one run = the monitors of --mode, the parts the flags ask for, and the
 * trigger. Drivers and the SDK load when a run is built, never for --help or a plan that fails validation.
 */
export async function auroraService(
  plan: AuroraPlan,
  groundTruthFile: string | undefined,
): Promise<DrillService> {
  const endpoint = plan.endpoint as Endpoint;
  checkNotificationsReach(plan);
  addSecret(plan.password);
  const tokens = await login(plan, endpoint);
  return {
    passwordPrompt: () =>
      plan.password === undefined && !tokens ? `Password for ${plan.user}@${endpoint.text}: ` : undefined,
    usePassword: (password) => {
      plan.password = password;
    },
    setup: (ctx) => setupRun(plan, endpoint, groundTruthFile, ctx, tokens),
  };
}

/**
 * --secret-id: the user and password read once from Secrets Manager. --iam-auth: the first token made now (a
 * missing credential or region fails here, before anything starts), later ones as they come due.
 */
async function login(plan: AuroraPlan, endpoint: Endpoint): Promise<TokenKeeper | undefined> {
  if (plan.secretId) {
    const { readDatabaseSecret } = await import('../aws/secrets.js');
    const secret = await readDatabaseSecret(plan.aws, plan.secretId);
    plan.user = secret.username ?? plan.user;
    plan.password = secret.password;
    if (!plan.user) {
      throw cannotStart(`secret ${quote(plan.secretId)} names no "username": give -u`);
    }
  }
  if (!plan.iamAuth) return undefined;
  const [{ rdsTokenMaker }, { keepTokens }, { explainAwsError }] = await Promise.all([
    import('../aws/rds-token.js'),
    import('../aws/token-keeper.js'),
    import('../aws/errors.js'),
  ]);
  return keepTokens(await rdsTokenMaker(plan.aws, endpoint.host, endpoint.port, plan.user)).catch((err) => {
    throw explainAwsError(err, 'rds-db:connect');
  });
}

async function setupRun(
  plan: AuroraPlan,
  endpoint: Endpoint,
  groundTruthFile: string | undefined,
  { history, clock }: RunContext,
  tokens: TokenKeeper | undefined,
): Promise<DrillSetup> {
  const { makeResolver } = await import('../net/resolver.js');
  let cluster: Promise<AwsCluster | undefined> | undefined;
  const run: AuroraRun = {
    plan,
    endpoint,
    history,
    clock,
    resolver: makeResolver(plan.dns),
    credentials: {
      user: plan.user,
      password: plan.password,
      tls: plan.tls,
      ...(tokens ? { token: () => tokens.current() } : {}),
    },
    timeouts: { connectTimeoutMs: plan.connectTimeoutMs, queryTimeoutMs: plan.queryTimeoutMs },
    firstAddress: undefined,
    cluster: () => {
      cluster ??= connectCluster(plan, endpoint);
      return cluster;
    },
  };
  const parts: DrillPart[] = [];
  for (const mode of plan.modes) parts.push(await monitorModes[mode].part(run));
  if (plan.writeCheck) {
    const { writesPart } = await import('./monitors/writes.js');
    parts.push(writesPart(run, plan.writeCheck));
  }
  if (plan.ddl) parts.push(await ddlPart(run, plan.ddl.rows));
  if (plan.load) parts.push(await loadPart(run, plan.load));
  if (groundTruthFile)
    parts.push((await import('../lab/client.js')).groundTruthPart(groundTruthFile, history));
  if (plan.events) parts.push(await eventsPart(run));
  if (plan.notifications) parts.push(await notificationsPart(run, plan.notifications));
  const trigger = plan.trigger === 'none' ? undefined : triggerKinds[plan.trigger];
  const details = [`probe every ${formatDuration(plan.intervalMs)}`];
  if (trigger) details.push(`${plan.trigger} at +${formatDuration(plan.atMs)}`);
  const target: ReportTarget = {
    endpoint: endpoint.text,
    host: endpoint.host,
    port: endpoint.port,
    user: plan.user,
    login: loginOf(plan),
    ...(plan.secretId ? { secretId: plan.secretId } : {}),
  };
  return {
    header: {
      title: `drill aurora · ${plan.modes.join(', ')} · ${endpoint.text} as ${plan.user} with ${loginText(target)}`,
      details: details.join(' · '),
    },
    target,
    parts,
    async preflight() {
      // The cluster is looked up whenever it is known, trigger or not: a wrong --cluster fails before any write.
      await run.cluster();
      return trigger?.prepare(run);
    },
  };
}

/**
 * The RDS side of a drill, when it has one: the cluster named by --cluster (or found from the endpoint for a
 * trigger that acts through RDS). Without either, a drill needs no AWS credentials at all.
 */
async function connectCluster(plan: AuroraPlan, endpoint: Endpoint): Promise<AwsCluster | undefined> {
  const usesRds = plan.trigger !== 'none' && triggerKinds[plan.trigger].usesRds;
  if (!plan.cluster && !usesRds) return undefined;
  const { RdsControl } = await import('./rds.js');
  const rds = await RdsControl.connect(plan.aws);
  const cluster = plan.cluster
    ? await rds.describeCluster(plan.cluster)
    : await rds.findClusterByEndpoint(endpoint.host);
  return cluster ? { rds, cluster } : undefined;
}
