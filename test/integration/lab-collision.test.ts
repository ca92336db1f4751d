/**
 * Two labs started at the same moment on the same addresses: the first to hold them runs, the other stops at
 * once with one line naming the lab in the way and how to get past it, and leaves nothing behind. Each lab runs
 * with a TMPDIR of its own: addresses belong to the machine, so labs name each other whatever their TMPDIR.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readLabStatus } from '../../src/lab/client.js';
import { freePort } from '../../src/lab/ports.js';
import { type AddressBlock, addresses, loopback, octets } from '../support/addresses.js';
import { drill, until } from '../support/cli.js';
import { killMentioning, listening, processesMentioning } from '../support/lab.js';

const block = addresses.labCollision.lab;
const proxy = loopback(block.first - 1);
const escaped = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A TMPDIR of its own for the lab of `dir`, beside it. */
function ownTmp(dir: string): { TMPDIR: string } {
  const tmp = `${dir}-tmp`;
  mkdirSync(tmp, { recursive: true });
  return { TMPDIR: tmp };
}

describe('two labs started at once on the same addresses', () => {
  const root = mkdtempSync(join(tmpdir(), 'drill-collision-'));
  const dirs = [join(root, 'lab-a'), join(root, 'lab-b')];
  after(async () => {
    for (const dir of dirs) await drill(['lab', 'down', '--state-dir', dir], {}, 60_000);
    for (const dir of dirs) killMentioning(dir);
    rmSync(root, { recursive: true, force: true });
  });

  it('exactly one runs; the other exits 3 with one line naming the running lab, and leaves nothing', {
    timeout: 150_000,
  }, async () => {
    const args = async (dir: string): Promise<string[]> => [
      'lab',
      'up',
      '--detach',
      '--state-dir',
      dir,
      '--first-address',
      String(block.first),
      '--readers',
      '1',
      '--api-port',
      String(await freePort()),
      '--dns-port',
      String(await freePort()),
    ];
    const [a, b] = await Promise.all([args(dirs[0] ?? ''), args(dirs[1] ?? '')]);
    const results = await Promise.all([
      drill(a, ownTmp(dirs[0] ?? ''), 120_000),
      drill(b, ownTmp(dirs[1] ?? ''), 120_000),
    ]);
    const codes = results.map((r) => r.code).sort();
    assert.deepEqual(codes, [0, 3], results.map((r) => r.stderr).join('\n'));
    const winner = results[0]?.code === 0 ? 0 : 1;
    const loser = 1 - winner;
    const winnerDir = dirs[winner] ?? '';
    const loserDir = dirs[loser] ?? '';
    const status = readLabStatus(winnerDir);
    assert.ok(status, 'the running lab has its lab.json');
    assert.equal(status.state, 'ready');

    const lines = (results[loser]?.stderr ?? '').trim().split('\n');
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(
      lines[0] ?? '',
      new RegExp(
        `^drill: the lab did not start: ${escaped(proxy)}:3306 is taken by the lab running from ${escaped(winnerDir)} \\(pid ${status.pid}\\): stop it with 'drill lab down --state-dir ${escaped(winnerDir)}' or choose other addresses with --first-address`,
      ),
    );
    // The loser left nothing: no process, no status, no password; the winner's servers are its own.
    await until(() => processesMentioning(loserDir).length === 0, 15_000, 'the refused lab to end').catch(
      () => assert.deepEqual(processesMentioning(loserDir), [], 'processes left by the refused lab'),
    );
    for (const file of ['lab.json', 'password', 'pids']) {
      assert.equal(existsSync(join(loserDir, file)), false, `${file} left by the refused lab`);
    }
    assert.equal(
      processesMentioning(winnerDir).filter((p) => /mariadbd.*--server-id=/.test(p.args)).length,
      2,
    );

    // The running lab works on; once down, nothing listens on the block.
    const down = await drill(['lab', 'down', '--state-dir', winnerDir], {}, 60_000);
    assert.equal(down.code, 0, down.stderr);
    await until(() => processesMentioning(winnerDir).length === 0, 15_000, 'the lab to end');
    for (const n of octets(block)) {
      for (const port of [3306, 3307]) {
        assert.equal(await listening(loopback(n), port), false, `${loopback(n)}:${port} still listens`);
      }
    }
  });
});

describe("a lab whose MemoryDB nodes would land on a running lab's", () => {
  const root = mkdtempSync(join(tmpdir(), 'drill-collision-memorydb-'));
  const [first, second] = [join(root, 'lab-a'), join(root, 'lab-b')];
  const nodes = addresses.labCollision.memorydb;
  after(async () => {
    for (const dir of [first, second]) await drill(['lab', 'down', '--state-dir', dir], {}, 60_000);
    for (const dir of [first, second]) killMentioning(dir);
    rmSync(root, { recursive: true, force: true });
  });

  it('exits 3 with one line naming the running lab and --memorydb-first-address, and leaves nothing', {
    timeout: 150_000,
  }, async () => {
    const up = async (dir: string, aurora: AddressBlock, readers: string): Promise<string[]> =>
      ['lab', 'up', '--detach', '--state-dir', dir, '--first-address', String(aurora.first)].concat(
        ['--readers', readers, '--memorydb', '--shards', '1', '--replicas', '1', '--no-tls'],
        ['--memorydb-first-address', String(nodes.first)],
        ['--api-port', String(await freePort()), '--dns-port', String(await freePort())],
      );
    const a = await drill(await up(first, block, '1'), ownTmp(first), 120_000);
    assert.equal(a.code, 0, a.stderr);
    const status = readLabStatus(first);
    assert.ok(status);
    const b = await drill(await up(second, addresses.labCollision.second, '0'), ownTmp(second), 120_000);
    assert.equal(b.code, 3, b.stderr);
    const lines = b.stderr.trim().split('\n');
    assert.equal(lines.length, 1, lines.join('\n'));
    const node = `127.0.1.${nodes.first}`;
    assert.match(
      lines[0] ?? '',
      new RegExp(
        `^drill: the lab did not start: ${escaped(node)}:6379 is taken by the lab running from ${escaped(first)} \\(pid ${status.pid}\\): stop it with 'drill lab down --state-dir ${escaped(first)}' or choose other addresses with --memorydb-first-address`,
      ),
    );
    await until(() => processesMentioning(second).length === 0, 15_000, 'the refused lab to end').catch(() =>
      assert.deepEqual(processesMentioning(second), [], 'processes left by the refused lab'),
    );
    for (const n of octets(addresses.labCollision.second)) {
      assert.equal(
        await listening(loopback(n), 3306),
        false,
        `${loopback(n)}:3306 listens after the refusal`,
      );
    }
    // The running lab's nodes still answer.
    assert.equal(await listening(node, 6379), true);
  });
});
