// Does `drill aurora --mode simple` agree with a client that caches no DNS answer (the AWS lab's
// simple_failover.py: resolve, connect, ask, close, every loop) when it is told to cache nothing, and how much
// later does a TTL-caching client get back? One lab failover per round; the reference client runs beside the
// drill in this process, on the same lab, through the same failover. Rounds alternate --dns-cache off and ttl.
// Usage: npm run build && node bench/dns-cache.mjs [rounds per cache] [fast|aurora]
// The lab uses 127.0.0.185-187 (test/support/addresses.ts); it is stopped and removed at the end.
import { execFileSync, spawn } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { runningLab } from '../dist/src/lab/client.js';

const rounds = Number(process.argv[2] ?? 2);
const timing = process.argv[3] ?? 'aurora';
const intervalMs = 250;
const drill = fileURLToPath(new URL('../bin/drill.js', import.meta.url));
const stateDir = mkdtempSync(join(tmpdir(), 'drill-bench-dns-'));
const lab = (args) => execFileSync(process.execPath, [drill, 'lab', ...args, '--state-dir', stateDir]);
lab([
  'up',
  '--detach',
  '--timing',
  timing,
  '--first-address',
  '186',
  '--dns-port',
  '10263',
  '--api-port',
  '10290',
]);
const { status, password } = runningLab(stateDir);

/** The reference client: no cache, a new connection per loop, as simple_failover.py does. */
async function referenceClient(stop) {
  const resolver = new Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([status.dnsServer]);
  const host = status.aurora.clusterEndpoint.split(':')[0];
  const probes = [];
  while (!stop.done) {
    const t0 = Date.now();
    let good = false;
    try {
      const [address] = await resolver.resolve4(host);
      const conn = await mysql.createConnection({
        host: address,
        port: 3306,
        user: status.aurora.user,
        password,
        connectTimeout: 1000,
      });
      try {
        const [rows] = await conn.query({ sql: 'SELECT @@innodb_read_only AS ro', timeout: 2000 });
        good = Number(rows[0].ro) === 0;
      } finally {
        conn.destroy();
      }
    } catch {}
    probes.push({ t0, t1: Date.now(), good });
    await new Promise((r) => setTimeout(r, Math.max(0, intervalMs - (Date.now() - t0))));
  }
  return probes;
}

/** The drill's outage rule (DESIGN.md): first bad probe's start to the end of the first good one after it. */
function downtime(probes, afterMs) {
  const i = probes.findIndex((p, k) => k > 0 && p.t0 >= afterMs && !p.good && probes[k - 1].good);
  if (i < 0) return null;
  const back = probes.findIndex((p, k) => k > i && p.good);
  return back < 0 ? null : { start: probes[i].t0, end: probes[back].t1 };
}

function drillRun(cache) {
  const args = ['aurora', '--lab-state-dir', stateDir, '--mode', 'simple', '--dns-cache', cache];
  args.push('--interval', `${intervalMs}ms`, '--trigger', 'failover', '--at', '3s', '--until-recovered');
  args.push('--settle', '3s', '--json', '--no-color');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [drill, ...args]);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`drill exited ${code}`)),
    );
  });
}

const rows = [];
try {
  for (let i = 0; i < rounds; i++) {
    for (const cache of ['off', 'ttl']) {
      const stop = { done: false };
      const reference = referenceClient(stop);
      const report = (await drillRun(cache)).runs[0];
      stop.done = true;
      const probes = await reference;
      const origin = Date.parse(report.startedAt);
      const m = report.monitors[0];
      const o = m.outages.find((x) => x.startMs >= report.trigger.requestedAtMs);
      const ref = downtime(probes, origin + report.trigger.requestedAtMs);
      const mine = o && o.endMs !== null ? { start: origin + o.startMs, end: origin + o.endMs } : null;
      rows.push({ cache, drill: mine, reference: ref, dns: m.dns });
      await new Promise((r) => setTimeout(r, timing === 'aurora' ? 8000 : 2000));
    }
  }
} finally {
  lab(['down']);
  rmSync(stateDir, { recursive: true, force: true });
}

const f = (ms) => (ms === null || ms === undefined ? '-' : `${Math.round(ms)} ms`);
console.log(
  `simple mode vs a no-cache client on the same lab failover, timing ${timing}, probes every ${intervalMs} ms`,
);
// Each client probes on its own phase, so each edge of the outage may differ by up to one interval.
const head = [
  '--dns-cache',
  'no-cache client',
  'drill simple',
  'down edge',
  'back edge',
  'within 1 interval',
];
console.log(head.map((c) => c.padStart(18)).join(''));
for (const r of rows) {
  const len = (x) => (x ? x.end - x.start : null);
  const both = r.drill && r.reference;
  const down = both ? r.drill.start - r.reference.start : null;
  const back = both ? r.drill.end - r.reference.end : null;
  const within = both ? (Math.abs(down) <= intervalMs && Math.abs(back) <= intervalMs ? 'yes' : 'no') : '-';
  const cells = [r.cache, f(len(r.reference)), f(len(r.drill)), f(down), f(back), within];
  console.log(cells.map((c) => String(c).padStart(18)).join(''));
}
console.log(`(the drill said: ${[...new Set(rows.map((r) => r.dns))].join(' / ')})`);
