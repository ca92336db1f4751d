// What the MemoryDB lab's node front costs: the same client against one primary, straight to its redis-server
// (port 6380, plain) and through its front (port 6379, plain with --no-tls), in one run. Per round: the latency of
// one connection per path doing SET then GET back to back (p50, p99 over the ops; the paths take turns every 100
// pairs), then, each path in turn (the order alternates by round), the throughput of 32 connections doing GET/SET
// flat out (the mix and keys of `drill memorydb --load`: 80% GET, 20% SET ... EX, 1000 keys) and the CPU the lab
// process (the fronts), the primary's redis-server and this client used meanwhile (from /proc, in % of one core).
// The lab runs detached, in its own process, so its CPU is its own. The replica replicates through the primary's
// front on both paths, so the lab's CPU on the direct path is that stream plus the lab's upkeep: the front's cost
// per command is the difference between the two paths.
// Usage: npm run build && node bench/memorydb-front.mjs [rounds] [latency ops] [throughput seconds]
// Aurora instances use 127.0.0.101-.102 (proxy .100), MemoryDB nodes 127.0.1.81-.82 (1 shard x primary + replica,
// no TLS); the lab is stopped and its state dir removed at the end.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { backendPort } from '../dist/src/lab/memorydb/node.js';
import { freePort } from '../dist/src/lab/ports.js';

const rounds = Number(process.argv[2] ?? 3);
const latencyOps = Number(process.argv[3] ?? 20_000);
const seconds = Number(process.argv[4] ?? 5);
const connections = 32;
const keys = 1000;
const bin = fileURLToPath(new URL('../bin/drill.js', import.meta.url));
const drill = (args) => execFileSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const tick = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / tick;
}
const ownCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const percentile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

