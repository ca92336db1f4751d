// What does a long `--load` drill cost in memory? Two parts, each case in its own process (--expose-gc):
// 1. Folding synthetic one-second load windows (800 reads + 200 writes, a failover after the first half hour) for 1 h,
//    24 h and a week: the old way (every window kept, as the history's records did, and the figures computed from
//    the whole list at the end: test/support/load-reference.ts) against the fold (src/core/load/figures.ts). Prints
//    the live heap after a full collection once every window is in, against before the first, and peak RSS.
// 2. `drill report --json` of a ~200 MB history (50 h of probes every 250 ms and load windows every second,
//    test/support/long-history.ts), with this checkout's bin/drill.js and, given one, an older build's (BEFORE):
//    peak RSS and wall time.
// Usage: npm run build && node bench/load-fold.mjs [BEFORE=/path/to/old/bin/drill.js] [MB=200]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const dist = new URL('../dist/', import.meta.url);
const drill = fileURLToPath(new URL('../bin/drill.js', import.meta.url));
const arg = (name) => process.argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);

if (process.argv[2] === 'fold') {
  await foldCase(process.argv[3], Number(process.argv[4]));
} else {
  await main();
}

async function foldCase(way, seconds) {
  const { synthWindow, loadStart, loadStop } = await import(new URL('test/support/load-drills.js', dist));
  const { referenceLoadFigures } = await import(new URL('test/support/load-reference.js', dist));
  const { LoadFold } = await import(new URL('src/core/load/figures.js', dist));
  const trigger = { kind: 'trigger', t: 1_800_000, at: '', trigger: 'failover', step: 'requested' };
  const window = (i) => {
    const down = i >= 1800 && i < 1820;
    return synthWindow(i * 1000, 1000, down ? 0 : 800, down ? 0 : 200, down ? 50 : 0);
  };
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const started = performance.now();
  let figures;
  let heldMb;
  let error = null;
  if (way === 'old') {
    const records = [loadStart(0), trigger];
    for (let i = 0; i < seconds; i++) records.push(window(i));
    records.push(loadStop(seconds * 1000));
    gc();
    heldMb = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
    try {
      figures = referenceLoadFigures(records, trigger.t);
    } catch (err) {
      error = `${err.constructor.name}: ${err.message}`;
    }
  } else {
    const fold = new LoadFold();
    fold.add(loadStart(0));
    fold.add(trigger);
    for (let i = 0; i < seconds; i++) fold.add(window(i));
    fold.add(loadStop(seconds * 1000));
    gc();
    heldMb = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
    figures = fold.figures();
  }
  const ms = performance.now() - started;
  const rssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(
    `${JSON.stringify({ heldMb, rssMb, ms, error, recoveredMs: figures?.recoveredMs ?? null, points: figures?.timeline.length ?? null })}\n`,
  );
}

function run(args, opts = {}) {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20, ...opts });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r;
}

async function main() {
  const fmt = (n, d = 1) => (n === null || n === undefined ? '-' : n.toFixed(d));
  console.log(
    'Folding synthetic one-second windows (live heap held once all are in, after a full GC; peak RSS)',
  );
  console.log('| drill  | windows | way  | heap held | peak RSS | time     | note |');
  console.log('| ------ | ------- | ---- | --------- | -------- | -------- | ---- |');
  for (const [label, seconds] of [
    ['1 h', 3600],
    ['24 h', 86_400],
    ['a week', 604_800],
  ]) {
    for (const way of ['old', 'fold']) {
      const r = run(['--expose-gc', '--max-old-space-size=4096', here, 'fold', way, String(seconds)]);
      const o = JSON.parse(r.stdout);
      const note = o.error ?? `recovered ${o.recoveredMs} ms, ${o.points} points`;
      console.log(
        `| ${label.padEnd(6)} | ${String(seconds).padStart(7)} | ${way.padEnd(4)} | ${fmt(o.heldMb, 2).padStart(6)} MB | ${fmt(o.rssMb, 0).padStart(5)} MB | ${fmt(o.ms, 0).padStart(6)} ms | ${note} |`,
      );
    }
  }

  const mb = Number(arg('MB') ?? 200);
  const dir = mkdtempSync(join(tmpdir(), 'drill-bench-load-fold-'));
  try {
    const { writeLongHistory } = await import(new URL('test/support/long-history.js', dist));
    const history = join(dir, 'long.ndjson');
    // About 1.1 KB a second of drill.
    writeLongHistory(history, Math.round((mb * 1e6) / 1102));
    const size = statSync(history).size / 1e6;
    console.log(`\n\`drill report --json\` of a ${size.toFixed(0)} MB history (peak RSS, wall time)`);
    console.log('| build  | peak RSS | wall time | exit |');
    console.log('| ------ | -------- | --------- | ---- |');
    const peak =
      'data:text/javascript,process.on("exit",()=>process.stderr.write("maxrss "+process.resourceUsage().maxRSS+"\\n"))';
    const builds = [['after', drill]];
    const before = arg('BEFORE');
    if (before) builds.unshift(['before', before]);
    for (const [label, bin] of builds) {
      const started = performance.now();
      const r = spawnSync(
        process.execPath,
        ['--import', peak, bin, 'report', history, '--json', '--no-step-summary'],
        {
          encoding: 'utf8',
          maxBuffer: 64 * 2 ** 20,
        },
      );
      const ms = performance.now() - started;
      const rss = Number(/maxrss (\d+)/.exec(r.stderr)?.[1] ?? Number.NaN) / 1024;
      console.log(
        `| ${label.padEnd(6)} | ${fmt(rss, 0).padStart(5)} MB | ${fmt(ms / 1000, 1).padStart(7)} s | ${r.status} |`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
