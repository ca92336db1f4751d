import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cannotStart } from '../../core/errors.js';
import { waitForListener } from '../aurora/mariadb.js';
import { findBinary } from '../binaries.js';
import { stopServer } from '../processes.js';
import type { NodeCertificate } from '../tls.js';
import { type IamLogin, NodeFront } from './front.js';

export interface RedisNodeOptions {
  /** The node's own directory (config, nodes.conf, log). */
  dir: string;
  name: string;
  host: string;
  address: string;
  /** The port clients know, where the node's front listens. */
  port: number;
  user: string;
  password: string;
  /** The password of the nodes' own replication user (`lab-replication`): replicas log in to primaries with it. */
  replicationPassword: string;
  nodeTimeoutMs: number;
  /** TLS on the client port, the cluster bus and replication; undefined: plain TCP. */
  tls: { caFile: string; cert: NodeCertificate } | undefined;
  /** The user who logs in with IAM tokens, checked by the front; undefined: none. */
  iam?: IamLogin | undefined;
  /** Told of each redis-server the moment it is spawned (the lab records its pid). */
  onSpawn?: (pid: number | undefined) => void;
  /** Called just before address:port is bound (the lab lets its hold on it go). */
  beforeBind?: (address: string, port: number) => Promise<void>;
}

/** redis-server's own port, plain, on the node's address: its front, the lab's watcher and nothing else use it. */
export const backendPort = 6380;
/** The cluster bus, on the node's address. */
const busPort = 16379;

/** The port clients know, as MemoryDB's: the node's front listens there. */
export const clientPort = 6379;
/** The ports one node takes on its address: the front clients know, redis-server's own, the cluster bus. */
export const nodePorts = [clientPort, backendPort, busPort] as const;

/**
 * One `redis-server` in cluster mode on its own loopback address, configured as a MemoryDB node: an ACL user
 * (the default user off), the host name announced to clients, TLS everywhere (clients need not present a
 * certificate). Clients reach it through its front (./front.ts) on the port the cluster announces; the bus and
 * replication are redis-server's own. Its nodes.conf survives restarts, so a killed node rejoins the cluster it
 * knew.
 */
export class RedisNode {
  readonly front: NodeFront;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** Called when the process exits, for whatever reason. */
  onExit: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined;
  paused = false;

  constructor(readonly options: RedisNodeOptions) {
    this.front = new NodeFront({
      name: options.name,
      address: options.address,
      port: options.port,
      backendPort,
      // The certificates are made when the cluster starts, after its nodes are built: read when the front opens.
      get tls() {
        return options.tls?.cert;
      },
      iam: options.iam,
    });
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }
  get logFile(): string {
    return join(this.options.dir, 'redis.log');
  }

