// What does a probe cost, counted in instructions rather than seconds? The same comparison as
// bench/probe-cost.mjs (a monitor mode of `drill aurora` beside bench/probe-bare.mjs, the same work done as
// plainly as an application would), each run under valgrind's callgrind. Callgrind counts the instructions a
// process executes: the same for the same code and work whatever else the machine is doing, where CPU seconds on
// a shared 2-core machine scatter by ±10% from round to round, more than the differences measured here.
// Instrumentation is off while the processes start; it is switched on after `warm` seconds and the counts are
// dumped `window` seconds later, then divided by the probes each finished in between (the drill's from its
// history file, the bare loop's from what it prints on SIGUSR2). Probes run every 200 ms: under callgrind a probe
// takes tens of times longer, and at 100 ms slots would be skipped.
// Usage: npm run build && [MODES=proxy,pool] node bench/probe-instructions.mjs [window-seconds] [first-address]
// Needs valgrind (Debian's valgrind). The lab uses 127.0.0.204 and up (proxy .203) by default, as probe-cost does;
// PROBE_LAB_STATE_DIR=DIR uses a running lab instead. DRILL_BEFORE=/other/bin/drill.js also counts another build.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
const before = process.env.DRILL_BEFORE;
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

/**
 * Runs `argv` under callgrind; counts instructions and probes over the window. `probesAt(child, at)` says how
 * many probes the process had finished at wall time `at` (now).
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
    ].concat([process.execPath, ...argv]),
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let stdout = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', () => {});
  const exited = new Promise((r) => child.once('exit', r));
  await sleep(warmS * 1000);
  if (child.exitCode !== null) throw new Error(`${name} exited early: ${stdout}`);
  const from = Date.now();
  execFileSync('callgrind_control', ['-i', 'on', String(child.pid)], { stdio: 'ignore' });
  const probesFrom = await probesAt(child, from);
  await sleep(windowS * 1000);
  execFileSync('callgrind_control', ['-i', 'off', String(child.pid)], { stdio: 'ignore' });
  const to = Date.now();
  execFileSync('callgrind_control', ['-d', String(child.pid)], { stdio: 'ignore' });
  const probes = (await probesAt(child, to)) - probesFrom;
  child.kill('SIGINT');
  await exited;
  // The window's dump, and the one at exit (instrumentation was off by then: next to nothing), per thread. The
  // main thread runs the JavaScript; V8's other threads mark the old generation and compile, and a major
  // collection falls in a window or not: their share varies from run to run of the same build.
  const dumps = readdirSync(work).filter((f) => f.startsWith(`${name}.`) && !f.endsWith('.ndjson'));
  const sum = (files) => files.reduce((a, f) => a + instructions(join(work, f)), 0);
  return { main: sum(dumps.filter((f) => f.endsWith('-01'))), ir: sum(dumps), probes };
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
        const history = join(work, `${mode}-${w}.ndjson`);
        const bin = w === 'before' ? before : drill;
        const argv = [
          bin,
          'aurora',
          '-e',
          mode === 'proxy' ? target.proxy : target.cluster,
          '-u',
          target.user,
        ]
          .concat(['--dns-server', `127.0.0.1:${dnsPort}`, '--mode', mode, '--interval', `${intervalMs}ms`])
          .concat([
            '--no-color',
            '--no-events',
            '--duration',
            `${warmS + windowS + 60}s`,
            '--history',
            history,
          ]);
        // The drill's probes that ended inside the window, from its history (each has its wall time).
        return count(`${mode}-${w}`, argv, { DRILL_PASSWORD: password }, (_child, at) => {
          let n = 0;
          for (const line of readFileSync(history, 'utf8').split('\n')) {
            if (!line.includes('"kind":"observation"')) continue;
            const r = JSON.parse(line);
            if (Date.parse(r.at) + (r.t1 - r.t0) <= at) n++;
          }
          return n;
        });
      }),
    );
    who.forEach((w, i) => {
      const r = results[i];
      const [main, all] = [r.main / r.probes, r.ir / r.probes];
      console.log(
        `${mode.padEnd(7)} ${w.padEnd(6)} ${r.probes} probes: ${(main / 1e6).toFixed(3)} M instructions per probe on the main thread, ${(all / 1e6).toFixed(3)} M on all threads`,
      );
      rows.push({ mode, who: w, main, all });
    });
  }
  const cols = before ? ['drill', 'bare', 'before'] : ['drill', 'bare'];
  console.log(
    `\n| mode | threads | ${cols.join(' | ')} (M instructions per probe) | drill / bare |${before ? ' before / bare |' : ''}`,
  );
  console.log(`| --- | --- | ${cols.map(() => '---').join(' | ')} | --- |${before ? ' --- |' : ''}`);
  for (const mode of modes) {
    for (const k of ['main', 'all']) {
      const of = (w) => rows.find((r) => r.mode === mode && r.who === w)?.[k] ?? Number.NaN;
      const cells = cols.map((w) => (of(w) / 1e6).toFixed(3));
      const ratio = (w) => (of(w) / of('bare')).toFixed(2);
      console.log(
        `| ${mode} | ${k} | ${cells.join(' | ')} | ${ratio('drill')} |${before ? ` ${ratio('before')} |` : ''}`,
      );
    }
  }
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  down();
  rmSync(work, { recursive: true, force: true });
}
