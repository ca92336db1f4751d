// How much load does `drill aurora --load N` put on a server, against sysbench on the same server? One MariaDB of
// this script's own (a plain mariadbd on 127.0.0.200 by default, not the machine's service and not a lab: a lab
// instance has the lab's SQL front in front of it, which would be measured too), the same table and statements for
// both clients, rounds alternating between them in one run, for reads only, the default mix and writes only.
// sysbench runs a small Lua script issuing exactly --load's statements (point SELECT / UPDATE by primary key on
// `failover_drill.load_rows`, 1000 rows); `oltp_point_select` on a 1000-row sbtest table is printed for reference.
// Usage: npm run build && node bench/load-vs-sysbench.mjs [rounds] [seconds] [connections] [address]
// DRILL_COMPARE=/path/to/other/bin/drill.js adds that build's --load to every round (before/after a change).
// Nothing is installed: without `sysbench` on the PATH it says how to get it and exits 2.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MariadbInstance, prepareTemplate } from '../dist/src/lab/aurora/mariadb.js';

const rounds = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 10);
const connections = Number(process.argv[4] ?? 32);
const address = process.argv[5] ?? '127.0.0.200';
const port = 3306;
const user = 'bench';
const password = 'bench-pw';
const drill = fileURLToPath(new URL('../bin/drill.js', import.meta.url));
const compare = process.env.DRILL_COMPARE;
const clients = compare ? ['sysbench', 'load', 'compare'] : ['sysbench', 'load'];

if (spawnSync('sysbench', ['--version']).error) {
  console.error(
    'sysbench is not installed. On Debian/Ubuntu: sudo apt-get install sysbench (package `sysbench`).',
  );
  process.exit(2);
}
const sysbenchVersion = spawnSync('sysbench', ['--version'], { encoding: 'utf8' }).stdout.trim();

const mixes = [
  { name: 'reads only', read: 100, write: 0 },
  { name: 'default mix', read: 80, write: 20 },
  { name: 'writes only', read: 0, write: 100 },
];

/** The same statements as --load (src/aurora/load/statements.ts), as sysbench prepared statements. */
const lua = (readPct) => `
function thread_init()
  drv = sysbench.sql.driver()
  con = drv:connect()
  rd = con:prepare("SELECT v FROM failover_drill.load_rows WHERE id = ?")
  wr = con:prepare("UPDATE failover_drill.load_rows SET v = v + 1, updated_at = NOW(6) WHERE id = ?")
  rp = rd:bind_create(sysbench.sql.type.INT)
  wp = wr:bind_create(sysbench.sql.type.INT)
  rd:bind_param(rp)
  wr:bind_param(wp)
end
function event()
  local id = sysbench.rand.uniform(1, 1000)
  if sysbench.rand.uniform(1, 100) <= ${readPct} then
    rp:set(id)
    rd:execute()
  else
    wp:set(id)
    wr:execute()
  end
end
function thread_done()
  con:disconnect()
end
`;

const dir = mkdtempSync(join(tmpdir(), 'drill-bench-sysbench-'));
const server = new MariadbInstance({ dir: join(dir, 'server'), address, port, serverId: 1 });
const connection = [`--mysql-host=${address}`, `--mysql-port=${port}`, `--mysql-user=${user}`];
connection.push(`--mysql-password=${password}`, '--mysql-db=failover_drill', '--db-driver=mysql');

function sysbench(script, extra = []) {
  const args = [script, ...connection, `--threads=${connections}`, `--time=${seconds}`, ...extra, 'run'];
  const r = spawnSync('sysbench', args, { encoding: 'utf8' });
  const qps = /queries:\s+\d+\s+\(([\d.]+) per sec/.exec(r.stdout)?.[1];
  if (r.status !== 0 || !qps) throw new Error(`sysbench failed: ${r.stderr || r.stdout}`);
  return Number(qps);
}

function load(mix, extraSeconds = 0, bin = drill) {
  const args = ['aurora', '-e', `${address}:${port}`, '-u', user, '--load', String(connections)];
  args.push('--load-mix', `read=${mix.read},write=${mix.write}`, '--duration', `${seconds + extraSeconds}s`);
  args.push('--json', '--no-color');
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, DRILL_PASSWORD: password },
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0)
    throw new Error(`drill exited ${r.status}: ${r.stderr.split('\n').slice(-3).join(' ')}`);
  const figures = JSON.parse(r.stdout).runs[0].load;
  // Whole windows only: the first one includes connecting, the last is cut short by the drill's end.
  const windows = figures.timeline.slice(1, -1);
  const ok = windows.reduce((a, w) => a + w.ok, 0);
  return {
    ops: windows.length ? ok / windows.length : figures.before.opsPerSec,
    p99: figures.latencyMs?.p99,
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

try {
  server.initFrom(await prepareTemplate(dir));
  await server.start();
  await server.createUser(user, password);
  load(mixes[0], -seconds + 3); // creates failover_drill.load_rows, as every --load drill does first
  for (const mix of mixes) writeFileSync(join(dir, `mix-${mix.read}.lua`), lua(mix.read));
  const sbtest = ['--tables=1', '--table-size=1000'];
  spawnSync('sysbench', ['oltp_point_select', ...connection, ...sbtest, 'prepare'], { encoding: 'utf8' });

  const results = mixes.map(() => Object.fromEntries(clients.map((c) => [c, []])));
  const reference = [];
  console.log(`${sysbenchVersion} vs drill --load ${connections}, ${seconds} s each, MariaDB on ${address}`);
  for (let round = 0; round < rounds; round++) {
    mixes.forEach((mix, i) => {
      // Alternate which client goes first, so neither always runs on a warmer (or quieter) server.
      const order = round % 2 === 0 ? clients : [...clients].reverse();
      for (const client of order) {
        const v =
          client === 'sysbench'
            ? { ops: sysbench(join(dir, `mix-${mix.read}.lua`)) }
            : load(mix, 0, client === 'compare' ? compare : drill);
        results[i][client].push(v.ops);
        const p99 = v.p99 === undefined ? '' : `  (p99 ${v.p99} ms)`;
        console.log(
          `round ${round + 1} ${mix.name.padEnd(12)} ${client.padEnd(9)} ${v.ops.toFixed(0)} ops/s${p99}`,
        );
      }
    });
    reference.push(sysbench('oltp_point_select', sbtest));
    console.log(`round ${round + 1} oltp_point_select         ${reference.at(-1).toFixed(0)} qps`);
  }
  const others = clients.slice(1);
  const names = { load: '--load', compare: 'DRILL_COMPARE --load' };
  console.log(
    `\n| mix | sysbench ops/s | ${others.map((c) => `${names[c]} ops/s | ratio (median) | ratio per round`).join(' | ')} |`,
  );
  console.log(`| --- | --- | ${others.map(() => '--- | --- | ---').join(' | ')} |`);
  mixes.forEach((mix, i) => {
    const s = results[i].sysbench;
    const cells = others.map((c) => {
      const l = results[i][c];
      const ratios = s.map((v, k) => l[k] / v);
      return `${median(l).toFixed(0)} | ${median(ratios).toFixed(2)} | ${ratios.map((r) => r.toFixed(2)).join(', ')}`;
    });
    console.log(
      `| ${mix.name} (read=${mix.read},write=${mix.write}) | ${median(s).toFixed(0)} | ${cells.join(' | ')} |`,
    );
  });
  console.log(`sysbench oltp_point_select (sbtest, 1000 rows): median ${median(reference).toFixed(0)} qps`);
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
