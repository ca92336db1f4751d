import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cannotStart } from '../../core/errors.js';
import { waitForListener } from '../aurora/mariadb.js';
import { findBinary } from '../binaries.js';
import { stopServer } from '../processes.js';
import type { NodeCertificate } from '../tls.js';

export interface RedisNodeOptions {
  /** The node's own directory (config, nodes.conf, log). */
  dir: string;
  name: string;
  host: string;
  address: string;
  port: number;
  user: string;
  password: string;
  nodeTimeoutMs: number;
  /** TLS on the client port, the cluster bus and replication; undefined: plain TCP. */
  tls: { caFile: string; cert: NodeCertificate } | undefined;
  /** Told of each redis-server the moment it is spawned (the lab records its pid). */
  onSpawn?: (pid: number | undefined) => void;
}

/**
 * One `redis-server` in cluster mode on its own loopback address, configured as a MemoryDB node: an ACL user
 * (the default user off), the host name announced to clients, TLS everywhere (clients need not present a
 * certificate). Its nodes.conf survives restarts, so a killed node rejoins the cluster it knew.
 */
export class RedisNode {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** Called when the process exits, for whatever reason. */
  onExit: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined;
  paused = false;

  constructor(readonly options: RedisNodeOptions) {}

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }
  get logFile(): string {
    return join(this.options.dir, 'redis.log');
  }

  /** Writes redis.conf (mode 600: it holds the password). */
  writeConfig(): string {
    const o = this.options;
    mkdirSync(o.dir, { recursive: true });
    const lines = [
      `bind ${o.address}`,
      'protected-mode no',
      `dir ${o.dir}`,
      `logfile ${this.logFile}`,
      'daemonize no',
      // The config file (under the lab's state dir) in `ps`, so `drill lab down` can be checked from outside.
      'proc-title-template "{title} {listen-addr} {server-mode} {config-file}"',
      'save ""',
      'appendonly no',
      'cluster-enabled yes',
      'cluster-config-file nodes.conf',
      `cluster-node-timeout ${o.nodeTimeoutMs}`,
      `cluster-announce-ip ${o.address}`,
      `cluster-announce-hostname ${o.host}`,
      'cluster-preferred-endpoint-type hostname',
      'cluster-require-full-coverage yes',
      'cluster-allow-replica-migration no',
      'repl-diskless-sync yes',
      'repl-diskless-sync-delay 0',
      'repl-ping-replica-period 1',
      'repl-timeout 5',
      `masteruser ${o.user}`,
      `masterauth ${o.password}`,
      'user default off',
      `user ${o.user} on >${o.password} ~* &* +@all`,
    ];
    if (o.tls) {
      lines.push(
        'port 0',
        `tls-port ${o.port}`,
        `tls-cert-file ${o.tls.cert.certFile}`,
        `tls-key-file ${o.tls.cert.keyFile}`,
        `tls-ca-cert-file ${o.tls.caFile}`,
        'tls-auth-clients no',
        'tls-cluster yes',
        'tls-replication yes',
      );
    } else lines.push(`port ${o.port}`);
    const file = join(o.dir, 'redis.conf');
    writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
    return file;
  }

  /** Starts redis-server and resolves once it accepts connections on its port. */
  async start(timeoutMs = 15_000): Promise<void> {
    if (this.running) throw new Error(`${this.options.name} is already running`);
    const config = this.writeConfig();
    const child = spawn(findBinary('redis-server'), [config], { stdio: 'ignore' });
    this.child = child;
    this.options.onSpawn?.(child.pid);
    this.paused = false;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('exit', (code, signal) => this.onExit?.(code, signal));
    const failed = this.exited.then(() => {
      throw cannotStart(`redis-server ${this.options.name} exited during start-up: ${this.lastLogLine()}`);
    });
    failed.catch(() => {});
    await Promise.race([
      waitForListener(this.options.address, this.options.port, timeoutMs, { greeting: false }),
      failed,
    ]);
  }

  /** Sends a signal: SIGKILL a crash, SIGSTOP/SIGCONT a hang. */
  signal(signal: NodeJS.Signals): void {
    if (!this.running) return;
    this.child?.kill(signal);
    if (signal === 'SIGSTOP') this.paused = true;
    if (signal === 'SIGCONT') this.paused = false;
  }

  async kill(): Promise<void> {
    if (!this.running) return;
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** A clean shutdown (resumed first if paused), forced after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.running || !this.child) return;
    await stopServer(this.child, this.exited, graceMs);
  }

  private lastLogLine(): string {
    try {
      return readFileSync(this.logFile, 'utf8').trim().split('\n').pop() ?? 'no log';
    } catch {
      return 'no log';
    }
  }
}
