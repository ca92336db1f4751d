import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readLabStatus } from '../../src/lab/client.js';
import { addresses, loopback } from '../support/addresses.js';
import { drill, type Running, startDrill, until } from '../support/cli.js';
import { killMentioning, processesMentioning, startTestLab, stopTestLab } from '../support/lab.js';

// A drill's throwaway lab: instances on 127.0.0.244 and .245 (proxy .243); MemoryDB nodes on 127.0.1.170-.175.
const block = addresses.labThrowaway;
const env = {
  DRILL_LAB_FIRST_ADDRESS: String(block.lab.first),
  DRILL_LAB_MEMORYDB_FIRST_ADDRESS: String(block.memorydb.first),
};
const proxy = loopback(block.lab.first - 1);

/** The throwaway lab's state dir that this test's drill started (the one whose proxy is on this block). */
function ephemeralDirOnBlock(): string | undefined {
  return readdirSync(tmpdir())
    .filter((d) => d.startsWith('drill-ephemeral-lab-'))
    .map((d) => join(tmpdir(), d))
    .find((d) => readLabStatus(d)?.aurora.proxyAddress === proxy);
}

/** Starts `drill ARGS` with a throwaway lab, waits until its lab is ready, and kills the drill with SIGKILL. */
async function killMidDrill(args: string[]): Promise<{ run: Running; stateDir: string }> {
  const run = startDrill(args, env, 180_000);
  let exited = false;
  void run.finished.then(() => {
    exited = true;
  });
  let stateDir: string | undefined;
  await until(
    () => {
      stateDir ??= ephemeralDirOnBlock();
      return exited || (stateDir !== undefined && readLabStatus(stateDir)?.state === 'ready');
    },
    150_000,
    'the throwaway lab to be ready',
  );
  assert.equal(exited, false, `drill exited before its lab was ready: ${run.stderr}`);
  // Mid-drill: the drill has begun watching the lab.
  await new Promise((r) => setTimeout(r, 1500));
  const servers = processesMentioning(stateDir as string).filter((p) => /mariadbd|redis-server/.test(p.args));
  assert.ok(servers.length > 0, 'the lab runs servers before the drill is killed');
  run.child.kill('SIGKILL');
  assert.equal((await run.finished).signal, 'SIGKILL');
  return { run, stateDir: stateDir as string };
}

/** The lab (its own process, MariaDB and redis-server) ends and its state dir goes, within a bounded time. */
async function assertLabEnded(stateDir: string): Promise<void> {
  try {
    await until(
      () => !existsSync(stateDir) && processesMentioning(stateDir).length === 0,
      60_000,
      `the throwaway lab of ${stateDir} to end`,
    );
  } finally {
    killMentioning(stateDir);
    rmSync(stateDir, { recursive: true, force: true });
  }
}

describe("a drill's throwaway lab", () => {
  it('ends itself, servers and state dir, when `drill aurora --lab` is killed with SIGKILL', async () => {
    const { stateDir } = await killMidDrill(['aurora', '--lab', '--duration', '60s']);
    await assertLabEnded(stateDir);
    assert.equal(ephemeralDirOnBlock(), undefined);
  });

  it('ends itself when `drill memorydb --lab` is killed with SIGKILL, its redis-server nodes too', async () => {
    const { stateDir } = await killMidDrill(['memorydb', '--lab', '--duration', '60s']);
    await assertLabEnded(stateDir);
  });

  it('on an address a leftover lab holds, names that lab, how to stop it, and DRILL_LAB_FIRST_ADDRESS', async () => {
    // A lab left under a throwaway lab's name (as one killed before this fix would be) on the drill's addresses.
    const leftover = mkdtempSync(join(tmpdir(), 'drill-ephemeral-lab-'));
    after(() => rmSync(leftover, { recursive: true, force: true }));
    try {
      await startTestLab(leftover, block.lab.first);
      const r = await drill(['aurora', '--lab', '--duration', '5s'], env, 120_000);
      assert.equal(r.code, 3, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`${proxy.replaceAll('.', '\\.')}:3306 is taken by the lab running from`),
      );
      assert.ok(r.stderr.includes(`'drill lab down --state-dir ${leftover}'`), r.stderr);
      assert.match(r.stderr, /choose other addresses with DRILL_LAB_FIRST_ADDRESS=N/);
      assert.doesNotMatch(r.stderr, /--first-address/);
      const down = await drill(['lab', 'down', '--state-dir', leftover]);
      assert.match(down.stdout, /^stopped the lab \(pid \d+\)/);
    } finally {
      await stopTestLab(leftover);
      killMentioning(leftover);
    }
  });
});
