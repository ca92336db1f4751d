import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { addresses, loopback } from '../support/addresses.js';
import { drill } from '../support/cli.js';

// Nothing listens on this address: a drill pointed at it cannot start.
const refusedAddress = loopback(addresses.badInput.refused.first);
const refused = `${refusedAddress}:3306`;
const dir = mkdtempSync(join(tmpdir(), 'drill-bad-input-'));
const folder = join(dir, 'a-folder');
mkdirSync(folder);
after(() => rmSync(dir, { recursive: true, force: true }));

const db = ['aurora', '-e', 'db.example', '-u', 'x'];

/** [what the user did wrong, the arguments, the exit code, the one line that says so]. */
const cases: [string, string[], number, RegExp][] = [
  [
    '--shard without a trigger to use it',
    ['memorydb', '-e', 'clustercfg.my-cluster.abc1de.memorydb.us-east-1.amazonaws.com', '--shard', '0002'],
    2,
    /^drill: --shard names the shard FailoverShard fails over: it has no effect with --trigger none/,
  ],
  [
    '--dns-cache past 7 days',
    [...db, '--dns-cache', '200h'],
    2,
    /^drill: --dns-cache '200h' is too long: at most 168h/,
  ],
  [
    'a reader endpoint for simple mode, even with --dry-run',
    ['aurora', '-e', 'c.cluster-ro-abc123xyz789.us-east-1.rds.amazonaws.com', '-u', 'x', '--dry-run'],
    2,
    /^drill: c\.cluster-ro-abc123xyz789\.us-east-1\.rds\.amazonaws\.com is a reader endpoint: simple mode watches the writer/,
  ],
  [
    'aware mode on an address, even with --dry-run',
    ['aurora', '-e', '10.0.0.5', '-u', 'x', '--mode', 'aware', '--dry-run'],
    2,
    /^drill: aware mode cannot name instance endpoints from 10\.0\.0\.5: pass --instance-pattern/,
  ],
  [
    '--dns-cache that is no cache rule',
    [...db, '--dns-cache', 'forever'],
    2,
    /^drill: --dns-cache 'forever': use off, ttl, or a duration such as 30s/,
  ],
  [
    '--dns-cache ttl without a DNS server to give TTLs',
    [...db, '--dns-cache', 'ttl'],
    2,
    /^drill: --dns-cache ttl keeps answers for their record's TTL, .*give --dns-server/,
  ],
  [
    'a duration past 7 days (--at)',
    [...db, '--trigger', 'crash', '--at', '600h'],
    2,
    /^drill: --at '600h' is too long: at most 168h/,
  ],
  [
    'a duration past 7 days (--duration)',
    [...db, '--duration', '600h'],
    2,
    /^drill: --duration '600h' is too long/,
  ],
  [
    'a duration past 7 days (--interval)',
    [...db, '--interval', '600h'],
    2,
    /^drill: --interval '600h' is too long/,
  ],
  [
    '--report names a folder',
    [...db, '--report', folder],
    2,
    /^drill: --report .*a-folder is a folder: name a file in it/,
  ],
  [
    '--report where no file can be made',
    [...db, '--report', '/proc/x.json'],
    2,
    /^drill: --report \/proc\/x\.json: cannot write there/,
  ],
  [
    '--history in a missing folder',
    [...db, '--history', '/nonexistent/h.ndjson'],
    2,
    /^drill: --history \/nonexistent\/h\.ndjson: folder \/nonexistent does not exist/,
  ],
  [
    '--report and --history the same file',
    [...db, '--report', join(dir, 'r'), '--history', join(dir, 'r')],
    2,
    /^drill: --report and --history name the same file/,
  ],
  [
    '--html and --history the same file',
    [...db, '--html', join(dir, 'h'), '--history', join(dir, 'h')],
    2,
    /^drill: --html and --history name the same file/,
  ],
  [
    '--html in a missing folder',
    [...db, '--html', '/nonexistent/t.html'],
    2,
    /^drill: --html \/nonexistent\/t\.html: folder \/nonexistent does not exist/,
  ],
  [
    '--dns-server by name',
    [...db, '--dns-server', 'localhost:10299'],
    2,
    /^drill: --dns-server 'localhost:10299': give the DNS server's IP address/,
  ],
  [
    "--lab-state-dir ''",
    ['aurora', '--lab-state-dir', ''],
    2,
    /^drill: --lab-state-dir '': give the folder the lab runs from/,
  ],
  [
    '--load-mix naming read twice',
    [...db, '--load', '1', '--load-mix', 'read=1,read=2'],
    2,
    /^drill: --load-mix 'read=1,read=2' gives read twice/,
  ],
  [
    '--load-mix without --load',
    [...db, '--load-mix', 'read=1,write=1'],
    2,
    /^drill: --load-mix shapes the --load workload: give --load N/,
  ],
  [
    '--load-rate without --load',
    [...db, '--load-rate', '10'],
    2,
    /^drill: --load-rate holds the --load workload/,
  ],
  [
    '--write-interval without --write-check',
    [...db, '--write-interval', '1s'],
    2,
    /^drill: --write-interval paces the --write-check ledger/,
  ],
  ['--ddl-rows without --ddl', [...db, '--ddl-rows', '5000'], 2, /^drill: --ddl-rows sizes the --ddl table/],
  [
    '--notifications-url without --notifications',
    [...db, '--notifications-url', 'https://x.example/'],
    2,
    /^drill: --notifications-url is where --notifications listens/,
  ],
  [
    '--target without a trigger',
    [...db, '--target', 'node-02'],
    2,
    /^drill: --target names the reader a failover promotes: it has no effect with --trigger none/,
  ],
  [
    '--target with a crash',
    [...db, '--trigger', 'crash', '--target', 'node-03'],
    2,
    /^drill: --target names the reader .* --trigger crash/,
  ],
  [
    '--force-failover without a reboot',
    [...db, '--force-failover'],
    2,
    /^drill: --force-failover makes a reboot fail over: it has no effect with --trigger none/,
  ],
  [
    '--ddl without a trigger',
    [...db, '--ddl'],
    2,
    /^drill: --ddl runs its ALTER TABLE through a fault: give it a --trigger/,
  ],
  [
    "--instance-pattern without '?'",
    [...db, '--mode', 'aware', '--instance-pattern', 'foo.example'],
    2,
    /^drill: --instance-pattern 'foo\.example': use one '\?'/,
  ],
  [
    "--instance-pattern with two '?'",
    [...db, '--mode', 'aware', '--instance-pattern', '?.?.x'],
    2,
    /^drill: --instance-pattern '\?\.\?\.x': use one '\?'/,
  ],
  [
    '--repeat 0',
    [...db, '--repeat', '0'],
    2,
    /^drill: --repeat must be a whole number from 1 to 100, got '0'/,
  ],
  ['--load 0', [...db, '--load', '0'], 2, /^drill: --load must be a whole number from 1 to 256/],
  [
    '--pool-size 1000',
    [...db, '--pool-size', '1000'],
    2,
    /^drill: --pool-size must be a whole number from 1 to 100/,
  ],
  [
    'an unknown trigger',
    [...db, '--trigger', 'meteor'],
    2,
    /^drill: unknown trigger 'meteor': choose from none, failover, reboot, crash/,
  ],
  [
    '--lab-timing that does not exist',
    ['aurora', '--lab', '--lab-timing', 'slow'],
    2,
    /^drill: --lab-timing must be fast or aurora/,
  ],
  [
    '--lab with --lab-state-dir',
    ['aurora', '--lab', '--lab-state-dir', dir],
    2,
    /^drill: --lab starts a throwaway lab; --lab-state-dir uses a running one/,
  ],
  [
    '--lab with an endpoint of its own',
    ['aurora', '--lab', '-e', 'db.example.com'],
    2,
    /^drill: --endpoint is not used with --lab: the throwaway lab supplies it/,
  ],
  [
    'memorydb --lab with a user of its own',
    ['memorydb', '--lab', '-u', 'bob'],
    2,
    /^drill: --user is not used with --lab: the throwaway lab supplies it/,
  ],
  [
    'DRILL_CONFIRM set to something else',
    [...db, '--duration', '1s'],
    2,
    /^drill: DRILL_CONFIRM must be 'always' or unset/,
  ],
  [
    'pool mode on an address nobody listens on',
    ['aurora', '-e', refused, '-u', 'x', '--mode', 'pool', '--duration', '1s'],
    3,
    /^drill: cannot reach 127\.0\.0\.180:3306/,
  ],
  [
    'a name that does not resolve',
    ['aurora', '-e', 'no-such-host.invalid', '-u', 'x', '--duration', '1s'],
    3,
    /^drill: cannot resolve 'no-such-host\.invalid'/,
  ],
  [
    'pool mode on a name that does not resolve',
    ['aurora', '-e', 'no-such-host.invalid', '-u', 'x', '--mode', 'pool', '--duration', '1s'],
    3,
    /^drill: cannot resolve 'no-such-host\.invalid'/,
  ],
  [
    'a DNS server that does not answer',
    ['aurora', '-e', 'db.example', '-u', 'x', '--dns-server', `${refusedAddress}:10999`, '--duration', '1s'],
    3,
    /^drill: the DNS server did not answer for 'db\.example' \(ECONNREFUSED\): check --dns-server/,
  ],
];

describe('bad input: one clear line, the documented exit code, nothing created', () => {
  for (const [what, args, code, message] of cases) {
    it(`${what}: exit ${code}`, async () => {
      const before = readdirSync(dir).sort();
      const env = what.startsWith('DRILL_CONFIRM') ? { DRILL_CONFIRM: 'sometimes' } : {};
      const r = await drill(args, env, 30_000);
      assert.equal(r.code, code, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at |internal error/);
      assert.doesNotMatch(
        r.stdout,
        /PASS|FAIL|stopped:|"schemaVersion"/,
        'no summary, no report: nothing ran',
      );
      assert.deepEqual(readdirSync(dir).sort(), before, 'no file created');
    });
  }
});
