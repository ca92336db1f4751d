// A real drill against a throwaway MariaDB on 127.0.0.11:3306: the server is killed with SIGKILL mid-drill and
// restarted, and `drill aurora` measures the outage. Everything it starts is stopped and removed on exit.
// Usage: npm run demo   (after npm ci)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MariadbInstance, prepareTemplate } from '../dist/src/lab/mariadb.js';

const address = process.env.DEMO_ADDRESS ?? '127.0.0.11';
const dir = mkdtempSync(join(tmpdir(), 'drill-demo-'));
const db = new MariadbInstance({ dir: join(dir, 'instance'), address, port: 3306, serverId: 11 });
const password = `demo-${Math.random().toString(36).slice(2, 10)}`;
const dim = process.stderr.isTTY && !process.env.NO_COLOR ? (t) => `\x1b[2m${t}\x1b[0m` : (t) => t;
const say = (text) => process.stderr.write(`${dim(`demo: ${text}`)}\n`);

async function cleanup() {
  await db.stop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
}

let code = 1;
try {
  db.initFrom(await prepareTemplate(dir));
  await db.start();
  await db.createUser('admin', password);
  say(`MariaDB is up on ${address}:3306; starting the drill, the server will be killed in 3 s`);
  const drill = spawn(
    process.execPath,
    [
      fileURLToPath(new URL('../bin/drill.js', import.meta.url)),
      'aurora',
      '-e',
      address,
      '-u',
      'admin',
    ].concat(['--until-recovered', '--settle', '2s', '--timeout', '1m'], process.argv.slice(2)),
    { stdio: 'inherit', env: { ...process.env, DRILL_PASSWORD: password } },
  );
  const exited = new Promise((resolve) => drill.on('exit', (c) => resolve(c ?? 1)));
  process.on('SIGINT', () => drill.kill('SIGINT'));
  const chaos = (async () => {
    await new Promise((r) => setTimeout(r, 3000));
    if (drill.exitCode !== null) return;
    await db.kill('SIGKILL');
    const killedAt = Date.now();
    say('mariadbd killed (SIGKILL); restarting it in 1.5 s');
    await new Promise((r) => setTimeout(r, 1500));
    const readyAt = await db.start();
    say(`mariadbd accepting again: it was down ${readyAt - killedAt} ms by the demo's own clock`);
  })();
  code = await exited;
  await chaos.catch(() => {});
} catch (err) {
  process.stderr.write(`demo: ${err.message}\n`);
} finally {
  await cleanup();
}
process.exit(code);
