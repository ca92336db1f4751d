import type { Cluster } from 'ioredis';
import { type LoadDriver, loadServiceData, runLoadWorker } from '../../core/load/worker.js';
import { makeResolver } from '../../net/resolver.js';
import { clusterClient } from '../connection.js';
import { classifyRedisError } from '../errors.js';
import { loadKey, loadKeys, type RedisLoadService } from './keys.js';

/*
 * The worker thread of `drill memorydb --load`: each worker is one application client (an ioredis Cluster client,
 * configured as the app monitor's), running GET and SET on keys spread over every shard. The client follows
 * MOVED and reconnects by itself, as an application's does; its failures are counted, never retried here.
 */
const config = loadServiceData<RedisLoadService>();
const tokens = config.iam ? await iamTokens(config.iam) : undefined;
const target = {
  ...config.target,
  resolver: makeResolver(config.dns),
  ...(tokens ? { token: () => tokens.current() } : {}),
};

async function iamTokens(iam: NonNullable<RedisLoadService['iam']>) {
  const [{ memorydbTokenMaker }, { keepTokens }] = await Promise.all([
    import('../../aws/memorydb-token.js'),
    import('../../aws/token-keeper.js'),
  ]);
  return keepTokens(await memorydbTokenMaker(iam.aws, iam.cluster, config.target.user ?? ''));
}
const seed = {
  host: config.seed.host,
  port: config.seed.port,
  text: `${config.seed.host}:${config.seed.port}`,
};

const driver: LoadDriver<Cluster> = {
  async connect() {
    return (await clusterClient(target, seed, config.hosts)).cluster;
  },
  async run(cluster, kind) {
    const key = loadKey(Math.floor(Math.random() * loadKeys));
    if (kind === 'read') await cluster.get(key);
    else await cluster.set(key, String(Date.now()), 'EX', 86_400);
  },
  close: (cluster) => cluster.disconnect(),
  classify(err) {
    const e = classifyRedisError(err);
    // The client reconnects and re-reads the slots itself: keep it, as an application keeps its client.
    return { code: e.code, readOnly: e.readOnly, fatal: false };
  },
};

runLoadWorker(driver);
