/**
 * A lab never stays behind: interrupted while it starts (foreground, --detach, or a drill's throwaway lab), its
 * owner killed half-way, or refused at the start, it leaves no process, no listener and no temporary folder.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { DrillError } from '../../src/core/errors.js';
import { type EphemeralLab, readLabStatus, startEphemeralLab } from '../../src/lab/client.js';
import { freePort } from '../../src/lab/ports.js';
import { type AddressBlock, addresses, octets } from '../support/addresses.js';
import { drill, type Finished, startDrill, until } from '../support/cli.js';
import { killMentioning, listening, processesMentioning } from '../support/lab.js';

const blocks = addresses.labSafety;
const realTmp = tmpdir();
let root: string;
let savedEnv: NodeJS.ProcessEnv;

/** Each test gets a folder of its own, and leaves nothing behind even when it fails. */
function eachTestCleansUp(): void {
  beforeEach(() => {
    root = mkdtempSync(join(realTmp, 'drill-safety-'));
    savedEnv = { ...process.env };
    // Throwaway labs make their state dir under TMPDIR: here, so the test knows where to look.
    process.env.TMPDIR = join(root, 'tmp');
    mkdirSync(process.env.TMPDIR);
  });
  afterEach(async () => {
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
    for (const dir of stateDirs()) await drill(['lab', 'down', '--state-dir', dir], {}, 60_000);
    killMentioning(root);
    rmSync(root, { recursive: true, force: true });
  });
}

/** Every lab state dir this test may have made: named ones under root, throwaway ones under its TMPDIR. */
function stateDirs(): string[] {
  const tmp = join(root, 'tmp');
  const throwaway = existsSync(tmp) ? readdirSync(tmp).map((e) => join(tmp, e)) : [];
  return [
    ...readdirSync(root)
      .filter((e) => e.startsWith('lab-'))
      .map((e) => join(root, e)),
    ...throwaway,
  ];
}

const mariadbdOf = (dir: string) => processesMentioning(dir).filter((p) => /mariadbd/.test(p.args));
/** The instances' servers (not the installer's): each has a server id. */
const instanceServersOf = (dir: string) => mariadbdOf(dir).filter((p) => /--server-id=/.test(p.args));

/** What a user checks after a lab is gone: no process mentions its dir, nothing listens on its addresses. */
async function assertNothingLeft(dir: string, block: AddressBlock): Promise<void> {
  // A process just signalled may take a moment to go.
  await until(() => processesMentioning(dir).length === 0, 15_000, 'the processes of the lab to end').catch(
    () => assert.deepEqual(processesMentioning(dir), [], 'processes left'),
  );
  for (const n of octets(block)) {
    for (const port of [3306, 3307]) {
      assert.equal(await listening(`127.0.0.${n}`, port), false, `127.0.0.${n}:${port} still listens`);
    }
  }
}

/** Exactly one line on stderr, `drill: ...`, no stack trace. */
function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0] ?? '', /^drill: /);
  assert.doesNotMatch(stderr, /\n\s+at |internal error/);
  return lines[0] ?? '';
}

async function labUpArgs(dir: string, block: AddressBlock): Promise<string[]> {
  return ['lab', 'up', '--state-dir', dir, '--first-address', String(block.first)].concat([
    '--api-port',
    String(await freePort()),
    '--dns-port',
    String(await freePort()),
  ]);
}

/** Starts `drill ARGS` (a `lab up`), and sends it `signal` in the middle of its start; what it then did. */
async function interruptWhileStarting(
  args: string[],
  dir: string,
  signal: NodeJS.Signals,
): Promise<Finished> {
  const up = startDrill(args, {}, 90_000);
  await untilHalfStarted(dir);
  up.child.kill(signal);
  return up.finished;
}

/** Waits until a mariadbd of the lab runs while the lab is not ready yet: the middle of its start. */
async function untilHalfStarted(dir: string): Promise<void> {
  await until(() => instanceServersOf(dir).length === 2, 60_000, "the lab's two mariadbd");
  assert.notEqual(readLabStatus(dir)?.state, 'ready', 'the lab was meant to be still starting');
}

