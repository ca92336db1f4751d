import type { NotifyPlan } from './plan.js';
import { ownerStatement, rdsPublishStatement } from './policy.js';

/** A shell word: bare when it is plainly safe, else single-quoted. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Text placed inside a double-quoted shell word, taken literally. */
const inDoubleQuotes = (text: string): string => text.replace(/[\\"$`]/g, (c) => `\\${c}`);

/** The flags every command of a plan shares: region, profile, endpoint (a lab's). */
function globals(plan: NotifyPlan): string {
  const out: string[] = [];
  if (plan.region) out.push('--region', shellQuote(plan.region));
  if (plan.target.profile) out.push('--profile', shellQuote(plan.target.profile));
  if (plan.target.endpoint) out.push('--endpoint-url', shellQuote(plan.target.endpoint));
  return out.length > 0 ? ` ${out.join(' ')}` : '';
}

/**
 * A JSON document as one double-quoted shell word in which $TOPIC_ARN and $ACCOUNT expand: the policy depends on
 * the topic's ARN and account, which only AWS knows.
 */
function policyWord(): string {
  const topic = '__TOPIC_ARN__';
  const account = '__ACCOUNT__';
  const doc = {
    Version: '2008-10-17',
    Statement: [ownerStatement(topic, account), rdsPublishStatement(topic, account)],
  };
  const escaped = inDoubleQuotes(JSON.stringify(doc));
  return `"${escaped.replaceAll(topic, '$TOPIC_ARN').replaceAll(account, '$ACCOUNT')}"`;
}

const topicArnFromList = (plan: NotifyPlan): string =>
  `TOPIC_ARN=$(aws sns list-topics --query "Topics[?ends_with(TopicArn, ':${plan.topic.name}')].TopicArn" --output text${globals(plan)})`;

/** `notify setup --dry-run`: the AWS CLI commands that do what setup does, in its order (runbook copy-paste). */
export function setupCommands(plan: NotifyPlan): string[] {
  const g = globals(plan);
  const lines: string[] = [];
  if (plan.cluster) {
    lines.push(`aws rds describe-db-clusters --db-cluster-identifier ${shellQuote(plan.cluster)}${g}`);
  }
  if (plan.memorydb) {
    lines.push(`aws memorydb describe-clusters --cluster-name ${shellQuote(plan.memorydb)}${g}`);
  }
  if (plan.topic.arn) lines.push(`TOPIC_ARN=${shellQuote(plan.topic.arn)}`);
  else {
    lines.push(
      `TOPIC_ARN=$(aws sns create-topic --name ${shellQuote(plan.topic.name)} --query TopicArn --output text${g})`,
    );
  }
  if (plan.cluster) {
    lines.push(
      'ACCOUNT=$(echo "$TOPIC_ARN" | cut -d: -f5)',
      '# replaces the whole topic policy: on a topic with a policy of its own, add the second statement to it instead',
      `aws sns set-topic-attributes --topic-arn "$TOPIC_ARN" --attribute-name Policy --attribute-value ${policyWord()}${g}`,
    );
  }
  for (const e of plan.endpoints) {
    lines.push(
      `aws sns subscribe --topic-arn "$TOPIC_ARN" --protocol ${e.protocol} --notification-endpoint ${shellQuote(e.endpoint)} --return-subscription-arn${g}`,
    );
  }
  if (plan.cluster) {
    const name = shellQuote(plan.subscriptionName);
    lines.push(
      `aws rds create-event-subscription --subscription-name ${name} --sns-topic-arn "$TOPIC_ARN" --source-type db-cluster --event-categories failover --source-ids ${shellQuote(plan.cluster)} --enabled${g}`,
      `# when the subscription already exists with the same topic, source type and categories, add the cluster instead:`,
      `#   aws rds add-source-identifier-to-subscription --subscription-name ${name} --source-identifier ${shellQuote(plan.cluster)}${g}`,
    );
  }
  if (plan.memorydb) {
    lines.push(
      `aws memorydb update-cluster --cluster-name ${shellQuote(plan.memorydb)} --sns-topic-arn "$TOPIC_ARN" --sns-topic-status active${g}`,
    );
  }
  return lines;
}

/** `notify teardown --dry-run`: the AWS CLI commands that undo setup, in teardown's order. */
export function teardownCommands(plan: NotifyPlan): string[] {
  const g = globals(plan);
  const name = shellQuote(plan.subscriptionName);
  const lines: string[] = [
    plan.topic.arn ? `TOPIC_ARN=${shellQuote(plan.topic.arn)}` : topicArnFromList(plan),
  ];
  if (plan.cluster) {
    lines.push(
      `aws rds remove-source-identifier-from-subscription --subscription-name ${name} --source-identifier ${shellQuote(plan.cluster)}${g}`,
    );
  }
  lines.push(`aws rds delete-event-subscription --subscription-name ${name}${g}`);
  if (plan.memorydb) {
    lines.push(
      `aws memorydb update-cluster --cluster-name ${shellQuote(plan.memorydb)} --sns-topic-status inactive${g}`,
    );
  }
  if (plan.keepTopic) {
    for (const e of plan.endpoints) {
      lines.push(
        `SUBSCRIPTION_ARN=$(aws sns list-subscriptions-by-topic --topic-arn "$TOPIC_ARN" --query "Subscriptions[?Endpoint=='${inDoubleQuotes(e.endpoint)}'].SubscriptionArn" --output text${g})`,
        `aws sns unsubscribe --subscription-arn "$SUBSCRIPTION_ARN"${g}`,
      );
    }
  } else {
    lines.push(`aws sns delete-topic --topic-arn "$TOPIC_ARN"${g}`);
  }
  return lines;
}

/** `notify status --dry-run`: the read-only calls status makes. */
export function statusCommands(plan: NotifyPlan): string[] {
  const g = globals(plan);
  const lines = [
    plan.topic.arn ? `TOPIC_ARN=${shellQuote(plan.topic.arn)}` : topicArnFromList(plan),
    `aws sns list-subscriptions-by-topic --topic-arn "$TOPIC_ARN"${g}`,
    `aws rds describe-event-subscriptions --subscription-name ${shellQuote(plan.subscriptionName)}${g}`,
  ];
  if (plan.memorydb)
    lines.push(`aws memorydb describe-clusters --cluster-name ${shellQuote(plan.memorydb)}${g}`);
  return lines;
}
