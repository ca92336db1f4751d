// What does a probe cost? Each monitor mode of `drill aurora` at 10 Hz against a lab, beside a bare mysql2 loop
// doing the same work at the same rate (bench/probe-bare.mjs: same lookups through the lab's DNS, same
// connections, same statements), running at the same time, in rounds that alternate their start order. CPU is read from /proc between the 15th second and the
// end and divided by the probes due in that time; RSS is the resident size at the end. The first 15 s are
// start-up, printed apart: loading the code, and V8's memory reducer, which compacts the heap twice about 8 s
// after start — a one-off that costs more the more code a process loaded, and that a window from the 5th second
// counted as if every probe paid it.
// `soak [minutes]` instead runs one drill with modes simple, aware and pool (proxy needs its own endpoint) for 10 minutes (or the minutes given), samples its RSS
// every 10 s and prints the slope after the first minute, and the live JS heap after each full collection
// (--trace-gc) with its slope: a leak shows as a steady climb of the live heap, not as the RSS's sawtooth.
// Usage: npm run build && [MODES=proxy,pool] [PROBE_EVENTS=1] node bench/probe-cost.mjs [rounds] [seconds] [first-address]
//        npm run build && node bench/probe-cost.mjs soak [minutes] [first-address]
// The lab uses 127.0.0.204 and up (proxy .203) by default; it is stopped and removed at the end.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { probeLab } from './probe-lab.mjs';

const soak = process.argv[2] === 'soak';
const args = soak ? process.argv.slice(3) : process.argv.slice(2);
const rounds = soak ? 1 : Number(args[0] ?? 2);
const seconds = soak ? Number(args[0] ?? 10) * 60 : Number(args[1] ?? 45);
const first = String((soak ? args[1] : args[2]) ?? 204);
const warmupS = soak ? 60 : 15;
// MODES=proxy,pool measures only those.
const modes = process.env.MODES?.split(',') ?? ['simple', 'aware', 'proxy', 'pool'];
const drill = fileURLToPath(new URL('../bin/drill.js', import.meta.url));
const bare = fileURLToPath(new URL('./probe-bare.mjs', import.meta.url));
// DRILL_BEFORE=/other/checkout/bin/drill.js also measures another build of the drill in the same rounds: a change's
// before and after side by side, on the same machine at the same time.
const before = process.env.DRILL_BEFORE;
// PROBE_LAB_STATE_DIR=DIR uses a lab already running there (kept at the end) instead of starting one (probe-lab.mjs).

/**
 * CPU seconds and resident MB of a process, from /proc. CPU is the time its threads ran (schedstat, in ns): the
 * user + system ticks of /proc/PID/stat count in 10 ms steps: 0.11 ms a probe over a window of 90 probes,
 * 7% of a probe on a kept connection.
 */
