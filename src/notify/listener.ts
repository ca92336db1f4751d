import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLoopbackHost } from '../aws/endpoint.js';

/** An RDS event as RDS publishes it to SNS (the JSON in the notification's Message), by the names drill uses. */
export interface RdsEventMessage {
  eventMessage: string;
  sourceId: string;
  /** `RDS-EVENT-0073`, taken out of the documentation link RDS sends when it sends one. */
  eventId: string;
  eventTime: string;
  eventSource: string | undefined;
  sourceArn: string | undefined;
}

/** One SNS notification, as the listener hands it over. */
export interface SnsNotification {
  /** Wall-clock time (Date.now()) at which the delivery reached the listener. */
  receivedAtWallMs: number;
  messageId: string;
  topicArn: string;
  subject: string | undefined;
  /** The RDS event when the message is one; otherwise the message text as sent. */
  message: RdsEventMessage | string;
  /** The message text as sent, whatever it holds. */
  rawMessage: string;
  /** SNS's own publish time (ISO), when it sent one. */
  timestamp: string | undefined;
}

export interface ConfirmationOutcome {
  receivedAtWallMs: number;
  topicArn: string;
  confirmed: boolean;
  /** Why the confirmation failed (refused URL, HTTP status, timeout). */
  error: string | undefined;
}

export interface NotificationListenerOptions {
  /** Address to listen on: loopback by default (127.0.0.1). */
  host?: string;
  /** Port; 0 (the default) takes a free one. */
  port?: number;
  onNotification: (notification: SnsNotification) => void;
  onConfirmation?: (outcome: ConfirmationOutcome) => void;
  /**
   * Which SubscribeURLs the listener GETs: by default https URLs of SNS itself (*.amazonaws.com, .com.cn) and
   * any URL on loopback (a lab). Anything else is refused, so a stray POST cannot make it fetch arbitrary URLs.
   */
  allowSubscribeUrl?: (url: URL) => boolean;
  /** Give up a confirmation GET after this long (ms). */
  confirmTimeoutMs?: number;
  /** Larger bodies are refused with 413 (SNS messages are at most 256 KiB). */
  maxBodyBytes?: number;
}

const defaultAllow = (url: URL): boolean =>
  isLoopbackHost(url.hostname) ||
  (url.protocol === 'https:' && /(^|\.)amazonaws\.com(\.cn)?$/.test(url.hostname));

/** How many MessageIds are remembered to drop redeliveries (SNS retries until it sees a 2xx). */
const rememberedIds = 10_000;

/**
 * A small HTTP server that takes SNS HTTP/HTTPS deliveries (JSON bodies, `x-amz-sns-message-type`): it confirms a
 * SubscriptionConfirmation by GETting its SubscribeURL, hands each Notification to `onNotification` once (SNS
 * may deliver a message more than once: duplicates by MessageId are dropped), and answers 200 before doing any
 * of that, so SNS never retries because the listener was slow. Signatures are not verified: it listens on
 * loopback, for a drill's duration.
 */
export class NotificationListener {
  private server: Server | undefined;
  private address: AddressInfo | undefined;
  private readonly seen = new Set<string>();
  private readonly stopping = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly confirmed = new Set<string>();
  private readonly waiters: { topicArn: string | undefined; resolve: () => void }[] = [];

  constructor(private readonly options: NotificationListenerOptions) {}

