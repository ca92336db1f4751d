import { formatDuration, parseDuration } from '../core/duration.js';
import { cannotStart, quote, usageError } from '../core/errors.js';
import { type LabStatus, requireRunning } from '../lab/client.js';

/** `drill lab kill NODE`: SIGKILL a MemoryDB node of the running lab; the lab starts it again as a replica. */
export async function labKill(node: string, o: { stateDir: string }): Promise<number> {
  const status = memoryDbLab(o.stateDir, node);
  const out = await labCall(status, 'KillNode', { NodeName: node });
  const restart = formatDuration(Number(out.RestartAfterMs));
  process.stdout.write(
    `killed ${node} (shard ${String(out.Shard)}); the lab starts it again in ${restart} and it rejoins as a replica\n`,
  );
  return 0;
}

/** `drill lab pause NODE DURATION`: SIGSTOP a MemoryDB node now, SIGCONT after DURATION (the lab does both). */
export async function labPause(node: string, duration: string, o: { stateDir: string }): Promise<number> {
  const ms = parseDuration(duration, 'DURATION');
  if (ms < 1 || ms > 3600_000) throw usageError(`DURATION must be from 1 ms to 1 h, got ${quote(duration)}`);
  const status = memoryDbLab(o.stateDir, node);
  const out = await labCall(status, 'PauseNode', { NodeName: node, DurationMs: ms });
  process.stdout.write(
    `paused ${node} (shard ${String(out.Shard)}) for ${formatDuration(ms)}; it resumes at ${String(out.ResumeAt)}\n`,
  );
  return 0;
}

/** The running lab, which must have a MemoryDB cluster with that node. */
function memoryDbLab(stateDir: string, node: string): LabStatus {
  const status = requireRunning(stateDir, 'ready');
  const m = status.memorydb;
  if (!m) {
    throw cannotStart(
      `the lab running from ${status.stateDir} has no MemoryDB cluster: start one with 'drill lab up --memorydb'`,
    );
  }
  const names = m.shards.flatMap((s) => s.nodes.map((n) => n.name));
  if (!names.includes(node))
    throw usageError(`no MemoryDB node ${quote(node)} in the lab: its nodes are ${names.join(', ')}`);
  return status;
}

/** The lab's own operations on its control plane (`X-Amz-Target: DrillLab.<operation>`). */
async function labCall(
  status: LabStatus,
  operation: string,
  input: object,
): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetch(status.apiEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `DrillLab.${operation}` },
      body: JSON.stringify(input),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw cannotStart(`the lab's API at ${status.apiEndpoint} did not answer: ${(err as Error).message}`);
  }
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) throw cannotStart(`the lab refused: ${String(body.message ?? response.status)}`);
  return body;
}
