// Does `--load` distort the monitors? The same lab failover, drilled without load and with `--load 8`, side by
// side: how late each probe started against its schedule, and how far the measured downtime is from the lab's
// ground truth. The load runs in a worker thread so that its driver work cannot delay the probes' timers.
// Usage: npm run build && node bench/load-distortion.mjs [runs-per-variant] [workers] [first-address]
// The lab uses 127.0.0.104 and up (or first-address and up, its proxy just below); it is stopped and removed at
// the end.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 3);
const workers = String(process.argv[3] ?? 8);
const intervalMs = 250;
const drill = fileURLToPath(new URL('../bin/drill.js', import.meta.url));
const stateDir = mkdtempSync(join(tmpdir(), 'drill-bench-load-'));
const first = String(process.argv[4] ?? 104);
// Ports of its own for another block of addresses, so two runs on one machine do not collide.
const [dnsPort, apiPort] = first === '104' ? ['10254', '10281'] : [`${11000 + +first}`, `${11300 + +first}`];
const lab = ['--state-dir', stateDir, '--first-address', first, '--dns-port', dnsPort, '--api-port', apiPort];

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] : null;
};

/** The probes of `monitor` in a history file. */
function observations(historyFile, monitor) {
  return readFileSync(historyFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((r) => r.kind === 'observation' && r.monitor === monitor);
}

/**
 * How far each probe of `monitor` started from its schedule: the time since the previous probe's start, off a
 * whole number of intervals (robust to skipped slots and to the scheduler re-timing itself at the trigger).
 */
function lateness(historyFile, monitor) {
  const starts = observations(historyFile, monitor).map((r) => r.t0);
  return starts.slice(1).map((t, i) => {
    const off = (t - starts[i]) % intervalMs;
    return Math.min(off, intervalMs - off);
  });
}

execFileSync(process.execPath, [drill, 'lab', 'up', '--detach', ...lab]);
const results = { none: [], load: [] };
try {
  for (let i = 0; i < runs; i++) {
    for (const variant of ['none', 'load']) {
      const historyFile = join(stateDir, `${variant}-${i}.ndjson`);
      const args = ['aurora', '--lab-state-dir', stateDir, '--trigger', 'failover', '--at', '3s'];
      args.push('--until-recovered', '--settle', '3s', '--json', '--no-color', '--history', historyFile);
      if (variant === 'load') args.push('--load', workers, '--cleanup');
      const r = spawnSync(process.execPath, [drill, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
      if (r.status !== 0)
        throw new Error(`drill exited ${r.status}: ${r.stderr.split('\n').slice(-3).join(' ')}`);
      const run = JSON.parse(r.stdout).runs[0];
      const g = run.groundTruth;
      const truth = Math.max(g.writerUpMs, g.dnsSwitchedMs ?? 0) - g.writerDownMs;
      // The error's two ends: when the first bad probe started against the writer going down, and when the
      // first good one ended against the writer being back; the latter includes that probe's own latency (a new
      // connection and the writer check), which is what a client waits for, load or not.
      // The failover's outage: the first that ended after the trigger (an earlier blip is not it).
      const outage = run.monitors[0].outages.find(
        (o) => o.endMs !== null && o.endMs >= run.trigger.requestedAtMs,
      );
      const back = Math.max(g.writerUpMs, g.dnsSwitchedMs ?? 0);
      // The report rounds endMs to a tenth of a millisecond; the history keeps t1 whole.
      const firstGood =
        outage && observations(historyFile, 'simple').find((o) => Math.abs(o.t1 - outage.endMs) < 0.1);
      results[variant].push({
        late: lateness(historyFile, 'simple'),
        error: run.monitors[0].downtimeMs - truth,
        startOff: outage ? outage.startMs - g.writerDownMs : null,
        endOff: outage ? outage.endMs - back : null,
        firstGoodMs: firstGood ? firstGood.t1 - firstGood.t0 : null,
        loopP99: run.load?.loopDelayMs?.p99 ?? null,
        ops: run.load ? run.load.before.opsPerSec : null,
      });
      await new Promise((res) => setTimeout(res, 2000)); // the old writer rejoins before the next run
    }
  }
} finally {
  execFileSync(process.execPath, [drill, 'lab', 'down', '--state-dir', stateDir]);
  rmSync(stateDir, { recursive: true, force: true });
}

const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
/** Mean ± standard deviation: how much a figure moves from run to run, not only where it sits. */
const meanSd = (xs) => {
  const m = mean(xs);
  if (m === null) return '-';
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / Math.max(1, xs.length - 1));
  return `${Math.round(m)}±${Math.round(sd)}`;
};
const f = (v, unit = ' ms') => (v === null || v === undefined ? '-' : `${Math.round(v * 10) / 10}${unit}`);
console.log(
  `probe timing with and without --load ${workers}, lab failover, ${runs} run(s) each, probe every ${intervalMs} ms`,
);
console.log(
  [
    'variant',
    'probes',
    'off p50',
    'off p99',
    'off max',
    'err mean',
    'err max',
    'signed',
    'start + (ms)',
    'end + (ms)',
    'last probe',
    'load ops/s',
    'timers p99',
  ]
    .map((c) => c.padStart(12))
    .join(''),
);
for (const [variant, rs] of Object.entries(results)) {
  const late = rs.flatMap((r) => r.late);
  const errors = rs.map((r) => Math.abs(r.error));
  console.log(
    [
      variant === 'none' ? 'no load' : `--load ${workers}`,
      String(late.length),
      f(quantile(late, 0.5)),
      f(quantile(late, 0.99)),
      f(Math.max(...late)),
      f(mean(errors)),
      f(Math.max(...errors)),
      f(mean(rs.map((r) => r.error))),
      meanSd(rs.map((r) => r.startOff).filter((x) => x !== null)),
      meanSd(rs.map((r) => r.endOff).filter((x) => x !== null)),
      f(mean(rs.map((r) => r.firstGoodMs).filter((x) => x !== null))),
      f(
        quantile(
          rs.map((r) => r.ops).filter((x) => x !== null),
          0.5,
        ),
        '',
      ),
      f(
        quantile(
          rs.map((r) => r.loopP99).filter((x) => x !== null),
          0.5,
        ),
      ),
    ]
      .map((c) => c.padStart(12))
      .join(''),
  );
}
console.log(
  'off = how far a probe started from its schedule; err = |measured simple downtime - (writer away until DNS moved)| from the lab ground truth;\n' +
    "signed = its mean with sign (+: the drill measured longer); start + = first bad probe start - writer down; end + = first good probe end - writer back and DNS moved; last probe = that good probe's latency (means)",
);
