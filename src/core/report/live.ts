import type { ChalkInstance } from 'chalk';
import { formatDuration, formatOffset } from '../duration.js';
import type { HistoryRecord, Observation } from '../history.js';
import { notificationDelayMs } from '../notifications.js';
import { type ProbeChange, probeState } from '../outages.js';
import type { RenderContext, Renderer } from './renderer.js';

/** `live`: a line per change as the drill goes, on the stream for people. */
export function liveRenderer(ctx: RenderContext): Renderer {
  let view: LiveView | undefined;
  let unsubscribe: (() => void) | undefined;
  const s = ctx.style;
  return {
    name: 'live',
    runStarted(history) {
      view = new LiveView(ctx.human, s, ctx.tty, (monitor) => history.probes(monitor)?.change);
      unsubscribe = history.subscribe(view.onRecord);
    },
    runHeader(header) {
      ctx.human.write(
        `${s.bold(header.title)}${s.dim(` · ${header.details} · Ctrl+C ends with a summary\n`)}`,
      );
    },
    runEnded() {
      unsubscribe?.();
      view?.finish();
    },
  };
}

interface MonitorLine {
  /** The probe the current line is about: later probes with the same result fold into its counter. */
  last: Observation | undefined;
  label: string;
  count: number;
}

/** What the latest probe of a monitor changed, as the history's fold of it says. */
export type LatestChange = (monitor: string) => ProbeChange | undefined;

/**
 * The live terminal view: one line per state change, not per probe. Identical results fold into a counter that
 * the next line reports ("after 12 × ECONNREFUSED"); on a TTY a status line at the bottom shows the counter as
 * it grows. Notes, trigger steps and provider events get a line each.
 */
export class LiveView {
  private readonly monitors = new Map<string, MonitorLine>();
  private footerShown = false;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly style: ChalkInstance,
    private readonly tty: boolean,
    /** The history folds every probe before listeners hear of it: its outage tracker serves this view too. */
    private readonly latestChange: LatestChange,
  ) {}

  readonly onRecord = (r: HistoryRecord): void => {
    switch (r.kind) {
      case 'observation':
        this.observation(r);
        break;
      case 'note':
        this.line(
          r.t,
          r.monitor ?? 'drill',
          r.level === 'warn' ? this.style.yellow(`! ${r.text}`) : this.style.dim(r.text),
        );
        break;
      case 'trigger':
        this.line(
          r.t,
          'trigger',
          this.style.magenta(`${r.trigger} ${r.step}${r.detail ? `: ${r.detail}` : ''}`),
        );
        break;
      case 'service-event':
        this.line(r.t, r.source, this.style.cyan(r.message));
        break;
      case 'ground-truth':
        this.line(r.t, 'lab', this.style.dim(r.what));
        break;
      case 'write-readback':
        this.line(
          r.t,
          'writes',
          this.style.dim(`ledger read back after the drill: ${r.present.length} writes present`),
        );
        break;
      case 'ddl':
        this.line(
          r.t,
          'ddl',
          r.step === 'checked'
            ? `table after recovery: ${r.detail ?? `${r.rows} rows, new column ${r.columnAdded ? 'present' : 'absent'}`}`
            : `ALTER TABLE ${r.step}${r.detail && r.step === 'failed' ? `: ${r.detail}` : ''}`,
        );
        break;
      case 'notifications':
        this.line(
          r.t,
          'sns',
          r.confirmed
            ? this.style.dim(`listening for ${r.topic} at ${r.url}`)
            : this.style.yellow(
                `! ${r.topic}: the subscription of ${r.url} was not confirmed; notifications may not arrive`,
              ),
        );
        break;
      case 'notification': {
        const took = notificationDelayMs(r);
        const delay = took === null ? '' : this.style.dim(` (${formatDuration(took)} after the event)`);
        this.line(r.t, 'sns', this.style.cyan(r.message) + delay);
        break;
      }
      case 'monitor':
        break;
    }
  };

  /** Removes the status line; call before printing anything else (the summary). */
  finish(): void {
    this.clearFooter();
  }

  private observation(o: Observation): void {
    let m = this.monitors.get(o.monitor);
    if (!m) {
      m = { last: undefined, label: '', count: 0 };
      this.monitors.set(o.monitor, m);
    }
    if (m.last && sameResult(m.last, o)) {
      m.count++;
      this.drawFooter();
      return;
    }
    const folded = m.count > 1 ? this.style.dim(`  (after ${m.count} × ${m.label})`) : '';
    const closed = this.latestChange(o.monitor)?.closed;
    const recovered = closed
      ? this.style.green(`  recovered: outage ${formatDuration(closed.lengthMs)}`)
      : '';
    m.last = o;
    m.label = shortLabel(o);
    m.count = 1;
    this.line(o.t0, o.monitor, `${this.describe(o)}${folded}${recovered}`);
  }

  private describe(o: Observation): string {
    const s = this.style;
    const shown = o.address && o.address !== o.target && !o.error?.message.includes(o.address);
    const where = shown ? s.dim(` ${o.address}`) : '';
    // A TLS probe says what its handshake took of the latency: what the connection pays for TLS.
    const tls = o.tlsMs === undefined ? '' : ` (TLS ${Math.round(o.tlsMs)} ms)`;
    const ms = s.dim(` ${Math.round(o.t1 - o.t0)} ms${tls}`);
    switch (probeState(o)) {
      case 'good':
        return `${s.green(`● ${o.role}`)} ${o.nodeId ?? ''}${where}${ms}`;
      case 'wrong-role':
        return `${s.yellow(`◐ ${o.role} (wanted ${o.expect})`)} ${o.nodeId ?? ''}${where}${ms}`;
      default:
        return `${s.red(`✗ ${o.error?.code ?? 'error'}`)} ${withoutCode(o.error)}${where}`;
    }
  }

  private line(t: number, who: string, text: string): void {
    this.clearFooter();
    this.out.write(`${this.style.dim(formatOffset(t).padStart(10))}  ${who.padEnd(8)} ${text}\n`);
    this.drawFooter();
  }

  private drawFooter(): void {
    if (!this.tty || this.monitors.size === 0) return;
    const parts = [...this.monitors].map(([name, m]) => `${name}: ${m.label} ×${m.count}`);
    this.out.write(`\r\x1b[2K${this.style.dim(parts.join('   '))}`);
    this.footerShown = true;
  }

  private clearFooter(): void {
    if (!this.footerShown) return;
    this.out.write('\r\x1b[2K');
    this.footerShown = false;
  }
}

/** Probes with the same result fold into one line: the same role from the same node, or the same error. */
function sameResult(a: Observation, b: Observation): boolean {
  if (a.ok !== b.ok || a.address !== b.address) return false;
  return a.ok ? a.role === b.role && a.nodeId === b.nodeId : a.error?.code === b.error?.code;
}

function shortLabel(o: Observation): string {
  return o.ok ? `${o.role}${o.nodeId ? ` ${o.nodeId}` : ''}` : (o.error?.code ?? 'error');
}

/** An error's message without the code the line already shows (Redis errors start with it: `MOVED 5089 …`). */
function withoutCode(error: { code: string; message: string } | undefined): string {
  if (!error) return '';
  return error.message.startsWith(`${error.code} `)
    ? error.message.slice(error.code.length + 1)
    : error.message;
}
