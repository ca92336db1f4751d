// The MemoryDB lab's figures, for both timing profiles, measured in one run: start-up, FailoverShard (the longest
// stretch without an acknowledged write, as an ioredis Cluster client saw it, and ground-truth durations), and a
// primary killed with SIGKILL (until its replica is promoted, and until the node is back as a replica).
// Usage: npm run build && node bench/lab-memorydb.mjs [runs per profile]
// Aurora instances use 127.0.0.101-.102 (proxy .100), MemoryDB nodes 127.0.1.81-.86.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { Lab } from '../dist/src/lab/lab.js';
import { freePort } from '../dist/src/lab/ports.js';
import { printMedians } from './medians.mjs';

const runs = Number(process.argv[2] ?? 2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const at = (r) => Date.parse(r?.at ?? 'x');

async function waitFor(check, timeoutMs) {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(20);
  }
}

async function once(timing) {
  const stateDir = mkdtempSync(join(tmpdir(), 'drill-bench-memorydb-'));
  const t0 = performance.now();
  const lab = await Lab.start({
    stateDir,
    readers: 1,
    dnsPort: await freePort(),
    apiPort: await freePort(),
    timing,
    user: 'admin',
    lossy: false,
    region: 'us-east-1',
    firstAddress: 101,
    memorydb: { shards: 3, replicas: 1, tls: true, firstAddress: 81 },
  });
  const startMs = performance.now() - t0;
  const m = lab.status().memorydb;
  const cluster = new Cluster([{ host: m.shards[0].nodes[0].address, port: m.port }], {
    natMap: Object.fromEntries(
      m.shards.flatMap((s) => s.nodes).map((n) => [`${n.host}:${m.port}`, { host: n.address, port: m.port }]),
    ),
    dnsLookup: (address, cb) => cb(null, address),
    redisOptions: {
      username: m.user,
      password: lab.password,
      tls: { ca: readFileSync(m.caFile) },
      commandTimeout: 2000,
    },
  });
  cluster.on('error', () => {});
  const truth = () =>
    readFileSync(join(stateDir, 'ground-truth.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
  try {
    // FailoverShard 0001 with a client writing keys of shard 0001 (a hash tag whose slot is in 0-5460).
    let tag = '{a}';
    for (let i = 0; ; i++) {
      const slot = Number(await cluster.call('CLUSTER', 'KEYSLOT', `t${i}`));
      if (slot <= 5460) {
        tag = `{t${i}}`;
        break;
      }
    }
    let stop = false;
    let last = Date.now();
    let gap = 0;
    const acked = [];
    const writing = (async () => {
      for (let i = 0; !stop; i++) {
        try {
          await cluster.set(`${tag}:${i}`, '1');
          const now = Date.now();
          if (acked.length) gap = Math.max(gap, now - last);
          last = now;
          acked.push(`${tag}:${i}`);
        } catch {
          await sleep(5);
        }
      }
    })();
    await sleep(300);
    let mark = truth().length;
    lab.memorydb.failoverShard('0001');
    await waitFor(() => lab.memorydb.failingOver === undefined, 60_000);
    await sleep(300);
    stop = true;
    await writing;
    const lost = (await cluster.mget(...acked)).filter((v) => v === null).length;
    const f = truth().slice(mark);
    const started = f.find((r) => r.kind === 'failover-started');
    const stopped = f.find((r) => r.kind === 'writes-stopped' && r.instance === started.from);
    const accepted = f.find((r) => r.kind === 'writes-accepted' && r.instance === started.to);
    const completed = f.find((r) => r.kind === 'failover-completed');
    const events = lab.memorydb.events;
    const finished = events.findLast((e) => e.message.startsWith('Finished recovery'));
    const failover = {
      clientGapMs: gap,
      writesUnavailableMs: at(accepted) - at(stopped),
      completedMs: at(completed) - at(started),
      recoveredMs: (finished?.date.getTime() ?? Number.NaN) - at(started),
      lost,
    };
    // SIGKILL shard 0002's primary.
    mark = truth().length;
    const victim = lab.memorydb.shardNodes(2).find((n) => n.role === 'primary');
    await lab.memorydb.kill(victim.name);
    await waitFor(
      () =>
        truth()
          .slice(mark)
          .some((r) => r.kind === 'instance-up' && r.instance === victim.name),
      60_000,
    );
    const k = truth().slice(mark);
    const down = k.find((r) => r.kind === 'instance-down');
    return {
      startMs,
      ...failover,
      killPromotedMs: at(k.find((r) => r.kind === 'failover-completed')) - at(down),
      killBackMs: at(k.find((r) => r.kind === 'instance-up' && r.instance === victim.name)) - at(down),
    };
  } finally {
    cluster.disconnect();
    await lab.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

const columns = [
  'startMs',
  'clientGapMs',
  'writesUnavailableMs',
  'completedMs',
  'recoveredMs',
  'lost',
  'killPromotedMs',
  'killBackMs',
];
await printMedians(
  `MemoryDB lab figures (3 shards x 2, TLS), ${runs} run(s) per profile (median)`,
  columns,
  runs,
  once,
);
