/**
 * What a drill may know of a lab: its status file and password, whether it runs and which host it serves,
 * throwaway labs in their own process, and its ground truth. Imports nothing of the lab's servers (API, DNS,
 * MariaDB, mysql2, dns2), so a drill against real Aurora loads none of them.
 */
import { spawn } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { cannotStart, DrillError, ExitCode } from '../core/errors.js';
import type { GroundTruthEvent, GroundTruthFact, History, Unstamped } from '../core/history.js';
import { parseWhole } from '../core/numbers.js';
import type { DrillPart } from '../core/session/part.js';
import { defaultLabStateDir } from './defaults.js';
import { replaceFile } from './files.js';
import { freePort } from './ports.js';
import { alive, gone, type LabProcess, labPidsFile, labProcesses, signalProcesses } from './processes.js';

export { alive } from './processes.js';

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
  /** `--require-tls`: the instance fronts and the RDS Proxy refuse logins without TLS. */
  requireTls?: boolean;
  /** Overrides the timing profile's DNS propagation delay. */
  dnsDelayMs?: number;
  /** A MemoryDB cluster besides the Aurora one (`--memorydb`). */
  memorydb?: MemoryDbPlan;
  /** A drill's `--lab`: its process ends with the drill's (see `throwawayLabEnv`). */
  throwaway?: boolean;
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
  /** A user with IAM authentication: it logs in with tokens signed with the lab's keys (`--iam-auth`). */
  iamUser?: string;
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
    /** The CA (PEM) that signs the instance fronts' certificates: trust it for TLS (`--ca`). */
    caFile?: string;
    /** `drill lab up --require-tls`: the fronts and the proxy refuse connections without TLS. */
    requireTls?: boolean;
    /** The master user secret in the lab's Secrets Manager (same API endpoint): `--secret-id`. */
    secretId?: string;
    /** The user that logs in with IAM tokens (`--iam-auth --user`), over TLS. */
    iamUser?: string;
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
    | 'proxy-session-lost'
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

/** A lab start cut short by Ctrl+C (SIGINT), SIGTERM or SIGHUP, after taking down what it had started. */
export function interruptedStart(): DrillError {
  return new DrillError('interrupted while the lab started: it was taken down', ExitCode.interrupted);
}

/** Set in the environment of the background `lab up` that `--detach` starts: its output goes to lab.log. */
export const detachedOwnerEnv = 'DRILL_LAB_DETACHED_OWNER';

/**
 * Set for a drill's throwaway lab: its stdin is a pipe from the drill, and EOF there (the drill exited, however,
 * SIGKILL included: the kernel closes the pipe) takes the lab down and removes its state dir.
 */
export const throwawayLabEnv = 'DRILL_LAB_THROWAWAY';

/** Where a drill's throwaway labs live: `drill-ephemeral-lab-XXXXXX` under the temporary folder. */
const ephemeralPrefix = 'drill-ephemeral-lab-';

/**
 * Where every starting or running lab notes itself (`<pid>.json`: its state dir and addresses), from the moment
 * it holds its addresses: how a second lab on the same addresses names the first, wherever its state dir is.
 * Loopback addresses belong to the machine, so the folder does too: /tmp, not `$TMPDIR` (two labs started with
 * different TMPDIR values would not see each other's notes); on Windows, the temporary folder.
 */
export const runningLabsDir = (): string =>
  join(process.platform === 'win32' ? tmpdir() : '/tmp', 'drill-labs');

interface LabNote {
  pid: number;
  stateDir: string;
  addresses: string[];
}

/** Notes this process's lab (its state dir and the addresses it holds); `forgetLab` takes the note back. */
export function noteLab(stateDir: string, addresses: string[]): void {
  try {
    if (!existsSync(runningLabsDir())) {
      mkdirSync(runningLabsDir(), { recursive: true });
      // Shared by every user's labs, like the temporary folder itself (the umask would take the write bits).
      chmodSync(runningLabsDir(), 0o1777);
    }
    // Notes of labs whose owner died (kill -9) go: their servers, if any, are found through the state dir.
    for (const note of labNotes()) {
      if (alive(note.pid)) continue;
      try {
        rmSync(join(runningLabsDir(), `${note.pid}.json`), { force: true });
      } catch {
        // another user's note (the folder is sticky): it stays, and is skipped while its owner is dead
      }
    }
    const note: LabNote = { pid: process.pid, stateDir, addresses };
    replaceFile(join(runningLabsDir(), `${process.pid}.json`), `${JSON.stringify(note)}\n`);
  } catch {
    // only a better message is lost: a second lab then names no owner
  }
}