  /** Starts listening; resolves with the URL to subscribe (`http://127.0.0.1:PORT/`). */
  async start(): Promise<string> {
    if (this.server) return this.url;
    const server = createServer((req, res) => this.serve(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.address = server.address() as AddressInfo;
    return this.url;
  }

  /** The URL to subscribe: protocol http, this listener's address and port. */
  get url(): string {
    if (!this.address) throw new Error('NotificationListener: start() it first');
    const host = this.address.family === 'IPv6' ? `[${this.address.address}]` : this.address.address;
    return `http://${host}:${this.address.port}/`;
  }

  /** Resolves once a subscription (to `topicArn`, or any) has been confirmed; rejects after `timeoutMs`. */
  whenConfirmed(topicArn?: string, timeoutMs = 10_000): Promise<void> {
    if (topicArn ? this.confirmed.has(topicArn) : this.confirmed.size > 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        topicArn,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(
          new Error(
            `no subscription confirmation${topicArn ? ` for ${topicArn}` : ''} within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Stops taking deliveries, cancels confirmations in flight, and closes every connection. */
  async stop(): Promise<void> {
    this.stopping.abort();
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await Promise.allSettled([...this.inFlight]);
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const receivedAtWallMs = Date.now();
    const reply = (status: number, text = ''): void => {
      res.writeHead(status, { 'content-type': 'text/plain', connection: 'close' });
      res.end(text);
    };
    if (req.method !== 'POST') {
      reply(405, 'POST SNS messages here\n');
      return;
    }
    const limit = this.options.maxBodyBytes ?? 1024 * 1024;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is read and dropped, so the client still gets its 413.
      if (size > limit) {
        if (!res.headersSent) reply(413, 'too large\n');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      const message = parseEnvelope(
        Buffer.concat(chunks).toString('utf8'),
        req.headers['x-amz-sns-message-type'],
      );
      if (!message) {
        reply(400, 'not an SNS message\n');
        return;
      }
      reply(200);
      this.handle(message, receivedAtWallMs);
    });
    req.on('error', () => {
      if (!res.headersSent) reply(400);
    });
  }

  private handle(m: Envelope, receivedAtWallMs: number): void {
    if (this.seen.has(m.MessageId)) return;
    this.seen.add(m.MessageId);
    if (this.seen.size > rememberedIds) this.seen.delete(this.seen.values().next().value as string);
    if (m.Type === 'SubscriptionConfirmation') {
      const work = this.confirm(m, receivedAtWallMs);
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work));
      return;
    }
    if (m.Type !== 'Notification') return; // UnsubscribeConfirmation: nothing to do
    const rawMessage = m.Message ?? '';
    try {
      this.options.onNotification({
        receivedAtWallMs,
        messageId: m.MessageId,
        topicArn: m.TopicArn,
        subject: m.Subject ?? undefined,
        message: parseRdsEvent(rawMessage) ?? rawMessage,
        rawMessage,
        timestamp: m.Timestamp,
      });
    } catch {
      // A failing callback must not take the listener down; the caller owns its own errors.
    }
  }

  private async confirm(m: Envelope, receivedAtWallMs: number): Promise<void> {
    const outcome = (confirmed: boolean, error?: string): void => {
      if (confirmed) {
        this.confirmed.add(m.TopicArn);
        for (const w of [...this.waiters]) {
          if (!w.topicArn || w.topicArn === m.TopicArn) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve();
          }
        }
      }
      try {
        this.options.onConfirmation?.({ receivedAtWallMs, topicArn: m.TopicArn, confirmed, error });
      } catch {
        // as for notifications
      }
    };
    let url: URL;
    try {
      url = new URL(m.SubscribeURL ?? '');
    } catch {
      outcome(false, 'no SubscribeURL in the confirmation');
      return;
    }
    if (!(this.options.allowSubscribeUrl ?? defaultAllow)(url)) {
      outcome(false, `refused to GET ${url.protocol}//${url.host}: not SNS and not loopback`);
      return;
    }
    const timeout = AbortSignal.timeout(this.options.confirmTimeoutMs ?? 5_000);
    try {
      const res = await fetch(url, { signal: AbortSignal.any([timeout, this.stopping.signal]) });
      await res.arrayBuffer();
      outcome(res.ok, res.ok ? undefined : `SubscribeURL answered HTTP ${res.status}`);
    } catch (err) {
      outcome(false, this.stopping.signal.aborted ? 'listener stopped' : (err as Error).message);
    }
  }
}

interface Envelope {
  Type: 'SubscriptionConfirmation' | 'Notification' | 'UnsubscribeConfirmation';
  MessageId: string;
  TopicArn: string;
  Subject?: string | null;
  Message?: string;
  SubscribeURL?: string;
  Timestamp?: string;
}

/** The SNS JSON envelope, or undefined when the body is not one (the header, when sent, must agree). */
function parseEnvelope(body: string, header: string | string[] | undefined): Envelope | undefined {
  let m: Partial<Envelope>;
  try {
    m = JSON.parse(body) as Partial<Envelope>;
  } catch {
    return undefined;
  }
  if (!m || typeof m !== 'object') return undefined;
  const type = m.Type;
  if (type !== 'SubscriptionConfirmation' && type !== 'Notification' && type !== 'UnsubscribeConfirmation') {
    return undefined;
  }
  if (typeof header === 'string' && header !== type) return undefined;
  if (typeof m.MessageId !== 'string' || typeof m.TopicArn !== 'string') return undefined;
  return m as Envelope;
}

/**
 * The RDS event in a notification's message: RDS sends JSON with spaced keys ("Event Message", "Source ID",
 * "Event ID", "Event Time"); other spellings of the same keys are taken too. Undefined for anything else.
 */
export function parseRdsEvent(text: string): RdsEventMessage | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const fields = new Map<string, string>();
  for (const [k, v] of Object.entries(json)) {
    if (typeof v === 'string') fields.set(k.replace(/[\s_-]/g, '').toLowerCase(), v);
  }
  const eventMessage = fields.get('eventmessage') ?? fields.get('message');
  const rawId = fields.get('eventid') ?? '';
  if (eventMessage === undefined && !rawId) return undefined;
  return {
    eventMessage: eventMessage ?? '',
    sourceId: fields.get('sourceid') ?? fields.get('sourceidentifier') ?? '',
    eventId: /RDS-EVENT-\d+/.exec(rawId)?.[0] ?? rawId,
    eventTime: fields.get('eventtime') ?? fields.get('date') ?? '',
    eventSource: fields.get('eventsource') ?? fields.get('sourcetype'),
    sourceArn: fields.get('sourcearn'),
  };
}
