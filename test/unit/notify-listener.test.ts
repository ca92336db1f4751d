import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  type ConfirmationOutcome,
  NotificationListener,
  parseRdsEvent,
  type SnsNotification,
} from '../../src/notify/listener.js';

const topicArn = 'arn:aws:sns:us-east-1:000000000000:auroralab-cluster-failovers';

/** A local HTTP server standing in for SNS's SubscribeURL: counts the confirmations it gets. */
let sns: Server;
let snsUrl: string;
const confirmations: string[] = [];
let confirmStatus = 200;
before(async () => {
  sns = createServer((req, res) => {
    confirmations.push(req.url ?? '');
    res.writeHead(confirmStatus, { 'content-type': 'text/xml' });
    res.end('<ConfirmSubscriptionResponse/>');
  });
  await new Promise<void>((r) => sns.listen(0, '127.0.0.1', r));
  snsUrl = `http://127.0.0.1:${(sns.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => sns.close(() => r())));

let listener: NotificationListener | undefined;
afterEach(async () => {
  await listener?.stop();
  listener = undefined;
  confirmations.length = 0;
  confirmStatus = 200;
});

async function start(more: Partial<ConstructorParameters<typeof NotificationListener>[0]> = {}) {
  const notifications: SnsNotification[] = [];
  const outcomes: ConfirmationOutcome[] = [];
  listener = new NotificationListener({
    onNotification: (n) => notifications.push(n),
    onConfirmation: (c) => outcomes.push(c),
    ...more,
  });
  const url = await listener.start();
  return { url, notifications, outcomes };
}

/** POSTs a body the way SNS does (text/plain JSON, the message type in a header). */
async function post(url: string, body: unknown, type?: string): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'text/plain; charset=UTF-8',
      ...(type ? { 'x-amz-sns-message-type': type } : {}),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

const rdsEvent = (message: string, eventId: string) =>
  JSON.stringify({
    'Event Source': 'db-cluster',
    'Event Time': '2026-11-22 01:00:03.377',
    'Identifier Link':
      'https://console.aws.amazon.com/rds/home?region=us-east-1#dbclusters:id=auroralab-mysql-cluster',
    'Source ID': 'auroralab-mysql-cluster',
    'Source ARN': 'arn:aws:rds:us-east-1:000000000000:cluster:auroralab-mysql-cluster',
    'Event ID': `http://docs.amazonwebservices.com/AmazonRDS/latest/UserGuide/USER_Events.html#${eventId}`,
    'Event Message': message,
  });

const notification = (id: string, message: string) => ({
  Type: 'Notification',
  MessageId: id,
  TopicArn: topicArn,
  Subject: 'RDS Notification Message',
  Message: message,
  Timestamp: '2026-11-22T01:00:03.400Z',
  SignatureVersion: '1',
  Signature: 'x',
  SigningCertURL: 'http://127.0.0.1:1/cert.pem',
  UnsubscribeURL: 'http://127.0.0.1:1/?Action=Unsubscribe',
});

