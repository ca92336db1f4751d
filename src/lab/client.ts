/**
 * What a drill may know of a lab: its status file and password, whether it runs and which host it serves,
 * throwaway labs in their own process, and its ground truth. Imports nothing of the lab's servers (API, DNS,
 * MariaDB, mysql2, dns2), so a drill against real Aurora loads none of them.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cannotStart } from '../core/errors.js';
import type { GroundTruthEvent, GroundTruthFact, History, Unstamped } from '../core/history.js';
import { defaultLabStateDir } from './defaults.js';
import { freePort } from './ports.js';

/** The lab's timing profiles by name: `fast` keeps tests quick, `aurora` is close to the seed lab. */
export type LabTiming = 'fast' | 'aurora';

/** How to start a lab: what `drill lab up` parses its options into. */
export interface LabOptions {
  stateDir: string;
  readers: number;
  dnsPort: number;
  apiPort: number;
  timing: LabTiming;
  user: string;
  password?: string;
  lossy: boolean;
  region: string;
  /** Last octet of the first instance's loopback address: 11 puts instances on 127.0.0.11, .12, ... */
  firstAddress: number;
  /** Overrides the timing profile's DNS propagation delay. */
  dnsDelayMs?: number;
  /** A MemoryDB cluster besides the Aurora one (`--memorydb`). */
  memorydb?: MemoryDbPlan;
}

/** `drill lab up --memorydb`: shards of a primary and replicas on 127.0.1.`firstAddress` and up, port 6379. */
export interface MemoryDbPlan {
  shards: number;
  replicas: number;
  tls: boolean;
  firstAddress: number;
}

/** The lab's MemoryDB cluster as `drill lab status --json` shows it; roles as the nodes last said. */
export interface MemoryDbStatus {
  clusterName: string;
  clusterEndpoint: string;
  port: number;
  /** The ACL user; its password is the lab's password file. The default user is off. */
  user: string;
  tls: boolean;
  /** The lab's CA certificate (PEM) to trust, when TLS is on. */
  caFile: string | null;
  shards: {
    name: string;
    slots: string;
    nodes: {
      name: string;
      host: string;
      address: string;
      role: 'primary' | 'replica';
      pid: number | null;
    }[];
  }[];
}

/** What `drill lab status --json` prints (never the password). */
export interface LabStatus {
  pid: number;
  state: 'starting' | 'ready' | 'stopping';
  startedAt: string;
  stateDir: string;
  timing: string;
  lossy: boolean;
  aurora: {
    clusterId: string;
    clusterEndpoint: string;
    readerEndpoint: string;
    proxyEndpoint: string;
    proxyAddress: string;
    user: string;
    instances: { id: string; host: string; address: string; role: string; pid: number | null }[];
  };
  dnsServer: string;
  apiEndpoint: string;
  /** The lab's SNS: the same endpoint as the RDS API. */
  snsEndpoint: string;
  /** Mails and SQS messages the lab's SNS delivered, one file each. */
  outbox: string;
  region: string;
  groundTruthFile: string;
  /** Only with `drill lab up --memorydb`. */
  memorydb?: MemoryDbStatus;
}

/** One line of the lab's ground truth: what really happened, when, by the wall clock. */
export interface GroundTruthRecord {
  at: string;
  kind:
    | 'instance-down'
    | 'instance-up'
    | 'writes-stopped'
    | 'writes-accepted'
    | 'role'
    | 'topology'
    | 'dns'
    | 'failover-started'
    | 'failover-completed'
    | 'crash'
    | 'fault'
    | 'notification'
    | 'lab';
  instance?: string;
  [detail: string]: unknown;
}

export const labStatusFile = (dir: string) => join(dir, 'lab.json');
export const labPasswordFile = (dir: string) => join(dir, 'password');

export function readLabStatus(stateDir: string): LabStatus | undefined {
  try {
    return JSON.parse(readFileSync(labStatusFile(stateDir), 'utf8')) as LabStatus;
  } catch {
    return undefined;
  }
}

