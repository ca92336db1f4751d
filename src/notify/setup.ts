import { AwsCallError } from '../aws/errors.js';
import { DrillError, ExitCode, usageError } from '../core/errors.js';
import { checkTopicAccount, type Endpoint, parseArn, type TopicRef } from './inputs.js';
import { isActive, type MemoryDbNotifications, type MemoryDbTopicView } from './memorydb.js';
import { withRdsPublish } from './policy.js';
import {
  type EventSubscriptionView,
  type RdsEventSubscriptions,
  subscriptionDifferences,
} from './rds-subscription.js';
import { failureAfterRollback, Journal } from './rollback.js';
import { type SnsTopics, type SubscriptionState, sameEndpoint } from './sns.js';

export interface NotifyServices {
  sns: SnsTopics;
  rds?: RdsEventSubscriptions;
  memorydb?: MemoryDbNotifications;
}

export interface SetupRequest {
  topic: TopicRef;
  subscriptionName: string;
  endpoints: Endpoint[];
  /** Aurora cluster whose failover events RDS forwards; undefined for a MemoryDB-only setup. */
  cluster: string | undefined;
  memorydb: string | undefined;
}

export type Outcome =
  | 'created'
  | 'updated'
  | 'unchanged'
  | 'added'
  | 'removed'
  | 'deleted'
  | 'absent'
  | 'kept';

/** One thing a command did or found, in the order it happened. */
export interface Step {
  outcome: Outcome;
  what: string;
}

export interface SetupResult {
  /** False when everything was already in place: the run changed nothing. */
  changed: boolean;
  topic: { arn: string; name: string; created: boolean };
  subscriptions: { protocol: string; endpoint: string; state: SubscriptionState; created: boolean }[];
  eventSubscription: (EventSubscriptionView & { created: boolean }) | null;
  memorydb: { cluster: string; topicArn: string; topicStatus: string; updated: boolean } | null;
  steps: Step[];
}

/**
 * `drill notify setup`: checks first (cluster, topic ownership, a MemoryDB cluster's current topic) so a typo
 * creates nothing; then topic, topic policy, subscriptions, RDS event subscription, MemoryDB topic — each only
 * when missing. A failure part-way (or Ctrl+C, through `signal`) rolls back exactly what this run created or
 * changed, and the error says what was rolled back.
 */
export async function setupNotifications(
  request: SetupRequest,
  services: NotifyServices,
  onStep: (step: Step) => void = () => {},
  signal?: AbortSignal,
): Promise<SetupResult> {
  const journal = new Journal();
  const steps: Step[] = [];
  const step = (outcome: Outcome, what: string): void => {
    const s = { outcome, what };
    steps.push(s);
    onStep(s);
  };
  const checkpoint = (): void => {
    if (signal?.aborted) throw new DrillError('interrupted', ExitCode.interrupted);
  };
  try {
    return await run(request, services, journal, step, checkpoint, steps);
  } catch (err) {
    if (journal.empty) throw err;
    throw failureAfterRollback(err, await journal.rollback());
  }
}

