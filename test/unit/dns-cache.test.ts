import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DrillError, ExitCode } from '../../src/core/errors.js';
import { LabDns } from '../../src/lab/dns.js';
import { freePort } from '../../src/lab/ports.js';
import { dnsDryRunLine, planDns } from '../../src/net/options.js';
import { makeResolver } from '../../src/net/resolver.js';

describe('--dns-cache: what a client keeps of an answer', () => {
  // A real DNS server (the lab's) whose record moves, as the cluster endpoint's does after a failover.
  let address = '10.0.0.1';
  let dns: LabDns;
  let server: { host: string; port: number };
  before(async () => {
    server = { host: '127.0.0.1', port: await freePort() };
    dns = new LabDns(server.host, server.port, (name) => (name === 'db.example' ? [address] : undefined), 5);
    await dns.listen();
  });
  after(() => dns.close());

  /** A clock the test moves: the cache's expiry is what is under test, not the machine's speed. */
  const clock = () => {
    let t = 0;
    return { now: () => t, pass: (ms: number) => (t += ms) };
  };

  it('off: every lookup asks, so a moved record is seen at once', async () => {
    address = '10.0.0.1';
    const resolver = makeResolver({ server, cache: 'off' });
    assert.equal(await resolver.lookup('db.example'), '10.0.0.1');
    address = '10.0.0.2';
    assert.equal(await resolver.lookup('db.example'), '10.0.0.2');
    assert.equal(resolver.description, `127.0.0.1:${server.port}, no cache`);
  });

  it('ttl: the answer is kept for the record TTL (5 s), then asked again', async () => {
    address = '10.0.0.1';
    const c = clock();
    const resolver = makeResolver({ server, cache: 'ttl' }, c.now);
    assert.equal(await resolver.lookup('db.example'), '10.0.0.1');
    address = '10.0.0.2';
    c.pass(4900);
    assert.equal(await resolver.lookup('db.example'), '10.0.0.1', 'still cached before the TTL ends');
    c.pass(200);
    assert.equal(await resolver.lookup('db.example'), '10.0.0.2', 'asked again once the TTL ran out');
    assert.equal(resolver.description, `127.0.0.1:${server.port}, cached for the TTL`);
  });

  it('a duration: the answer is kept that long whatever the TTL (the JVM keeps 30 s)', async () => {
    address = '10.0.0.1';
    const c = clock();
    const resolver = makeResolver({ server, cache: { ms: 30_000 } }, c.now);
    await resolver.lookup('db.example');
    address = '10.0.0.2';
    c.pass(29_000);
    assert.equal(await resolver.lookup('db.example'), '10.0.0.1');
    c.pass(1001);
    assert.equal(await resolver.lookup('db.example'), '10.0.0.2');
    assert.equal(resolver.description, `127.0.0.1:${server.port}, cached 30 s`);
  });

  it('an address is never looked up', async () => {
    const resolver = makeResolver({ server: undefined, cache: 'off' });
    assert.equal(await resolver.lookup('192.0.2.7'), '192.0.2.7');
    assert.equal(resolver.description, 'system resolver, no cache');
  });
});

describe('--dns-cache: the option', () => {
  const usage = (message: RegExp) => (e: unknown) =>
    e instanceof DrillError && e.exitCode === ExitCode.usage && message.test(e.message);

  it('reads off, ttl and durations; 0s is off; off is the default', () => {
    assert.equal(planDns({ dnsCache: 'off' }, false).cache, 'off');
    assert.equal(planDns({ dnsCache: 'TTL', dnsServer: '127.0.0.1:53' }, false).cache, 'ttl');
    assert.deepEqual(planDns({ dnsCache: '30s' }, false).cache, { ms: 30_000 });
    assert.equal(planDns({ dnsCache: '0s' }, false).cache, 'off');
  });

  it('refuses what it cannot do, naming the fix', () => {
    assert.throws(
      () => planDns({ dnsCache: 'forever' }, false),
      usage(/^--dns-cache 'forever': use off, ttl/),
    );
    assert.throws(() => planDns({ dnsCache: 'ttl' }, false), usage(/^--dns-cache ttl .* give --dns-server/));
    // A lab brings its DNS server, which answers with TTLs.
    assert.equal(planDns({ dnsCache: 'ttl' }, true).cache, 'ttl');
  });

  it('the dry run says how names will be resolved', () => {
    assert.equal(
      dnsDryRunLine(planDns({ dnsCache: 'ttl', dnsServer: '10.0.0.2' }, false), false),
      'names: 10.0.0.2:53, cached for the TTL',
    );
    assert.equal(
      dnsDryRunLine(planDns({ dnsCache: 'off' }, true), true),
      "names: the lab's DNS server, no cache",
    );
  });
});