function usage(pid) {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  const cpu = ns / 1e9;
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
  return { cpu, rss };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs `argv` for `seconds`, sampling it; resolves with CPU ms per probe (10 a second) and RSS samples. */
async function measure(argv, env) {
  // In a soak, V8 says what survives each full collection (--trace-gc): the live heap, apart from the RSS.
  const child = spawn(process.execPath, soak ? ['--trace-gc', ...argv] : argv, {
    env: { ...process.env, ...env },
    stdio: ['ignore', soak ? 'pipe' : 'ignore', 'pipe'],
  });
  const live = [];
  let pending = '';
  child.stdout?.on('data', (d) => {
    const lines = (pending + d).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const m = /\s(\d+) ms: Mark-Compact [\d.]+ \([\d.]+\) -> ([\d.]+) \(/.exec(line);
      if (m) live.push({ at: Number(m[1]) / 1000, mb: Number(m[2]) });
    }
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const exited = new Promise((r) => child.once('exit', r));
  const samples = [];
  await sleep(warmupS * 1000);
  const from = { at: performance.now(), ...usage(child.pid) };
  const every = soak ? 10_000 : 1000;
  while ((performance.now() - from.at) / 1000 < seconds - warmupS - 1.5) {
    await sleep(every);
    if (child.exitCode !== null) throw new Error(`exited early: ${stderr}`);
    samples.push({ at: (performance.now() - from.at) / 1000, ...usage(child.pid) });
  }
  const to = samples.at(-1);
  child.kill('SIGINT');
  await exited;
  const probes = to.at * 10;
  return {
    cpuMsPerProbe: ((to.cpu - from.cpu) * 1000) / probes,
    startupCpuMs: from.cpu * 1000,
    rss: to.rss,
    samples,
    live,
  };
}

const { target, password, dnsPort, down } = probeLab(first);
try {
  // The drill as a user points it at any cluster (-e, --dns-server), not with --lab-state-dir: then it would also
  // follow the lab's ground truth. A cluster endpoint names its cluster, so the drill would follow its RDS events
  // (the AWS SDK loaded, a call every 2 s): work the bare loop does not do, so off (--no-events) unless
  // PROBE_EVENTS=1, which measures what following them adds (see docs/benchmarks.md).
  const events = process.env.PROBE_EVENTS === '1' ? [] : ['--no-events'];
  const drillArgs = (mode, bin = drill) =>
    [bin, 'aurora', '-e', mode === 'proxy' ? target.proxy : target.cluster, '-u', target.user]
      .concat(['--dns-server', `127.0.0.1:${dnsPort}`, '--mode', mode, '--interval', '100ms', '--no-color'])
      .concat(['--duration', `${seconds}s`, ...events]);
  const drillEnv = { DRILL_PASSWORD: password };
  if (soak) {
    const r = await measure(drillArgs(modes.filter((m) => m !== 'proxy').join(',')), drillEnv);
    const slope = (points) => {
      const mx = points.reduce((a, p) => a + p[0], 0) / points.length;
      const my = points.reduce((a, p) => a + p[1], 0) / points.length;
      const k =
        points.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0) /
        points.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
      return { k, my };
    };
    const ys = r.samples.map((s) => s.rss);
    const rss = slope(r.samples.map((s) => [s.at / 60, s.rss]));
    const heap = slope(r.live.filter((l) => l.at > warmupS).map((l) => [l.at / 60, l.mb]));
    console.log(`soak: drill aurora --mode simple,aware,pool --interval 100ms for ${seconds / 60} min`);
    console.log(
      `RSS after the first minute: ${Math.min(...ys).toFixed(1)}-${Math.max(...ys).toFixed(1)} MB over ${ys.length} samples, slope ${rss.k.toFixed(2)} MB/min`,
    );
    const minutes = [];
    for (const s of r.samples) {
      const m = Math.floor(s.at / 60);
      minutes[m] = [...(minutes[m] ?? []), s.rss];
    }
    console.log(
      `RSS by minute after the first (median): ${minutes.map((m) => m.sort((a, b) => a - b)[m.length >> 1].toFixed(0)).join(' ')} MB`,
    );
    console.log(
      `live JS heap after each full GC (${r.live.length}): ${r.live[0]?.mb} -> ${r.live.at(-1)?.mb} MB, slope ${heap.k.toFixed(2)} MB/min`,
    );
    console.log(`CPU: ${r.cpuMsPerProbe.toFixed(3)} ms per 100 ms slot (3 monitors)`);
  } else {
    const results = Object.fromEntries(modes.map((m) => [m, { drill: [], bare: [], before: [] }]));
    for (let round = 0; round < rounds; round++) {
      for (const mode of modes) {
        // Side by side, at the same time: on a shared machine, load from elsewhere comes and goes within a
        // round, and processes run one after another would each meet a different share of it. Their starts are a
        // third of an interval apart, so their probes do not meet at the lab.
        const who = before ? ['drill', 'bare', 'before'] : ['drill', 'bare'];
        if (round % 2 === 1) who.reverse();
        const rs = await Promise.all(
          who.map(async (w, i) => {
            await sleep(i * 33);
            return w === 'bare'
              ? measure([bare, mode, String(seconds)], { PROBE_TARGET: JSON.stringify(target) })
              : measure(drillArgs(mode, w === 'before' ? before : drill), drillEnv);
          }),
        );
        who.forEach((w, i) => {
          const r = rs[i];
          results[mode][w].push(r);
          console.log(
            `round ${round + 1} ${mode.padEnd(7)} ${w.padEnd(6)} ${r.cpuMsPerProbe.toFixed(3)} ms CPU/probe, RSS ${r.rss.toFixed(1)} MB, start-up ${r.startupCpuMs.toFixed(0)} ms CPU`,
          );
        });
      }
    }
    const median = (xs) => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    };
    // Each round's drill over the bare loop beside it: they ran at the same time, so whatever else the machine
    // did that round weighs on both sides of the ratio, where the ratio of medians takes them from different rounds.
    const paired = (mode, w) =>
      median(results[mode][w].map((r, i) => r.cpuMsPerProbe / results[mode].bare[i].cpuMsPerProbe)).toFixed(
        2,
      );
    console.log(
      '\n| mode | drill CPU/probe | bare CPU/probe | ratio | paired ratio | drill RSS | bare RSS | ratio | start-up CPU drill / bare |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const mode of modes) {
      const d = results[mode].drill;
      const b = results[mode].bare;
      const [dc, bc] = [median(d.map((r) => r.cpuMsPerProbe)), median(b.map((r) => r.cpuMsPerProbe))];
      const [dr, br] = [median(d.map((r) => r.rss)), median(b.map((r) => r.rss))];
      const [ds, bs] = [median(d.map((r) => r.startupCpuMs)), median(b.map((r) => r.startupCpuMs))];
      const range = (rs) => {
        const xs = rs.map((r) => r.cpuMsPerProbe);
        return `${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)}`;
      };
      if (before) {
        const bf = median(results[mode].before.map((r) => r.cpuMsPerProbe));
        console.log(
          `| ${mode} (before) | ${bf.toFixed(3)} ms (${range(results[mode].before)}) | ${bc.toFixed(3)} ms | ${(bf / bc).toFixed(2)} | ${paired(mode, 'before')} | | | | |`,
        );
      }
      console.log(
        `| ${mode} | ${dc.toFixed(3)} ms (${range(d)}) | ${bc.toFixed(3)} ms (${range(b)}) | ${(dc / bc).toFixed(2)} | ${paired(mode, 'drill')} | ${dr.toFixed(1)} MB | ${br.toFixed(1)} MB | ${(dr / br).toFixed(2)} | ${ds.toFixed(0)} / ${bs.toFixed(0)} ms |`,
      );
    }
  }
} finally {
  down();
}
