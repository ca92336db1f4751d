import { partitionOf } from './inputs.js';

/** What a refused notify call tells the user: the IAM policy for every call notify makes is printed on demand. */
export const policyHint = "'drill notify setup --print-policy' prints the IAM policy drill needs";

/** The statement drill adds to a topic's policy; its Sid lets teardown --keep-topic find and remove it again. */
export const rdsPublishSid = 'AllowRdsEventsFromThisAccount';

interface Statement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: unknown;
}

interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement?: Statement[] | Statement;
}

/**
 * RDS publishes to a topic as the service principal events.rds.amazonaws.com. A topic's default policy already
 * lets same-account services publish, but a topic whose policy was narrowed (or one drill did not create) may
 * not; the statement is harmless otherwise, so setup always makes sure it is there. aws:SourceAccount keeps it
 * to events of this account's own databases (no confused deputy).
 */
export function rdsPublishStatement(topicArn: string, account: string): Statement {
  return {
    Sid: rdsPublishSid,
    Effect: 'Allow',
    Principal: { Service: 'events.rds.amazonaws.com' },
    Action: 'sns:Publish',
    Resource: topicArn,
    Condition: { StringEquals: { 'aws:SourceAccount': account } },
  };
}

/** SNS's own default policy for a new topic: the owner account may manage it (kept when drill writes one). */
export function ownerStatement(topicArn: string, account: string): Statement {
  return {
    Sid: '__default_statement_ID',
    Effect: 'Allow',
    Principal: { AWS: '*' },
    Action: [
      'SNS:GetTopicAttributes',
      'SNS:SetTopicAttributes',
      'SNS:AddPermission',
      'SNS:RemovePermission',
      'SNS:DeleteTopic',
      'SNS:Subscribe',
      'SNS:ListSubscriptionsByTopic',
      'SNS:Publish',
    ],
    Resource: topicArn,
    Condition: { StringEquals: { 'AWS:SourceOwner': account } },
  };
}

const statements = (doc: PolicyDocument): Statement[] =>
  Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];

const list = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

/** Whether a statement already lets RDS event delivery publish to this topic (drill's or one written by hand). */
function letsRdsPublish(s: Statement, topicArn: string): boolean {
  if (s.Effect !== 'Allow') return false;
  const principal = s.Principal as { Service?: string | string[] } | string | undefined;
  const services = typeof principal === 'object' ? list(principal.Service) : [];
  const actions = list(s.Action).map((a) => a.toLowerCase());
  const resources = list(s.Resource);
  return (
    services.includes('events.rds.amazonaws.com') &&
    (actions.includes('sns:publish') || actions.includes('sns:*')) &&
    (resources.includes(topicArn) || resources.includes('*'))
  );
}

/**
 * The topic policy with RDS allowed to publish: `changed` false when the current one already allows it. Other
 * statements are kept as they are; a topic without a policy gets SNS's default owner statement beside ours.
 */
export function withRdsPublish(
  current: string | undefined,
  topicArn: string,
  account: string,
): { policy: string; changed: boolean } {
  const doc = parsePolicy(current) ?? {
    Version: '2008-10-17',
    Id: '__default_policy_ID',
    Statement: [ownerStatement(topicArn, account)],
  };
  const existing = statements(doc);
  if (existing.some((s) => letsRdsPublish(s, topicArn))) return { policy: current ?? '', changed: false };
  const next: PolicyDocument = { ...doc, Statement: [...existing, rdsPublishStatement(topicArn, account)] };
  return { policy: JSON.stringify(next), changed: true };
}

/** The topic policy without drill's statement (teardown --keep-topic); `changed` false when it had none. */
export function withoutRdsPublish(current: string | undefined): { policy: string; changed: boolean } {
  const doc = parsePolicy(current);
  if (!doc) return { policy: current ?? '', changed: false };
  const existing = statements(doc);
  const kept = existing.filter((s) => s.Sid !== rdsPublishSid);
  if (kept.length === existing.length) return { policy: current ?? '', changed: false };
  return { policy: JSON.stringify({ ...doc, Statement: kept }), changed: true };
}

function parsePolicy(text: string | undefined): PolicyDocument | undefined {
  if (!text) return undefined;
  try {
    const doc = JSON.parse(text) as PolicyDocument;
    return doc && typeof doc === 'object' ? doc : undefined;
  } catch {
    return undefined;
  }
}

