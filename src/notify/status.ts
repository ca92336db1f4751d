import type { TopicRef } from './inputs.js';
import { isActive } from './memorydb.js';
import { withRdsPublish } from './policy.js';
import type { NotifyServices } from './setup.js';
import type { SubscriptionState } from './sns.js';

export interface StatusRequest {
  topic: TopicRef;
  subscriptionName: string;
  memorydb: string | undefined;
}

/** What `drill notify status --json` prints; the first three fields' names are a contract, others may be added. */
export interface NotifyStatus {
  topic: { arn: string; name: string; rdsMayPublish: boolean } | null;
  subscriptions: { protocol: string; endpoint: string; state: SubscriptionState; arn: string | null }[];
  eventSubscription: {
    name: string;
    status: string;
    sourceType: string;
    categories: string[];
    sourceIds: string[];
    enabled: boolean;
    topicArn: string;
    sendsToTopic: boolean;
  } | null;
  memorydb: {
    cluster: string;
    topicArn: string | null;
    topicStatus: string | null;
    sendsToTopic: boolean;
  } | null;
}

/** Reads the topic, its subscriptions, the RDS event subscription and (if named) a MemoryDB cluster's topic. */
export async function notifyStatus(request: StatusRequest, services: NotifyServices): Promise<NotifyStatus> {
  const { sns } = services;
  const arn = request.topic.arn ?? (await sns.findTopic(request.topic.name));
  // One GetTopicAttributes: it both proves a named ARN exists and gives the policy.
  const attributes = arn ? await sns.attributes(arn) : undefined;
  let topic: NotifyStatus['topic'] = null;
  let subscriptions: NotifyStatus['subscriptions'] = [];
  if (arn && attributes) {
    const account = arn.split(':')[4] ?? '';
    topic = {
      arn,
      name: request.topic.name,
      rdsMayPublish: !withRdsPublish(attributes.Policy, arn, account).changed,
    };
    subscriptions = (await sns.subscriptions(arn))
      .filter((s) => s.state !== 'deleted')
      .map((s) => ({ protocol: s.protocol, endpoint: s.endpoint, state: s.state, arn: s.arn ?? null }));
  }
  const topicArn = topic?.arn;
  const s = services.rds ? await services.rds.describe(request.subscriptionName) : undefined;
  const eventSubscription: NotifyStatus['eventSubscription'] = s
    ? {
        name: s.name,
        status: s.status,
        sourceType: s.sourceType,
        categories: s.categories,
        sourceIds: s.sourceIds,
        enabled: s.enabled,
        topicArn: s.topicArn,
        sendsToTopic: topicArn !== undefined && s.topicArn === topicArn,
      }
    : null;
  let memorydb: NotifyStatus['memorydb'] = null;
  if (request.memorydb && services.memorydb) {
    const m = await services.memorydb.describe(request.memorydb);
    memorydb = {
      cluster: m.cluster,
      topicArn: m.topicArn ?? null,
      topicStatus: m.topicStatus ?? null,
      sendsToTopic: topicArn !== undefined && m.topicArn === topicArn && isActive(m.topicStatus),
    };
  }
  return { topic, subscriptions, eventSubscription, memorydb };
}
