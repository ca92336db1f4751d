import { randomBytes, randomUUID } from 'node:crypto';
import { LabFault } from './fault.js';
import { queryMap, type XmlValue } from './xml.js';

export const snsNamespace = 'http://sns.amazonaws.com/doc/2010-03-31/';
export const snsVersion = '2010-03-31';
const account = '000000000000';

/** SNS lists are `member` lists; its string maps are `<entry><key/><value/></entry>`. */
export const snsMemberName = (list: string): string => (list === 'Attributes' ? 'entry' : 'member');

/** Actions that arrive without a Version: the SubscribeURL and UnsubscribeURL links in SNS messages. */
export const snsLinkActions: ReadonlySet<string> = new Set(['ConfirmSubscription', 'Unsubscribe']);

export type SnsProtocol = 'email' | 'email-json' | 'http' | 'https' | 'sqs';
export type SnsMessageType = 'Notification' | 'SubscriptionConfirmation';

export interface SnsTopic {
  name: string;
  arn: string;
  attributes: Map<string, string>;
}

export interface SnsSubscription {
  arn: string;
  topicArn: string;
  protocol: SnsProtocol;
  endpoint: string;
  confirmed: boolean;
  /** The confirmation token: only in the confirmation message, never in logs or ground truth. */
  token: string;
  confirmationWasAuthenticated: boolean;
  rawMessageDelivery: boolean;
}

/** One message to one subscription. */
export interface SnsMessage {
  type: SnsMessageType;
  messageId: string;
  timestamp: Date;
  topic: SnsTopic;
  subscription: SnsSubscription;
  subject?: string;
  message: string;
  /** What published it (an RDS event, an API Publish), for the ground truth. */
  origin?: Record<string, unknown>;
}

/** Carries messages to their endpoints: returns at once and never throws (see notify-delivery.ts). */
export interface SnsCourier {
  send(message: SnsMessage): void;
}

export interface PublishRequest {
  subject?: string;
  message: string;
  /** SNS's MessageStructure=json: a message per protocol, `default` for the rest. */
  perProtocol?: Record<string, string>;
  origin?: Record<string, unknown>;
}

const topicNamePattern = /^[A-Za-z0-9_-]{1,256}$/;
const topicArnPattern = /^arn:aws:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256})$/;
const subscriptionArnPattern = /^(arn:aws:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}):[0-9a-f-]{36}$/;
const emailPattern = /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/;
const sqsArnPattern = /^arn:aws:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,80}$/;
const topicAttributeNames = new Set([
  'Policy',
  'DisplayName',
  'DeliveryPolicy',
  'SignatureVersion',
  'TracingConfig',
  'KmsMasterKeyId',
]);
const pageSize = 100;

const invalid = (what: string) => new LabFault('InvalidParameter', `Invalid parameter: ${what}`);
const topicNotFound = () => new LabFault('NotFound', 'Topic does not exist', 404);
const subscriptionNotFound = () => new LabFault('NotFound', 'Subscription does not exist', 404);

/**
 * The lab's Amazon SNS: topics and subscriptions in memory for the lab's lifetime, the awsQuery actions the
 * AWS SDK calls, and publishing to confirmed subscriptions through a courier. Behaves as SNS does where a
 * client can tell: CreateTopic and DeleteTopic are idempotent, email and HTTP subscriptions wait for
 * confirmation, SQS ones do not.
 */
export class SnsApi {
  private readonly topics = new Map<string, SnsTopic>();
  private readonly subscriptions = new Map<string, SnsSubscription>();

  constructor(
    readonly region: string,
    private readonly courier: SnsCourier,
  ) {}

