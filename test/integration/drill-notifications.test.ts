import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NotifyStatus } from '../../src/notify/status.js';
import { addresses } from '../support/addresses.js';
import { drill } from '../support/cli.js';
import { startTestLab, stopTestLab } from '../support/lab.js';
import { reportProblems } from '../support/schema.js';

// The lab of this file: instances on 127.0.0.146+ (proxy .145), from test/support/addresses.ts.
const dir = mkdtempSync(join(tmpdir(), 'drill-notifications-'));
const stateDir = join(dir, 'lab');
const notify = (args: string[]) =>
  drill(['notify', ...args, '--lab-state-dir', stateDir, '--no-color'], {}, 30_000);

before(() => startTestLab(stateDir, addresses.drillNotifications.lab.first));
after(async () => {
  await stopTestLab(stateDir);
  rmSync(dir, { recursive: true, force: true });
});

const failover = ['aurora', '--lab-state-dir', stateDir, '--trigger', 'failover', '--at', '1s'].concat([
  '--until-recovered',
  '--settle',
  '1s',
  '--notifications',
  '--json',
]);

describe('drill aurora --notifications', () => {
  it('without the topic: exit 3, and the command that creates it', async () => {
    const r = await drill(failover, {}, 60_000);
    assert.equal(r.code, 3);
    assert.match(
      r.stderr,
      /--notifications: there is no SNS topic auroralab-cluster-failovers in us-east-1: create it with 'drill notify setup --topic auroralab-cluster-failovers \.\.\.'/,
    );
  });

  it('the failover start and completion notifications on the timeline, beside the provider events; unsubscribed after', async () => {
    const setup = await notify(['setup', '--email', 'oncall@example.com']);
    assert.equal(setup.code, 0, setup.stderr);
    const r = await drill(failover, {}, 120_000);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(reportProblems(report), []);
    const run = report.runs[0];
    const n = run.notifications;
    assert.equal(n.topic, 'auroralab-cluster-failovers');
    assert.equal(n.confirmed, true);
    assert.deepEqual(
      n.list.map((x: { eventId: string }) => x.eventId),
      ['RDS-EVENT-0073', 'RDS-EVENT-0071'],
    );
    // Each notification arrives after its event and close to the provider's own event time.
    assert.ok(n.failoverStartedMs >= run.trigger.requestedAtMs, 'started after the request');
    assert.ok(n.failoverCompletedMs > n.failoverStartedMs);
    assert.ok(Math.abs(n.failoverStartedMs - run.provider.failoverStartedMs) < 1000);
    assert.ok(Math.abs(n.failoverCompletedMs - run.provider.failoverCompletedMs) < 1000);
    assert.ok(n.maxDelayMs >= 0 && n.maxDelayMs < 1000, `delay ${n.maxDelayMs} ms`);
    assert.match(r.stderr, /sns +Started cross AZ failover to DB instance: auroralab-mysql-node-0\d/);
    assert.match(
      r.stderr,
      /notifications: 2 received from auroralab-cluster-failovers, failover started at \+/,
    );

    // The drill's listener is gone from the topic; what setup made is untouched.
    const status = await notify(['status', '--json']);
    const subs = (JSON.parse(status.stdout) as NotifyStatus).subscriptions;
    assert.deepEqual(
      subs.map((s) => s.protocol),
      ['email'],
    );
    assert.equal((await notify(['teardown'])).code, 0);
  });

  it('against AWS without --notifications-url: exit 2 before anything starts, saying what to give', async () => {
    const r = await drill(
      ['aurora', '-e', 'db.example.com', '-u', 'admin', '--duration', '1s', '--notifications'],
      { DRILL_PASSWORD: 'x', AWS_REGION: 'us-east-1' },
      30_000,
    );
    assert.equal(r.code, 2, r.stderr);
    assert.equal(
      r.stderr.trim(),
      'drill: --notifications: SNS cannot reach a listener on 127.0.0.1:0; give --notifications-url https://... that forwards to it',
    );
  });
});
