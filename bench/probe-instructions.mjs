// What does a probe cost, counted in instructions rather than seconds? The same comparison as
// bench/probe-cost.mjs (a monitor mode of `drill aurora` beside bench/probe-bare.mjs, the same work done as
// plainly as an application would), each run under valgrind's callgrind. Callgrind counts the instructions a
// process executes: the same for the same code and work whatever else the machine is doing, where CPU seconds on
// a shared 2-core machine scatter by ±10% from round to round, more than the differences measured here.
// Instrumentation is off while the processes start; after `warm` seconds each process collects its garbage (a full
// collection, bench/collect-on-signal.cjs), instrumentation goes on, and `window` seconds later the count is
// dumped; then the process collects twice more, each dumped apart. The first of those collects what the window
// left; the second, on a heap with nothing left to collect, costs what marking the live heap costs, which is not
// the probes' doing (the drill has more code, so more live heap). A probe's cost is (window + first - second) /
// probes: every process pays for its own garbage once, whether or not V8 happened to collect inside the window.
// Probes run every 200 ms (under callgrind a probe takes tens of times longer; at 100 ms slots would be skipped),
// and are counted as due in the window; a process that ran fewer over its whole run than were due is reported.
// The drill writes no history (the bare loop writes nothing either); `PROBE_HISTORY=1` makes it stream one.
// Usage: npm run build && [MODES=proxy,pool] node bench/probe-instructions.mjs [window-seconds] [first-address]
// Needs valgrind (Debian's valgrind). The lab uses 127.0.0.204 and up (proxy .203) by default, as probe-cost does;
// PROBE_LAB_STATE_DIR=DIR uses a running lab instead. DRILL_BEFORE=/other/bin/drill.js also counts another build.
// PROBE_FLAGS='--single-threaded ...' passes V8 flags to every process counted.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { probeLab } from './probe-lab.mjs';

const windowS = Number(process.argv[2] ?? 120);
const first = String(process.argv[3] ?? 204);
const warmS = 40;
const intervalMs = 200;
// Proxy and pool by default: the modes with long-lived connections, where the drill's own work per probe shows most.
const modes = process.env.MODES?.split(',') ?? ['proxy', 'pool'];
const drill = fileURLToPath(new URL('../bin/drill.js', import.meta.url));
const bare = fileURLToPath(new URL('./probe-bare.mjs', import.meta.url));
const collector = fileURLToPath(new URL('./collect-on-signal.cjs', import.meta.url));
const before = process.env.DRILL_BEFORE;
const flags = process.env.PROBE_FLAGS?.split(' ').filter(Boolean) ?? [];
try {
  execFileSync('valgrind', ['--version']);
} catch {
  console.error('probe-instructions needs valgrind: apt-get install valgrind');
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), 'drill-bench-instr-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Every process started, killed at the end whatever happened. */
const children = [];

/** The instructions (Ir) callgrind counted in a dump file. */
function instructions(file) {
  // A thread that ran nothing while instrumented leaves a file without totals.
  const m = /^totals: (\d+)/m.exec(readFileSync(file, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** Asks the process for a full collection (collect-on-signal.cjs) and waits until it says it is done. */
function collect(child) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.stderr.off('data', seen);
      reject(new Error('no answer to SIGURG within 120 s: is bench/collect-on-signal.cjs preloaded?'));
    }, 120_000);
    function seen(d) {
      if (!/collected \d+/.test(String(d))) return;
      clearTimeout(timer);
      child.stderr.off('data', seen);
      resolve();
    }
    child.stderr.on('data', seen);
    child.kill('SIGURG');
  });
}

/**
 * Runs `argv` under callgrind and counts, per thread, the instructions of the window and of the two collections
 * after it (see the top), divided by the probes due. `probesAt(child)` says how many probes the process has
 * finished, to check that it kept up (undefined: not known). Returns instructions per probe on the main thread
 * and on all threads.
 */
async function count(name, argv, env, probesAt) {
  const out = join(work, name);
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--instr-atstart=no',
      '--separate-threads=yes',
      `--callgrind-out-file=${out}.%p`,
    ].concat([process.execPath, ...flags, '--expose-gc', '--require', collector, ...argv]),
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let stdout = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', () => {});
  const exited = new Promise((r) => child.once('exit', r));
  const control = (...args) =>
    execFileSync('callgrind_control', [...args, String(child.pid)], { stdio: 'ignore' });
  await sleep(warmS * 1000);
  if (child.exitCode !== null) throw new Error(`${name} exited early: ${stdout}`);
  await collect(child);
  control('-i', 'on');
  const probesFrom = await probesAt(child);
  await sleep(windowS * 1000);
  control('-d'); // dump 1: the window
  const probesTo = await probesAt(child);
  await collect(child);
  control('-d'); // dump 2: collecting what the window left
  await collect(child);
  control('-d'); // dump 3: collecting nothing, marking the live heap
  control('-i', 'off');
  child.kill('SIGINT');
  await exited;
  // Both sides are divided by the probes due; a process that finished fewer in the window is reported.
  const probes = (windowS * 1000) / intervalMs;
  if (probesTo !== undefined && probesTo - probesFrom < probes * 0.98)
    console.log(`${name}: ${probesTo - probesFrom} probes finished of ${probes} due in the window`);
  // Files are NAME.PID.DUMP-THREAD; thread 01 runs the JavaScript, V8's other threads mark and compile.
  const dumps = readdirSync(work).flatMap((f) => {
    const m = new RegExp(`^${name}\\.\\d+\\.(\\d)-(\\d+)$`).exec(f);
    return m ? [{ dump: Number(m[1]), main: m[2] === '01', ir: instructions(join(work, f)) }] : [];
  });
  const sum = (dump, mainOnly) =>
    dumps.filter((d) => d.dump === dump && (d.main || !mainOnly)).reduce((a, d) => a + d.ir, 0);
  const perProbe = (mainOnly) => ({
    window: sum(1, mainOnly) / probes,
    paid: (sum(1, mainOnly) + sum(2, mainOnly) - sum(3, mainOnly)) / probes,
  });
  return { main: perProbe(true), all: perProbe(false), probes, liveMarkIr: sum(3, false), stdout };
}

