import type { AwsTarget } from '../aws/clients.js';
import type { Clock } from '../core/clock.js';
import { cannotStart } from '../core/errors.js';
import type {
  FailoverPhase,
  History,
  NotificationReceived,
  NotificationsSubscribed,
} from '../core/history.js';
import { type Endpoint, parseTopic } from './inputs.js';
import { NotificationListener, type SnsNotification } from './listener.js';
import { SnsTopics } from './sns.js';

export interface DrillNotificationsOptions {
  aws: AwsTarget;
  /** `--topic NAME|ARN`: the topic `drill notify setup` made. */
  topic: string;
  listen: { host: string; port: number };
  /** The URL SNS delivers to: the listener itself (a lab), or a public URL that reaches it. */
  endpoint: (listenerUrl: string) => Endpoint;
  confirmTimeoutMs: number;
  /** The service's reading of a notification's text: which failover phase it marks, if any. */
  phaseOf: (message: string) => FailoverPhase | undefined;
}

/** After the drill, how long to wait for a completion notification still on its way. */
const completionGraceMs = 5000;

/**
 * `drill aurora --notifications`: for the drill's duration a listener is subscribed to the failover topic, and
 * each notification lands on the drill's timeline when it arrives — beside the downtime the client saw and the
 * provider's own events. The subscription is removed afterwards; the topic is left as it was.
 */
export class DrillNotifications {
  private subscriptionArn: string | undefined;

  private constructor(
    private readonly history: History,
    private readonly topics: SnsTopics,
    private readonly listener: NotificationListener,
    private readonly topicArn: string,
  ) {}

  static async start(
    history: History,
    clock: Clock,
    o: DrillNotificationsOptions,
  ): Promise<DrillNotifications> {
    const topics = await SnsTopics.connect(o.aws);
    const ref = parseTopic(o.topic, o.aws.region);
    const topicArn = ref.arn ?? (await topics.findTopic(ref.name));
    if (!topicArn || !(await topics.attributes(topicArn))) {
      throw cannotStart(
        `--notifications: there is no SNS topic ${o.topic}${o.aws.region ? ` in ${o.aws.region}` : ''}: create it with 'drill notify setup --topic ${ref.name} ...'`,
      );
    }
    const name = topicArn.split(':')[5] ?? ref.name;
    const listener = new NotificationListener({
      host: o.listen.host,
      port: o.listen.port,
      confirmTimeoutMs: o.confirmTimeoutMs,
      onNotification: (n) => record(history, clock, name, n, o.phaseOf),
    });
    const url = await listener.start();
    const drill = new DrillNotifications(history, topics, listener, topicArn);
    try {
      const endpoint = o.endpoint(url);
      drill.subscriptionArn = await topics.subscribe(topicArn, endpoint);
      const confirmed = await listener.whenConfirmed(topicArn, o.confirmTimeoutMs).then(
        () => true,
        () => false,
      );
      drill.subscriptionArn ??= (await topics.subscriptions(topicArn)).find(
        (s) => s.endpoint === endpoint.endpoint && s.arn,
      )?.arn;
      history.append<NotificationsSubscribed>({
        kind: 'notifications',
        t: clock.now(),
        topic: name,
        url: endpoint.endpoint,
        confirmed,
      });
    } catch (err) {
      await drill.stop(false);
      throw err;
    }
    return drill;
  }

  /**
   * Unsubscribes and stops listening. When the drill saw a failover start but not yet its completion, waits a
   * little for the completion notification first.
   */
  async stop(awaitCompletion: boolean): Promise<void> {
    if (awaitCompletion) {
      const end = Date.now() + completionGraceMs;
      while (Date.now() < end && this.seen('failover-started') && !this.seen('failover-completed')) {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    try {
      if (this.subscriptionArn) await this.topics.unsubscribe(this.subscriptionArn);
    } catch (err) {
      this.history.note(
        `could not unsubscribe the drill's listener from ${this.topicArn}: ${(err as Error).message}`,
        'warn',
        'sns',
      );
    } finally {
      await this.listener.stop();
    }
  }

  private seen(phase: FailoverPhase): boolean {
    return this.history.records.some((r) => r.kind === 'notification' && r.phase === phase);
  }
}

function record(
  history: History,
  clock: Clock,
  topic: string,
  n: SnsNotification,
  phaseOf: (message: string) => FailoverPhase | undefined,
): void {
  const t = clock.now();
  const rds = typeof n.message === 'string' ? undefined : n.message;
  // RDS writes Event Time as 'YYYY-MM-DD HH:MM:SS.mmm' in UTC.
  const eventWall = rds?.eventTime ? Date.parse(`${rds.eventTime.replace(' ', 'T')}Z`) : Number.NaN;
  const entry: Omit<NotificationReceived, 'at'> = {
    kind: 'notification',
    t,
    topic,
    message: rds ? rds.eventMessage : n.rawMessage,
    eventT: Number.isNaN(eventWall) ? null : clock.fromWall(eventWall),
  };
  const phase = phaseOf(entry.message);
  if (phase) entry.phase = phase;
  if (rds?.eventId) entry.eventId = rds.eventId;
  if (rds?.sourceId) entry.sourceId = rds.sourceId;
  history.append<NotificationReceived>(entry);
}
