// Write-unavailability through the AWS Advanced NodeJS Wrapper on a lab failover, for each plugin generation and
// both lab timing profiles: an application writes every 50 ms through the wrapper (names resolved through the
// lab's DNS) while FailoverDBCluster runs; the figure is the time from the last write the old writer acknowledged
// to the first the new writer acknowledged.
// Usage: npm run build && node bench/wrapper-failover.mjs [failovers per plugin generation and profile]
// Instances use 127.0.0.24 and .25 (proxy .23); nothing of the machine's own servers is touched.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab } from '../dist/src/lab/lab.js';
import { freePort } from '../dist/src/lab/ports.js';
import { writeThroughFailover } from '../dist/test/support/wrapper.js';

const runs = Number(process.argv[2] ?? 3);
const generations = ['failover,efm', 'failover2,efm2'];

async function profile(timing) {
  const stateDir = mkdtempSync(join(tmpdir(), 'drill-bench-wrapper-'));
  const dnsPort = await freePort();
  const lab = await Lab.start({
    stateDir,
    readers: 1,
    dnsPort,
    apiPort: await freePort(),
    timing,
    user: 'admin',
    lossy: false,
    region: 'us-east-1',
    firstAddress: 24,
  });
  const results = Object.fromEntries(generations.map((g) => [g, []]));
  try {
    for (let i = 0; i < runs; i++) {
      for (const plugins of generations) {
        await lab.cluster.settled();
        try {
          const run = await writeThroughFailover({
            clusterEndpoint: lab.names.clusterEndpoint,
            dnsServer: `127.0.0.1:${dnsPort}`,
            user: 'admin',
            password: lab.password,
            plugins,
            failover: async () => lab.cluster.failover(),
            boundMs: 60_000,
            failoverTimeoutMs: 5_000,
          });
          const gaveUp = [...run.errors.keys()].some((e) => e.startsWith('FailoverFailedError'));
          results[plugins].push({ ms: run.outageMs, gaveUp });
        } catch (err) {
          results[plugins].push({ ms: Number.NaN, gaveUp: true, error: err.message });
        }
      }
    }
  } finally {
    await lab.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
  for (const plugins of generations) {
    const all = results[plugins];
    const ms = all
      .map((r) => r.ms)
      .filter((m) => !Number.isNaN(m))
      .sort((a, b) => a - b);
    const s = (m) => (m === undefined ? '-' : `${(m / 1000).toFixed(1)} s`);
    console.log(
      [
        timing.padEnd(8),
        plugins.padEnd(16),
        `median ${s(ms[Math.floor(ms.length / 2)])}`.padEnd(16),
        `min ${s(ms[0])}`.padEnd(12),
        `max ${s(ms[ms.length - 1])}`.padEnd(12),
        `runs ${all.length}, a failover attempt given up in ${all.filter((r) => r.gaveUp).length}`,
        `(${all.map((r) => s(r.ms)).join(', ')})`,
      ].join(' '),
    );
  }
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
for (const timing of ['fast', 'aurora']) await profile(timing);
process.exit(0);
