import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { drill, drillBin } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'drill-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));

describe('drill command line', () => {
  it('--version prints the package version', async () => {
    const r = await drill(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), pkg.version);
  });

  it('aurora --help lists the options and examples', async () => {
    const r = await drill(['aurora', '--help']);
    assert.equal(r.code, 0);
    for (const flag of [
      '--endpoint',
      '--interval',
      '--until-recovered',
      '--max-downtime',
      '--json',
      '--history',
    ]) {
      assert.match(r.stdout, new RegExp(flag));
    }
    assert.match(r.stdout, /Examples:/);
  });

  const usage: [string, string[], RegExp][] = [
    ['no command', [], /Usage: drill/],
    ['missing endpoint', ['aurora', '-u', 'x'], /^drill: missing --endpoint/],
    ['missing user', ['aurora', '-e', 'db'], /^drill: missing --user/],
    [
      'bad duration',
      ['aurora', '-e', 'db', '-u', 'x', '--interval', 'fast'],
      /^drill: invalid --interval 'fast'/,
    ],
    ['bare number', ['aurora', '-e', 'db', '-u', 'x', '--duration', '10'], /^drill: invalid --duration '10'/],
    [
      'zero interval',
      ['aurora', '-e', 'db', '-u', 'x', '--interval', '0ms'],
      /^drill: --interval must be longer than 0/,
    ],
    [
      'unknown mode',
      ['aurora', '-e', 'db', '-u', 'x', '--mode', 'psychic'],
      /^drill: unknown mode 'psychic'/,
    ],
    [
      'mode named twice',
      ['aurora', '-e', 'db', '-u', 'x', '--mode', 'simple,simple'],
      /^drill: --mode simple,simple names a mode twice/,
    ],
    ['bad endpoint', ['aurora', '-e', 'db:70000', '-u', 'x'], /^drill: invalid port '70000'/],
    ['unknown option', ['aurora', '--frobnicate'], /^drill: unknown option '--frobnicate'/],
    ['unknown command', ['memorydb-typo'], /^drill: unknown command 'memorydb-typo'/],
    [
      'report into a missing folder',
      ['aurora', '-e', 'db', '-u', 'x', '--report', '/nonexistent/dir/r.json'],
      /^drill: --report \/nonexistent\/dir\/r\.json: folder \/nonexistent\/dir does not exist/,
    ],
  ];
  for (const [name, args, message] of usage) {
    it(`${name}: exit 2 with one clear line`, async () => {
      const r = await drill(args);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      if (args.length > 0) assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    });
  }

  it('--version and --help load neither the database driver nor the AWS SDK', async () => {
    const log = join(dir, 'imports.log');
    const tracer = fileURLToPath(new URL('../support/trace-imports.js', import.meta.url));
    for (const args of [['--version'], ['--help'], ['aurora', '--help']]) {
      const { spawnSync } = await import('node:child_process');
      const r = spawnSync(process.execPath, ['--import', tracer, drillBin, ...args], {
        env: { ...process.env, DRILL_TRACE_IMPORTS: log },
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
    }
    const loaded = readFileSync(log, 'utf8');
    assert.match(loaded, /commander/, 'the tracer sees imports');
    assert.doesNotMatch(loaded, /mysql2|@aws-sdk|ioredis/);
  });

  it('a drill against a real endpoint loads the lab client, not the lab', async () => {
    const log = join(dir, 'imports-aurora.log');
    const tracer = fileURLToPath(new URL('../support/trace-imports.js', import.meta.url));
    const { spawnSync } = await import('node:child_process');
    // Nothing listens on port 1: the drill starts up fully, then exits 3 (cannot reach).
    const r = spawnSync(
      process.execPath,
      ['--import', tracer, drillBin, 'aurora', '-e', '127.0.0.1:1', '-u', 'x', '--duration', '1s'],
      {
        env: { ...process.env, DRILL_TRACE_IMPORTS: log, DRILL_PASSWORD: undefined, MYSQL_PWD: undefined },
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 3, r.stderr);
    const loaded = readFileSync(log, 'utf8');
    assert.match(loaded, /\/lab\/client\.js/, 'the tracer sees the lab client');
    assert.doesNotMatch(loaded, /\/lab\/api\//, "the lab's RDS and SNS API");
    assert.doesNotMatch(loaded, /\/lab\/aurora\//, "the lab's Aurora cluster, MariaDB and proxy");
    assert.doesNotMatch(loaded, /dns2/, "the lab's DNS server");
  });
});