export function readLabPassword(stateDir: string): string | undefined {
  try {
    return readFileSync(labPasswordFile(stateDir), 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function alive(pid: number | null | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Refuses a second lab on a state dir whose lab still runs; returns a dead lab's status (for its leftovers). */
export function refuseIfRunning(stateDir: string): LabStatus | undefined {
  const dir = resolve(stateDir);
  const running = readLabStatus(dir);
  if (running && alive(running.pid)) {
    throw cannotStart(
      `a lab is already running from ${dir} (pid ${running.pid}): use it, or stop it with 'drill lab down --state-dir ${dir}'`,
    );
  }
  return running;
}

/** The status of the lab running from `stateDir` (and in `state`, if given), or exit 3 saying none runs. */
export function requireRunning(stateDir: string, state?: LabStatus['state']): LabStatus {
  const dir = resolve(stateDir);
  const status = readLabStatus(dir);
  if (!status || !alive(status.pid) || (state !== undefined && status.state !== state)) {
    throw cannotStart(
      `no lab is running from ${dir}: start one with 'drill lab up --detach --state-dir ${dir}'`,
    );
  }
  return status;
}

/** `--lab-state-dir`: the lab running from that dir, with its password, or exit 3 saying none runs. */
export function runningLab(stateDir: string): { status: LabStatus; password: string } {
  const status = requireRunning(stateDir, 'ready');
  return { status, password: readLabPassword(status.stateDir) ?? '' };
}

/**
 * The running lab (from DRILL_LAB_DIR or the default state dir) that `host` belongs to, if any: a drill pointed
 * at a lab by hand follows its ground truth as `--lab` does.
 */
export function labServing(host: string, stateDir = defaultLabStateDir()): LabStatus | undefined {
  const status = readLabStatus(resolve(stateDir));
  if (!status || !alive(status.pid)) return undefined;
  const a = status.aurora;
  const names = [a.clusterEndpoint, a.readerEndpoint, a.proxyEndpoint, a.proxyAddress];
  for (const i of a.instances) names.push(i.host, i.address);
  const m = status.memorydb;
  if (m)
    names.push(m.clusterEndpoint, ...m.shards.flatMap((s) => s.nodes.flatMap((n) => [n.host, n.address])));
  return names.includes(host) ? status : undefined;
}

/** A lab whose owner died (kill -9): its servers may still run; stop them by their recorded pids. */
export function killLeftovers(status: LabStatus): void {
  for (const i of status.aurora.instances) {
    if (i.pid && alive(i.pid) && runs(i.pid, 'mariadbd')) process.kill(i.pid, 'SIGKILL');
  }
  for (const n of status.memorydb?.shards.flatMap((s) => s.nodes) ?? []) {
    if (n.pid && alive(n.pid) && runs(n.pid, 'redis-server')) process.kill(n.pid, 'SIGKILL');
  }
}

function runs(pid: number, binary: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(binary);
  } catch {
    return false;
  }
}

/** Starts `drill lab up` as a background process and waits until its lab.json says ready. */
export async function startDetached(plan: LabOptions, timeoutMs = 120_000): Promise<LabStatus> {
  refuseIfRunning(plan.stateDir);
  mkdirSync(plan.stateDir, { recursive: true });
  const logFile = join(plan.stateDir, 'lab.log');
  const log = openSync(logFile, 'w');
  const bin = fileURLToPath(new URL('../../../bin/drill.js', import.meta.url));
  const args = ['lab', 'up', '--state-dir', plan.stateDir, '--readers', String(plan.readers)];
  args.push('--dns-port', String(plan.dnsPort), '--api-port', String(plan.apiPort), '--timing', plan.timing);
  args.push('--region', plan.region, '--first-address', String(plan.firstAddress), '--no-color');
  if (plan.lossy) args.push('--lossy');
  if (plan.dnsDelayMs !== undefined) args.push('--dns-delay', `${plan.dnsDelayMs}ms`);
  if (plan.memorydb) args.push(...memoryDbArgs(plan.memorydb));
  const child = spawn(process.execPath, [bin, ...args], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, ...(plan.password ? { DRILL_LAB_PASSWORD: plan.password } : {}) },
  });
  closeSync(log);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  child.unref();
  const until = Date.now() + timeoutMs;
  for (;;) {
    const status = readLabStatus(plan.stateDir);
    if (status && status.pid === child.pid && status.state === 'ready') return status;
    if (exited || Date.now() > until) {
      if (!exited) child.kill('SIGTERM');
      const last = readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean).pop() ?? 'no output';
      throw cannotStart(`the lab did not start: ${last.replace(/^drill: /, '')} (log: ${logFile})`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The `drill lab up` options that ask for `plan`. */
export function memoryDbArgs(plan: MemoryDbPlan): string[] {
  const args = ['--memorydb', '--shards', String(plan.shards), '--replicas', String(plan.replicas)];
  args.push('--memorydb-first-address', String(plan.firstAddress));
  return plan.tls ? args : [...args, '--no-tls'];
}

/**
 * Stops the lab's owner process, and any server it left behind; false when no lab ran from `stateDir`.
 * A lab that ignores SIGTERM for 30 s gets SIGKILL.
 */
export async function stopLab(stateDir: string): Promise<boolean> {
  const dir = resolve(stateDir);
  const status = readLabStatus(dir);
  if (!status) return false;
  if (alive(status.pid)) {
    process.kill(status.pid, 'SIGTERM');
    const until = Date.now() + 30_000;
    while (alive(status.pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    if (alive(status.pid)) process.kill(status.pid, 'SIGKILL');
  }
  killLeftovers(status);
  rmSync(labStatusFile(dir), { force: true });
  rmSync(labPasswordFile(dir), { force: true });
  return true;
}

export interface EphemeralLab {
  status: LabStatus;
  password: string;
  stop(): Promise<void>;
  stopNow(): void;
}

/**
 * `drill aurora --lab`: a lab in its own process (so its work never shares the drill's event loop) under a
 * temporary state dir, on instance addresses 127.0.0.21 and up (a lab started by hand keeps .11 and up); with
 * `memorydb`, a MemoryDB cluster (3 shards x 2, TLS) on 127.0.1.21 and up (DRILL_LAB_MEMORYDB_FIRST_ADDRESS).
 * `stop()` takes everything down and removes the state dir; Ctrl+C and errors get there through `finally`.
 */
export async function startEphemeralLab(
  timing: LabTiming,
  _options: { signal?: AbortSignal; memorydb?: boolean } = {},
): Promise<EphemeralLab> {
  const stateDir = mkdtempSync(join(tmpdir(), 'drill-ephemeral-lab-'));
  const plan: LabOptions = {
    stateDir,
    readers: 1,
    dnsPort: await freePort(),
    apiPort: await freePort(),
    timing,
    user: 'admin',
    lossy: false,
    region: 'us-east-1',
    firstAddress: Number(process.env.DRILL_LAB_FIRST_ADDRESS ?? 21),
    ...(_options.memorydb
      ? {
          memorydb: {
            shards: 3,
            replicas: 1,
            tls: true,
            firstAddress: Number(process.env.DRILL_LAB_MEMORYDB_FIRST_ADDRESS ?? 21),
          },
        }
      : {}),
  };
  const stop = async (): Promise<void> => {
    await stopLab(stateDir);
    rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    const status = await startDetached(plan);
    const stopNow = (): void => {
      if (alive(status.pid)) process.kill(status.pid, 'SIGTERM');
    };
    return { status, password: readLabPassword(stateDir) ?? '', stop, stopNow };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Follows a lab's ground-truth file during a drill and appends each new line to the drill's history, placed on
 * the drill's axis by its wall time, so reports can set what the client saw next to what really happened.
 */
export class GroundTruthFollower {
  private offset = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly file: string,
    private readonly history: History,
  ) {}

  start(everyMs = 100): void {
    this.offset = existsSync(this.file) ? statSync(this.file).size : 0;
    this.timer = setInterval(() => this.read(), everyMs);
  }

  /** Reads what is left, then stops. */
  stop(): void {
    clearInterval(this.timer);
    this.read();
  }

  private read(): void {
    if (!existsSync(this.file)) return;
    const size = statSync(this.file).size;
    if (size <= this.offset) return;
    const fd = openSync(this.file, 'r');
    const buffer = Buffer.alloc(size - this.offset);
    readSync(fd, buffer, 0, buffer.length, this.offset);
    closeSync(fd);
    const text = buffer.toString('utf8');
    const complete = text.lastIndexOf('\n') + 1;
    this.offset += Buffer.byteLength(text.slice(0, complete));
    for (const line of text.slice(0, complete).split('\n')) {
      if (!line.trim()) continue;
      const { at, kind, ...detail } = JSON.parse(line) as GroundTruthRecord;
      const event: Unstamped<GroundTruthEvent> = {
        kind: 'ground-truth',
        t: this.history.clock.fromWall(Date.parse(at)),
        what: describeTruth(kind, detail),
        detail: { kind, ...detail },
      };
      const fact = factOf(kind, detail);
      if (fact) event.fact = fact;
      if (typeof detail.instance === 'string') event.node = detail.instance;
      this.history.append<GroundTruthEvent>(event);
    }
  }
}

/** The lab's records that mean something to a drill's figures, in the drill's words (see GroundTruthFact). */
function factOf(kind: GroundTruthRecord['kind'], d: Record<string, unknown>): GroundTruthFact | undefined {
  if (kind === 'writes-stopped' || kind === 'instance-down') return 'node-down';
  if (kind === 'instance-up' && d.role === 'writer') return 'writer-up';
  if (kind === 'dns' && d.name === 'cluster') return 'writer-endpoint-moved';
  return undefined;
}

/** One line for the live view: `instance-down auroralab-mysql-node-01 (crash)`, `dns cluster -> 127.0.0.12`. */
function describeTruth(kind: string, d: Record<string, unknown>): string {
  if (kind === 'dns') {
    const to = Array.isArray(d.addresses) ? d.addresses.join(', ') : String(d.address);
    return `dns ${String(d.name)} -> ${to}`;
  }
  if (kind === 'failover-started') return `failover started: ${String(d.from)} -> ${String(d.to)}`;
  if (kind === 'failover-completed') return `failover completed: writer ${String(d.writer)}`;
  if (kind === 'topology') return `topology: writer ${String(d.writer)}`;
  if (kind === 'notification') {
    const what =
      d.messageType === 'Notification' ? String(d.eventMessage ?? d.subject ?? 'message') : d.messageType;
    const outcome = d.delivered ? 'delivered' : `not delivered (${String(d.error)})`;
    return `notification ${String(what)} -> ${String(d.protocol)} ${String(d.endpoint)} ${outcome}`;
  }
  const parts = [kind, d.instance, d.role, d.why ? `(${String(d.why)})` : undefined, d.state, d.error];
  return parts.filter((x) => x !== undefined).join(' ');
}