  handle(action: string, p: URLSearchParams): Record<string, XmlValue> | undefined {
    switch (action) {
      case 'CreateTopic':
        return { TopicArn: this.createTopic(p).arn };
      case 'DeleteTopic': {
        const arn = this.topicArn(p.get('TopicArn'));
        this.topics.delete(arn);
        for (const s of this.subscriptions.values()) if (s.topicArn === arn) this.subscriptions.delete(s.arn);
        return undefined;
      }
      case 'ListTopics': {
        const { items, next } = page([...this.topics.values()], p.get('NextToken'));
        return { Topics: items.map((t) => ({ TopicArn: t.arn })), NextToken: next };
      }
      case 'GetTopicAttributes':
        return { Attributes: entries(this.topicAttributes(this.requireTopic(p.get('TopicArn')))) };
      case 'SetTopicAttributes': {
        const topic = this.requireTopic(p.get('TopicArn'));
        const name = p.get('AttributeName') ?? '';
        this.setTopicAttribute(topic, name, p.get('AttributeValue') ?? '');
        return undefined;
      }
      case 'Subscribe':
        return this.subscribe(p);
      case 'ConfirmSubscription':
        return { SubscriptionArn: this.confirm(p) };
      case 'Unsubscribe':
        this.unsubscribe(p.get('SubscriptionArn'));
        return undefined;
      case 'ListSubscriptions': {
        const { items, next } = page([...this.subscriptions.values()], p.get('NextToken'));
        return { Subscriptions: items.map((s) => this.listed(s)), NextToken: next };
      }
      case 'ListSubscriptionsByTopic': {
        const arn = this.requireTopic(p.get('TopicArn')).arn;
        const all = [...this.subscriptions.values()].filter((s) => s.topicArn === arn);
        const { items, next } = page(all, p.get('NextToken'));
        return { Subscriptions: items.map((s) => this.listed(s)), NextToken: next };
      }
      case 'GetSubscriptionAttributes':
        return { Attributes: entries(this.subscriptionAttributes(this.requireSubscription(p))) };
      case 'SetSubscriptionAttributes': {
        const s = this.requireSubscription(p);
        if (p.get('AttributeName') !== 'RawMessageDelivery') {
          throw invalid('AttributeName: the lab supports RawMessageDelivery only');
        }
        s.rawMessageDelivery = booleanAttribute(p.get('AttributeValue'), 'RawMessageDelivery');
        return undefined;
      }
      case 'Publish':
        return { MessageId: this.publishFromApi(p) };
      default:
        throw new LabFault('InvalidAction', `The action ${action} is not valid for this web service.`);
    }
  }

  /** The topic with this ARN, if it exists. */
  topic(arn: string): SnsTopic | undefined {
    return this.topics.get(arn);
  }

  /** Whether RDS (events.rds.amazonaws.com, or the account itself) may publish to the topic under its policy. */
  rdsMayPublish(topic: SnsTopic): boolean {
    return policyAllowsRds(topic.attributes.get('Policy') ?? defaultPolicy(topic.arn));
  }

  /**
   * Publishes to every confirmed subscription of the topic (one MessageId for all, as SNS does); returns the
   * MessageId, or undefined when the topic does not exist.
   */
  publish(topicArn: string, request: PublishRequest): string | undefined {
    const topic = this.topics.get(topicArn);
    if (!topic) return undefined;
    const messageId = randomUUID();
    const timestamp = new Date();
    for (const subscription of this.subscriptions.values()) {
      if (subscription.topicArn !== topicArn || !subscription.confirmed) continue;
      const message = request.perProtocol?.[subscription.protocol] ?? request.message;
      this.courier.send({
        type: 'Notification',
        messageId,
        timestamp,
        topic,
        subscription,
        message,
        ...(request.subject !== undefined ? { subject: request.subject } : {}),
        ...(request.origin ? { origin: request.origin } : {}),
      });
    }
    return messageId;
  }

  private createTopic(p: URLSearchParams): SnsTopic {
    const name = p.get('Name') ?? '';
    const attributes = queryMap(p, 'Attributes');
    if (attributes.get('FifoTopic') === 'true')
      throw invalid('Attributes Reason: the lab has no FIFO topics');
    attributes.delete('FifoTopic');
    if (!topicNamePattern.test(name)) throw invalid('Topic Name');
    const arn = `arn:aws:sns:${this.region}:${account}:${name}`;
    const existing = this.topics.get(arn);
    if (existing) {
      for (const [k, v] of attributes) {
        if ((existing.attributes.get(k) ?? '') !== v) {
          throw invalid('Attributes Reason: Topic already exists with different attributes');
        }
      }
      return existing;
    }
    const topic: SnsTopic = { name, arn, attributes: new Map() };
    for (const [k, v] of attributes) this.setTopicAttribute(topic, k, v);
    this.topics.set(arn, topic);
    return topic;
  }

