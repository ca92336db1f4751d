// Cold-start time of `drill --version` and `drill --help` next to `node -e 0`, measured side by side in one run
// (runs interleaved so machine noise hits all three alike), and proof that neither loads mysql2 or the AWS SDK.
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
};

const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let i = 0; i < runs; i++) {
  for (const [name, args] of Object.entries(cases)) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${name} exited ${r.status}`);
    times[name].push(ms);
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(times['node -e 0']);
console.log(`cold start, ${runs} runs each, interleaved (node ${process.version})`);
console.log(
  `${'command'.padEnd(22)}${'median'.padStart(10)}${'min'.padStart(10)}${'vs node -e 0'.padStart(14)}`,
);
for (const [name, xs] of Object.entries(times)) {
  const m = median(xs);
  console.log(
    `${name.padEnd(22)}${`${m.toFixed(1)} ms`.padStart(10)}${`${Math.min(...xs).toFixed(1)} ms`.padStart(10)}${`×${(m / base).toFixed(2)}`.padStart(14)}`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'drill-bench-'));
const log = join(dir, 'imports.log');
for (const args of Object.values(cases).slice(1)) {
  spawnSync(process.execPath, ['--import', tracer, ...args], {
    env: { ...process.env, DRILL_TRACE_IMPORTS: log },
  });
}
const heavy = readFileSync(log, 'utf8')
  .split('\n')
  .filter((s) => /mysql2|@aws-sdk|ioredis/.test(s));
console.log(
  heavy.length === 0
    ? 'heavy modules loaded: none (mysql2, @aws-sdk, ioredis)'
    : `heavy modules loaded: ${[...new Set(heavy)].join(', ')}`,
);
rmSync(dir, { recursive: true, force: true });
