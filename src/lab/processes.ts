/**
 * Every process a lab starts, written down in its state dir the moment it is started (before any wait for it to
 * be ready), so that an interrupted start, or an owner killed half-way, leaves nothing `drill lab down` cannot
 * find; and how a server is stopped. Imports nothing but node:fs (and a type): the lab client uses it.
 */
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** `lab`: the process that owns the lab (`drill lab up`); the others are servers it started. */
export type LabProcessKind = 'lab' | 'mariadbd' | 'mariadb-install-db' | 'redis-server';

export interface LabProcess {
  pid: number;
  kind: LabProcessKind;
}

/** One line per process: `<pid> <kind> <start time in clock ticks since boot>`. */
export const labPidsFile = (dir: string) => join(dir, 'pids');

export function alive(pid: number | null | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes down a process the lab just started (synchronously: nothing can run in between). */
export function recordProcess(stateDir: string, pid: number | undefined, kind: LabProcessKind): void {
  if (!pid) return;
  appendFileSync(labPidsFile(stateDir), `${pid} ${kind} ${startTime(pid) ?? '-'}\n`, { mode: 0o600 });
}

/**
 * The lab's processes that still run: those recorded in its state dir (the same processes, not others that got
 * a recycled pid), and any MariaDB process whose command line names the state dir (a server an installer
 * started, or one started before the record existed). Owners first; never this process.
 */
export function labProcesses(stateDir: string): LabProcess[] {
  const found = new Map<number, LabProcess>();
  for (const line of readRecords(stateDir)) {
    const [pid, kind, started] = line.split(' ');
    const n = Number(pid);
    if (!alive(n) || (started !== '-' && startTime(n) !== undefined && startTime(n) !== started)) continue;
    found.set(n, { pid: n, kind: kind as LabProcessKind });
  }
  for (const p of mariadbProcessesUnder(stateDir)) if (!found.has(p.pid)) found.set(p.pid, p);
  found.delete(process.pid);
  return [...found.values()].sort((a, b) => Number(b.kind === 'lab') - Number(a.kind === 'lab'));
}

/** Best effort, at once: sends `signal` to each process (owners first, so none restarts a server). */
export function signalProcesses(processes: LabProcess[], signal: NodeJS.Signals): void {
  for (const p of processes) {
    try {
      process.kill(p.pid, signal);
    } catch {
      // gone already
    }
  }
}

/** Waits (at most `timeoutMs`) until none of `processes` runs; true when all are gone. */
export async function gone(processes: LabProcess[], timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (processes.some((p) => alive(p.pid))) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** `2 mariadbd (pids 11, 12)`, `1 mariadb-install-db (pid 13)`, joined by `and`. */
export function describeServers(servers: LabProcess[]): string {
  const byKind = new Map<string, number[]>();
  for (const s of servers) byKind.set(s.kind, [...(byKind.get(s.kind) ?? []), s.pid]);
  return [...byKind]
    .map(([kind, pids]) => `${pids.length} ${kind} (pid${pids.length > 1 ? 's' : ''} ${pids.join(', ')})`)
    .join(' and ');
}

function readRecords(stateDir: string): string[] {
  try {
    return readFileSync(labPidsFile(stateDir), 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** Field 22 of /proc/PID/stat: tells a process from a later one with the same pid. */
function startTime(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[19];
  } catch {
    return undefined;
  }
}

function mariadbProcessesUnder(stateDir: string): LabProcess[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  const found: LabProcess[] = [];
  for (const entry of entries) {
    let args: string[];
    try {
      args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!args.some((a) => a.includes(`${stateDir}/`))) continue;
    const kind = args.some((a) => a.endsWith('mariadb-install-db'))
      ? 'mariadb-install-db'
      : args.some((a) => /(^|\/)(mariadbd|mysqld)$/.test(a))
        ? 'mariadbd'
        : args.some((a) => /(^|\/)redis-server( |$)/.test(a))
          ? 'redis-server'
          : undefined;
    if (kind) found.push({ pid: Number(entry), kind });
  }
  return found;
}

/**
 * Stops a server the lab started: SIGCONT first (a paused server would never see SIGTERM), SIGTERM, then SIGKILL
 * after `graceMs`; resolves once it exited.
 */
export async function stopServer(child: ChildProcess, exited: Promise<void>, graceMs: number): Promise<void> {
  child.kill('SIGCONT');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