async function connect(target) {
  const client = new Redis({
    ...target,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/**
 * One connection per path, SET then GET of one key back to back: each command's round trip in µs. The paths take
 * turns every `block` pairs, so both see the same moments of a shared machine.
 */
async function latency(targets) {
  const block = 100;
  const clients = await Promise.all(targets.map(connect));
  try {
    const run = async (client, n, record) => {
      for (let i = 0; i < n; i++) {
        const key = `bench:front:${i % keys}`;
        const t = process.hrtime.bigint();
        await client.set(key, String(i));
        const mid = process.hrtime.bigint();
        await client.get(key);
        const end = process.hrtime.bigint();
        record?.push(Number(mid - t) / 1000, Number(end - mid) / 1000);
      }
    };
    for (const c of clients) await run(c, 1000); // warm-up: the JIT and the connections, not counted
    const us = clients.map(() => []);
    for (let done = 0; done < latencyOps / 2; done += block) {
      for (const [i, c] of clients.entries()) await run(c, block, us[i]);
    }
    return us.map((xs) => {
      xs.sort((a, b) => a - b);
      return { p50: percentile(xs, 0.5), p99: percentile(xs, 0.99) };
    });
  } finally {
    for (const c of clients) c.disconnect();
  }
}

/** `connections` connections doing GET/SET flat out for `seconds`: ops/s, and CPU in % of one core. */
async function throughput(target, pids) {
  const clients = await Promise.all(Array.from({ length: connections }, () => connect(target)));
  try {
    let stop = false;
    let ops = 0;
    const loop = async (client) => {
      while (!stop) {
        const key = `bench:front:${Math.floor(Math.random() * keys)}`;
        if (Math.random() < 0.8) await client.get(key);
        else await client.set(key, String(Date.now()), 'EX', 86_400);
        ops++;
      }
    };
    const loops = clients.map(loop);
    await sleep(500); // warm-up, not counted
    const from = {
      at: performance.now(),
      ops,
      lab: cpuOf(pids.lab),
      redis: cpuOf(pids.redis),
      client: ownCpu(),
    };
    await sleep(seconds * 1000);
    const to = {
      at: performance.now(),
      ops,
      lab: cpuOf(pids.lab),
      redis: cpuOf(pids.redis),
      client: ownCpu(),
    };
    stop = true;
    await Promise.all(loops);
    const wall = (to.at - from.at) / 1000;
    const pct = (k) => ((to[k] - from[k]) / wall) * 100;
    const done = to.ops - from.ops;
    return {
      opsPerS: done / wall,
      labCpu: pct('lab'),
      redisCpu: pct('redis'),
      clientCpu: pct('client'),
      labUsPerOp: ((to.lab - from.lab) * 1e6) / done,
    };
  } finally {
    for (const c of clients) c.disconnect();
  }
}

const stateDir = mkdtempSync(join(tmpdir(), 'drill-bench-front-'));
try {
  drill(
    ['lab', 'up', '--detach', '--state-dir', stateDir, '--first-address', '101', '--memorydb']
      .concat(['--shards', '1', '--replicas', '1', '--no-tls', '--memorydb-first-address', '81'])
      .concat(['--dns-port', String(await freePort()), '--api-port', String(await freePort()), '--no-color']),
  );
  const status = JSON.parse(drill(['lab', 'status', '--json', '--state-dir', stateDir]));
  const m = status.memorydb;
  const primary = m.shards[0].nodes.find((n) => n.role === 'primary');
  const login = { username: m.user, password: readFileSync(join(stateDir, 'password'), 'utf8').trim() };
  const paths = {
    direct: { host: primary.address, port: backendPort, ...login },
    front: { host: primary.address, port: m.port, ...login },
  };
  const pids = { lab: status.pid, redis: primary.pid };
  console.log(
    `primary ${primary.name} ${primary.address}: direct :${backendPort}, front :${m.port}; ${rounds} round(s),` +
      ` ${latencyOps} latency ops, ${connections} connections x ${seconds} s; load average ${loadavg()[0].toFixed(2)}`,
  );
  const results = { direct: [], front: [] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? ['direct', 'front'] : ['front', 'direct'];
    const lat = await latency(order.map((path) => paths[path]));
    for (const [i, path] of order.entries()) {
      const r = { ...lat[i], ...(await throughput(paths[path], pids)) };
      results[path].push(r);
      console.log(
        `round ${round + 1} ${path.padEnd(6)} p50 ${r.p50.toFixed(0)} µs, p99 ${r.p99.toFixed(0)} µs,` +
          ` ${Math.round(r.opsPerS)} ops/s; CPU lab ${r.labCpu.toFixed(0)}%, redis-server ${r.redisCpu.toFixed(0)}%,` +
          ` client ${r.clientCpu.toFixed(0)}%; lab ${r.labUsPerOp.toFixed(1)} µs CPU/op`,
      );
    }
  }
  const ratios = results.front.map((f, i) => f.opsPerS / results.direct[i].opsPerS);
  const med = (path, k) => median(results[path].map((r) => r[k]));
  console.log(
    '\n| path | p50 | p99 | ops/s (32 conns) | lab CPU | redis-server CPU | client CPU | lab CPU/op |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const path of ['direct', 'front']) {
    console.log(
      `| ${path} | ${med(path, 'p50').toFixed(0)} µs | ${med(path, 'p99').toFixed(0)} µs |` +
        ` ${Math.round(med(path, 'opsPerS'))} | ${med(path, 'labCpu').toFixed(0)}% |` +
        ` ${med(path, 'redisCpu').toFixed(0)}% | ${med(path, 'clientCpu').toFixed(0)}% |` +
        ` ${med(path, 'labUsPerOp').toFixed(1)} µs |`,
    );
  }
  const added = results.front.map((f, i) => f.p50 - results.direct[i].p50);
  console.log(
    `\nfront - direct p50, per round: ${added.map((a) => `${a.toFixed(0)} µs`).join(', ')} (median ${median(added).toFixed(0)} µs)`,
  );
  console.log(
    `front / direct ops/s, per round: ${ratios.map((r) => r.toFixed(2)).join(', ')} (median ${median(ratios).toFixed(2)})`,
  );
  // Other work on the machine moves every figure: say how busy it was.
  console.log(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
} finally {
  drill(['lab', 'down', '--state-dir', stateDir]);
  rmSync(stateDir, { recursive: true, force: true });
}