  private setTopicAttribute(topic: SnsTopic, name: string, value: string): void {
    if (!topicAttributeNames.has(name)) throw invalid('AttributeName');
    if (name === 'Policy') checkPolicy(value);
    if (name === 'SignatureVersion' && value !== '1' && value !== '2') {
      throw invalid('SignatureVersion: must be 1 or 2');
    }
    if (name === 'DisplayName' && value.length > 100) throw invalid('DisplayName');
    if (name === 'DeliveryPolicy' && value !== '') checkJson(value, 'DeliveryPolicy');
    topic.attributes.set(name, value);
  }

  private topicAttributes(topic: SnsTopic): Record<string, string> {
    const mine = [...this.subscriptions.values()].filter((s) => s.topicArn === topic.arn);
    const a = topic.attributes;
    return {
      Policy: a.get('Policy') ?? defaultPolicy(topic.arn),
      Owner: account,
      TopicArn: topic.arn,
      DisplayName: a.get('DisplayName') ?? '',
      SubscriptionsConfirmed: String(mine.filter((s) => s.confirmed).length),
      SubscriptionsPending: String(mine.filter((s) => !s.confirmed).length),
      SubscriptionsDeleted: '0',
      ...(a.has('SignatureVersion') ? { SignatureVersion: a.get('SignatureVersion') as string } : {}),
      ...(a.has('DeliveryPolicy') ? { DeliveryPolicy: a.get('DeliveryPolicy') as string } : {}),
    };
  }

  private subscribe(p: URLSearchParams): Record<string, XmlValue> {
    const topic = this.requireTopic(p.get('TopicArn'));
    const protocol = checkProtocol(p.get('Protocol') ?? '');
    const endpoint = checkEndpoint(protocol, p.get('Endpoint') ?? '');
    const attributes = queryMap(p, 'Attributes');
    for (const name of attributes.keys()) {
      if (name !== 'RawMessageDelivery') {
        throw invalid(`Attributes Reason: the lab does not support the subscription attribute ${name}`);
      }
    }
    const raw = attributes.has('RawMessageDelivery')
      ? booleanAttribute(attributes.get('RawMessageDelivery') ?? null, 'RawMessageDelivery')
      : false;
    const returnArn = p.get('ReturnSubscriptionArn') === 'true';
    const existing = [...this.subscriptions.values()].find(
      (s) => s.topicArn === topic.arn && s.protocol === protocol && s.endpoint === endpoint,
    );
    const subscription = existing ?? {
      arn: `${topic.arn}:${randomUUID()}`,
      topicArn: topic.arn,
      protocol,
      endpoint,
      confirmed: protocol === 'sqs',
      token: randomBytes(64).toString('hex'),
      confirmationWasAuthenticated: false,
      rawMessageDelivery: raw,
    };
    if (!existing) this.subscriptions.set(subscription.arn, subscription);
    // SNS sends the confirmation again when a pending endpoint subscribes again.
    if (!subscription.confirmed) this.sendConfirmation(topic, subscription);
    return {
      SubscriptionArn: subscription.confirmed || returnArn ? subscription.arn : 'pending confirmation',
    };
  }

  private confirm(p: URLSearchParams): string {
    const topic = this.requireTopic(p.get('TopicArn'));
    const token = p.get('Token') ?? '';
    const subscription = [...this.subscriptions.values()].find(
      (s) => s.topicArn === topic.arn && s.token === token && s.protocol !== 'sqs',
    );
    if (!subscription || token === '') throw invalid('Token');
    if (!subscription.confirmed) {
      subscription.confirmed = true;
      subscription.confirmationWasAuthenticated = p.get('AuthenticateOnUnsubscribe') === 'true';
    }
    return subscription.arn;
  }

  private unsubscribe(arn: string | null): void {
    if (arn === null || !subscriptionArnPattern.test(arn)) throw invalid('SubscriptionId');
    const subscription = this.subscriptions.get(arn);
    if (!subscription) return; // already gone: Unsubscribe is idempotent
    this.subscriptions.delete(arn);
  }

