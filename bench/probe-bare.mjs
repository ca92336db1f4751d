// The bare-driver side of bench/probe-cost.mjs: what one monitor mode does every 100 ms, written as plainly as an
// application would, with mysql2 and Node's DNS resolver pointed at the lab's DNS server, and nothing else.
// Usage (by probe-cost.mjs): PROBE_TARGET='{"dnsPort":..,"user":..,"password":..,"cluster":..,"proxy":..,
// "instances":[..]}' node bench/probe-bare.mjs simple|aware|proxy|pool seconds
import { Resolver } from 'node:dns/promises';
import mysql from 'mysql2';

const [mode, seconds] = [process.argv[2], Number(process.argv[3] ?? 20)];
// PROBE_INTERVAL_MS=5 probes 200 times a second: warm code, to compare per-probe work without the cold-start noise.
const intervalMs = Number(process.env.PROBE_INTERVAL_MS ?? 100);
const t = JSON.parse(process.env.PROBE_TARGET);
const resolver = new Resolver();
resolver.setServers([`127.0.0.1:${t.dnsPort}`]);
const lookup = async (host) => (await resolver.resolve4(host))[0];
const options = {
  user: t.user,
  password: t.password,
  rowsAsArray: true,
  supportBigNumbers: true,
  bigNumberStrings: true,
};
const writerCheck = 'SELECT @@innodb_read_only, @@aurora_server_id, @@aurora_version';
const topology =
  'SELECT server_id, session_id FROM information_schema.replica_host_status ' +
  'WHERE time_to_sec(timediff(now(), last_update_timestamp)) <= 300';

const query = (conn, sql) =>
  new Promise((res, rej) => conn.query(sql, (e, rows) => (e ? rej(e) : res(rows))));

/** A new connection to where `host` resolves, `sqls` on it, closed. */
async function visit(host, sqls) {
  const conn = mysql.createConnection({ ...options, host: await lookup(host), port: 3306 });
  conn.on('error', () => {});
  try {
    for (const sql of sqls) await query(conn, sql);
  } finally {
    conn.destroy();
  }
}

let kept;
let pool;
const probes = {
  simple: () => visit(t.cluster, [writerCheck]),
  // The writer's instance endpoint, the writer check and the topology, as aware mode when all is well.
  aware: () => visit(t.instances[0], [writerCheck, topology]),
  proxy: async () => {
    if (!kept) {
      kept = mysql.createConnection({ ...options, host: await lookup(t.proxy), port: 3306 });
      kept.on('error', () => {});
    }
    await query(kept, writerCheck);
  },
  pool: async () => {
    pool ??= mysql.createPool({
      ...options,
      host: await lookup(t.cluster),
      port: 3306,
      connectionLimit: 4,
      maxIdle: 4,
    });
    await query(
      pool,
      'INSERT INTO failover_drill.pool_heartbeat (id, at) VALUES (1, NOW(6)) ON DUPLICATE KEY UPDATE at = NOW(6)',
    );
  },
};
if (mode === 'pool') {
  await visit(t.cluster, [
    'CREATE SCHEMA IF NOT EXISTS failover_drill',
    'CREATE TABLE IF NOT EXISTS failover_drill.pool_heartbeat (id INT PRIMARY KEY, at DATETIME(6) NOT NULL)',
  ]);
}
// On a fixed grid, one probe at a time, as the drill's scheduler.
const start = performance.now();
let k = 0;
// SIGUSR2 prints the probes finished so far (bench/probe-instructions.mjs counts those inside its window).
process.on('SIGUSR2', () => console.log(`probes so far: ${k}`));
for (; performance.now() - start < seconds * 1000; k++) {
  await probes[mode]().catch(() => {});
  const wait = start + (k + 1) * intervalMs - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
kept?.destroy();
await pool?.end();
console.log(`${k} probes`);