describe('a throwaway lab (startEphemeralLab)', () => {
  eachTestCleansUp();

  it('aborted while it starts: rejects with exit 130 and takes everything down, temp dir included', {
    timeout: 90_000,
  }, async () => {
    process.env.DRILL_LAB_FIRST_ADDRESS = String(blocks.ephemeral.first);
    const controller = new AbortController();
    const started = startEphemeralLab('fast', { signal: controller.signal });
    started.catch(() => {});
    const tmp = join(root, 'tmp');
    await until(() => readdirSync(tmp).length > 0, 10_000, 'the temp state dir');
    const dir = join(tmp, readdirSync(tmp)[0] ?? '');
    await new Promise((r) => setTimeout(r, 1500));
    assert.notEqual(readLabStatus(dir)?.state, 'ready', 'the lab was meant to be still starting');
    controller.abort();
    const err = await started.then(
      (lab) => lab,
      (e: unknown) => e,
    );
    assert.ok(err instanceof DrillError, `rejects with a DrillError, got ${String(err)}`);
    assert.equal(err.exitCode, 130);
    assert.equal(err.message, 'interrupted while the lab started: it was taken down');
    await assertNothingLeft(dir, blocks.ephemeral);
    assert.equal(existsSync(dir), false, 'the temp state dir is gone');
  });

  it('stopNow() takes a running throwaway lab down without awaiting anything', {
    timeout: 120_000,
  }, async () => {
    process.env.DRILL_LAB_FIRST_ADDRESS = String(blocks.ephemeral.first);
    const lab: EphemeralLab = await startEphemeralLab('fast');
    const dir = lab.status.stateDir;
    assert.equal(mariadbdOf(dir).length, 2);
    const result: unknown = lab.stopNow();
    assert.equal(result, undefined, 'synchronous: returns nothing to await');
    await assertNothingLeft(dir, blocks.ephemeral);
    assert.equal(existsSync(dir), false, 'the temp state dir is gone');
  });

  it('DRILL_LAB_FIRST_ADDRESS that is not a number: exit 2, one line, nothing created', async () => {
    process.env.DRILL_LAB_FIRST_ADDRESS = 'abc';
    const err = await startEphemeralLab('fast').then(
      (lab) => lab,
      (e: unknown) => e,
    );
    assert.ok(err instanceof DrillError, String(err));
    assert.equal(err.exitCode, 2);
    assert.match(err.message, /^DRILL_LAB_FIRST_ADDRESS must be a whole number from 3 to 253, got 'abc'$/);
    assert.deepEqual(readdirSync(join(root, 'tmp')), []);
  });

  it('a missing mariadbd names DRILL_SERVER_BIN_DIR, and the error points to no deleted log', {
    timeout: 60_000,
  }, async () => {
    process.env.DRILL_LAB_FIRST_ADDRESS = String(blocks.ephemeral.first);
    const empty = join(root, 'no-bin');
    mkdirSync(empty);
    process.env.DRILL_SERVER_BIN_DIR = empty;
    const err = await startEphemeralLab('fast').then(
      (lab) => lab,
      (e: unknown) => e,
    );
    assert.ok(err instanceof DrillError, String(err));
    assert.equal(err.exitCode, 3);
    assert.match(err.message, /'mariadb[a-z-]*' not found in DRILL_SERVER_BIN_DIR/);
    assert.ok(err.message.includes(empty), err.message);
    assert.doesNotMatch(err.message, /not found on PATH/);
    for (const path of err.message.match(/\/\S+lab\.log/g) ?? []) {
      assert.ok(existsSync(path), `the message names ${path}, which does not exist`);
    }
    // Nothing, not even the running labs' notes folder: it is /tmp/drill-labs whatever TMPDIR says.
    assert.deepEqual(readdirSync(join(root, 'tmp')), [], 'the temp state dir is gone');
  });
});

describe('drill lab up interrupted, drill lab down', () => {
  eachTestCleansUp();

  it('foreground lab up, Ctrl+C while starting: exit 130, one line, nothing left; the next lab up starts', {
    timeout: 180_000,
  }, async () => {
    const dir = join(root, 'lab-fg');
    const r = await interruptWhileStarting(await labUpArgs(dir, blocks.foreground), dir, 'SIGINT');
    assert.equal(r.code, 130, r.stderr);
    assert.equal(oneLine(r.stderr), 'drill: interrupted while the lab started: it was taken down');
    await assertNothingLeft(dir, blocks.foreground);
    const down = await drill(['lab', 'down', '--state-dir', dir]);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(down.stdout, `no lab is running from ${dir}\n`);
    // Same addresses, same state dir: nothing of the interrupted lab is in the way.
    const again = await drill([...(await labUpArgs(dir, blocks.foreground)), '--detach'], {}, 90_000);
    assert.equal(again.code, 0, again.stderr);
    const status = readLabStatus(dir);
    assert.ok(status);
    const servers = mariadbdOf(dir).map((p) => p.pid);
    assert.equal(servers.length, 2);
    const stopped = await drill(['lab', 'down', '--state-dir', dir], {}, 60_000);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(
      stopped.stdout,
      new RegExp(`^stopped the lab \\(pid ${status.pid}\\) and 2 mariadbd \\(pids `),
    );
    for (const pid of servers) assert.ok(stopped.stdout.includes(String(pid)), stopped.stdout);
    await assertNothingLeft(dir, blocks.foreground);
  });

  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    it(`foreground lab up, ${signal} while starting: exit 130, nothing left`, {
      timeout: 120_000,
    }, async () => {
      const dir = join(root, `lab-${signal}`);
      const r = await interruptWhileStarting(await labUpArgs(dir, blocks.foreground), dir, signal);
      assert.equal(r.code, 130, r.stderr);
      oneLine(r.stderr);
      await assertNothingLeft(dir, blocks.foreground);
    });
  }

  it('lab down stops the servers of a lab whose owner was killed half-way', {
    timeout: 120_000,
  }, async () => {
    const dir = join(root, 'lab-killed');
    await interruptWhileStarting(await labUpArgs(dir, blocks.foreground), dir, 'SIGKILL');
    const servers = mariadbdOf(dir);
    assert.ok(servers.length > 0, 'its mariadbd outlive the owner');
    const down = await drill(['lab', 'down', '--state-dir', dir], {}, 60_000);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /^stopped 2 mariadbd \(pids \d+, \d+\)\n$/);
    await assertNothingLeft(dir, blocks.foreground);
  });

  it('lab up --detach, Ctrl+C while starting: stops the background lab, exit 130, one line', {
    timeout: 120_000,
  }, async () => {
    const dir = join(root, 'lab-detach');
    const args = [...(await labUpArgs(dir, blocks.detach)), '--detach'];
    const r = await interruptWhileStarting(args, dir, 'SIGINT');
    assert.equal(r.code, 130, r.stderr);
    assert.equal(oneLine(r.stderr), 'drill: interrupted while the lab started: it was taken down');
    await assertNothingLeft(dir, blocks.detach);
  });
});

