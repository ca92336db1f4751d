import type { ChildProcess } from 'node:child_process';

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