  private sendConfirmation(topic: SnsTopic, subscription: SnsSubscription): void {
    const message =
      `You have chosen to subscribe to the topic ${topic.arn}.\n` +
      'To confirm the subscription, visit the SubscribeURL included in this message.';
    this.courier.send({
      type: 'SubscriptionConfirmation',
      messageId: randomUUID(),
      timestamp: new Date(),
      topic,
      subscription,
      message,
      origin: { source: 'Subscribe' },
    });
  }

  private publishFromApi(p: URLSearchParams): string {
    if (p.get('PhoneNumber')) throw invalid('PhoneNumber: the lab does not send SMS');
    const arn = this.topicArn(p.get('TopicArn') ?? p.get('TargetArn'));
    const message = p.get('Message') ?? '';
    if (message === '') throw invalid('Empty message');
    if (Buffer.byteLength(message) > 262_144) throw invalid('Message too long');
    const subject = p.get('Subject') ?? undefined;
    // Printable ASCII only: a subject becomes a mail header.
    if (subject !== undefined && !/^[\x20-\x7e]{1,99}$/.test(subject)) throw invalid('Subject');
    let perProtocol: Record<string, string> | undefined;
    if (p.get('MessageStructure') === 'json') {
      perProtocol = messagePerProtocol(message);
    } else if (p.get('MessageStructure') !== null) throw invalid('MessageStructure');
    const messageId = this.publish(arn, {
      message: perProtocol?.default ?? message,
      ...(perProtocol ? { perProtocol } : {}),
      ...(subject !== undefined ? { subject } : {}),
      origin: { source: 'Publish' },
    });
    if (messageId === undefined) throw topicNotFound();
    return messageId;
  }

  private listed(s: SnsSubscription): Record<string, XmlValue> {
    return {
      SubscriptionArn: s.confirmed ? s.arn : 'PendingConfirmation',
      Owner: account,
      Protocol: s.protocol,
      Endpoint: s.endpoint,
      TopicArn: s.topicArn,
    };
  }

  private subscriptionAttributes(s: SnsSubscription): Record<string, string> {
    return {
      SubscriptionArn: s.arn,
      TopicArn: s.topicArn,
      Owner: account,
      Protocol: s.protocol,
      Endpoint: s.endpoint,
      PendingConfirmation: String(!s.confirmed),
      ConfirmationWasAuthenticated: String(s.confirmationWasAuthenticated),
      RawMessageDelivery: String(s.rawMessageDelivery),
      SubscriptionPrincipal: `arn:aws:iam::${account}:root`,
    };
  }

  /** A well-formed topic ARN in this lab's region and account (it may not exist). */
  private topicArn(arn: string | null): string {
    const m = topicArnPattern.exec(arn ?? '');
    if (!m || arn === null) throw invalid('TopicArn');
    if (m[1] !== this.region || m[2] !== account) throw topicNotFound();
    return arn;
  }

  private requireTopic(arn: string | null): SnsTopic {
    const topic = this.topics.get(this.topicArn(arn));
    if (!topic) throw topicNotFound();
    return topic;
  }

  private requireSubscription(p: URLSearchParams): SnsSubscription {
    const arn = p.get('SubscriptionArn');
    if (arn === null || !subscriptionArnPattern.test(arn)) throw invalid('SubscriptionArn');
    const s = this.subscriptions.get(arn);
    if (!s) throw subscriptionNotFound();
    return s;
  }
}

const labProtocols = new Set<string>(['email', 'email-json', 'http', 'https', 'sqs']);
const otherSnsProtocols = new Set(['sms', 'lambda', 'application', 'firehose']);

function checkProtocol(protocol: string): SnsProtocol {
  if (labProtocols.has(protocol)) return protocol as SnsProtocol;
  if (otherSnsProtocols.has(protocol)) {
    throw invalid(
      `Protocol: the lab delivers to email, email-json, http, https and sqs only, not ${protocol}`,
    );
  }
  throw invalid(`Amazon SNS does not support this protocol string: ${protocol}`);
}