describe('drill lab up refuses mistakes with one line', () => {
  eachTestCleansUp();

  it('instance address taken: exit 3 naming the address and --first-address, nothing left', {
    timeout: 60_000,
  }, async () => {
    const dir = join(root, 'lab-taken');
    const taken = `127.0.0.${blocks.taken.first + 1}`;
    // Another lab's front and mariadbd on that address: both answer.
    const blockers: Server[] = [3306, 3307].map(() => createServer((socket) => socket.end('x')));
    await Promise.all(blockers.map((b, n) => new Promise<void>((r) => b.listen(3306 + n, taken, r))));
    try {
      for (const detach of [[], ['--detach']]) {
        const r = await drill([...(await labUpArgs(dir, blocks.taken)), ...detach], {}, 60_000);
        assert.equal(r.code, 3, r.stderr);
        const line = oneLine(r.stderr);
        assert.ok(line.includes(`${taken}:3306`), line);
        assert.match(line, /--first-address/);
        await assertNothingLeft(dir, { ...blocks.taken, count: 1 });
      }
    } finally {
      for (const b of blockers) b.close();
    }
  });

  it('--state-dir naming a regular file: exit 2, one line', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'not a folder\n');
    for (const detach of [[], ['--detach']]) {
      const r = await drill([...(await labUpArgs(file, blocks.taken)), ...detach]);
      assert.equal(r.code, 2, r.stderr);
      assert.ok(oneLine(r.stderr).includes(file));
    }
    assert.equal(readFileSync(file, 'utf8'), 'not a folder\n');
  });

  it('--region that is not a region: exit 2, one line', async () => {
    const r = await drill([
      ...(await labUpArgs(join(root, 'lab-region'), blocks.taken)),
      '--region',
      'us east',
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(oneLine(r.stderr), /--region must look like us-east-1, got 'us east'/);
  });

  for (const option of [
    ['--shards', '2'],
    ['--replicas', '2'],
    ['--no-tls'],
    ['--memorydb-first-address', '41'],
  ]) {
    it(`${option[0]} without --memorydb: exit 2, one line, rather than ignored`, async () => {
      const r = await drill([...(await labUpArgs(join(root, 'lab-orphan'), blocks.taken)), ...option]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        oneLine(r.stderr),
        new RegExp(`^drill: ${option[0]} shapes the MemoryDB cluster: give --memorydb$`),
      );
    });
  }
});

describe('lab up --detach export lines', () => {
  eachTestCleansUp();

  it('paste safely into a shell, and the password is in no world-readable file', {
    timeout: 120_000,
  }, async () => {
    const dir = join(root, 'lab-exports');
    const marker = join(root, 'ran');
    const password = `p'w $(touch ${marker}) "q" \`touch ${marker}\``;
    const up = await drill(
      [
        ...(await labUpArgs(dir, blocks.exports)),
        '--detach',
        '--region',
        'us-gov-west-1',
        '--password',
        password,
      ],
      {},
      90_000,
    );
    assert.equal(up.code, 0, up.stderr);
    const exports = up.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('export '));
    assert.ok(
      exports.some((l) => l.startsWith('export DRILL_PASSWORD=')),
      up.stdout,
    );
    const script = `${exports.join('\n')}\nprintf '%s\\n%s' "$AWS_REGION" "$DRILL_PASSWORD"`;
    const out = execFileSync('bash', ['-c', script], { encoding: 'utf8' });
    assert.equal(out, `us-gov-west-1\n${password}`);
    assert.equal(existsSync(marker), false, 'pasting ran a command');
    // No one but the owner reads the password: not in lab.log or lab.json, and the password file is 600.
    for (const name of ['lab.log', 'lab.json']) {
      assert.ok(!readFileSync(join(dir, name), 'utf8').includes(password), `the password is in ${name}`);
    }
    assert.equal(statSync(join(dir, 'password')).mode & 0o777, 0o600);
    const closed = (path: string) => (statSync(path).mode & 0o077) === 0;
    assert.ok(closed(dir) || closed(join(dir, 'lab.log')), 'lab.log is readable by others');
    assert.equal(existsSync(marker), false);
  });
});
