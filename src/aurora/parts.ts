import { apiIsLocal } from '../aws/endpoint.js';
import { usageError } from '../core/errors.js';
import type { DrillPart } from '../core/session/part.js';
import type { DrillNotifications } from '../notify/drill.js';
import { classifyHost, clusterIdOf } from './hostnames.js';
import type { MysqlLoadService } from './load/statements.js';
import { unreachable } from './monitors/part.js';
import type { AuroraRun } from './run.js';

/** `--ddl`: fills its table before the drill, runs the ALTER through the trigger, checks the table after. */
export async function ddlPart(run: AuroraRun, rows: number): Promise<DrillPart> {
  const { DdlWorkload } = await import('./ddl.js');
  const { plan, endpoint, history } = run;
  const ddl = new DdlWorkload(
    history,
    endpoint,
    run.credentials,
    run.timeouts,
    run.resolver,
    plan.writeSchema,
    rows,
  );
  return {
    name: 'ddl',
    writes: true,
    async prepare() {
      history.note(`--ddl: filling ${plan.writeSchema}.ddl_target with ${rows} rows`);
      await ddl.prepare().catch((err) => {
        throw (
          unreachable(run, endpoint, 'ddl', err) ??
          usageError(`--ddl cannot fill its table on ${endpoint.text}: ${(err as Error).message}`)
        );
      });
    },
    wrapTrigger: (trigger) => ddl.around(trigger),
    // The check waits for the ALTER itself (up to 10 min) before it reads the table.
    finishWithinMs: 660_000,
    async finish(ran) {
      if (ran) await ddl.check();
    },
  };
}

/** `--load N`: its table is made before the drill; the workload runs with the monitors; --cleanup drops it. */
export async function loadPart(
  run: AuroraRun,
  load: NonNullable<AuroraRun['plan']['load']>,
): Promise<DrillPart> {
  const [{ LoadWorkload }, table] = await Promise.all([
    import('../core/load/workload.js'),
    import('./load/table.js'),
  ]);
  const { plan, endpoint, history } = run;
  const access = {
    endpoint,
    credentials: run.credentials,
    timeouts: run.timeouts,
    resolver: run.resolver,
    schema: plan.writeSchema,
  };
  const service: MysqlLoadService = {
    host: endpoint.host,
    port: endpoint.port,
    dns: plan.dns,
    user: plan.user,
    password: plan.password ?? '',
    tls: plan.tls,
    iam: plan.iamAuth ? plan.aws : undefined,
    connectTimeoutMs: plan.connectTimeoutMs,
    queryTimeoutMs: plan.queryTimeoutMs,
    schema: plan.writeSchema,
  };
  const workload = new LoadWorkload(history, run.clock, {
    ...load,
    worker: new URL('./load/worker.js', import.meta.url),
    target: endpoint.text,
    windowMs: 1000,
    service,
  });
  return {
    name: 'load',
    writes: true,
    prepare: () =>
      table.prepareLoadTable(access).catch((err) => {
        throw (
          unreachable(run, endpoint, 'load', err) ??
          usageError(`--load cannot create its table on ${endpoint.text}: ${(err as Error).message}`)
        );
      }),
    start: () => workload.start(),
    stop: () => workload.stop(),
    async finish(ran) {
      if (!ran || !plan.cleanup) return;
      await table.dropLoadTable(access).catch((err) => {
        history.note(`could not drop the load table: ${(err as Error).message}`, 'warn', 'load');
      });
    },
  };
}

/** RDS DescribeEvents for the cluster and its instances, followed through the drill when the cluster is known. */
export async function eventsPart(run: AuroraRun): Promise<DrillPart> {
  const [follower, { rdsEvents, namedClusterEvents }] = await Promise.all([
    import('../aws/event-follower.js'),
    import('./events.js'),
  ]);
  return follower.eventsPart(run.history, async () => {
    const aws = await run.cluster();
    if (aws) {
      const members = [aws.cluster.writer, ...aws.cluster.readers].filter(
        (x): x is string => x !== undefined,
      );
      return rdsEvents(aws.rds, aws.cluster.id, () => members);
    }
    // No --cluster and no RDS trigger, but the endpoint names its cluster: follow that one, if AWS answers.
    const host = run.endpoint.host;
    if (!clusterIdOf(host)) return undefined;
    const { RdsControl } = await import('./rds.js');
    // A bastion's instance role gives credentials but no region: the endpoint's name has it.
    const target = { ...run.plan.aws, region: run.plan.aws.region ?? classifyHost(host).region };
    return namedClusterEvents(await RdsControl.connect(target), host);
  });
}

/** Against AWS, SNS can deliver only to a public URL: refused before anything starts rather than mid-drill. */
export function checkNotificationsReach(plan: AuroraRun['plan']): void {
  const n = plan.notifications;
  if (n && !n.url && !apiIsLocal('SNS', plan.aws.endpoint)) {
    throw usageError(
      `--notifications: SNS cannot reach a listener on ${n.listen.text}; give --notifications-url https://... that forwards to it`,
    );
  }
}

/**
 * `--notifications`: a listener subscribed to the failover topic for the drill. Against a lab SNS delivers
 * straight to it; against AWS, `--notifications-url` is the public https URL that reaches it.
 */
export async function notificationsPart(
  run: AuroraRun,
  n: NonNullable<AuroraRun['plan']['notifications']>,
): Promise<DrillPart> {
  const { plan, history, clock } = run;
  const [notify, { failoverPhase }, { parseHttpsEndpoint }] = await Promise.all([
    import('../notify/drill.js'),
    import('./events.js'),
    import('../notify/inputs.js'),
  ]);
  const local = apiIsLocal('SNS', plan.aws.endpoint);
  const fixed = n.url ? parseHttpsEndpoint(n.url, local, '--notifications-url') : undefined;
  let listening: DrillNotifications | undefined;
  const failsOver = plan.trigger === 'failover' || plan.forceFailover;
  return {
    name: 'notifications',
    async prepare() {
      listening = await notify.DrillNotifications.start(history, clock, {
        aws: plan.aws,
        topic: n.topic,
        listen: { host: n.listen.host, port: n.listen.port },
        endpoint: (listenerUrl) => fixed ?? { protocol: 'http', endpoint: listenerUrl },
        confirmTimeoutMs: 10_000,
        phaseOf: failoverPhase,
      }).catch((err) => {
        throw listenRefused(n.listen.text, err) ?? err;
      });
    },
    async stop() {
      await listening?.stop(failsOver);
      listening = undefined;
    },
    async finish() {
      // A drill that never ran still unsubscribes its listener.
      await listening?.stop(false);
      listening = undefined;
    },
  };
}

/** `--notifications-listen` on a port in use or an address this machine does not have: the user's to fix. */
function listenRefused(where: string, err: unknown): Error | undefined {
  const code = (err as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    EADDRINUSE: 'that port is in use',
    EADDRNOTAVAIL: 'that address is not on this machine',
    EACCES: 'this user may not listen there',
  };
  if (code === undefined || !why[code]) return undefined;
  return usageError(
    `--notifications-listen ${where}: ${why[code]}: pick another (port 0 takes any free one)`,
  );
}
