import assert from 'node:assert/strict';
import { verify, X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AddSourceIdentifierToSubscriptionCommand,
  CreateEventSubscriptionCommand,
  DeleteEventSubscriptionCommand,
  DescribeEventSubscriptionsCommand,
  FailoverDBClusterCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import {
  ConfirmSubscriptionCommand,
  CreateTopicCommand,
  DeleteTopicCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListSubscriptionsCommand,
  ListTopicsCommand,
  PublishCommand,
  SetTopicAttributesCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import type { LabStatus } from '../../src/lab/client.js';
import { freePort } from '../../src/lab/ports.js';
import { addresses } from '../support/addresses.js';
import { drill, until } from '../support/cli.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const first = addresses.labNotifyApi.lab.first; // instances on 127.0.0.111 and .112
const topicName = 'drill-failover-notices';
const unconfirmedMail = 'oncall@example.com';
const confirmedMail = 'dba@example.com';
const queueArn = 'arn:aws:sqs:us-east-1:000000000000:drill-notices';
let dir: string;
let upOutput: string;
let status: LabStatus;
let sns: SNSClient;
let rds: RDSClient;
let topicArn: string;

/** A local HTTP endpoint, as a team's webhook would be: it records what SNS posts and answers 200. */
interface Post {
  headers: IncomingHttpHeaders;
  body: Record<string, string>;
}
const posts: Post[] = [];
let receiver: Server;
let receiverUrl: string;

interface Mail {
  file: string;
  headers: Record<string, string>;
  body: string;
}
function outbox(): Mail[] {
  let names: string[];
  try {
    names = readdirSync(status.outbox).sort();
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.eml'))
    .map((n) => {
      const text = readFileSync(join(status.outbox, n), 'utf8');
      const split = text.indexOf('\r\n\r\n');
      const headers: Record<string, string> = {};
      for (const line of text.slice(0, split).split('\r\n')) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      return { file: n, headers, body: text.slice(split + 4) };
    });
}
const mailsTo = (address: string) => outbox().filter((m) => m.headers.to === address);

const truth = () =>
  readFileSync(status.groundTruthFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { kind: string; [k: string]: unknown });

/** SNS's string to sign, written out here from SNS's documentation, to check the lab against it. */
function stringToSign(m: Record<string, string>): string {
  const names =
    m.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  return names
    .filter((n) => m[n] !== undefined)
    .map((n) => `${n}\n${m[n]}\n`)
    .join('');
}
async function signatureHolds(m: Record<string, string>): Promise<boolean> {
  const pem = await (await fetch(m.SigningCertURL as string)).text();
  const cert = new X509Certificate(pem);
  const algorithm = m.SignatureVersion === '2' ? 'sha256' : 'sha1';
  return verify(
    algorithm,
    Buffer.from(stringToSign(m)),
    cert.publicKey,
    Buffer.from(m.Signature as string, 'base64'),
  );
}

before(
  async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        posts.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/rds-events`;

    dir = mkdtempSync(join(tmpdir(), 'drill-lab-notify-test-'));
    const [dnsPort, apiPort] = [await freePort(), await freePort()];
    const up = await drill([
      'lab',
      'up',
      '--detach',
      '--state-dir',
      dir,
      '--first-address',
      String(first),
      '--dns-port',
      String(dnsPort),
      '--api-port',
      String(apiPort),
    ]);
    assert.equal(up.code, 0, up.stderr + up.stdout);
    upOutput = up.stdout;
    const st = await drill(['lab', 'status', '--json', '--state-dir', dir]);
    assert.equal(st.code, 0, st.stderr);
    status = JSON.parse(st.stdout);
    const config = {
      region: status.region,
      credentials: { accessKeyId: 'lab', secretAccessKey: 'lab' },
    };
    sns = new SNSClient({ ...config, endpoint: status.snsEndpoint });
    rds = new RDSClient({ ...config, endpoint: status.apiEndpoint });
  },
  { timeout: 120_000 },
);

after(async () => {
  sns?.destroy();
  rds?.destroy();
  await drill(['lab', 'down', '--state-dir', dir]);
  rmSync(dir, { recursive: true, force: true });
  await new Promise<void>((r) => receiver.close(() => r()));
});

describe('lab SNS and RDS event subscriptions', () => {
  it('lab up exports AWS_ENDPOINT_URL_SNS; status names the SNS endpoint and the outbox', () => {
    assert.match(upOutput, /export AWS_ENDPOINT_URL_SNS='http:\/\/127\.0\.0\.1:\d+'/);
    assert.equal(status.snsEndpoint, status.apiEndpoint);
    assert.equal(status.outbox, join(status.stateDir, 'outbox'));
  });

  it('CreateTopic is idempotent: the same name gives the same ARN; a bad name is InvalidParameter', {
    timeout: 10_000,
  }, async () => {
    const a = await sns.send(new CreateTopicCommand({ Name: topicName }));
    const b = await sns.send(new CreateTopicCommand({ Name: topicName }));
    assert.equal(a.TopicArn, `arn:aws:sns:${status.region}:000000000000:${topicName}`);
    assert.equal(b.TopicArn, a.TopicArn);
    topicArn = a.TopicArn as string;
    await assert.rejects(sns.send(new CreateTopicCommand({ Name: 'has space' })), {
      name: 'InvalidParameterException',
      Code: 'InvalidParameter',
      message: 'Invalid parameter: Topic Name',
    });
    const attrs = (await sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }))).Attributes ?? {};
    assert.equal(attrs.TopicArn, topicArn);
    assert.equal(attrs.Owner, '000000000000');
    assert.equal(JSON.parse(attrs.Policy as string).Statement[0].Effect, 'Allow');
    assert.equal(attrs.SubscriptionsConfirmed, '0');
    await assert.rejects(
      sns.send(new GetTopicAttributesCommand({ TopicArn: `${topicArn}-missing` })),
      (err: Error & { Code?: string; $metadata?: { httpStatusCode?: number } }) =>
        err.Code === 'NotFound' && err.$metadata?.httpStatusCode === 404,
    );
  });

  it('Subscribe refuses a malformed email, URL or SQS ARN, and endpoints off loopback, with InvalidParameter', {
    timeout: 10_000,
  }, async () => {
    const refused = async (Protocol: string, Endpoint: string, message: RegExp) =>
      assert.rejects(sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol, Endpoint })), {
        name: 'InvalidParameterException',
        Code: 'InvalidParameter',
        message,
      });
    await refused('email', 'not-an-address', /^Invalid parameter: Email address$/);
    await refused('https', 'not a url', /^Invalid parameter: Endpoint$/);
    await refused('https', receiverUrl, /^Invalid parameter: Endpoint must match the specified protocol$/);
    await refused('http', 'http://hooks.example.com/rds', /only delivers to loopback/);
    await refused('sqs', 'my-queue', /^Invalid parameter: SQS endpoint ARN$/);
  });

  it('Subscribe email: pending confirmation, and the confirmation mail is in the outbox', {
    timeout: 10_000,
  }, async () => {
    for (const Endpoint of [unconfirmedMail, confirmedMail]) {
      const out = await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'email', Endpoint }));
      assert.equal(out.SubscriptionArn, 'pending confirmation');
    }
    await until(() => mailsTo(confirmedMail).length === 1, 5000, 'the confirmation mail');
    const [mail] = mailsTo(confirmedMail);
    assert.ok(mail);
    assert.match(mail.file, /^\d{8}T\d{6}\.\d{3}Z-[0-9a-f-]{36}\.eml$/);
    assert.equal(mail.headers.subject, 'AWS Notification - Subscription Confirmation');
    assert.ok(mail.body.includes(topicArn));
    const listed = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
    assert.deepEqual(
      listed.Subscriptions?.map((s) => [s.Protocol, s.Endpoint, s.SubscriptionArn]),
      [
        ['email', unconfirmedMail, 'PendingConfirmation'],
        ['email', confirmedMail, 'PendingConfirmation'],
      ],
    );

    // Confirm one of them with the token from its confirmation link, as `aws sns confirm-subscription` would.
    const link = new URL(
      mail.body.split('\n').find((l) => l.includes('Action=ConfirmSubscription')) as string,
    );
    const confirmed = await sns.send(
      new ConfirmSubscriptionCommand({ TopicArn: topicArn, Token: link.searchParams.get('Token') as string }),
    );
    assert.match(confirmed.SubscriptionArn ?? '', new RegExp(`^${topicArn}:[0-9a-f-]{36}$`));
    await assert.rejects(sns.send(new ConfirmSubscriptionCommand({ TopicArn: topicArn, Token: 'nope' })), {
      Code: 'InvalidParameter',
    });
  });

  it('Subscribe http: the endpoint gets a signed SubscriptionConfirmation, and a GET on SubscribeURL confirms it', {
    timeout: 15_000,
  }, async () => {
    await sns.send(
      new SetTopicAttributesCommand({
        TopicArn: topicArn,
        AttributeName: 'SignatureVersion',
        AttributeValue: '2',
      }),
    );
    const out = await sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: receiverUrl }),
    );
    assert.equal(out.SubscriptionArn, 'pending confirmation');
    await until(() => posts.length === 1, 5000, 'the SubscriptionConfirmation post');
    const [post] = posts;
    assert.ok(post);
    assert.equal(post.headers['x-amz-sns-message-type'], 'SubscriptionConfirmation');
    assert.equal(post.headers['x-amz-sns-topic-arn'], topicArn);
    assert.equal(post.headers['x-amz-sns-message-id'], post.body.MessageId);
    assert.equal(post.body.Type, 'SubscriptionConfirmation');
    assert.equal(post.body.TopicArn, topicArn);
    assert.match(post.body.Token ?? '', /^[0-9a-f]{32,}$/);
    assert.ok(
      await signatureHolds(post.body),
      'the confirmation is signed with the certificate at SigningCertURL',
    );

    const confirm = await fetch(post.body.SubscribeURL as string);
    assert.equal(confirm.status, 200);
    assert.match(await confirm.text(), /<ConfirmSubscriptionResult><SubscriptionArn>arn:aws:sns:/);
    const listed = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
    const http = listed.Subscriptions?.find((s) => s.Protocol === 'http');
    assert.equal(http?.Endpoint, receiverUrl);
    assert.match(http?.SubscriptionArn ?? '', new RegExp(`^${topicArn}:[0-9a-f-]{36}$`));
  });

  it('Subscribe sqs is confirmed at once; Publish lands in the outbox as the SQS message', {
    timeout: 10_000,
  }, async () => {
    const out = await sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn }),
    );
    assert.match(out.SubscriptionArn ?? '', new RegExp(`^${topicArn}:`));
    const again = await sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn }),
    );
    assert.equal(
      again.SubscriptionArn,
      out.SubscriptionArn,
      'subscribing the same endpoint again returns it',
    );
    const { MessageId } = await sns.send(
      new PublishCommand({ TopicArn: topicArn, Subject: 'drill check', Message: 'hello from the drill' }),
    );
    await until(() => posts.length === 2, 5000, 'the published message on the HTTP endpoint');
    assert.equal(posts[1]?.body.Message, 'hello from the drill');
    assert.ok(await signatureHolds(posts[1]?.body ?? {}), 'a SignatureVersion 2 notification verifies');
    const files = readdirSync(status.outbox).filter((n) => n.startsWith('sqs-'));
    assert.equal(files.length, 1);
    const queued = JSON.parse(readFileSync(join(status.outbox, files[0] as string), 'utf8'));
    assert.equal(queued.QueueArn, queueArn);
    assert.equal(JSON.parse(queued.Body).MessageId, MessageId);
    // Publish reaches confirmed subscriptions only: the pending email gets no mail.
    await until(() => mailsTo(confirmedMail).length === 2, 5000, 'the published mail');
    assert.equal(mailsTo(unconfirmedMail).length, 1);
  });

  it('CreateEventSubscription and AddSourceIdentifierToSubscription; faults RDS sends on a second one or a bad one', {
    timeout: 10_000,
  }, async () => {
    const created = await rds.send(
      new CreateEventSubscriptionCommand({
        SubscriptionName: 'drill-failovers',
        SnsTopicArn: topicArn,
        SourceType: 'db-cluster',
        EventCategories: ['failover'],
      }),
    );
    assert.equal(created.EventSubscription?.CustSubscriptionId, 'drill-failovers');
    assert.equal(created.EventSubscription?.Status, 'creating');
    assert.equal(
      created.EventSubscription?.EventSubscriptionArn,
      `arn:aws:rds:${status.region}:000000000000:es:drill-failovers`,
    );
    const added = await rds.send(
      new AddSourceIdentifierToSubscriptionCommand({
        SubscriptionName: 'drill-failovers',
        SourceIdentifier: status.aurora.clusterId,
      }),
    );
    assert.deepEqual(added.EventSubscription?.SourceIdsList, [status.aurora.clusterId]);
    assert.deepEqual(added.EventSubscription?.EventCategoriesList, ['failover']);
    assert.equal(added.EventSubscription?.Enabled, true);

    await assert.rejects(
      rds.send(
        new CreateEventSubscriptionCommand({ SubscriptionName: 'drill-failovers', SnsTopicArn: topicArn }),
      ),
      { name: 'SubscriptionAlreadyExistFault', Code: 'SubscriptionAlreadyExist' },
    );
    await assert.rejects(
      rds.send(
        new CreateEventSubscriptionCommand({ SubscriptionName: 'other', SnsTopicArn: `${topicArn}-missing` }),
      ),
      { Code: 'SNSTopicArnNotFound' },
    );
    await assert.rejects(
      rds.send(
        new CreateEventSubscriptionCommand({
          SubscriptionName: 'other',
          SnsTopicArn: topicArn,
          SourceType: 'db-instance',
          SourceIds: ['no-such-instance'],
        }),
      ),
      { Code: 'SourceNotFound' },
    );
    const described = await rds.send(new DescribeEventSubscriptionsCommand({}));
    assert.deepEqual(
      described.EventSubscriptionsList?.map((s) => s.CustSubscriptionId),
      ['drill-failovers'],
    );
  });

  it('FailoverDBCluster: the webhook gets the Started and Completed notifications RDS sends; mail only when confirmed', {
    timeout: 90_000,
  }, async () => {
    const before = posts.length;
    await rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: status.aurora.clusterId }));
    const events = () =>
      posts
        .slice(before)
        .map((p) => ({ post: p, event: JSON.parse(p.body.Message ?? '{}') as Record<string, string> }));
    await until(
      () => events().some((e) => e.event['Event Message']?.startsWith('Completed failover')),
      60_000,
      'the Completed failover notification',
    );
    const [started, completed] = events();
    assert.ok(started && completed);
    assert.match(
      started.event['Event Message'] ?? '',
      /^Started cross AZ failover to DB instance: auroralab-mysql-node-02$/,
    );
    assert.match(
      completed.event['Event Message'] ?? '',
      /^Completed failover to DB instance: auroralab-mysql-node-02$/,
    );
    for (const { post, event } of [started, completed]) {
      assert.equal(post.headers['x-amz-sns-message-type'], 'Notification');
      assert.match(post.headers['x-amz-sns-subscription-arn'] as string, new RegExp(`^${topicArn}:`));
      assert.equal(post.body.Subject, 'RDS Notification Message');
      assert.equal(event['Event Source'], 'db-cluster');
      assert.equal(event['Source ID'], status.aurora.clusterId);
      assert.equal(
        event['Source ARN'],
        `arn:aws:rds:${status.region}:000000000000:cluster:${status.aurora.clusterId}`,
      );
      assert.match(event['Event Time'] ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
      assert.ok(await signatureHolds(post.body));
    }
    assert.equal(
      started.event['Event ID'],
      'http://docs.amazonwebservices.com/AmazonRDS/latest/UserGuide/USER_Events.html#RDS-EVENT-0073',
    );
    assert.match(completed.event['Event ID'] ?? '', /#RDS-EVENT-0071$/);

    // The confirmed address gets both as mail; the unconfirmed one only ever got its confirmation request.
    await until(() => mailsTo(confirmedMail).length === 4, 5000, 'the failover mails');
    const mails = mailsTo(confirmedMail).slice(2);
    assert.deepEqual(
      mails.map((m) => m.headers.subject),
      ['RDS Notification Message', 'RDS Notification Message'],
    );
    assert.match(mails[0]?.body ?? '', /Started cross AZ failover/);
    assert.equal(mailsTo(unconfirmedMail).length, 1);

    // Each delivery is ground truth, next to the failover it reports.
    const delivered = truth().filter((r) => r.kind === 'notification' && r.source === 'rds-event');
    const toWebhook = delivered.filter((r) => r.protocol === 'http');
    assert.deepEqual(
      toWebhook.map((r) => [r.eventId, r.delivered, r.endpoint, r.topicArn, r.eventSubscription]),
      [
        ['RDS-EVENT-0073', true, receiverUrl, topicArn, 'drill-failovers'],
        ['RDS-EVENT-0071', true, receiverUrl, topicArn, 'drill-failovers'],
      ],
    );
    assert.deepEqual(
      delivered.filter((r) => r.protocol === 'email').map((r) => r.endpoint),
      [confirmedMail, confirmedMail],
    );
  });

  it('an endpoint that went away: retried with backoff, logged to lab.log, recorded as not delivered; the lab lives on', {
    timeout: 20_000,
  }, async () => {
    const confirmations: Record<string, string>[] = [];
    const doomed = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        confirmations.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => doomed.listen(0, '127.0.0.1', () => r()));
    const endpoint = `http://127.0.0.1:${(doomed.address() as { port: number }).port}/gone`;
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: endpoint }));
    await until(() => confirmations.length === 1, 5000, 'the confirmation');
    assert.equal((await fetch(confirmations[0]?.SubscribeURL as string)).status, 200);
    doomed.closeAllConnections();
    await new Promise<void>((r) => doomed.close(() => r()));

    const { MessageId } = await sns.send(
      new PublishCommand({ TopicArn: topicArn, Message: 'anyone there?' }),
    );
    const record = () =>
      truth().find((r) => r.kind === 'notification' && r.endpoint === endpoint && r.messageId === MessageId);
    await until(() => record() !== undefined, 15_000, 'the failed delivery in the ground truth');
    assert.equal(record()?.delivered, false);
    assert.equal(record()?.attempts, 4);
    assert.match(String(record()?.error), /ECONNREFUSED/);
    const log = readFileSync(join(status.stateDir, 'lab.log'), 'utf8');
    assert.match(log, /attempt 1 of 4 failed \(.*ECONNREFUSED.*\); retrying in 250 ms/);
    assert.match(log, /attempt 4 of 4 failed .*; giving up/);
    assert.ok(!log.includes(confirmations[0]?.Token as string), 'confirmation tokens stay out of the log');
    assert.ok((await sns.send(new ListTopicsCommand({}))).Topics?.length, 'the lab still serves');
  });

  it('DeleteEventSubscription returns it, then SubscriptionNotFound; DeleteTopic twice; nothing is left', {
    timeout: 10_000,
  }, async () => {
    const deleted = await rds.send(
      new DeleteEventSubscriptionCommand({ SubscriptionName: 'drill-failovers' }),
    );
    assert.equal(deleted.EventSubscription?.CustSubscriptionId, 'drill-failovers');
    await assert.rejects(
      rds.send(new DeleteEventSubscriptionCommand({ SubscriptionName: 'drill-failovers' })),
      {
        name: 'SubscriptionNotFoundFault',
        Code: 'SubscriptionNotFound',
      },
    );
    await sns.send(new DeleteTopicCommand({ TopicArn: topicArn }));
    await sns.send(new DeleteTopicCommand({ TopicArn: topicArn }));
    assert.deepEqual((await sns.send(new ListTopicsCommand({}))).Topics ?? [], []);
    assert.deepEqual((await sns.send(new ListSubscriptionsCommand({}))).Subscriptions ?? [], []);
    assert.deepEqual(
      (await rds.send(new DescribeEventSubscriptionsCommand({}))).EventSubscriptionsList ?? [],
      [],
    );
  });
});
