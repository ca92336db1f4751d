import { isLoopbackHost } from '../../aws/endpoint.js';
import { usageError } from '../../core/errors.js';
import type { History } from '../../core/history.js';
import { type Trigger, triggerStep } from '../../core/trigger.js';
import type { Endpoint } from '../../net/endpoint.js';
import type { Resolver } from '../../net/resolver.js';
import type { Credentials, Timeouts } from '../connection.js';
import { classifyError } from '../errors.js';
import { classifyHost } from '../hostnames.js';
import type { TriggerKind } from './index.js';

type CrashWhat = 'INSTANCE' | 'DISPATCHER' | 'NODE';
const names = { INSTANCE: 'crash', DISPATCHER: 'crash-dispatcher', NODE: 'crash-node' } as const;

/** Aurora's fault injection: `ALTER SYSTEM CRASH INSTANCE|DISPATCHER|NODE` on its own connection to the writer. */
export class CrashTrigger implements Trigger {
  readonly name: string;
  readonly statement: string;

  constructor(
    what: CrashWhat,
    private readonly endpoint: Endpoint,
    private readonly resolver: Resolver,
    private readonly credentials: Credentials,
    private readonly timeouts: Timeouts,
  ) {
    this.name = names[what];
    this.statement = `ALTER SYSTEM CRASH ${what}`;
  }

  async fire(history: History, signal: AbortSignal): Promise<void> {
    triggerStep(history, this.name, 'requested', `${this.statement} on ${this.endpoint.text}`);
    try {
      const { withConnection } = await import('../connection.js');
      const address = await this.resolver.lookup(this.endpoint.host);
      const reachedReader = await withConnection(
        { host: this.endpoint.host, address, port: this.endpoint.port },
        this.credentials,
        this.timeouts,
        signal,
        async (query) => {
          // Never crash a reader by mistake (a stale DNS answer, a custom endpoint): the drill is about the writer.
          const [row] = await query('SELECT @@innodb_read_only');
          if (String(row?.[0]) === '1') return true;
          await query(this.statement);
          return false;
        },
      );
      triggerStep(
        history,
        this.name,
        'failed',
        reachedReader
          ? `${this.endpoint.text} reached a read-only instance (${address}), not the writer: nothing was crashed`
          : 'the statement returned instead of crashing the instance',
      );
    } catch (err) {
      const e = classifyError(err);
      // The crash takes the session with it: a lost connection is the acknowledgement.
      if (e.code === 'PROTOCOL_CONNECTION_LOST' || e.code === 'ECONNRESET') {
        triggerStep(history, this.name, 'acknowledged', 'the connection was cut by the crash');
      } else if (e.errno === 1064) {
        triggerStep(
          history,
          this.name,
          'failed',
          `${this.endpoint.text} does not support ALTER SYSTEM CRASH (not Aurora?)`,
        );
      } else if (!signal.aborted) {
        triggerStep(history, this.name, 'failed', `${e.code}: ${e.message}`);
      }
    }
  }
}

/** `--trigger crash|crash-dispatcher|crash-node`: on the writer behind -e, never on a reader endpoint. */
export function crash(what: CrashWhat): TriggerKind {
  return {
    help: `ALTER SYSTEM CRASH ${what} on the writer`,
    usesRds: false,
    async prepare(run) {
      const { plan, endpoint } = run;
      if (classifyHost(endpoint.host).kind === 'cluster-ro') {
        throw usageError(
          `--trigger ${plan.trigger} crashes the writer behind -e, but ${endpoint.host} is a reader endpoint: use the cluster endpoint`,
        );
      }
      const trigger = new CrashTrigger(what, endpoint, run.resolver, run.credentials, run.timeouts);
      const address = run.firstAddress ?? (await run.resolver.lookup(endpoint.host).catch(() => undefined));
      return {
        scheduled: { trigger, atMs: plan.atMs, baselineMs: plan.baselineMs },
        confirmation: {
          what: `run ${trigger.statement} on the writer behind ${endpoint.text}`,
          answer: endpoint.host,
          lab: address !== undefined && isLoopbackHost(address),
        },
      };
    },
    dryRun(plan) {
      const host = plan.endpoint ? `-h ${plan.endpoint.host} -P ${plan.endpoint.port} ` : '';
      return ['equivalent command:', `  mysql ${host}-u ${plan.user} -p -e 'ALTER SYSTEM CRASH ${what}'`];
    },
  };
}
