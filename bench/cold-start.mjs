// Cold-start time of `drill --version` and `drill --help` next to `node -e 0`, measured side by side in one run
// (runs interleaved so machine noise hits all alike), and proof that neither loads mysql2 or the AWS SDK.
// `drill aurora -e 127.0.0.1:1` is a drill against an endpoint that refuses (exit 3) at once: the whole start-up
// of a real drill, which must load the lab client but none of the lab (its API, Aurora lab, dns2).
// Usage: npm run build && node bench/cold-start.mjs [runs]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 20);
const drill = fileURLToPath(new URL('../bin/drill.js', import.meta.url));
const tracer = fileURLToPath(new URL('../dist/test/support/trace-imports.js', import.meta.url));
const cases = {
  'node -e 0': ['-e', '0'],
  'drill --version': [drill, '--version'],
  'drill --help': [drill, '--help'],
  'drill aurora --help': [drill, 'aurora', '--help'],
  'drill aurora -e 127.0.0.1:1 -u x': [drill, 'aurora', '-e', '127.0.0.1:1', '-u', 'x', '--duration', '1s'],
};
const unreachable = 'drill aurora -e 127.0.0.1:1 -u x';
const expectedExit = (name) => (name === unreachable ? 3 : 0);
// No password from the environment (nothing to redact) and no lab by hand to follow.
const env = { ...process.env, DRILL_PASSWORD: undefined, MYSQL_PWD: undefined, DRILL_LAB_DIR: undefined };

const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let i = 0; i < runs; i++) {
  for (const [name, args] of Object.entries(cases)) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { stdio: 'ignore', env });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== expectedExit(name)) throw new Error(`${name} exited ${r.status}`);
    times[name].push(ms);
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(times['node -e 0']);
console.log(`cold start, ${runs} runs each, interleaved (node ${process.version})`);
console.log(
  `${'command'.padEnd(34)}${'median'.padStart(10)}${'min'.padStart(10)}${'vs node -e 0'.padStart(14)}`,
);
for (const [name, xs] of Object.entries(times)) {
  const m = median(xs);
  console.log(
    `${name.padEnd(34)}${`${m.toFixed(1)} ms`.padStart(10)}${`${Math.min(...xs).toFixed(1)} ms`.padStart(10)}${`×${(m / base).toFixed(2)}`.padStart(14)}`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'drill-bench-'));
/** The modules `name` resolves, one URL (and the specifier asked for) a line. */
const traced = (name) => {
  const log = join(dir, `${Object.keys(cases).indexOf(name)}.log`);
  spawnSync(process.execPath, ['--import', tracer, ...cases[name]], {
    env: { ...env, DRILL_TRACE_IMPORTS: log },
  });
  return readFileSync(log, 'utf8').trim().split('\n');
};
const light = ['drill --version', 'drill --help', 'drill aurora --help'].flatMap(traced);
const heavy = light.filter((s) => /mysql2|@aws-sdk|ioredis/.test(s));
console.log(
  heavy.length === 0
    ? 'heavy modules loaded by --version and --help: none (mysql2, @aws-sdk, ioredis)'
    : `heavy modules loaded by --version and --help: ${[...new Set(heavy)].join(', ')}`,
);
const drillLines = traced(unreachable);
const modules = [...new Set(drillLines.map((l) => l.split(' ')[0]))];
const labModules = modules
  .filter((u) => u.includes('/dist/src/lab/'))
  .map((u) => u.replace(/.*\/dist\/src\//, ''));
const labServers = modules.filter((u) => /\/lab\/(api|aurora)\/|dns2/.test(u));
console.log(`${unreachable}: ${drillLines.length} resolutions, ${modules.length} modules`);
console.log(`  of the lab: ${labModules.join(', ') || 'none'}`);
console.log(`  lab servers or dns2: ${labServers.length === 0 ? 'none' : labServers.join(', ')}`);
rmSync(dir, { recursive: true, force: true });
