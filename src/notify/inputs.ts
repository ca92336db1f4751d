import { isLoopbackHost } from '../aws/endpoint.js';
import { quote, usageError } from '../core/errors.js';

/** SNS protocols `drill notify` subscribes. `http` only ever for a loopback listener (see subscriptionEndpoint). */
export type Protocol = 'email' | 'https' | 'http' | 'sqs';

export interface Endpoint {
  protocol: Protocol;
  endpoint: string;
}

export interface Arn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

export const defaultTopicName = 'auroralab-cluster-failovers';

/** arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, or undefined when `text` is not shaped like one. */
export function parseArn(text: string): Arn | undefined {
  const m = /^arn:(aws|aws-cn|aws-us-gov|aws-iso[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|):(.+)$/.exec(
    text,
  );
  if (!m) return undefined;
  const [, partition, service, region, account, resource] = m as unknown as string[];
  return {
    partition: partition ?? '',
    service: service ?? '',
    region: region ?? '',
    account: account ?? '',
    resource: resource ?? '',
  };
}

/** The ARN partition a region belongs to (ARNs and policies need it). */
export function partitionOf(region: string | undefined): string {
  if (region?.startsWith('cn-')) return 'aws-cn';
  if (region?.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

const topicNamePattern = /^[A-Za-z0-9_-]{1,256}$/;

export interface TopicRef {
  name: string;
  /** Set when --topic was an ARN: the topic must exist, in this account and region. */
  arn: string | undefined;
  account: string | undefined;
  region: string | undefined;
}

/** `--topic NAME` or `--topic ARN`; RDS cannot publish to FIFO topics, so those are refused here. */
export function parseTopic(text: string, region: string | undefined): TopicRef {
  const fifo = (name: string): void => {
    if (name.endsWith('.fifo')) {
      throw usageError(
        `--topic ${quote(text)}: RDS and MemoryDB publish only to standard topics, not FIFO (.fifo) ones`,
      );
    }
  };
  if (text.startsWith('arn:')) {
    const arn = parseArn(text);
    if (arn?.service !== 'sns' || !arn.account || !arn.region || arn.resource.includes(':')) {
      throw usageError(
        `--topic ${quote(text)} is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME); or give just the topic name`,
      );
    }
    fifo(arn.resource);
    if (!topicNamePattern.test(arn.resource))
      throw usageError(`--topic ${quote(text)}: ${quote(arn.resource)} is not a topic name`);
    if (region && arn.region !== region) {
      throw usageError(
        `--topic ${quote(text)} is in ${arn.region} but --region is ${region}: RDS publishes only to a topic in its own region`,
      );
    }
    return { name: arn.resource, arn: text, account: arn.account, region: arn.region };
  }
  fifo(text);
  if (!topicNamePattern.test(text)) {
    throw usageError(`--topic ${quote(text)}: a topic name is 1-256 letters, digits, hyphens or underscores`);
  }
  return { name: text, arn: undefined, account: undefined, region: undefined };
}

/**
 * A topic named by ARN must belong to the account the caller works in: RDS event subscriptions and MemoryDB
 * clusters publish only to their own account's topics, and drill will not manage another account's topic.
 */
export function checkTopicAccount(topic: TopicRef, account: string | undefined): void {
  if (topic.arn && account && topic.account !== account) {
    throw usageError(
      `--topic ${quote(topic.arn)} belongs to account ${topic.account}, not to this account (${account}): ` +
        'give a topic of this account, or just a name and drill creates it',
    );
  }
}

/** RDS: the subscription name is letters, digits and hyphens, starting with a letter, under 255 characters. */
export function parseSubscriptionName(text: string): string {
  if (!/^[A-Za-z][A-Za-z0-9-]{0,253}$/.test(text)) {
    throw usageError(
      `--subscription ${quote(text)}: an RDS event subscription name is letters, digits and hyphens, starting with a letter`,
    );
  }
  return text;
}

/** DB cluster identifiers: 1-63 letters, digits, hyphens; a letter first; no trailing or double hyphen. */
export function parseClusterId(text: string, flag: string): string {
  if (!/^[A-Za-z](?:[A-Za-z0-9]|-(?!-)){0,62}$/.test(text) || text.endsWith('-')) {
    throw usageError(
      `${flag} ${quote(text)} is not a cluster identifier (letters, digits and single hyphens)`,
    );
  }
  return text;
}

export function parseEmail(text: string): Endpoint {
  // Deliberately simple: SNS checks deliverability itself; this only catches typos before anything is created.
  const ok =
    text.length <= 254 &&
    /^[^\s@<>(),;:"[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/.test(
      text,
    );
  if (!ok) throw usageError(`--email ${quote(text)} is not an email address (name@example.com)`);
  return { protocol: 'email', endpoint: text };
}

/**
 * `--https URL`: an https:// URL (SNS protocol https). A plain http:// URL is taken only for a loopback host —
 * a listener on this machine that a lab delivers to (SNS protocol http) — never for one on the network, where
 * failover events would travel in clear text. A loopback URL makes sense only against a local API endpoint.
 */
export function parseHttpsEndpoint(text: string, apiIsLocal: boolean, flag = '--https'): Endpoint {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(`${flag} ${quote(text)} is not a URL (https://hooks.example.com/sns)`);
  }
  const loopback = isLoopbackHost(url.hostname);
  if (url.username || url.password) {
    throw usageError(`${flag} ${url.protocol}//${url.host}...: leave credentials out of the URL`);
  }
  if (url.protocol === 'https:' && !loopback) return { protocol: 'https', endpoint: url.toString() };
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw usageError(`${flag} ${quote(text)} must start with https://`);
  }
  if (!loopback) {
    throw usageError(
      `${flag} ${quote(text)}: use https:// (plain http:// is accepted only for a loopback listener in a lab)`,
    );
  }
  if (!apiIsLocal) {
    throw usageError(
      `${flag} ${quote(text)} is a loopback address that AWS cannot reach: use it with a lab (--lab-state-dir), or give a public https:// URL`,
    );
  }
  return { protocol: url.protocol === 'https:' ? 'https' : 'http', endpoint: url.toString() };
}

/** `--sqs ARN`: a standard queue's ARN (a FIFO queue cannot subscribe to the standard topic RDS needs). */
export function parseSqsEndpoint(text: string): Endpoint {
  const arn = parseArn(text);
  if (
    arn?.service !== 'sqs' ||
    !arn.region ||
    !arn.account ||
    !/^[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(arn.resource)
  ) {
    throw usageError(`--sqs ${quote(text)} is not an SQS queue ARN (arn:aws:sqs:REGION:ACCOUNT:QUEUE)`);
  }
  if (arn.resource.endsWith('.fifo')) {
    throw usageError(
      `--sqs ${quote(text)} is a FIFO queue: a standard SNS topic (which RDS needs) cannot deliver to it`,
    );
  }
  return { protocol: 'sqs', endpoint: text };
}

/** `--endpoint-url`: an http(s) URL, as the AWS CLI takes it. */
export function parseEndpointUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return text.replace(/\/+$/, '');
  } catch {
    // fall through to the usage error
  }
  throw usageError(`--endpoint-url ${quote(text)} is not an http(s) URL`);
}

export function parseRegion(text: string): string {
  if (!/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(text)) {
    throw usageError(`--region ${quote(text)} is not an AWS region (like us-east-1)`);
  }
  return text;
}
