import type { ClusterEvent } from '../aurora/cluster.js';
import { LabFault } from './fault.js';
import { pageOf } from './paging.js';
import type { SnsApi } from './sns.js';
import { queryList, type XmlValue } from './xml.js';

const account = '000000000000';

/**
 * How long a new subscription says `creating` before `active`, as RDS's do at first. The lab delivers events to
 * it from the start: a drill begun right after `drill notify setup` would otherwise lose its first events.
 */
const creatingMs = 500;

/** The event categories RDS offers per source type (DescribeEventCategories), as far as the lab knows them. */
const categoriesBySourceType: Record<string, string[]> = {
  'db-instance': [
    'availability',
    'backup',
    'configuration change',
    'creation',
    'deletion',
    'failover',
    'failure',
    'low storage',
    'maintenance',
    'notification',
    'read replica',
    'recovery',
    'restoration',
    'security',
    'security patching',
  ],
  'db-cluster': [
    'configuration change',
    'creation',
    'deletion',
    'failover',
    'failure',
    'global-failover',
    'maintenance',
    'migration',
    'notification',
    'serverless',
  ],
  'db-parameter-group': ['configuration change'],
  'db-security-group': ['configuration change', 'failure'],
  'db-snapshot': ['creation', 'deletion', 'notification', 'restoration'],
  'db-cluster-snapshot': ['backup', 'creation', 'deletion', 'notification', 'restoration'],
  'db-proxy': ['configuration change', 'creation', 'deletion'],
  'custom-engine-version': ['creation', 'deletion', 'failure', 'restoration'],
  'blue-green-deployment': ['creation', 'deletion', 'failure', 'notification'],
};

/** The RDS actions this module answers (RdsApi hands them over). */
export const eventSubscriptionActions: ReadonlySet<string> = new Set([
  'CreateEventSubscription',
  'DescribeEventSubscriptions',
  'ModifyEventSubscription',
  'AddSourceIdentifierToSubscription',
  'RemoveSourceIdentifierFromSubscription',
  'DeleteEventSubscription',
  'DescribeEventCategories',
]);

interface EventSubscription {
  name: string;
  snsTopicArn: string;
  sourceType: string | undefined;
  sourceIds: string[];
  categories: string[];
  enabled: boolean;
  createdAt: Date;
}

export interface EventSubscriptionOptions {
  region: string;
  sns: SnsApi;
  /** The identifiers of the lab's sources of a type: the cluster, its instances, the proxy. */
  sourceIds: (sourceType: string) => string[];
}

const subscriptionNotFound = (name: string) =>
  new LabFault('SubscriptionNotFound', `Subscription ${name} not found.`, 404);
const sourceNotFound = (id: string, type: string) =>
  new LabFault('SourceNotFound', `Source ${id} of type ${type} not found.`, 404);

/**
 * RDS event notification subscriptions, kept in the lab process: the awsQuery actions, and the delivery of the
 * lab cluster's events to the SNS topics of the subscriptions they match, in the message RDS sends.
 */
export class RdsEventSubscriptions {
  private readonly subscriptions = new Map<string, EventSubscription>();

  constructor(private readonly options: EventSubscriptionOptions) {}

  handle(action: string, p: URLSearchParams): Record<string, XmlValue> {
    switch (action) {
      case 'CreateEventSubscription':
        return { EventSubscription: this.view(this.create(p)) };
      case 'DescribeEventSubscriptions': {
        const name = p.get('SubscriptionName');
        const list = name === null ? [...this.subscriptions.values()] : [this.require(name)];
        const page = pageOf(list, p, action);
        return { EventSubscriptionsList: page.items.map((s) => this.view(s)), Marker: page.marker };
      }
      case 'ModifyEventSubscription':
        return { EventSubscription: this.view(this.modify(p)) };
      case 'AddSourceIdentifierToSubscription': {
        const s = this.require(required(p, 'SubscriptionName'));
        const id = required(p, 'SourceIdentifier').toLowerCase();
        if (s.sourceType === undefined) {
          throw new LabFault(
            'InvalidParameterCombination',
            `Subscription ${s.name} has no source type: set one with ModifyEventSubscription first.`,
          );
        }
        this.checkSources(s.sourceType, [id]);
        if (!s.sourceIds.includes(id)) s.sourceIds.push(id);
        return { EventSubscription: this.view(s) };
      }
      case 'RemoveSourceIdentifierFromSubscription': {
        const s = this.require(required(p, 'SubscriptionName'));
        const id = required(p, 'SourceIdentifier').toLowerCase();
        if (!s.sourceIds.includes(id)) throw sourceNotFound(id, s.sourceType ?? 'any');
        s.sourceIds = s.sourceIds.filter((x) => x !== id);
        return { EventSubscription: this.view(s) };
      }
      case 'DeleteEventSubscription': {
        const s = this.require(required(p, 'SubscriptionName'));
        this.subscriptions.delete(s.name);
        return { EventSubscription: { ...this.view(s), Status: 'deleting' } };
      }
      case 'DescribeEventCategories': {
        const type = p.get('SourceType');
        if (type !== null) checkSourceType(type);
        const types = type === null ? Object.keys(categoriesBySourceType) : [type];
        return {
          EventCategoriesMapList: types.map((t) => ({
            SourceType: t,
            EventCategories: categoriesBySourceType[t] ?? [],
          })),
        };
      }
      default:
        throw new LabFault('InvalidAction', `The action ${action} is not valid for this web service.`);
    }
  }

