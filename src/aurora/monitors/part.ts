import { type DrillError, usageError } from '../../core/errors.js';
import type { ScheduledMonitor } from '../../core/monitor.js';
import type { DrillPart } from '../../core/session/part.js';
import type { Endpoint } from '../../net/endpoint.js';
import { classifyError, lookupCodes, MysqlErrno, unreachableCodes } from '../errors.js';
import { loginOf } from '../plan.js';
import { startFailure } from '../preflight.js';
import type { AuroraRun } from '../run.js';
import { tlsFailure } from '../tls.js';
import type { MysqlMonitorOptions } from './simple.js';

/** The options every MySQL monitor of a run shares. */
export function mysqlOptions(run: AuroraRun, endpoint = run.endpoint): MysqlMonitorOptions {
  const { credentials, timeouts, resolver, plan } = run;
  return { endpoint, credentials, timeouts, resolver, intervalMs: plan.intervalMs };
}

/**
 * A table that could not be made because nobody answered (or the name did not resolve, or the login failed) is
 * the same "cannot start" as a first probe that failed that way (exit 3), not a refused CREATE (exit 2).
 */
export function unreachable(
  run: AuroraRun,
  endpoint: Endpoint,
  mode: string,
  err: unknown,
): DrillError | undefined {
  const error = classifyError(err);
  const reach =
    unreachableCodes.has(error.code) ||
    lookupCodes.has(error.code) ||
    tlsFailure(error.code, error.message) !== undefined ||
    error.errno === MysqlErrno.accessDenied;
  return reach
    ? startFailure(endpoint, run.plan.user, { ok: false, error }, mode, loginOf(run.plan))
    : undefined;
}

/**
 * A monitor as a part of a run. Its first probe is its check: a drill that cannot reach, resolve or log in to
 * its endpoint ends before it starts, in one line. A monitor that writes creates its table in `prepare`.
 */
export function monitorPart(
  run: AuroraRun,
  monitor: ScheduledMonitor,
  endpoint: Endpoint,
  writing?: { what: string; prepare: () => Promise<void>; probeFirst: boolean },
): DrillPart {
  monitor.dns = run.resolver.description;
  const part: DrillPart = { name: monitor.name, monitor };
  const probeFirst = async (): Promise<void> => {
    const outcome = await monitor.probe(AbortSignal.timeout(monitor.deadlineMs));
    const failure = startFailure(endpoint, run.plan.user, outcome, monitor.mode, loginOf(run.plan));
    if (failure) throw failure;
    if (!writing) run.firstAddress ??= outcome.address;
  };
  if (!writing) return { ...part, check: probeFirst };
  return {
    ...part,
    writes: true,
    prepare: () =>
      writing.prepare().catch((err) => {
        throw (
          unreachable(run, endpoint, monitor.mode, err) ??
          usageError(`${writing.what} on ${endpoint.text}: ${(err as Error).message}`)
        );
      }),
    ...(writing.probeFirst ? { check: probeFirst } : {}),
  };
}
