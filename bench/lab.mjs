// Lab start-up time and failover/crash ground-truth durations, for both timing profiles, measured in one run.
// Usage: npm run build && node bench/lab.mjs [runs per profile]
// Instances use 127.0.0.81 and up; nothing of the machine's own servers is touched.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { Lab } from '../dist/src/lab/lab.js';
import { freePort } from '../dist/src/lab/ports.js';
import { printMedians } from './medians.mjs';

const runs = Number(process.argv[2] ?? 2);
const since = (records, from, kind, instance) =>
  Date.parse(records.find((r) => r.kind === kind && (!instance || r.instance === instance))?.at ?? 'x') -
  Date.parse(from.at);

async function once(timing) {
  const stateDir = mkdtempSync(join(tmpdir(), 'drill-bench-lab-'));
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
    firstAddress: 81,
  });
  const startMs = performance.now() - t0;
  try {
    const truth = () =>
      readFileSync(join(stateDir, 'ground-truth.ndjson'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    let mark = truth().length;
    lab.cluster.failover();
    await lab.cluster.settled();
    const f = truth().slice(mark);
    const started = f.find((r) => r.kind === 'failover-started');
    const stopped = f.find((r) => r.kind === 'writes-stopped');
    const failover = {
      writesUnavailableMs: since(f, stopped, 'writes-accepted'),
      newWriterUpMs: since(f, started, 'instance-up', started.to),
      dnsMovedMs: since(
        f.filter((r) => r.name === 'cluster' || r.kind !== 'dns'),
        started,
        'dns',
      ),
      completedMs: since(f, started, 'failover-completed'),
    };
    mark = truth().length;
    const writer = lab.cluster.writer;
    const c = await mysql.createConnection({ host: writer.address, user: 'admin', password: lab.password });
    await c.query('ALTER SYSTEM CRASH INSTANCE').catch(() => {});
    c.destroy();
    const until = Date.now() + 30_000;
    while (
      Date.now() < until &&
      !truth()
        .slice(mark)
        .some((r) => r.kind === 'instance-up')
    ) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const k = truth().slice(mark);
    const down = k.find((r) => r.kind === 'instance-down');
    return { startMs, ...failover, crashDownMs: since(k, down, 'instance-up') };
  } finally {
    await lab.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

const columns = [
  'startMs',
  'writesUnavailableMs',
  'newWriterUpMs',
  'dnsMovedMs',
  'completedMs',
  'crashDownMs',
];
await printMedians(
  `lab figures, ${runs} run(s) per profile (median), ground truth timestamps`,
  columns,
  runs,
  once,
);
