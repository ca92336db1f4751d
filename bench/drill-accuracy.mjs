// How close drill's measured downtime is to what the lab knows really happened, per mode, and how much sooner
// the aware monitor is back than the simple one on the same failover. Runs `drill aurora` as a user would.
// Usage: npm run build && node bench/drill-accuracy.mjs [runs] [fast|aurora]
// The lab uses 127.0.0.101 and up; it is stopped and removed at the end.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 2);
const timing = process.argv[3] ?? 'aurora';
const drill = fileURLToPath(new URL('../bin/drill.js', import.meta.url));
const stateDir = mkdtempSync(join(tmpdir(), 'drill-bench-accuracy-'));
const run = (args) => spawnSync(process.execPath, [drill, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });

execFileSync(
  process.execPath,
  [drill, 'lab', 'up', '--detach', '--state-dir', stateDir, '--timing', timing].concat([
    '--first-address',
    '101',
    '--dns-port',
    '10253',
    '--api-port',
    '10280',
  ]),
);
const rows = [];
try {
  for (const trigger of ['failover', 'crash']) {
    for (let i = 0; i < runs; i++) {
      const r = run(
        ['aurora', '--lab-state-dir', stateDir, '--mode', 'simple,aware', '--trigger', trigger].concat([
          '--at',
          '2s',
          '--until-recovered',
          '--settle',
          '2s',
          '--json',
          '--no-color',
        ]),
      );
      if (r.status !== 0)
        throw new Error(`drill exited ${r.status}: ${r.stderr.split('\n').slice(-3).join(' ')}`);
      const report = JSON.parse(r.stdout).runs[0];
      const g = report.groundTruth;
      const truth = g.writerUpMs - g.writerDownMs;
      const dnsTruth =
        g.dnsSwitchedMs === null ? null : Math.max(g.writerUpMs, g.dnsSwitchedMs) - g.writerDownMs;
      const m = Object.fromEntries(report.monitors.map((x) => [x.name, x.downtimeMs]));
      rows.push({ trigger, truth, dnsTruth, simple: m.simple, aware: m.aware });
      // let the lab settle (the old writer rejoins, DNS moves) before the next run
      await new Promise((res) => setTimeout(res, timing === 'aurora' ? 8000 : 2000));
    }
  }
} finally {
  execFileSync(process.execPath, [drill, 'lab', 'down', '--state-dir', stateDir]);
  rmSync(stateDir, { recursive: true, force: true });
}

const f = (ms) => (ms === null || ms === undefined ? '-' : `${Math.round(ms)} ms`);
console.log(`drill vs lab ground truth, timing ${timing}, probe interval 250 ms, ${runs} run(s) per trigger`);
console.log(
  ['trigger', 'writer away', 'writer+DNS', 'aware', 'aware err', 'simple', 'simple err', 'aware/simple']
    .map((c) => c.padStart(13))
    .join(''),
);
for (const r of rows) {
  const simpleTruth = r.dnsTruth ?? r.truth;
  console.log(
    [
      r.trigger,
      f(r.truth),
      f(r.dnsTruth),
      f(r.aware),
      f(r.aware - r.truth),
      f(r.simple),
      f(r.simple - simpleTruth),
      (r.aware / r.simple).toFixed(2),
    ]
      .map((c) => String(c).padStart(13))
      .join(''),
  );
}
