import { type AwsTarget, snsClient } from '../aws/clients.js';
import { AwsCallError, callAws } from '../aws/errors.js';
import type { Endpoint } from './inputs.js';
import { policyHint } from './policy.js';

type Sns = Awaited<ReturnType<typeof snsClient>>;

export type SubscriptionState = 'confirmed' | 'pending confirmation' | 'deleted';

export interface TopicSubscription {
  protocol: string;
  endpoint: string;
  state: SubscriptionState;
  /** Undefined while pending: SNS lists no ARN for an unconfirmed subscription. */
  arn: string | undefined;
}

/** An SNS topic and its subscriptions, over the AWS SDK (or a lab speaking SNS). */
export class SnsTopics {
  private constructor(private readonly sns: Sns) {}

  static async connect(target: AwsTarget): Promise<SnsTopics> {
    return new SnsTopics(await snsClient(target));
  }

  private get sdk() {
    return this.sns.sdk;
  }

  private send<T>(action: string, command: object): Promise<T> {
    return callAws(action, () => this.sns.client.send(command as never) as Promise<T>, policyHint);
  }

  /** This account's topic of that name in the client's region (ListTopics lists only the caller's own). */
  async findTopic(name: string): Promise<string | undefined> {
    let token: string | undefined;
    do {
      const out = await this.send<{ Topics?: { TopicArn?: string }[]; NextToken?: string }>(
        'sns:ListTopics',
        new this.sdk.ListTopicsCommand(token ? { NextToken: token } : {}),
      );
      const hit = out.Topics?.find((t) => t.TopicArn?.split(':')[5] === name)?.TopicArn;
      if (hit) return hit;
      token = out.NextToken;
    } while (token);
    return undefined;
  }

  /** The topic's attributes, or undefined when it does not exist. */
  async attributes(topicArn: string): Promise<Record<string, string> | undefined> {
    try {
      const out = await this.send<{ Attributes?: Record<string, string> }>(
        'sns:GetTopicAttributes',
        new this.sdk.GetTopicAttributesCommand({ TopicArn: topicArn }),
      );
      return out.Attributes ?? {};
    } catch (err) {
      if (err instanceof AwsCallError && err.is('NotFound')) return undefined;
      throw err;
    }
  }

  /** CreateTopic is idempotent: for an existing topic of that name it returns the same ARN. */
  async createTopic(name: string): Promise<string> {
    const out = await this.send<{ TopicArn?: string }>(
      'sns:CreateTopic',
      new this.sdk.CreateTopicCommand({ Name: name }),
    );
    if (!out.TopicArn) throw new Error('CreateTopic answered without a TopicArn');
    return out.TopicArn;
  }

  /** Deletes the topic and every subscription on it; deleting a topic that is gone is not an error. */
  async deleteTopic(topicArn: string): Promise<void> {
    try {
      await this.send('sns:DeleteTopic', new this.sdk.DeleteTopicCommand({ TopicArn: topicArn }));
    } catch (err) {
      if (err instanceof AwsCallError && err.is('NotFound')) return;
      throw err;
    }
  }

  async setPolicy(topicArn: string, policy: string): Promise<void> {
    await this.send(
      'sns:SetTopicAttributes',
      new this.sdk.SetTopicAttributesCommand({
        TopicArn: topicArn,
        AttributeName: 'Policy',
        AttributeValue: policy,
      }),
    );
  }

  async subscriptions(topicArn: string): Promise<TopicSubscription[]> {
    const list: TopicSubscription[] = [];
    let token: string | undefined;
    do {
      const out = await this.send<{
        Subscriptions?: { SubscriptionArn?: string; Protocol?: string; Endpoint?: string }[];
        NextToken?: string;
      }>(
        'sns:ListSubscriptionsByTopic',
        new this.sdk.ListSubscriptionsByTopicCommand({
          TopicArn: topicArn,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      for (const s of out.Subscriptions ?? []) list.push(view(s));
      token = out.NextToken;
    } while (token);
    return list;
  }

  /**
   * Subscribes an endpoint. ReturnSubscriptionArn asks for the ARN even while the subscription waits for its
   * confirmation, so a rollback can remove exactly this subscription.
   */
  async subscribe(topicArn: string, endpoint: Endpoint): Promise<string | undefined> {
    const out = await this.send<{ SubscriptionArn?: string }>(
      'sns:Subscribe',
      new this.sdk.SubscribeCommand({
        TopicArn: topicArn,
        Protocol: endpoint.protocol,
        Endpoint: endpoint.endpoint,
        ReturnSubscriptionArn: true,
      }),
    );
    const arn = out.SubscriptionArn;
    return arn?.startsWith('arn:') ? arn : undefined;
  }

  /** Removes one subscription; one that is already gone is not an error. */
  async unsubscribe(subscriptionArn: string): Promise<void> {
    try {
      await this.send(
        'sns:Unsubscribe',
        new this.sdk.UnsubscribeCommand({ SubscriptionArn: subscriptionArn }),
      );
    } catch (err) {
      if (err instanceof AwsCallError && err.is('NotFound')) return;
      throw err;
    }
  }
}

function view(s: { SubscriptionArn?: string; Protocol?: string; Endpoint?: string }): TopicSubscription {
  const arn = s.SubscriptionArn ?? '';
  const state: SubscriptionState = arn.startsWith('arn:')
    ? 'confirmed'
    : /deleted/i.test(arn)
      ? 'deleted'
      : 'pending confirmation';
  return {
    protocol: s.Protocol ?? '?',
    endpoint: s.Endpoint ?? '?',
    state,
    arn: arn.startsWith('arn:') ? arn : undefined,
  };
}

/** The same endpoint, as SNS lists it (SNS keeps URLs and addresses as given; emails compare case-blind). */
export function sameEndpoint(a: { protocol: string; endpoint: string }, b: Endpoint): boolean {
  if (a.protocol !== b.protocol) return false;
  if (b.protocol === 'email') return a.endpoint.toLowerCase() === b.endpoint.toLowerCase();
  return a.endpoint === b.endpoint || a.endpoint.replace(/\/$/, '') === b.endpoint.replace(/\/$/, '');
}
