// What `drill memorydb` measures against the lab's ground truth, for 3 shards and for 2 (ioredis #1465's case):
// a FailoverShard and a primary killed with SIGKILL, each run through the real CLI with --write-check. Per run:
// the write downtime of the failed-over shard as each monitor saw it next to the ground truth, the gap between
// "writes possible" (nodes) and "the application's client writing again" (app), the other shards' failed writes
// (blast radius), and lost writes.
// Usage: npm run build && node bench/memorydb-drill.mjs [runs per case]
// Aurora instances use 127.0.0.241-.242 (proxy .240), MemoryDB nodes 127.0.1.150-.155 (3 shards) and .160-.163.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../dist/src/lab/ports.js';

const runs = Number(process.argv[2] ?? 2);
const bin = fileURLToPath(new URL('../bin/drill.js', import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const drill = (args) => execFileSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

function drillAsync(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('close', (code) => resolve({ code, out }));
  });
}

async function once(stateDir, fault, shards) {
  const args = ['memorydb', '--lab-state-dir', stateDir, '--write-check', '--json', '--settle', '2s'];
  let r;
  if (fault === 'failover-shard') {
    r = await drillAsync([
      ...args,
      '--trigger',
      'failover-shard',
      '--shard',
      '0001',
      '--at',
      '2s',
      '--until-recovered',
    ]);
  } else {
    const status = JSON.parse(drill(['lab', 'status', '--json', '--state-dir', stateDir]));
    const victim = status.memorydb.shards[0].nodes.find((n) => n.role === 'primary').name;
    const running = drillAsync([...args, '--duration', shards < 3 ? '30s' : '16s']);
    await sleep(3000);
    drill(['lab', 'kill', victim, '--state-dir', stateDir]);
    r = await running;
    await sleep(shards < 3 ? 20_000 : 12_000); // the node comes back as a replica before the next run
  }
  const run = JSON.parse(r.out).runs[0];
  const m = (name) => run.monitors.find((x) => x.name === name);
  const others = run.monitors.filter((x) => x.name.startsWith('app:') && x.name !== 'app:0001');
  return {
    truthMs: run.groundTruth?.writerRecoveryMs ?? 0,
    nodesMs: m('nodes:0001').downtimeMs ?? 0,
    appMs: m('app:0001').downtimeMs ?? 0,
    clientLagMs: (m('app:0001').firstNewWriterSeenMs ?? 0) - (m('nodes:0001').firstNewWriterSeenMs ?? 0),
    otherShardsFailed: others.reduce((n, x) => n + x.failed, 0),
    lost: run.writes.lost ?? -1,
  };
}

const columns = ['truthMs', 'nodesMs', 'appMs', 'clientLagMs', 'otherShardsFailed', 'lost'];
console.log(`drill memorydb against the lab (fast timing), medians of ${runs} runs`);
console.log(['case', ...columns].map((c, i) => (i === 0 ? c.padEnd(26) : c.padStart(18))).join(''));
for (const shards of [3, 2]) {
  const stateDir = mkdtempSync(join(tmpdir(), 'drill-bench-mdrill-'));
  const first = shards === 3 ? 150 : 160;
  drill(
    ['lab', 'up', '--detach', '--state-dir', stateDir, '--first-address', '241', '--memorydb'].concat(
      ['--shards', String(shards), '--memorydb-first-address', String(first)],
      ['--api-port', String(await freePort()), '--dns-port', String(await freePort())],
    ),
  );
  try {
    for (const fault of ['failover-shard', 'kill']) {
      const results = [];
      for (let i = 0; i < runs; i++) results.push(await once(stateDir, fault, shards));
      const median = (k) => results.map((x) => x[k]).sort((a, b) => a - b)[Math.floor(results.length / 2)];
      const cell = (c) => (c.endsWith('Ms') ? `${Math.round(median(c))} ms` : String(median(c)));
      console.log(
        [`${shards} shards, ${fault}`.padEnd(26), ...columns.map((c) => cell(c).padStart(18))].join(''),
      );
    }
  } finally {
    drill(['lab', 'down', '--state-dir', stateDir]);
    rmSync(stateDir, { recursive: true, force: true });
  }
}