async function run(
  request: SetupRequest,
  services: NotifyServices,
  journal: Journal,
  step: (outcome: Outcome, what: string) => void,
  checkpoint: () => void,
  steps: Step[],
): Promise<SetupResult> {
  const { sns } = services;
  // Checks that create nothing.
  const cluster = request.cluster ? await requireRds(services).cluster(request.cluster) : undefined;
  const memorydbBefore = request.memorydb
    ? await requireMemoryDb(services).describe(request.memorydb)
    : undefined;
  const account = cluster?.account ?? memorydbBefore?.account;
  checkTopicAccount(request.topic, account);
  let topicArn = await findTopic(sns, request.topic, account);
  if (memorydbBefore) refuseOtherMemoryDbTopic(memorydbBefore, topicArn, request.topic);
  checkpoint();

  const topicCreated = topicArn === undefined;
  if (topicArn === undefined) {
    const arn = await sns.createTopic(request.topic.name);
    topicArn = arn;
    journal.record(`deleted topic ${arn} (and its subscriptions)`, () => sns.deleteTopic(arn));
    step('created', `SNS topic ${arn}`);
  } else {
    step('unchanged', `SNS topic ${topicArn} exists`);
  }
  const topic = topicArn;
  const topicAccount = account ?? parseArn(topic)?.account ?? '';

  if (cluster) {
    checkpoint();
    const attributes = (await sns.attributes(topic)) ?? {};
    const before = attributes.Policy;
    const { policy, changed } = withRdsPublish(before, topic, topicAccount);
    if (changed) {
      await sns.setPolicy(topic, policy);
      // A topic this run created goes as a whole; only an existing topic's policy needs putting back.
      if (!topicCreated && before) {
        journal.record('restored the topic policy', () => sns.setPolicy(topic, before));
      }
      step(
        'updated',
        `topic policy: RDS (events.rds.amazonaws.com) may publish, for account ${topicAccount} only`,
      );
    } else {
      step('unchanged', 'topic policy already lets RDS publish');
    }
  }

  const existing = topicCreated ? [] : await sns.subscriptions(topic);
  const created: Endpoint[] = [];
  for (const endpoint of request.endpoints) {
    checkpoint();
    const found = existing.find((s) => sameEndpoint(s, endpoint));
    if (found) {
      step('unchanged', `${endpoint.protocol} subscription ${endpoint.endpoint} exists (${found.state})`);
      continue;
    }
    const arn = await sns.subscribe(topic, endpoint);
    created.push(endpoint);
    if (!topicCreated && arn) {
      journal.record(`unsubscribed ${endpoint.protocol} ${endpoint.endpoint}`, () => sns.unsubscribe(arn));
    }
    step('created', `${endpoint.protocol} subscription ${endpoint.endpoint}`);
  }
  const now = request.endpoints.length > 0 ? await sns.subscriptions(topic) : [];
  const subscriptions = request.endpoints.map((e) => ({
    protocol: e.protocol,
    endpoint: e.endpoint,
    state: now.find((s) => sameEndpoint(s, e))?.state ?? ('pending confirmation' as SubscriptionState),
    created: created.includes(e),
  }));

  let eventSubscription: SetupResult['eventSubscription'] = null;
  if (cluster) {
    checkpoint();
    eventSubscription = await ensureEventSubscription(
      requireRds(services),
      request.subscriptionName,
      topic,
      cluster.id,
      journal,
      step,
    );
  }

  let memorydb: SetupResult['memorydb'] = null;
  if (memorydbBefore) {
    checkpoint();
    memorydb = await ensureMemoryDbTopic(requireMemoryDb(services), memorydbBefore, topic, journal, step);
  }

  return {
    changed: steps.some((s) => s.outcome !== 'unchanged'),
    topic: { arn: topic, name: request.topic.name, created: topicCreated },
    subscriptions,
    eventSubscription,
    memorydb,
    steps,
  };
}

/**
 * The topic's ARN when it exists: a name is looked up; a named ARN must exist and be this account's — known from
 * the cluster's ARN, else from ListTopics, which lists only the caller's own topics.
 */
async function findTopic(
  sns: SnsTopics,
  topic: TopicRef,
  account: string | undefined,
): Promise<string | undefined> {
  if (!topic.arn) return sns.findTopic(topic.name);
  const attributes = await sns.attributes(topic.arn);
  if (!attributes) {
    throw new DrillError(
      `--topic ${topic.arn} does not exist (or this account may not see it): give an existing topic of this account, or just a name`,
      ExitCode.cannotStart,
    );
  }
  if (!account && (await sns.findTopic(topic.name)) !== topic.arn) {
    throw usageError(
      `--topic ${topic.arn} is not one of this account's topics (its owner is ${attributes.Owner ?? topic.account}): ` +
        'give a topic of this account, or just a name and drill creates it',
    );
  }
  return topic.arn;
}