  /** Publishes a lab event to the topic of every enabled subscription it matches, as RDS does. */
  deliver(e: ClusterEvent): void {
    for (const s of this.subscriptions.values()) {
      const status = this.status(s);
      if (!s.enabled || !matches(s, e) || (status !== 'active' && status !== 'creating')) continue;
      this.options.sns.publish(s.snsTopicArn, {
        subject: 'RDS Notification Message',
        message: this.message(e),
        origin: {
          source: 'rds-event',
          eventSubscription: s.name,
          sourceType: e.sourceType,
          sourceId: e.sourceIdentifier,
          ...(e.eventId ? { eventId: e.eventId } : {}),
          eventMessage: e.message,
          eventTime: e.date.toISOString(),
        },
      });
    }
  }

  /** The JSON text RDS publishes for an event. */
  message(e: ClusterEvent): string {
    const region = this.options.region;
    const cluster = e.sourceType === 'db-cluster';
    return JSON.stringify({
      'Event Source': e.sourceType,
      'Event Time': e.date.toISOString().replace('T', ' ').replace('Z', ''),
      'Identifier Link': `https://console.aws.amazon.com/rds/home?region=${region}#${cluster ? 'dbclusters' : 'dbinstance'}:id=${e.sourceIdentifier}`,
      'Source ID': e.sourceIdentifier,
      'Source ARN': `arn:aws:rds:${region}:${account}:${cluster ? 'cluster' : 'db'}:${e.sourceIdentifier}`,
      ...(e.eventId
        ? {
            'Event ID': `http://docs.amazonwebservices.com/AmazonRDS/latest/UserGuide/USER_Events.html#${e.eventId}`,
          }
        : {}),
      'Event Message': e.message,
    });
  }

