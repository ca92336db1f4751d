import { accessSync, constants, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Endpoint, parseEndpoint } from '../aurora/endpoint.js';
import { analyze } from '../core/analysis.js';
import { monotonicClock } from '../core/clock.js';
import { runDrill, type StopRules } from '../core/drill.js';
import { formatDuration, parseDuration } from '../core/duration.js';
import { usageError } from '../core/errors.js';
import { History } from '../core/history.js';
import { buildReport, buildRun } from '../core/report/json.js';
import { LiveView } from '../core/report/live.js';
import { styleFor } from '../core/report/style.js';
import { renderSummary } from '../core/report/summary.js';
import { addSecret, redactText } from '../core/secrets.js';
import { verdict } from '../core/verdict.js';
import { promptHidden } from './prompt.js';
import { availableModes, knownModes, tool } from './tool.js';

/** The options commander hands over, as typed strings. */
export interface AuroraOptions {
  endpoint?: string;
  user?: string;
  password?: string;
  dnsServer?: string;
  mode: string;
  interval: string;
  connectTimeout: string;
  queryTimeout: string;
  duration?: string;
  untilRecovered?: boolean;
  settle: string;
  timeout: string;
  maxDowntime?: string;
  json?: boolean;
  report?: string;
  history?: string;
  color: boolean;
}

/** A drill, fully validated: nothing after this can fail because of what the user typed. */
export interface AuroraPlan {
  endpoint: Endpoint;
  user: string;
  password: string | undefined;
  /** A DNS server to resolve with (e.g. the lab's); undefined for the system resolver. */
  dnsServer: Endpoint | undefined;
  mode: 'simple';
  intervalMs: number;
  connectTimeoutMs: number;
  queryTimeoutMs: number;
  rules: StopRules;
  maxDowntimeMs: number | undefined;
  json: boolean;
  reportFile: string | undefined;
  historyFile: string | undefined;
  color: boolean;
}

export function planAurora(o: AuroraOptions, env = process.env): AuroraPlan {
  if (!o.endpoint)
    throw usageError('missing --endpoint: the cluster endpoint to watch (-e HOST[:PORT], or DRILL_ENDPOINT)');
  const endpoint = parseEndpoint(o.endpoint);
  if (!o.user) throw usageError('missing --user: the database user to connect as (-u NAME, or DRILL_USER)');
  const modes = o.mode.split(',').map((m) => m.trim());
  for (const m of modes) {
    if (!(knownModes as readonly string[]).includes(m)) {
      throw usageError(`unknown mode '${m}': choose from ${knownModes.join(', ')}`);
    }
    if (!(availableModes as readonly string[]).includes(m)) {
      throw usageError(`mode '${m}' is not available in this version yet: use ${availableModes.join(', ')}`);
    }
  }
  if (modes.length !== 1) throw usageError('one --mode at a time in this version');
  const positive = (text: string, flag: string): number => {
    const ms = parseDuration(text, flag);
    if (ms <= 0) throw usageError(`${flag} must be longer than 0, got '${text}'`);
    return ms;
  };
  const intervalMs = positive(o.interval, '--interval');
  return {
    endpoint,
    user: o.user,
    password: o.password ?? env.DRILL_PASSWORD ?? env.MYSQL_PWD,
    dnsServer: o.dnsServer ? parseEndpoint(o.dnsServer, 53) : undefined,
    mode: 'simple',
    intervalMs,
    connectTimeoutMs: positive(o.connectTimeout, '--connect-timeout'),
    queryTimeoutMs: positive(o.queryTimeout, '--query-timeout'),
    rules: {
      durationMs: o.duration === undefined ? undefined : positive(o.duration, '--duration'),
      untilRecovered: o.untilRecovered === true,
      settleMs: parseDuration(o.settle, '--settle'),
      timeoutMs: positive(o.timeout, '--timeout'),
    },
    maxDowntimeMs: o.maxDowntime === undefined ? undefined : parseDuration(o.maxDowntime, '--max-downtime'),
    json: o.json === true,
    reportFile: o.report === undefined ? undefined : writableFile(o.report, '--report'),
    historyFile: o.history === undefined ? undefined : writableFile(o.history, '--history'),
    color: o.color,
  };
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

/** `drill aurora`: options -> plan -> preflight -> drill -> summary and report. Returns the exit code. */
export async function runAurora(options: AuroraOptions): Promise<number> {
  const plan = planAurora(options);
  if (plan.password === undefined && process.stdin.isTTY && process.stderr.isTTY) {
    plan.password = await promptHidden(`Password for ${plan.user}@${plan.endpoint.text}: `);
  }
  addSecret(plan.password);

  const human = plan.json ? process.stderr : process.stdout;
  const tty = (human as NodeJS.WriteStream).isTTY === true;
  const style = styleFor(human, plan.color);
  const clock = monotonicClock();
  const startedAt = new Date(clock.originWallMs).toISOString();
  const history = new History(clock);
  if (plan.historyFile) history.streamTo(plan.historyFile);
  const live = new LiveView(human, style, tty);
  history.subscribe(live.onRecord);

  const [{ SimpleMonitor }, { systemResolver, dnsServerResolver }, { startFailure }] = await Promise.all([
    import('../aurora/monitors/simple.js'),
    import('../aurora/resolver.js'),
    import('../aurora/preflight.js'),
  ]);
  const monitor = new SimpleMonitor(history, clock, {
    endpoint: plan.endpoint,
    credentials: { user: plan.user, password: plan.password },
    timeouts: { connectTimeoutMs: plan.connectTimeoutMs, queryTimeoutMs: plan.queryTimeoutMs },
    intervalMs: plan.intervalMs,
    resolver: plan.dnsServer ? dnsServerResolver(plan.dnsServer.host, plan.dnsServer.port) : systemResolver,
  });

  human.write(
    style.bold(`drill aurora · ${plan.mode} · ${plan.endpoint.text} as ${plan.user}`) +
      style.dim(` · probe every ${formatDuration(plan.intervalMs)} · Ctrl+C ends with a summary\n`),
  );
  const first = await monitor.probe(AbortSignal.timeout(monitor.deadlineMs));
  const failure = startFailure(plan.endpoint, plan.user, first);
  if (failure) {
    history.close();
    throw failure;
  }

  const interrupt = new AbortController();
  const onSignal = (): void => {
    if (interrupt.signal.aborted) process.exit(130); // a second Ctrl+C: leave now
    interrupt.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const stop = await runDrill(history, [monitor], plan.rules, interrupt.signal);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  live.finish();

  const analysis = analyze(history.records);
  const result = verdict(analysis, { maxDowntimeMs: plan.maxDowntimeMs }, stop);
  human.write(`\n${renderSummary(analysis, result, stop, style)}`);
  const run = buildRun(
    {
      startedAt,
      target: {
        endpoint: plan.endpoint.text,
        host: plan.endpoint.host,
        port: plan.endpoint.port,
        user: plan.user,
      },
      trigger: null,
      stop,
      gates: { maxDowntimeMs: plan.maxDowntimeMs ?? null },
    },
    analysis,
    result,
  );
  const report = `${redactText(JSON.stringify(buildReport(tool, startedAt, result.exitCode, [run]), null, 2))}\n`;
  if (plan.json) process.stdout.write(report);
  if (plan.reportFile) writeFileSync(plan.reportFile, report);
  history.close();
  return result.exitCode;
}
