import { mkdirSync, writeFileSync } from 'node:fs';
import { type ClientRequest, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import type { SnsCourier, SnsMessage } from './api/sns.js';
import type { SnsSigner } from './api/sns-signing.js';
import type { GroundTruth } from './groundtruth.js';

export interface DeliveryOptions {
  /** The lab API's base URL: SubscribeURL, UnsubscribeURL and SigningCertURL point at it. */
  apiUrl: string;
  /** Where mails and SQS messages land as files, one per message. */
  outboxDir: string;
  signer: SnsSigner;
  groundTruth: GroundTruth;
  /** One line to lab.log. */
  log: (line: string) => void;
  /** Pauses before the second, third, ... HTTP attempt. */
  retryDelaysMs?: number[];
  attemptTimeoutMs?: number;
}

interface Outcome {
  delivered: boolean;
  attempts: number;
  status?: number;
  error?: string;
  file?: string;
}

const defaultRetryDelaysMs = [250, 1000, 3000];

/**
 * Delivers SNS messages the way SNS does, within the machine: HTTP/S endpoints get SNS's signed JSON POST (with
 * retries and backoff), email and email-json subscriptions a mail file in the outbox, SQS subscriptions a
 * message file. Every delivery, good or failed, is a `notification` record in the ground truth. Failures are
 * logged and never thrown: a broken endpoint must not take the lab down.
 */
export class SnsDelivery implements SnsCourier {
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly requests = new Set<ClientRequest>();
  private readonly wakers = new Set<() => void>();

  constructor(private readonly options: DeliveryOptions) {}

  send(message: SnsMessage): void {
    if (this.closed) return;
    void this.deliver(message).catch((err: Error) =>
      this.options.log(`sns: delivery of ${message.messageId} failed: ${err.message}`),
    );
  }

  /** Stops retries and aborts requests under way (lab stop). */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    for (const r of this.requests) r.destroy();
    for (const wake of this.wakers) wake();
  }

  /** The JSON document SNS posts to HTTP/S endpoints (and puts in email-json mails and SQS messages). */
  envelope(m: SnsMessage): Record<string, string> {
    const o = this.options;
    const signatureVersion = m.topic.attributes.get('SignatureVersion') === '2' ? '2' : '1';
    const fields: Record<string, string | undefined> =
      m.type === 'Notification'
        ? {
            Type: m.type,
            MessageId: m.messageId,
            TopicArn: m.topic.arn,
            Subject: m.subject,
            Message: m.message,
            Timestamp: m.timestamp.toISOString(),
          }
        : {
            Type: m.type,
            MessageId: m.messageId,
            Token: m.subscription.token,
            TopicArn: m.topic.arn,
            Message: m.message,
            SubscribeURL: this.subscribeUrl(m),
            Timestamp: m.timestamp.toISOString(),
          };
    const signed: Record<string, string> = {};
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) signed[k] = v;
    signed.SignatureVersion = signatureVersion;
    signed.Signature = o.signer.sign(fields, signatureVersion);
    signed.SigningCertURL = `${o.apiUrl}${o.signer.certificatePath}`;
    if (m.type === 'Notification') signed.UnsubscribeURL = this.unsubscribeUrl(m);
    return signed;
  }

  /** The link that confirms a subscription: a GET on the lab API does it, as on SNS. */
  subscribeUrl(m: SnsMessage): string {
    const q = new URLSearchParams({
      Action: 'ConfirmSubscription',
      TopicArn: m.topic.arn,
      Token: m.subscription.token,
    });
    return `${this.options.apiUrl}/?${q}`;
  }

  private unsubscribeUrl(m: SnsMessage): string {
    const q = new URLSearchParams({ Action: 'Unsubscribe', SubscriptionArn: m.subscription.arn });
    return `${this.options.apiUrl}/?${q}`;
  }

  private async deliver(m: SnsMessage): Promise<void> {
    const protocol = m.subscription.protocol;
    let outcome: Outcome;
    try {
      if (protocol === 'http' || protocol === 'https') outcome = await this.post(m);
      else if (protocol === 'sqs') outcome = this.toQueueFile(m);
      else outcome = this.toMailFile(m);
    } catch (err) {
      outcome = { delivered: false, attempts: 1, error: (err as Error).message };
      this.options.log(
        `sns: ${m.type} ${m.messageId} to ${m.subscription.endpoint} failed: ${outcome.error}`,
      );
    }
    this.options.groundTruth.record('notification', {
      messageType: m.type,
      messageId: m.messageId,
      topicArn: m.topic.arn,
      subscriptionArn: m.subscription.arn,
      protocol,
      endpoint: m.subscription.endpoint,
      ...(m.subject !== undefined ? { subject: m.subject } : {}),
      message: m.message,
      publishedAt: m.timestamp.toISOString(),
      ...outcome,
      ...m.origin,
    });
  }

  /** SNS's HTTP/S delivery: 2xx is delivered; 4xx (but 429) is final; anything else is retried. */
  private async post(m: SnsMessage): Promise<Outcome> {
    const raw = m.type === 'Notification' && m.subscription.rawMessageDelivery;
    const body = raw ? m.message : JSON.stringify(this.envelope(m), null, 2);
    const headers: Record<string, string> = {
      'content-type': 'text/plain; charset=UTF-8',
      'user-agent': 'Amazon Simple Notification Service Agent',
      'x-amz-sns-message-type': m.type,
      'x-amz-sns-message-id': m.messageId,
      'x-amz-sns-topic-arn': m.topic.arn,
      ...(m.type === 'Notification' ? { 'x-amz-sns-subscription-arn': m.subscription.arn } : {}),
      ...(raw ? { 'x-amz-sns-rawdelivery': 'true' } : {}),
    };
    const delays = [0, ...(this.options.retryDelaysMs ?? defaultRetryDelaysMs)];
    let last: Outcome = { delivered: false, attempts: 0 };
    for (const [i, delay] of delays.entries()) {
      if (delay > 0) await this.pause(delay);
      if (this.closed) return { ...last, error: last.error ?? 'the lab stopped' };
      const attempts = i + 1;
      let final = false;
      try {
        const status = await this.request(new URL(m.subscription.endpoint), headers, body);
        if (status >= 200 && status < 300) return { delivered: true, attempts, status };
        last = { delivered: false, attempts, status, error: `HTTP ${status}` };
        final = status >= 400 && status < 500 && status !== 429;
      } catch (err) {
        last = { delivered: false, attempts, error: (err as Error).message };
      }
      const next = final ? undefined : delays[i + 1];
      this.options.log(
        `sns: ${m.type} ${m.messageId} to ${m.subscription.endpoint}: attempt ${attempts} of ${delays.length} ` +
          `failed (${last.error})${next === undefined ? '; giving up' : `; retrying in ${next} ms`}`,
      );
      if (next === undefined) break;
    }
    return last;
  }

  private request(url: URL, headers: Record<string, string>, body: string): Promise<number> {
    const timeout = this.options.attemptTimeoutMs ?? 5000;
    const payload = Buffer.from(body, 'utf8');
    const options = {
      method: 'POST',
      headers: { ...headers, 'content-length': String(payload.length) },
      agent: false as const,
      timeout,
    };
    return new Promise<number>((resolve, reject) => {
      const done = (): void => {
        this.requests.delete(req);
      };
      const onResponse = (res: import('node:http').IncomingMessage): void => {
        res.resume();
        res.once('end', () => {
          done();
          resolve(res.statusCode ?? 0);
        });
        res.once('error', (err) => {
          done();
          reject(err);
        });
      };
      // Lab endpoints are on loopback with self-made certificates: the lab does not check them.
      const req =
        url.protocol === 'https:'
          ? httpsRequest(url, { ...options, rejectUnauthorized: false }, onResponse)
          : httpRequest(url, options, onResponse);
      this.requests.add(req);
      req.once('timeout', () => req.destroy(new Error(`no answer within ${timeout} ms`)));
      req.once('error', (err) => {
        done();
        reject(err);
      });
      req.end(payload);
    });
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.timers.delete(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref();
      this.timers.add(timer);
      this.wakers.add(wake);
    });
  }

  /** A mail as SNS would send it, as an .eml file; a confirmation mail carries the confirmation link. */
  private toMailFile(m: SnsMessage): Outcome {
    const json = m.subscription.protocol === 'email-json';
    const displayName = m.topic.attributes.get('DisplayName') || 'AWS Notifications';
    const subject =
      m.type === 'SubscriptionConfirmation'
        ? 'AWS Notification - Subscription Confirmation'
        : (m.subject ?? (m.topic.attributes.get('DisplayName') || 'AWS Notification Message'));
    let body: string;
    if (json) body = `${JSON.stringify(this.envelope(m), null, 2)}\n`;
    else if (m.type === 'SubscriptionConfirmation') {
      body =
        `You have chosen to subscribe to the topic:\n${m.topic.arn}\n\n` +
        'To confirm this subscription, visit the link below (if this was a mistake, do nothing):\n' +
        `${this.subscribeUrl(m)}\n\n` +
        'In the drill lab a GET on that link confirms the subscription, e.g. curl it.\n';
    } else {
      body =
        `${m.message}\n\n--\nTo stop receiving notifications from this topic, visit the link below to unsubscribe:\n` +
        `${this.unsubscribeUrl(m)}\n`;
    }
    const headers = [
      `From: ${oneLine(displayName)} <no-reply@sns.amazonaws.com>`,
      `To: ${m.subscription.endpoint}`,
      `Subject: ${oneLine(subject)}`,
      `Date: ${m.timestamp.toUTCString()}`,
      `Message-ID: <${m.messageId}@sns.lab>`,
      'MIME-Version: 1.0',
      `Content-Type: ${json ? 'application/json' : 'text/plain'}; charset=UTF-8`,
      `X-Amz-Sns-Message-Type: ${m.type}`,
      `X-Amz-Sns-Topic-Arn: ${m.topic.arn}`,
      `X-Amz-Sns-Subscription-Arn: ${m.subscription.arn}`,
    ];
    const file = this.writeOutbox('', m, 'eml', `${headers.join('\r\n')}\r\n\r\n${body}`);
    return { delivered: true, attempts: 1, file };
  }

  /** The lab has no SQS: the message SNS would enqueue is kept as a file. */
  private toQueueFile(m: SnsMessage): Outcome {
    const body = m.subscription.rawMessageDelivery ? m.message : JSON.stringify(this.envelope(m));
    const record = {
      QueueArn: m.subscription.endpoint,
      SubscriptionArn: m.subscription.arn,
      MessageId: m.messageId,
      Body: body,
    };
    const file = this.writeOutbox('sqs-', m, 'json', `${JSON.stringify(record, null, 2)}\n`);
    return { delivered: true, attempts: 1, file };
  }

  /** `<prefix>20261122T101500.123Z-<messageId>.<ext>`: names sort by time; a second copy gets a suffix. */
  private writeOutbox(prefix: string, m: SnsMessage, ext: string, content: string): string {
    mkdirSync(this.options.outboxDir, { recursive: true });
    const stamp = m.timestamp.toISOString().replace(/[-:]/g, '');
    for (let n = 1; ; n++) {
      const file = join(
        this.options.outboxDir,
        `${prefix}${stamp}-${m.messageId}${n > 1 ? `-${n}` : ''}.${ext}`,
      );
      try {
        writeFileSync(file, content, { flag: 'wx' });
        return file;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
  }
}

const oneLine = (s: string): string => s.replace(/[\r\n]+/g, ' ');
