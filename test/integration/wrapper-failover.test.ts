import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DescribeDBClustersCommand, FailoverDBClusterCommand, RDSClient } from '@aws-sdk/client-rds';
import { addresses } from '../support/addresses.js';
import { killMentioning, startTestLab, stopTestLab, type TestLab } from '../support/lab.js';
import { writeThroughFailover } from '../support/wrapper.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// Instances on 127.0.0.36 and .37, the proxy on .35.
const { first } = addresses.wrapperFailover.lab;
const dir = mkdtempSync(join(tmpdir(), 'drill-wrapper-failover-'));
let lab: TestLab;
let rds: RDSClient;

before(async () => {
  lab = await startTestLab(dir, first, ['--timing', 'fast']);
  rds = new RDSClient({
    region: lab.status.region,
    endpoint: lab.status.apiEndpoint,
    credentials: { accessKeyId: 'lab', secretAccessKey: 'lab' },
  });
});

after(async () => {
  rds?.destroy();
  await stopTestLab(dir).catch(() => {});
  killMentioning(dir);
  rmSync(dir, { recursive: true, force: true });
});

const clusterId = () => lab.status.aurora.clusterId;
/** Waits until the cluster is available again (the previous failover's choreography has ended). */
async function clusterAvailable(timeoutMs: number): Promise<void> {
  for (const end = Date.now() + timeoutMs; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
    const out = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId() }));
    if (out.DBClusters?.[0]?.Status === 'available') return;
  }
  throw new Error(`the cluster was not available within ${timeoutMs} ms`);
}

/**
 * An application writing every 50 ms through the AWS Advanced NodeJS Wrapper (names resolved through the lab's
 * DNS) while the lab fails over (`--timing fast`). Bounds: the lab's own failover takes about 2.5 s; the
 * wrapper's failover attempt is limited to 5 s (failoverTimeoutMs), after which the application's next write
 * starts another.
 */
describe('the AWS Advanced NodeJS Wrapper through a lab failover', () => {
  for (const [plugins, boundMs] of [
    ['failover2,efm2', 8_000],
    ['failover,efm', 15_000],
  ] as const) {
    it(`${plugins}: writes are back on the new writer within ${boundMs / 1000} s`, async (t) => {
      await clusterAvailable(30_000);
      const run = await writeThroughFailover({
        clusterEndpoint: lab.status.aurora.clusterEndpoint,
        dnsServer: lab.status.dnsServer,
        user: lab.status.aurora.user,
        password: lab.password,
        plugins,
        failover: () => rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: clusterId() })),
        boundMs: 25_000,
        failoverTimeoutMs: 5_000,
      });
      t.diagnostic(
        `${plugins}: writes unavailable ${(run.outageMs / 1000).toFixed(1)} s (${run.writerBefore} -> ${run.writerAfter}); errors: ${[...run.errors].map(([e, n]) => `${n} x ${e}`).join('; ')}`,
      );
      assert.notEqual(run.writerAfter, run.writerBefore);
      assert.ok(run.outageMs < boundMs, `writes were unavailable for ${run.outageMs} ms`);
    });
  }
});
