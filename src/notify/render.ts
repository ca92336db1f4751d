import type { ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import type { NotifyPlan } from './plan.js';
import type { SetupResult, Step } from './setup.js';
import type { NotifyStatus } from './status.js';

/** One line per step, as it happens: `  created    SNS topic arn:...`. */
export function stepLine(s: Step, style: ChalkInstance): string {
  const word = s.outcome.padEnd(9);
  const colour =
    s.outcome === 'created' || s.outcome === 'added' || s.outcome === 'updated'
      ? style.green
      : s.outcome === 'deleted' || s.outcome === 'removed'
        ? style.yellow
        : style.dim;
  return `  ${colour(word)} ${s.what}\n`;
}

export function header(plan: NotifyPlan, style: ChalkInstance): string {
  const sources = [
    plan.cluster ? `cluster ${plan.cluster}` : undefined,
    plan.memorydb ? `MemoryDB ${plan.memorydb}` : undefined,
  ].filter(Boolean);
  const where = plan.lab
    ? `lab ${plan.lab.stateDir}`
    : (plan.target.endpoint ?? plan.region ?? 'AWS (SDK default region)');
  return style.bold(
    `drill notify ${plan.command} · topic ${plan.topic.arn ?? plan.topic.name}${sources.length > 0 ? ` · ${sources.join(', ')}` : ''} · ${where}\n`,
  );
}

/** After setup: whether anything changed, the confirmation state of each subscription, what to do next. */
export function setupSummary(result: SetupResult, style: ChalkInstance, labOutbox?: string): string {
  const lines: string[] = [];
  lines.push(result.changed ? style.bold('set up.') : style.bold('already set up: nothing changed.'));
  const pending = result.subscriptions.filter((s) => s.state === 'pending confirmation');
  for (const s of result.subscriptions) lines.push(`  ${s.protocol} ${s.endpoint}: ${s.state}`);
  if (result.subscriptions.length === 0) {
    lines.push(
      style.yellow(
        '  the topic has no subscription from this run: add one with --email, --https or --sqs, or events reach nobody',
      ),
    );
  }
  const next: string[] = [];
  for (const s of pending) {
    if (s.protocol === 'email' && labOutbox) {
      next.push(
        `the lab mails into ${labOutbox}: GET the confirmation link in the .eml file for ${s.endpoint}`,
      );
    } else if (s.protocol === 'email') {
      next.push(`open the email AWS Notifications sent to ${s.endpoint} and follow "Confirm subscription"`);
    } else if (s.protocol === 'http' || s.protocol === 'https') {
      next.push(
        `${s.endpoint} must confirm: GET the SubscribeURL of the SubscriptionConfirmation it was sent`,
      );
    } else {
      next.push(`confirm the ${s.protocol} subscription ${s.endpoint}`);
    }
  }
  next.push(
    "check with 'drill notify status'; a failover drill then sends a start and a completion notification",
  );
  lines.push('next:');
  for (const n of next) lines.push(`  - ${n}`);
  return `${lines.join('\n')}\n`;
}

/** `drill notify status` for a person: topic, subscriptions, event subscription (and MemoryDB), as tables. */
export function statusTables(status: NotifyStatus, plan: NotifyPlan, style: ChalkInstance): string {
  const out: string[] = [];
  const table = (head: string[]) =>
    new Table({ head: head.map((h) => style.bold(h)), style: { head: [], border: [] }, wordWrap: true });
  const t = table([]);
  t.push(
    [
      'topic',
      status.topic
        ? `${status.topic.arn}${status.topic.rdsMayPublish ? '' : style.yellow(' (RDS may not publish)')}`
        : style.dim(`none (${plan.topic.arn ?? plan.topic.name})`),
    ],
    [
      'event subscription',
      status.eventSubscription
        ? `${status.eventSubscription.name}: ${status.eventSubscription.status}, ${status.eventSubscription.enabled ? 'enabled' : 'disabled'}` +
          `${status.eventSubscription.sendsToTopic ? '' : style.yellow(` (sends to ${status.eventSubscription.topicArn})`)}`
        : style.dim(`none (${plan.subscriptionName})`),
    ],
  );
  if (status.eventSubscription) {
    const e = status.eventSubscription;
    t.push(
      ['source type', e.sourceType || 'all'],
      ['categories', e.categories.length > 0 ? e.categories.join(', ') : 'all'],
      [
        'sources',
        e.sourceIds.length > 0 ? e.sourceIds.join(', ') : style.yellow('none: every source of that type'),
      ],
    );
  }
  if (status.memorydb) {
    const m = status.memorydb;
    t.push([
      'MemoryDB',
      `${m.cluster}: ${m.topicArn ?? 'no topic'}${m.topicStatus ? ` (${m.topicStatus})` : ''}`,
    ]);
  }
  out.push(t.toString());
  if (status.subscriptions.length > 0) {
    const s = table(['protocol', 'endpoint', 'state']);
    for (const x of status.subscriptions) {
      s.push([
        x.protocol,
        x.endpoint,
        x.state === 'confirmed' ? style.green(x.state) : style.yellow(x.state),
      ]);
    }
    out.push(s.toString());
  } else if (status.topic) {
    out.push(style.yellow('no subscriptions: notifications reach nobody'));
  }
  return `${out.join('\n')}\n`;
}
