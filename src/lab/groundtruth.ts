import { appendFileSync, closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import type { GroundTruthEvent, GroundTruthFact, History, Unstamped } from '../core/history.js';

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

/** Appends ground truth to an NDJSON file as it happens; keeps it in memory too, for the lab's own use. */
export class GroundTruth {
  readonly records: GroundTruthRecord[] = [];
  onRecord: ((r: GroundTruthRecord) => void) | undefined;
  constructor(private readonly file: string | undefined) {}

  record(
    kind: GroundTruthRecord['kind'],
    fields: Omit<GroundTruthRecord, 'at' | 'kind'> = {},
  ): GroundTruthRecord {
    const r: GroundTruthRecord = { at: new Date().toISOString(), kind, ...fields };
    this.records.push(r);
    if (this.file) appendFileSync(this.file, `${JSON.stringify(r)}\n`);
    this.onRecord?.(r);
    return r;
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
