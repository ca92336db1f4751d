import type { Endpoint, TopicRef } from './inputs.js';
import { isActive } from './memorydb.js';
import { withoutRdsPublish } from './policy.js';
import type { NotifyServices, Outcome, Step } from './setup.js';
import { sameEndpoint } from './sns.js';

export interface TeardownRequest {
  topic: TopicRef;
  subscriptionName: string;
  memorydb: string | undefined;
  /** Keep the topic: only unsubscribe these endpoints and take drill's statement out of its policy. */
  keepTopic: boolean;
  endpoints: Endpoint[];
}

export interface TeardownResult {
  changed: boolean;
  steps: Step[];
}

/**
 * `drill notify teardown`, in the seed lab's order: the cluster out of the event subscription, the event
 * subscription, (MemoryDB notifications off), the topic with its subscriptions. Whatever is already gone is
 * skipped, so it is safe to run twice; an event subscription or MemoryDB topic that sends somewhere else is left
 * alone and reported.
 */
export async function teardownNotifications(
  request: TeardownRequest,
  services: NotifyServices,
  onStep: (step: Step) => void = () => {},
): Promise<TeardownResult> {
  const { sns } = services;
  const steps: Step[] = [];
  const step = (outcome: Outcome, what: string): void => {
    const s = { outcome, what };
    steps.push(s);
    onStep(s);
  };
  const topicArn = request.topic.arn
    ? (await sns.attributes(request.topic.arn))
      ? request.topic.arn
      : undefined
    : await sns.findTopic(request.topic.name);
  const ours = (arn: string | undefined): boolean =>
    arn !== undefined && (topicArn ? arn === topicArn : arn.split(':')[5] === request.topic.name);

  if (services.rds) {
    const rds = services.rds;
    const name = request.subscriptionName;
    const s = await rds.describe(name);
    if (!s) {
      step('absent', `RDS event subscription ${name}`);
    } else if (!ours(s.topicArn)) {
      step('kept', `RDS event subscription ${name}: it sends to ${s.topicArn}, not to this topic`);
    } else {
      // Sources first, as the seed lab does: should the delete fail, the cluster already sends nothing.
      for (const id of s.sourceIds) {
        if (await rds.removeSource(name, id)) step('removed', `${id} from RDS event subscription ${name}`);
      }
      if (await rds.delete(name)) step('deleted', `RDS event subscription ${name}`);
      else step('absent', `RDS event subscription ${name}`);
    }
  }

  if (request.memorydb && services.memorydb) {
    const m = await services.memorydb.describe(request.memorydb);
    if (!m.topicArn || !ours(m.topicArn)) {
      step('kept', `MemoryDB cluster ${m.cluster}: it does not send to this topic`);
    } else if (!isActive(m.topicStatus)) {
      step('unchanged', `MemoryDB cluster ${m.cluster}: notifications already off`);
    } else {
      await services.memorydb.setTopicStatus(m.cluster, 'inactive');
      step('updated', `MemoryDB cluster ${m.cluster}: notifications switched off (SnsTopicStatus inactive)`);
    }
  }

  if (!topicArn) {
    step('absent', `SNS topic ${request.topic.arn ?? request.topic.name}`);
  } else if (request.keepTopic) {
    const subscriptions = await sns.subscriptions(topicArn);
    for (const endpoint of request.endpoints) {
      const found = subscriptions.find((x) => sameEndpoint(x, endpoint));
      if (!found || found.state === 'deleted')
        step('absent', `${endpoint.protocol} subscription ${endpoint.endpoint}`);
      else if (!found.arn) {
        step(
          'kept',
          `${endpoint.protocol} subscription ${endpoint.endpoint}: pending confirmation, SNS drops it unconfirmed after 3 days`,
        );
      } else {
        await sns.unsubscribe(found.arn);
        step('removed', `${endpoint.protocol} subscription ${endpoint.endpoint}`);
      }
    }
    const attributes = (await sns.attributes(topicArn)) ?? {};
    const { policy, changed } = withoutRdsPublish(attributes.Policy);
    if (changed) {
      await sns.setPolicy(topicArn, policy);
      step('updated', "topic policy: drill's RDS statement removed");
    }
    step('kept', `SNS topic ${topicArn} (--keep-topic)`);
  } else {
    const count = (await sns.subscriptions(topicArn)).filter((x) => x.state !== 'deleted').length;
    await sns.deleteTopic(topicArn);
    step(
      'deleted',
      `SNS topic ${topicArn}${count > 0 ? ` and its ${count} subscription${count === 1 ? '' : 's'}` : ''}`,
    );
  }
  return { changed: steps.some((s) => !['absent', 'kept', 'unchanged'].includes(s.outcome)), steps };
}