describe('NotificationListener', () => {
  it('listens on loopback and answers SNS-shaped posts; other requests get 405 and 400', async () => {
    const { url } = await start();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal((await fetch(url)).status, 405);
    assert.equal(await post(url, 'not json'), 400);
    assert.equal(await post(url, { Type: 'Something', MessageId: 'm', TopicArn: topicArn }), 400);
    assert.equal(
      await post(url, notification('m1', 'x'), 'SubscriptionConfirmation'),
      400,
      'header and body disagree',
    );
  });

  it('confirms a subscription by GETting its SubscribeURL', async () => {
    const { url, outcomes } = await start();
    const confirmed = listener?.whenConfirmed(topicArn, 5000);
    const status = await post(
      url,
      {
        Type: 'SubscriptionConfirmation',
        MessageId: 'c1',
        Token: 'tok',
        TopicArn: topicArn,
        Message: 'You have chosen to subscribe',
        SubscribeURL: `${snsUrl}/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topicArn)}&Token=tok`,
        Timestamp: '2026-11-22T01:00:00.000Z',
      },
      'SubscriptionConfirmation',
    );
    assert.equal(status, 200);
    await confirmed;
    assert.equal(confirmations.length, 1);
    assert.match(confirmations[0] ?? '', /Action=ConfirmSubscription/);
    assert.equal(outcomes[0]?.confirmed, true);
    assert.equal(outcomes[0]?.topicArn, topicArn);
  });

  it('does not GET a SubscribeURL that is neither SNS nor loopback, and reports a failed confirmation', async () => {
    const { url, outcomes } = await start();
    await post(
      url,
      {
        Type: 'SubscriptionConfirmation',
        MessageId: 'c2',
        TopicArn: topicArn,
        SubscribeURL: 'http://169.254.169.254/latest/meta-data/',
      },
      'SubscriptionConfirmation',
    );
    confirmStatus = 500;
    await post(
      url,
      {
        Type: 'SubscriptionConfirmation',
        MessageId: 'c3',
        TopicArn: topicArn,
        SubscribeURL: `${snsUrl}/confirm`,
      },
      'SubscriptionConfirmation',
    );
    const until = Date.now() + 5000;
    while (outcomes.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    const byError = outcomes.map((o) => o.error ?? '').sort();
    assert.match(byError[0] ?? '', /SubscribeURL answered HTTP 500/);
    assert.match(byError[1] ?? '', /refused to GET http:\/\/169\.254\.169\.254/);
    assert.ok(outcomes.every((o) => !o.confirmed));
    await assert.rejects(
      listener?.whenConfirmed(topicArn, 50) ?? Promise.resolve(),
      /no subscription confirmation/,
    );
  });

  it('hands each notification over once, with the RDS event parsed, and drops redeliveries by MessageId', async () => {
    const { url, notifications } = await start();
    const before = Date.now();
    const started = notification(
      'n1',
      rdsEvent('Started cross AZ failover to DB instance: node-02', 'RDS-EVENT-0073'),
    );
    assert.equal(await post(url, started, 'Notification'), 200);
    assert.equal(await post(url, started, 'Notification'), 200, 'a redelivery is acknowledged too');
    assert.equal(
      await post(
        url,
        notification('n2', rdsEvent('Completed failover to DB instance: node-02', 'RDS-EVENT-0071')),
        'Notification',
      ),
      200,
    );
    assert.equal(await post(url, notification('n3', 'plain text, not JSON')), 200);
    assert.equal(notifications.length, 3);
    const [first, second, third] = notifications;
    assert.ok((first?.receivedAtWallMs ?? 0) >= before && (first?.receivedAtWallMs ?? 0) <= Date.now());
    assert.equal(first?.topicArn, topicArn);
    assert.equal(first?.subject, 'RDS Notification Message');
    assert.deepEqual(first?.message, {
      eventMessage: 'Started cross AZ failover to DB instance: node-02',
      sourceId: 'auroralab-mysql-cluster',
      eventId: 'RDS-EVENT-0073',
      eventTime: '2026-11-22 01:00:03.377',
      eventSource: 'db-cluster',
      sourceArn: 'arn:aws:rds:us-east-1:000000000000:cluster:auroralab-mysql-cluster',
    });
    assert.equal(typeof second?.message === 'object' && second.message.eventId, 'RDS-EVENT-0071');
    assert.equal(third?.message, 'plain text, not JSON');
  });

  it('a throwing callback does not stop the listener', async () => {
    let calls = 0;
    const { url } = await start({
      onNotification: () => {
        calls++;
        throw new Error('callback bug');
      },
    });
    assert.equal(await post(url, notification('t1', 'a'), 'Notification'), 200);
    assert.equal(await post(url, notification('t2', 'b'), 'Notification'), 200);
    assert.equal(calls, 2);
  });

  it('refuses oversized bodies, and stops cleanly: the port is closed afterwards', async () => {
    const { url } = await start({ maxBodyBytes: 1024 });
    assert.equal(await post(url, notification('big', 'x'.repeat(4096)), 'Notification'), 413);
    await listener?.stop();
    listener = undefined;
    await assert.rejects(fetch(url, { method: 'POST', body: '{}' }));
  });

  it('stop() cancels a confirmation still in flight', async () => {
    // A SubscribeURL that never answers: stop must not wait for it.
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const { url, outcomes } = await start({ confirmTimeoutMs: 60_000 });
      await post(
        url,
        {
          Type: 'SubscriptionConfirmation',
          MessageId: 'slow',
          TopicArn: topicArn,
          SubscribeURL: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`,
        },
        'SubscriptionConfirmation',
      );
      await new Promise((r) => setTimeout(r, 50));
      const t0 = Date.now();
      await listener?.stop();
      listener = undefined;
      assert.ok(Date.now() - t0 < 2000, 'stop returned promptly');
      assert.equal(outcomes[0]?.error, 'listener stopped');
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});

describe('parseRdsEvent', () => {
  it("reads RDS's spaced keys and other spellings; anything else is not an RDS event", () => {
    assert.equal(parseRdsEvent(rdsEvent('m', 'RDS-EVENT-0071'))?.eventId, 'RDS-EVENT-0071');
    assert.deepEqual(
      parseRdsEvent(JSON.stringify({ eventMessage: 'x', sourceId: 's', eventId: 'RDS-EVENT-0073' })),
      {
        eventMessage: 'x',
        sourceId: 's',
        eventId: 'RDS-EVENT-0073',
        eventTime: '',
        eventSource: undefined,
        sourceArn: undefined,
      },
    );
    assert.equal(parseRdsEvent('{"MemoryDB:FailoverComplete":"my-cluster"}'), undefined);
    assert.equal(parseRdsEvent('[1,2]'), undefined);
    assert.equal(parseRdsEvent('text'), undefined);
  });
});
