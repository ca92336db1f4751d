import type { History } from '../core/history.js';
import { pause } from '../core/scheduler.js';
import { type Trigger, triggerStep } from '../core/trigger.js';
import { type Credentials, type Timeouts, withConnection } from './connection.js';
import type { Endpoint } from './endpoint.js';
import { classifyError } from './errors.js';
import type { RdsControl } from './rds.js';
import type { Resolver } from './resolver.js';

/** RDS FailoverDBCluster; completed once DescribeDBClusters names another writer and the cluster is available. */
export class FailoverTrigger implements Trigger {
  readonly name = 'failover';

  constructor(
    private readonly rds: RdsControl,
    private readonly clusterId: string,
    private readonly previousWriter: string | undefined,
    private readonly target: string | undefined,
    private readonly waitMs = 600_000,
  ) {}

  async fire(history: History, signal: AbortSignal): Promise<void> {
    const to = this.target ? ` to ${this.target}` : '';
    triggerStep(history, this.name, 'requested', `FailoverDBCluster ${this.clusterId}${to}`);
    try {
      await this.rds.failover(this.clusterId, this.target);
      triggerStep(history, this.name, 'acknowledged', `RDS accepted the failover of ${this.clusterId}`);
      const until = Date.now() + this.waitMs;
      while (!signal.aborted && Date.now() < until) {
        const c = await this.rds.describeCluster(this.clusterId);
        if (c.writer !== this.previousWriter && c.status === 'available') {
          triggerStep(history, this.name, 'completed', `writer is now ${c.writer}`);
          return;
        }
        await pause(500, signal);
      }
      if (!signal.aborted) triggerStep(history, this.name, 'failed', 'the writer did not change in time');
    } catch (err) {
      if (!signal.aborted) triggerStep(history, this.name, 'failed', (err as Error).message);
    }
  }
}

/** Aurora's fault injection: `ALTER SYSTEM CRASH INSTANCE|DISPATCHER|NODE` on its own connection to the writer. */
export class CrashTrigger implements Trigger {
  constructor(
    readonly name: 'crash' | 'crash-dispatcher' | 'crash-node',
    private readonly endpoint: Endpoint,
    private readonly resolver: Resolver,
    private readonly credentials: Credentials,
    private readonly timeouts: Timeouts,
  ) {}

  get statement(): string {
    return `ALTER SYSTEM CRASH ${({ crash: 'INSTANCE', 'crash-dispatcher': 'DISPATCHER', 'crash-node': 'NODE' } as const)[this.name]}`;
  }

  async fire(history: History, signal: AbortSignal): Promise<void> {
    triggerStep(history, this.name, 'requested', `${this.statement} on ${this.endpoint.text}`);
    try {
      const address = await this.resolver.lookup(this.endpoint.host);
      const reachedReader = await withConnection(
        address,
        this.endpoint.port,
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

/**
 * RDS RebootDBInstance of the writer; with --force-failover a reader is promoted (completed when another writer
 * is named), without it the same writer restarts (completed when it is available again after rebooting).
 */
export class RebootTrigger implements Trigger {
  readonly name = 'reboot';

  constructor(
    private readonly rds: RdsControl,
    private readonly clusterId: string,
    private readonly writer: string,
    private readonly forceFailover: boolean,
    private readonly waitMs = 600_000,
  ) {}

  async fire(history: History, signal: AbortSignal): Promise<void> {
    const how = this.forceFailover ? ' with ForceFailover' : '';
    triggerStep(history, this.name, 'requested', `RebootDBInstance ${this.writer}${how}`);
    try {
      await this.rds.reboot(this.writer, this.forceFailover);
      triggerStep(history, this.name, 'acknowledged', `RDS accepted the reboot of ${this.writer}`);
      const until = Date.now() + this.waitMs;
      let sawReboot = false;
      while (!signal.aborted && Date.now() < until) {
        if (this.forceFailover) {
          const c = await this.rds.describeCluster(this.clusterId);
          if (c.writer !== this.writer && c.status === 'available') {
            triggerStep(history, this.name, 'completed', `writer is now ${c.writer}`);
            return;
          }
        } else {
          const status = await this.rds.instanceStatus(this.writer);
          if (status !== 'available') sawReboot = true;
          else if (sawReboot) {
            triggerStep(history, this.name, 'completed', `${this.writer} is available again`);
            return;
          }
        }
        await pause(500, signal);
      }
      if (!signal.aborted) triggerStep(history, this.name, 'failed', 'the reboot did not complete in time');
    } catch (err) {
      if (!signal.aborted) triggerStep(history, this.name, 'failed', (err as Error).message);
    }
  }
}