export interface PolicyScope {
  region: string | undefined;
  topicName: string;
  subscriptionName: string;
  /** Aurora cluster ids the setup checks (rds:DescribeDBClusters); none: any. */
  clusters: string[];
  /** MemoryDB cluster names; none: the MemoryDB statement is left out. */
  memorydbClusters: string[];
}

/**
 * The least-privilege IAM policy for `drill notify setup`, `status` and `teardown`: topic actions on the topic's
 * ARN, event-subscription actions on the subscription's ARN. The account is `*` because drill cannot know it
 * offline; an identity policy only ever grants within its own account's resources anyway. sns:ListTopics (to
 * find the topic by name) and sns:Unsubscribe (which IAM evaluates against the subscription, not the topic)
 * accept no topic ARN, so they get `*`.
 */
export function iamPolicy(scope: PolicyScope): object {
  const partition = partitionOf(scope.region);
  const region = scope.region ?? '*';
  const statement: object[] = [
    {
      Sid: 'DrillNotifyTopic',
      Effect: 'Allow',
      Action: [
        'sns:CreateTopic',
        'sns:GetTopicAttributes',
        'sns:SetTopicAttributes',
        'sns:Subscribe',
        'sns:ListSubscriptionsByTopic',
        'sns:DeleteTopic',
      ],
      Resource: `arn:${partition}:sns:${region}:*:${scope.topicName}`,
    },
    {
      Sid: 'DrillNotifyFindTopicAndUnsubscribe',
      Effect: 'Allow',
      Action: ['sns:ListTopics', 'sns:Unsubscribe'],
      Resource: '*',
    },
    {
      Sid: 'DrillNotifyRdsEventSubscription',
      Effect: 'Allow',
      Action: [
        'rds:CreateEventSubscription',
        'rds:DescribeEventSubscriptions',
        'rds:AddSourceIdentifierToSubscription',
        'rds:RemoveSourceIdentifierFromSubscription',
        'rds:DeleteEventSubscription',
      ],
      Resource: `arn:${partition}:rds:${region}:*:es:${scope.subscriptionName}`,
    },
    {
      Sid: 'DrillNotifyCheckCluster',
      Effect: 'Allow',
      Action: ['rds:DescribeDBClusters'],
      Resource:
        scope.clusters.length > 0
          ? scope.clusters.map((c) => `arn:${partition}:rds:${region}:*:cluster:${c}`)
          : `arn:${partition}:rds:${region}:*:cluster:*`,
    },
  ];
  if (scope.memorydbClusters.length > 0) {
    statement.push({
      Sid: 'DrillNotifyMemoryDbTopic',
      Effect: 'Allow',
      Action: ['memorydb:DescribeClusters', 'memorydb:UpdateCluster'],
      Resource: scope.memorydbClusters.map((c) => `arn:${partition}:memorydb:${region}:*:cluster/${c}`),
    });
  }
  return { Version: '2012-10-17', Statement: statement };
}

/** Which IAM actions each command calls (README and --print-policy agree through this table). */
export const actionsByCommand = {
  setup: [
    'rds:DescribeDBClusters',
    'sns:ListTopics',
    'sns:CreateTopic',
    'sns:GetTopicAttributes',
    'sns:SetTopicAttributes',
    'sns:ListSubscriptionsByTopic',
    'sns:Subscribe',
    'rds:CreateEventSubscription',
    'rds:DescribeEventSubscriptions',
    'rds:AddSourceIdentifierToSubscription',
    'memorydb:DescribeClusters',
    'memorydb:UpdateCluster',
  ],
  rollback: [
    'sns:DeleteTopic',
    'sns:Unsubscribe',
    'sns:SetTopicAttributes',
    'rds:DeleteEventSubscription',
    'rds:RemoveSourceIdentifierFromSubscription',
    'memorydb:UpdateCluster',
  ],
  status: [
    'sns:ListTopics',
    'sns:GetTopicAttributes',
    'sns:ListSubscriptionsByTopic',
    'rds:DescribeEventSubscriptions',
    'memorydb:DescribeClusters',
  ],
  teardown: [
    'sns:ListTopics',
    'rds:DescribeEventSubscriptions',
    'rds:RemoveSourceIdentifierFromSubscription',
    'rds:DeleteEventSubscription',
    'sns:ListSubscriptionsByTopic',
    'sns:Unsubscribe',
    'sns:GetTopicAttributes',
    'sns:SetTopicAttributes',
    'sns:DeleteTopic',
    'memorydb:DescribeClusters',
    'memorydb:UpdateCluster',
  ],
} as const;