  /**
   * Writes redis.conf (mode 600: it holds the replication user's password). The user's password is there only
   * as its SHA-256: it is in no file but the lab's `password`.
   */
  writeConfig(): string {
    const o = this.options;
    mkdirSync(o.dir, { recursive: true });
    const lines = [
      `bind ${o.address}`,
      'protected-mode no',
      `dir ${confValue(o.dir)}`,
      `logfile ${confValue(this.logFile)}`,
      'daemonize no',
      // The config file (under the lab's state dir) in `ps`, so `drill lab down` can be checked from outside.
      'proc-title-template "{title} {listen-addr} {server-mode} {config-file}"',
      'save ""',
      'appendonly no',
      'cluster-enabled yes',
      'cluster-config-file nodes.conf',
      `cluster-node-timeout ${o.nodeTimeoutMs}`,
      `cluster-announce-ip ${o.address}`,
      // Clients and replicas are told the front's port; the bus keeps its own.
      `port ${backendPort}`,
      `cluster-port ${busPort}`,
      `cluster-announce-port ${o.port}`,
      `cluster-announce-bus-port ${busPort}`,
      `cluster-announce-hostname ${o.host}`,
      'cluster-preferred-endpoint-type hostname',
      'cluster-require-full-coverage yes',
      'cluster-allow-replica-migration no',
      'repl-diskless-sync yes',
      'repl-diskless-sync-delay 0',
      'repl-ping-replica-period 1',
      'repl-timeout 5',
      `masteruser ${replicationUser}`,
      `masterauth ${confValue(o.replicationPassword)}`,
      'user default off',
      // What a replica needs of its primary, and no more.
      `user ${replicationUser} on ${confValue(hashedPassword(o.replicationPassword))} +psync +replconf +ping`,
      `user ${confValue(o.user)} on ${confValue(hashedPassword(o.password))} ~* &* +@all`,
    ];
    if (o.iam)
      lines.push(`user ${confValue(o.iam.user)} on ${confValue(hashedPassword(o.iam.password))} ~* &* +@all`);
    if (o.tls) {
      // No TLS port: clients get TLS from the front. The bus and replication (through the front) use TLS.
      lines.push(
        `cluster-announce-tls-port ${o.port}`,
        `tls-cert-file ${confValue(o.tls.cert.certFile)}`,
        `tls-key-file ${confValue(o.tls.cert.keyFile)}`,
        `tls-ca-cert-file ${confValue(o.tls.caFile)}`,
        'tls-auth-clients no',
        'tls-cluster yes',
        'tls-replication yes',
      );
    }
    const file = join(o.dir, 'redis.conf');
    writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
    return file;
  }

  /** Starts redis-server and resolves once it accepts connections on its port. */
  async start(timeoutMs = 15_000): Promise<void> {
    if (this.running) throw new Error(`${this.options.name} is already running`);
    const config = this.writeConfig();
    const { address, beforeBind } = this.options;
    await beforeBind?.(address, backendPort);
    await beforeBind?.(address, busPort);
    // What redis-server says before its log file is open (a config error) goes to stderr.log.
    const stderr = openSync(this.stderrFile, 'w', 0o600);
    const child = spawn(findBinary('redis-server'), [config], { stdio: ['ignore', 'ignore', stderr] });
    closeSync(stderr);
    this.child = child;
    this.options.onSpawn?.(child.pid);
    this.paused = false;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('exit', (code, signal) => {
      this.front.close();
      this.onExit?.(code, signal);
    });
    const failed = this.exited.then(() => {
      throw cannotStart(`redis-server ${this.options.name} exited during start-up: ${this.lastWords()}`);
    });
    failed.catch(() => {});
    await Promise.race([
      waitForListener(this.options.address, backendPort, timeoutMs, { greeting: false }),
      failed,
    ]);
    await beforeBind?.(address, this.options.port);
    await this.front.open();
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

  get stderrFile(): string {
    return join(this.options.dir, 'stderr.log');
  }

  /** The last lines of the node's log, or of its stderr when it wrote no log (a config error). */
  private lastWords(): string {
    for (const file of [this.logFile, this.stderrFile]) {
      let lines: string[] = [];
      try {
        lines = readFileSync(file, 'utf8').trim().split('\n').filter(Boolean);
      } catch {
        // not written
      }
      if (lines.length > 0) return `${file} ends: ${lines.slice(-4).join(' | ')}`;
    }
    return 'no log, nothing on stderr';
  }
}

/** The nodes' replication user: its own random password, so the user's is not needed in redis.conf. */
const replicationUser = 'lab-replication';

/** An ACL rule for a password by its SHA-256 (`#<hex>`): the password itself stays out of redis.conf. */
const hashedPassword = (password: string): string =>
  password === '' ? 'nopass' : `#${createHash('sha256').update(password).digest('hex')}`;

/**
 * A redis.conf value as its parser reads it: in double quotes, with `\`, `"` and control bytes escaped, so spaces,
 * quotes and `$` arrive as they are.
 */
export function confValue(value: string): string {
  const escaped = [...value]
    .map((c) => {
      if (c === '\\' || c === '"') return `\\${c}`;
      const code = c.charCodeAt(0);
      return code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : c;
    })
    .join('');
  return `"${escaped}"`;
}
