import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { cannotStart } from '../../core/errors.js';
import { findBinary } from '../binaries.js';
import { stopServer } from '../processes.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;

export interface MariadbOptions {
  /** Folder of this instance: datadir, socket, pid and error log live under it. */
  dir: string;
  address: string;
  port: number;
  serverId: number;
  /** More mariadbd options (replication settings, for example). */
  extraArgs?: string[];
  /** Told of each mariadbd the moment it is spawned, before it is ready (the lab records its pid). */
  onSpawn?: (pid: number | undefined) => void;
}

/**
 * Creates a system-tables-only datadir once, for copying: `mariadb-install-db` takes most of an instance's
 * start-up time, a copy of its result almost none. It is installed aside and moved in place once complete, so
 * an install cut short never passes for a template. `onSpawn` is told of the installer as it starts.
 */
export async function prepareTemplate(
  dir: string,
  onSpawn?: (pid: number | undefined) => void,
): Promise<string> {
  const datadir = join(dir, 'template');
  if (existsSync(join(datadir, 'mysql'))) return datadir;
  const partial = join(dir, 'template.partial');
  rmSync(partial, { recursive: true, force: true });
  // A server starting up deletes every '#sql*' file in its tmpdir: servers sharing /tmp delete each other's
  // temporary tables (concurrent installs fail with errno 2). Each gets a tmpdir of its own.
  const tmpdir = join(dir, 'install-tmp');
  mkdirSync(tmpdir, { recursive: true });
  const installer = findBinary('mariadb-install-db');
  try {
    const install = run(installer, [
      '--no-defaults',
      `--datadir=${partial}`,
      `--tmpdir=${tmpdir}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      ...(isRoot ? ['--user=root'] : []),
    ]);
    onSpawn?.(install.child.pid);
    await install;
  } catch (err) {
    throw cannotStart(`mariadb-install-db failed in ${partial}: ${(err as Error).message.split('\n')[0]}`);
  }
  rmSync(datadir, { recursive: true, force: true });
  renameSync(partial, datadir);
  return datadir;
}

/**
 * How MariaDB stores a mysql_native_password: `*` and SHA1(SHA1(pw)) in upper-case hex ('' for no password).
 * `IDENTIFIED BY PASSWORD` with it keeps the password itself out of the binlog and relay logs.
 */
export function nativePasswordHash(password: string): string {
  if (password === '') return '';
  const sha1 = (b: Buffer | string): Buffer => createHash('sha1').update(b).digest();
  return `*${sha1(sha1(password)).toString('hex').toUpperCase()}`;
}

/**
 * One real `mariadbd` on a loopback address: started, killed, restarted with its datadir kept (so a restart is
 * a real crash recovery). Administration goes through its unix socket as root; clients use TCP.
 */
export class MariadbInstance {
  private child: ChildProcess | undefined;
  /** Told of every exit, expected or not (the lab restarts an instance killed behind its back). */
  onExit: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(readonly options: MariadbOptions) {}

  get datadir(): string {
    return join(this.options.dir, 'data');
  }
  get socket(): string {
    return join(this.options.dir, 'mysqld.sock');
  }
  get errorLog(): string {
    return join(this.options.dir, 'error.log');
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Fills the datadir from a template unless it already holds one. */
  initFrom(template: string): void {
    if (existsSync(join(this.datadir, 'mysql'))) return;
    mkdirSync(this.options.dir, { recursive: true });
    cpSync(template, this.datadir, { recursive: true });
  }

  /**
   * Starts mariadbd and resolves once it accepts TCP connections (wall-clock ms of that moment). `moreArgs`
   * apply to this start only (a role's read-only flag, for example).
   */
  async start(timeoutMs = 30_000, moreArgs: string[] = []): Promise<number> {
    if (this.running) throw new Error(`${this.describe()} is already running`);
    const { address, port, serverId, extraArgs = [] } = this.options;
    // Its own tmpdir: at start-up a server deletes every '#sql*' file in it (see prepareTemplate).
    const tmpdir = join(this.options.dir, 'tmp');
    mkdirSync(tmpdir, { recursive: true });
    const child = spawn(
      findBinary('mariadbd'),
      [
        '--no-defaults',
        `--datadir=${this.datadir}`,
        `--socket=${this.socket}`,
        `--tmpdir=${tmpdir}`,
        `--pid-file=${join(this.options.dir, 'mysqld.pid')}`,
        `--log-error=${this.errorLog}`,
        `--bind-address=${address}`,
        `--port=${port}`,
        `--server-id=${serverId}`,
        '--skip-name-resolve',
        '--innodb-buffer-pool-size=32M',
        '--performance-schema=OFF',
        '--max-connections=500',
        ...(isRoot ? ['--user=root'] : []),
        ...extraArgs,
        ...moreArgs,
      ],
      { stdio: 'ignore' },
    );
    this.child = child;
    this.options.onSpawn?.(child.pid);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('exit', (code, signal) => this.onExit?.(code, signal));
    const failed = this.exited.then(() => {
      throw cannotStart(`${this.describe()} exited during start-up: ${this.lastLogLine()}`);
    });
    failed.catch(() => {});
    return Promise.race([waitForListener(address, port, timeoutMs), failed]);
  }

  /** Sends a signal (SIGKILL: a crash; SIGSTOP/SIGCONT: a hang) and, for fatal ones, waits for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    this.child?.kill(signal);
    if (signal === 'SIGKILL' || signal === 'SIGTERM') await this.exited;
  }

  /** A clean shutdown, forced after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running || !this.child) return;
    await stopServer(this.child, this.exited, graceMs);
  }

  /** Runs administrative SQL as root over the unix socket. */
  async admin(sql: string, values: unknown[] = []): Promise<unknown> {
    const conn = await mysql.createConnection({
      socketPath: this.socket,
      user: 'root',
      multipleStatements: true,
    });
    try {
      const [rows] = await conn.query(sql, values);
      return rows;
    } finally {
      await conn.end();
    }
  }

  /** Creates (or resets the password of) a user with every privilege, for TCP clients. */
  async createUser(user: string, password: string): Promise<void> {
    await this.admin(
      `CREATE OR REPLACE USER ?@'%' IDENTIFIED BY PASSWORD ?; GRANT ALL PRIVILEGES ON *.* TO ?@'%';`,
      [user, nativePasswordHash(password), user],
    );
  }

  describe(): string {
    return `mariadbd ${this.options.address}:${this.options.port}`;
  }

  private lastLogLine(): string {
    try {
      const lines = readFileSync(this.errorLog, 'utf8').trim().split('\n');
      return lines.filter((l) => /ERROR/.test(l)).pop() ?? lines.pop() ?? 'no log';
    } catch {
      return 'no error log';
    }
  }
}

/**
 * Polls until a server on `address:port` answers; resolves with the wall-clock ms of that moment. With
 * `greeting`, "answers" means it sent its first bytes (MySQL's handshake), not just that the kernel accepted.
 */
export async function waitForListener(
  address: string,
  port: number,
  timeoutMs: number,
  { greeting = true, everyMs = 10 } = {},
): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await answers(address, port, greeting)) return Date.now();
    if (Date.now() > until)
      throw cannotStart(`nothing answered on ${address}:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function answers(address: string, port: number, greeting: boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => {
      if (!greeting) done(true);
    });
    socket.once('data', () => done(true));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}