/** Refuses what SNS refuses, and any HTTP endpoint off loopback: the lab sends nothing off this machine. */
function checkEndpoint(protocol: SnsProtocol, endpoint: string): string {
  if (protocol === 'email' || protocol === 'email-json') {
    if (!emailPattern.test(endpoint)) throw invalid('Email address');
    return endpoint;
  }
  if (protocol === 'sqs') {
    if (!sqsArnPattern.test(endpoint)) throw invalid('SQS endpoint ARN');
    return endpoint;
  }
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw invalid('Endpoint');
  }
  if (url.protocol !== `${protocol}:`) throw invalid('Endpoint must match the specified protocol');
  if (!isLoopback(url.hostname)) {
    throw invalid(
      `Endpoint: the lab only delivers to loopback addresses (127.0.0.0/8, [::1], localhost), not ${url.hostname}`,
    );
  }
  return endpoint;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function booleanAttribute(value: string | null, name: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalid(`${name}: must be true or false`);
}

function messagePerProtocol(message: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    throw invalid('Message Structure - JSON message body failed to parse');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid('Message Structure - JSON message body failed to parse');
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
  if (out.default === undefined) throw invalid('Message Structure - No default entry in JSON message body');
  return out;
}

function checkJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalid(`${what} Error: not valid JSON`);
  }
}

function checkPolicy(text: string): void {
  const policy = checkJson(text, 'Policy') as { Statement?: unknown } | null;
  if (typeof policy !== 'object' || policy === null || policy.Statement === undefined) {
    throw invalid('Policy Error: a policy needs a Statement');
  }
}

/** SNS's default topic policy: the owning account may do everything with the topic. */
function defaultPolicy(topicArn: string): string {
  const actions = [
    'Publish',
    'Subscribe',
    'ListSubscriptionsByTopic',
    'GetTopicAttributes',
    'SetTopicAttributes',
  ]
    .concat(['AddPermission', 'RemovePermission', 'DeleteTopic', 'Receive'])
    .map((a) => `SNS:${a}`);
  return JSON.stringify({
    Version: '2008-10-17',
    Id: '__default_policy_ID',
    Statement: [
      {
        Sid: '__default_statement_ID',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: actions,
        Resource: topicArn,
        Condition: { StringEquals: { 'AWS:SourceOwner': account } },
      },
    ],
  });
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/**
 * Does an Allow statement let RDS publish? Conditions are not evaluated: the lab checks only that some statement
 * allows sns:Publish to everyone, to this account, or to the RDS service principal.
 */
function policyAllowsRds(text: string): boolean {
  let policy: { Statement?: unknown };
  try {
    policy = JSON.parse(text) as { Statement?: unknown };
  } catch {
    return false;
  }
  const accountPrincipals = new Set(['*', account, `arn:aws:iam::${account}:root`]);
  return asList(policy.Statement).some((raw) => {
    const s = raw as { Effect?: unknown; Action?: unknown; Principal?: unknown };
    if (s?.Effect !== 'Allow') return false;
    const publishes = asList(s.Action).some(
      (a) => typeof a === 'string' && /^(\*|sns:(\*|publish))$/i.test(a),
    );
    if (!publishes) return false;
    if (s.Principal === '*') return true;
    const principal = (s.Principal ?? {}) as { AWS?: unknown; Service?: unknown };
    return (
      asList(principal.AWS).some((a) => typeof a === 'string' && accountPrincipals.has(a)) ||
      asList(principal.Service).some((a) => a === 'events.rds.amazonaws.com' || a === 'rds.amazonaws.com')
    );
  });
}

const entries = (map: Record<string, string>): XmlValue[] =>
  Object.entries(map).map(([key, value]) => ({ key, value }));

/** SNS pages lists by 100 behind an opaque NextToken. */
function page<T>(all: T[], token: string | null): { items: T[]; next: string | undefined } {
  let start = 0;
  if (token !== null) {
    start = Number(Buffer.from(token, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) throw invalid('NextToken');
  }
  const end = start + pageSize;
  return {
    items: all.slice(start, end),
    next: end < all.length ? Buffer.from(String(end)).toString('base64url') : undefined,
  };
}