const { target, password, dnsPort, down } = probeLab(first);
try {
  const rows = [];
  for (const mode of modes) {
    const who = before ? ['drill', 'bare', 'before'] : ['drill', 'bare'];
    const results = await Promise.all(
      who.map(async (w, i) => {
        await sleep(i * 67);
        if (w === 'bare') {
          // Asked on SIGUSR2: the bare loop prints how many probes it has finished.
          return count(
            `${mode}-bare`,
            [bare, mode, String(warmS + windowS + 60)],
            {
              PROBE_TARGET: JSON.stringify(target),
              PROBE_INTERVAL_MS: String(intervalMs),
            },
            (child) => {
              const answer = new Promise((resolve) => {
                const seen = (d) => {
                  const m = /probes so far: (\d+)/.exec(String(d));
                  if (m) {
                    child.stdout.off('data', seen);
                    resolve(Number(m[1]));
                  }
                };
                child.stdout.on('data', seen);
              });
              child.kill('SIGUSR2');
              return answer;
            },
          );
        }
        const bin = w === 'before' ? before : drill;
        const report = join(work, `${mode}-${w}.json`);
        const history = join(work, `${mode}-${w}.ndjson`);
        const argv = [
          bin,
          'aurora',
          '-e',
          mode === 'proxy' ? target.proxy : target.cluster,
          '-u',
          target.user,
        ]
          .concat(['--dns-server', `127.0.0.1:${dnsPort}`, '--mode', mode, '--interval', `${intervalMs}ms`])
          .concat(['--no-color', '--no-events', '--duration', `${warmS + windowS + 60}s`, '--report', report])
          .concat(process.env.PROBE_HISTORY === '1' ? ['--history', history] : []);
        // Counted as due; the report says how many of the whole run's slots were probed.
        const r = await count(`${mode}-${w}`, argv, { DRILL_PASSWORD: password }, () => undefined);
        const run = JSON.parse(readFileSync(report, 'utf8')).runs[0];
        const probed = run.monitors[0].probes;
        const due = run.elapsedMs / intervalMs;
        // Start-up and the collections take a few slots (97% is usual); fewer means probes were skipped.
        if (probed < due * 0.95) console.log(`${mode} ${w}: ${probed} probes of ${Math.round(due)} due`);
        return r;
      }),
    );
    who.forEach((w, i) => {
      const r = results[i];
      const m = (x) => (x / 1e6).toFixed(3);
      console.log(
        `${mode.padEnd(7)} ${w.padEnd(6)} ${r.probes} probes, M instructions per probe: main thread ${m(r.main.window)} in the window, ${m(r.main.paid)} with its garbage; all threads ${m(r.all.window)}, ${m(r.all.paid)}; marking the live heap once: ${m(r.liveMarkIr)} M`,
      );
      rows.push({ mode, who: w, ...r });
    });
  }
  const cols = before ? ['drill', 'bare', 'before'] : ['drill', 'bare'];
  console.log(
    `\n| mode | threads | counted | ${cols.join(' | ')} (M instructions per probe) | drill / bare |${before ? ' before / bare |' : ''}`,
  );
  console.log(`| --- | --- | --- | ${cols.map(() => '---').join(' | ')} | --- |${before ? ' --- |' : ''}`);
  for (const mode of modes) {
    for (const threads of ['main', 'all']) {
      for (const counted of ['window', 'paid']) {
        const of = (w) => rows.find((r) => r.mode === mode && r.who === w)?.[threads][counted] ?? Number.NaN;
        const cells = cols.map((w) => (of(w) / 1e6).toFixed(3));
        const ratio = (w) => (of(w) / of('bare')).toFixed(2);
        const label = counted === 'window' ? 'window only' : 'with its garbage';
        console.log(
          `| ${mode} | ${threads} | ${label} | ${cells.join(' | ')} | ${ratio('drill')} |${before ? ` ${ratio('before')} |` : ''}`,
        );
      }
    }
  }
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  down();
  // PROBE_KEEP=DIR keeps the dumps (callgrind_annotate reads them) and the drills' reports.
  if (process.env.PROBE_KEEP) cpSync(work, process.env.PROBE_KEEP, { recursive: true });
  rmSync(work, { recursive: true, force: true });
}