export function forgetLab(): void {
  rmSync(join(runningLabsDir(), `${process.pid}.json`), { force: true });
}

function labNotes(): LabNote[] {
  let files: string[] = [];
  try {
    files = readdirSync(runningLabsDir()).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files.flatMap((f) => {
    try {
      const note = JSON.parse(readFileSync(join(runningLabsDir(), f), 'utf8')) as LabNote;
      return typeof note.stateDir === 'string' && Array.isArray(note.addresses) ? [note] : [];
    } catch {
      return [];
    }
  });
}

/** The lab using an address: its state dir and its owner process (undefined when only its servers are left). */
export interface LabOwner {
  dir: string;
  pid: number | undefined;
}

/**
 * The lab (running, starting, or whose servers a killed owner left) that listens on `address`, among the labs
 * noted in `runningLabsDir()`, the default state dir and the throwaway labs' dirs: to name in an "address taken"
 * message.
 */
export function labDirUsing(address: string): LabOwner | undefined {
  for (const note of labNotes()) {
    if (note.pid !== process.pid && note.addresses.includes(address) && alive(note.pid)) {
      return { dir: note.stateDir, pid: note.pid };
    }
  }
  let dirs: string[] = [];
  try {
    dirs = readdirSync(tmpdir())
      .filter((e) => e.startsWith(ephemeralPrefix))
      .map((e) => join(tmpdir(), e));
  } catch {
    // no temporary folder to look in
  }
  const noted = labNotes().map((n) => n.stateDir);
  for (const dir of new Set([resolve(defaultLabStateDir()), ...dirs, ...noted])) {
    const status = readLabStatus(dir);
    if (!status || status.pid === process.pid) continue;
    const a = status.aurora;
    const addresses = [a.proxyAddress, ...a.instances.map((i) => i.address)];
    if (!addresses.includes(address)) continue;
    if (alive(status.pid)) return { dir, pid: status.pid };
    if (labProcesses(dir).length > 0) return { dir, pid: undefined };
  }
  return undefined;
}

/** Refuses a second lab on a state dir whose lab still runs (or still starts). */
export function refuseIfRunning(stateDir: string): void {
  const dir = resolve(stateDir);
  const running = readLabStatus(dir);
  const owner = running && alive(running.pid) ? running.pid : ownersOf(labProcesses(dir))[0]?.pid;
  if (owner) {
    throw cannotStart(
      `a lab is already running from ${dir} (pid ${owner}): use it, or stop it with 'drill lab down --state-dir ${dir}'`,
    );
  }
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

const ownersOf = (processes: LabProcess[]) => processes.filter((p) => p.kind === 'lab');
const serversOf = (processes: LabProcess[]) => processes.filter((p) => p.kind !== 'lab');

/**
 * At once, without waiting: SIGKILL for every process the state dir knows of (owner first, so it restarts no
 * server), servers left by a dead owner included. Returns what it signalled.
 */
export function killLabProcesses(stateDir: string): LabProcess[] {
  const processes = labProcesses(resolve(stateDir));
  signalProcesses(processes, 'SIGKILL');
  return processes;
}

export interface DetachedStart {
  /** Aborting it (Ctrl+C) stops the background lab and everything it started; the start rejects with exit 130. */
  signal?: AbortSignal;
  timeoutMs?: number;
  /** The state dir is removed when the start fails: say what the log said instead of where it is. */
  logIsTemporary?: boolean;
}

/** Starts `drill lab up` as a background process and waits until its lab.json says ready. */
export async function startDetached(
  plan: LabOptions,
  { signal, timeoutMs = 120_000, logIsTemporary = false }: DetachedStart = {},
): Promise<LabStatus> {
  if (signal?.aborted) throw interruptedStart();
  refuseIfRunning(plan.stateDir);
  mkdirSync(plan.stateDir, { recursive: true, mode: 0o700 });
  const logFile = join(plan.stateDir, 'lab.log');
  // The log may say more than a user's terminal would show others: the owner's alone.
  const log = openSync(logFile, 'w', 0o600);
  chmodSync(logFile, 0o600);
  const bin = fileURLToPath(new URL('../../../bin/drill.js', import.meta.url));
  const args = ['lab', 'up', '--state-dir', plan.stateDir, '--readers', String(plan.readers)];
  args.push('--dns-port', String(plan.dnsPort), '--api-port', String(plan.apiPort), '--timing', plan.timing);
  args.push('--region', plan.region, '--first-address', String(plan.firstAddress), '--no-color');
  if (plan.lossy) args.push('--lossy');
  if (plan.requireTls) args.push('--require-tls');
  if (plan.dnsDelayMs !== undefined) args.push('--dns-delay', `${plan.dnsDelayMs}ms`);
  if (plan.memorydb) args.push(...memoryDbArgs(plan.memorydb));
  const child = spawn(process.execPath, [bin, ...args], {
    detached: true,
    // A throwaway lab watches its stdin: this process holds the other end until it exits.
    stdio: [plan.throwaway ? 'pipe' : 'ignore', log, log],
    env: {
      ...process.env,
      [detachedOwnerEnv]: '1',
      ...(plan.throwaway ? { [throwawayLabEnv]: '1' } : {}),
      ...(plan.password ? { DRILL_LAB_PASSWORD: plan.password } : {}),
    },
  });
  closeSync(log);
  if (child.stdin) {
    child.stdin.on('error', () => {});
    // The pipe must not keep this process alive: its end is the lab's signal that the drill is gone.
    (child.stdin as Writable & { unref?: () => void }).unref?.();
  }
  let exited = false;
  const exit = new Promise<void>((resolveExit) =>
    child.once('exit', () => {
      exited = true;
      resolveExit();
    }),
  );
  child.unref();
  /** The background lab ends what it started on SIGTERM; what it could not, `stopLab` does. */
  const takeDown = async (): Promise<void> => {
    if (!exited) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exit;
    clearTimeout(killer);
    await stopLab(plan.stateDir);
  };
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) {
      await takeDown();
      throw interruptedStart();
    }
    const status = readLabStatus(plan.stateDir);
    if (status && status.pid === child.pid && status.state === 'ready') return status;
    if (exited || Date.now() > until) {
      const timedOut = !exited;
      await takeDown();
      throw cannotStart(`the lab did not start: ${whyNotStarted(logFile, timedOut, logIsTemporary)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The reason a background lab gave (its log's last line), and where to read more while the log exists. */
function whyNotStarted(logFile: string, timedOut: boolean, logIsTemporary: boolean): string {
  let lines: string[] = [];
  try {
    lines = readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean);
  } catch {
    // no log
  }
  const last = lines.pop()?.replace(/^drill: (the lab did not start: )?/, '') ?? 'no output';
  const reason = timedOut ? `not ready in time (its log ended: ${last})` : last;
  if (!logIsTemporary) return `${reason} (log: ${logFile})`;
  const before = lines.pop();
  return before ? `${reason} (before that, its log said: ${before})` : reason;
}

/** What `stopLab` stopped: the lab's owner process (if it still ran) and the servers that still ran. */
export interface StoppedLab {
  owner: number | undefined;
  servers: LabProcess[];
}

/**
 * Stops every process the state dir knows of, a half-started lab's too: the owner by SIGTERM (it stops its
 * servers; SIGKILL after 30 s), then, by SIGKILL, any server left. Undefined when nothing ran from `stateDir`.
 */
export async function stopLab(stateDir: string): Promise<StoppedLab | undefined> {
  const dir = resolve(stateDir);
  const status = readLabStatus(dir);
  const before = labProcesses(dir);
  const owners = ownersOf(before);
  if (status && alive(status.pid) && !owners.some((o) => o.pid === status.pid))
    owners.unshift({ pid: status.pid, kind: 'lab' });
  signalProcesses(owners, 'SIGTERM');
  if (!(await gone(owners, 30_000))) signalProcesses(owners, 'SIGKILL');
  const left = serversOf(labProcesses(dir));
  signalProcesses(left, 'SIGKILL');
  await gone(left, 10_000);
  for (const file of [labStatusFile(dir), labPasswordFile(dir), labPidsFile(dir)])
    rmSync(file, { force: true });
  const servers = serversOf(before);
  for (const s of left) if (!servers.some((t) => t.pid === s.pid)) servers.push(s);
  if (owners.length === 0 && servers.length === 0) return undefined;
  return { owner: owners[0]?.pid, servers };
}

export interface EphemeralLab {
  status: LabStatus;
  password: string;
  /** Takes everything down, waiting for a clean stop, and removes the state dir. */
  stop(): Promise<void>;
  /**
   * For a process that must exit at once (a second Ctrl+C, SIGHUP): SIGKILL for the lab's owner process and
   * every server its state dir knows of, and the state dir removed, all synchronously. Best effort.
   */
  stopNow(): void;
}

/** The `drill lab up` options that ask for `plan`. */
export function memoryDbArgs(plan: MemoryDbPlan): string[] {
  const args = ['--memorydb', '--shards', String(plan.shards), '--replicas', String(plan.replicas)];
  args.push('--memorydb-first-address', String(plan.firstAddress));
  return plan.tls ? args : [...args, '--no-tls'];
}

/**
 * `drill aurora --lab`: a lab in its own process (so its work never shares the drill's event loop) under a
 * temporary state dir, on instance addresses 127.0.0.21 and up (a lab started by hand keeps .11 and up;
 * DRILL_LAB_FIRST_ADDRESS moves them); with `memorydb`, a MemoryDB cluster (3 shards x 2, TLS) on 127.0.1.21 and up
 * (DRILL_LAB_MEMORYDB_FIRST_ADDRESS). `signal` aborted during the start takes down what was started, removes
 * the state dir and rejects with exit 130. `stop()` takes everything down and removes the state dir; Ctrl+C and
 * errors get there through `finally`; a drill that dies without either (SIGKILL) closes the lab's stdin, and the
 * lab does the same by itself.
 */
export async function startEphemeralLab(
  timing: LabTiming,
  { signal, memorydb }: { signal?: AbortSignal; memorydb?: boolean } = {},
): Promise<EphemeralLab> {
  const first = parseWhole(process.env.DRILL_LAB_FIRST_ADDRESS ?? '21', 'DRILL_LAB_FIRST_ADDRESS', 3, 253);
  const [dnsPort, apiPort] = [await freePort(), await freePort()];
  if (signal?.aborted) throw interruptedStart();
  const stateDir = mkdtempSync(join(tmpdir(), ephemeralPrefix));
  const plan: LabOptions = {
    stateDir,
    readers: 1,
    dnsPort,
    apiPort,
    timing,
    user: 'admin',
    lossy: false,
    region: 'us-east-1',
    firstAddress: first,
    throwaway: true,
    ...(memorydb
      ? {
          memorydb: {
            shards: 3,
            replicas: 1,
            tls: true,
            firstAddress: parseWhole(
              process.env.DRILL_LAB_MEMORYDB_FIRST_ADDRESS ?? '21',
              'DRILL_LAB_MEMORYDB_FIRST_ADDRESS',
              1,
              240,
            ),
          },
        }
      : {}),
  };
  const stop = async (): Promise<void> => {
    await stopLab(stateDir);
    rmSync(stateDir, { recursive: true, force: true });
  };
  const stopNow = (): void => {
    const status = readLabStatus(stateDir);
    if (status) signalProcesses([{ pid: status.pid, kind: 'lab' }], 'SIGKILL');
    killLabProcesses(stateDir);
    rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    const status = await startDetached(plan, { signal, logIsTemporary: true });
    return { status, password: readLabPassword(stateDir) ?? '', stop, stopNow };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A lab's ground truth on the drill's timeline, as a part of the drill: what really happened, beside what was seen. */
export function groundTruthPart(file: string, history: History): DrillPart {
  const follower = new GroundTruthFollower(file, history);
  return {
    name: 'ground truth',
    prepare: async () => follower.start(),
    finish: async () => follower.stop(),
  };
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
  // A node taking writes again: the promoted replica (or the restarted writer); MemoryDB's nodes say primary.
  if (kind === 'writes-accepted') return 'writer-up';
  if (kind === 'instance-up' && (d.role === 'writer' || d.role === 'primary')) return 'writer-up';
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