/** MemoryDB takes one topic per cluster: another one already set on it is reported, never replaced. */
function refuseOtherMemoryDbTopic(
  view: MemoryDbTopicView,
  topicArn: string | undefined,
  topic: TopicRef,
): void {
  if (view.topicArn && view.topicArn !== topicArn) {
    throw usageError(
      `MemoryDB cluster ${view.cluster} already sends its events to ${view.topicArn} (${view.topicStatus ?? 'status unknown'}); ` +
        `drill does not replace it: use --topic ${view.topicArn}, or change it yourself and run setup again` +
        (topic.arn ? '' : ` (wanted topic ${topic.name})`),
    );
  }
}

async function ensureEventSubscription(
  rds: RdsEventSubscriptions,
  name: string,
  topicArn: string,
  clusterId: string,
  journal: Journal,
  step: (outcome: Outcome, what: string) => void,
): Promise<EventSubscriptionView & { created: boolean }> {
  let view: EventSubscriptionView;
  try {
    view = await rds.create(name, topicArn, [clusterId]);
    journal.record(`deleted RDS event subscription ${name}`, async () => {
      await rds.delete(name);
    });
    step('created', `RDS event subscription ${name}: ${clusterId} failover events to the topic`);
    if (!view.sourceIds.includes(clusterId)) {
      // Some RDS endpoints ignore SourceIds on create; the seed lab adds the source in a second call anyway.
      view = await rds.addSource(name, clusterId);
    }
    return { ...view, created: true };
  } catch (err) {
    if (!(err instanceof AwsCallError && err.is('SubscriptionAlreadyExist'))) throw err;
  }
  const existing = await rds.describe(name);
  if (!existing) {
    throw new DrillError(
      `RDS says event subscription ${name} exists but does not describe it: try again in a minute`,
      ExitCode.cannotStart,
    );
  }
  const differences = subscriptionDifferences(existing, topicArn);
  if (differences.length > 0) {
    throw usageError(
      `RDS event subscription ${name} already exists and ${differences.join(', ')}: drill leaves it as it is; ` +
        `pick another --subscription NAME, or remove it first ('drill notify teardown --subscription ${name}')`,
    );
  }
  if (existing.sourceIds.includes(clusterId)) {
    step('unchanged', `RDS event subscription ${name} exists and covers ${clusterId}`);
    return { ...existing, created: false };
  }
  view = await rds.addSource(name, clusterId);
  journal.record(`removed ${clusterId} from RDS event subscription ${name}`, async () => {
    await rds.removeSource(name, clusterId);
  });
  step('added', `${clusterId} to the existing RDS event subscription ${name}`);
  return { ...view, created: false };
}

async function ensureMemoryDbTopic(
  memorydb: MemoryDbNotifications,
  before: MemoryDbTopicView,
  topicArn: string,
  journal: Journal,
  step: (outcome: Outcome, what: string) => void,
): Promise<NonNullable<SetupResult['memorydb']>> {
  if (before.topicArn === topicArn && isActive(before.topicStatus)) {
    step('unchanged', `MemoryDB cluster ${before.cluster} sends its events to the topic (active)`);
    return { cluster: before.cluster, topicArn, topicStatus: before.topicStatus ?? 'active', updated: false };
  }
  await memorydb.setTopic(before.cluster, topicArn);
  journal.record(`switched MemoryDB cluster ${before.cluster}'s notifications back off`, () =>
    memorydb.setTopicStatus(before.cluster, 'inactive'),
  );
  step(
    'updated',
    `MemoryDB cluster ${before.cluster}: events to the topic (UpdateCluster SnsTopicArn, active)`,
  );
  return { cluster: before.cluster, topicArn, topicStatus: 'active', updated: true };
}

function requireRds(services: NotifyServices): RdsEventSubscriptions {
  if (!services.rds) throw new Error('RDS client missing');
  return services.rds;
}

function requireMemoryDb(services: NotifyServices): MemoryDbNotifications {
  if (!services.memorydb) throw new Error('MemoryDB client missing');
  return services.memorydb;
}