  private create(p: URLSearchParams): EventSubscription {
    const name = required(p, 'SubscriptionName');
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(name)) {
      throw new LabFault(
        'InvalidParameterValue',
        'SubscriptionName must be 1 to 255 letters, digits, hyphens or underscores.',
      );
    }
    if (this.subscriptions.has(name)) {
      throw new LabFault('SubscriptionAlreadyExist', `Subscription ${name} already exists.`);
    }
    const snsTopicArn = this.checkTopic(required(p, 'SnsTopicArn'));
    const sourceType = p.get('SourceType') ?? undefined;
    if (sourceType !== undefined) checkSourceType(sourceType);
    // RDS identifiers are case-insensitive, kept lower-case.
    const sourceIds = queryList(p, 'SourceIds').map((id) => id.toLowerCase());
    if (sourceIds.length > 0) {
      if (sourceType === undefined) {
        throw new LabFault('InvalidParameterCombination', 'SourceType must be given with SourceIds.');
      }
      this.checkSources(sourceType, sourceIds);
    }
    const categories = queryList(p, 'EventCategories');
    checkCategories(sourceType, categories);
    const s: EventSubscription = {
      name,
      snsTopicArn,
      sourceType,
      sourceIds: [...new Set(sourceIds)],
      categories: [...new Set(categories)],
      enabled: p.get('Enabled') !== 'false',
      createdAt: new Date(),
    };
    this.subscriptions.set(name, s);
    return s;
  }

  private modify(p: URLSearchParams): EventSubscription {
    const s = this.require(required(p, 'SubscriptionName'));
    const topic = p.get('SnsTopicArn');
    const snsTopicArn = topic === null ? s.snsTopicArn : this.checkTopic(topic);
    const type = p.get('SourceType');
    if (type !== null) checkSourceType(type);
    const sourceType = type ?? s.sourceType;
    const given = queryList(p, 'EventCategories');
    const categories = given.length > 0 ? [...new Set(given)] : s.categories;
    checkCategories(sourceType, categories);
    const enabled = p.get('Enabled');
    Object.assign(s, {
      snsTopicArn,
      sourceType,
      categories,
      enabled: enabled === null ? s.enabled : enabled !== 'false',
    });
    return s;
  }

  private checkTopic(arn: string): string {
    if (!/^arn:aws:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(arn)) {
      throw new LabFault('SNSInvalidTopic', `Invalid SNS topic ARN: ${arn}`);
    }
    const topic = this.options.sns.topic(arn);
    if (!topic) throw new LabFault('SNSTopicArnNotFound', `SNS topic ${arn} does not exist.`, 404);
    if (!this.options.sns.rdsMayPublish(topic)) {
      throw new LabFault(
        'SNSNoAuthorization',
        `The policy of SNS topic ${arn} does not allow RDS (events.rds.amazonaws.com) to publish to it.`,
      );
    }
    return arn;
  }

  private checkSources(sourceType: string, ids: string[]): void {
    const known = this.options.sourceIds(sourceType);
    for (const id of ids) if (!known.includes(id)) throw sourceNotFound(id, sourceType);
  }

  private require(name: string): EventSubscription {
    const s = this.subscriptions.get(name);
    if (!s) throw subscriptionNotFound(name);
    return s;
  }

  /**
   * RDS's status: `creating` at first, then `active`; `topic-not-exist` once the topic is deleted,
   * `no-permission` once its policy shuts RDS out.
   */
  private status(s: EventSubscription): string {
    const topic = this.options.sns.topic(s.snsTopicArn);
    if (!topic) return 'topic-not-exist';
    if (!this.options.sns.rdsMayPublish(topic)) return 'no-permission';
    return Date.now() - s.createdAt.getTime() < creatingMs ? 'creating' : 'active';
  }

  private view(s: EventSubscription): Record<string, XmlValue> {
    return {
      CustomerAwsId: account,
      CustSubscriptionId: s.name,
      SnsTopicArn: s.snsTopicArn,
      Status: this.status(s),
      // RDS gives this as text, `2026-11-22 10:15:00.123`, not as a timestamp.
      SubscriptionCreationTime: s.createdAt.toISOString().replace('T', ' ').replace('Z', ''),
      SourceType: s.sourceType,
      SourceIdsList: s.sourceIds.length > 0 ? s.sourceIds : undefined,
      EventCategoriesList: s.categories.length > 0 ? s.categories : undefined,
      Enabled: s.enabled,
      EventSubscriptionArn: `arn:aws:rds:${this.options.region}:${account}:es:${s.name}`,
    };
  }
}

function matches(s: EventSubscription, e: ClusterEvent): boolean {
  return (
    (s.sourceType === undefined || s.sourceType === e.sourceType) &&
    (s.sourceIds.length === 0 || s.sourceIds.includes(e.sourceIdentifier)) &&
    (s.categories.length === 0 || e.eventCategories.some((c) => s.categories.includes(c)))
  );
}

function required(p: URLSearchParams, name: string): string {
  const v = p.get(name);
  if (v === null || v === '')
    throw new LabFault('MissingParameter', `The request must contain the parameter ${name}`);
  return v;
}

/** A SourceType RDS does not know is refused (DescribeEvents, the subscriptions, DescribeEventCategories). */
export function checkSourceType(type: string): void {
  if (!(type in categoriesBySourceType)) {
    throw new LabFault('InvalidParameterValue', `Invalid source type: ${type}`);
  }
}

function checkCategories(sourceType: string | undefined, categories: string[]): void {
  const known = new Set(
    sourceType === undefined
      ? Object.values(categoriesBySourceType).flat()
      : categoriesBySourceType[sourceType],
  );
  for (const c of categories) {
    if (!known.has(c)) {
      throw new LabFault(
        'SubscriptionCategoryNotFound',
        `Category ${c} not found${sourceType ? ` for ${sourceType}` : ''}.`,
        404,
      );
    }
  }
}
