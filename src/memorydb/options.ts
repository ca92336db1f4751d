import { awsOptionSpecs } from '../aws/options.js';
import { loadOptionSpecs } from '../core/load/plan.js';
import type { OptionSpec, OptionsOf } from '../core/options.js';
import { sessionOptionSpecs } from '../core/session/plan.js';
import { labOptionSpecs } from '../lab/options.js';
import { dnsOptionSpecs } from '../net/options.js';
import { modeNames } from './monitors/index.js';
import { triggerNames } from './triggers/index.js';

/** Every option of `drill memorydb`, once: the CLI builds its help from this, the plan reads the result. */
export const memorydbOptionSpecs = [
  {
    key: 'endpoint',
    flags: '-e, --endpoint <host[:port]>',
    help: 'cluster endpoint (clustercfg.<cluster>...:6379)',
    env: 'DRILL_ENDPOINT',
  },
  { key: 'user', flags: '-u, --user <name>', help: 'ACL user', env: 'DRILL_USER' },
  {
    key: 'password',
    flags: '-p, --password <password>',
    help: 'password (prefer DRILL_PASSWORD or REDISCLI_AUTH; prompted on a TTY)',
  },
  {
    key: 'iamAuth',
    flags: '--iam-auth',
    help: 'log in with IAM tokens (memorydb:Connect) made from your AWS credentials, over TLS; -u names the IAM-enabled user',
  },
  {
    key: 'tls',
    flags: '--no-tls',
    help: 'plain TCP (MemoryDB clusters have TLS on unless created without it)',
  },
  {
    key: 'ca',
    flags: '--ca <file>',
    help: "CA certificates to verify the nodes with (default: the system's)",
  },
  ...dnsOptionSpecs,
  {
    key: 'mode',
    flags: '--mode <modes>',
    help: `monitors, comma-separated: ${modeNames.join(', ')}`,
    default: modeNames.join(','),
  },
  {
    key: 'interval',
    flags: '--interval <duration>',
    help: "time between the application's writes to each shard",
    default: '250ms',
  },
  {
    key: 'fastInterval',
    flags: '--fast-interval <duration>',
    help: 'nodes: time between probes of every node of a shard',
    default: '100ms',
  },
  {
    key: 'connectTimeout',
    flags: '--connect-timeout <duration>',
    help: 'give up connecting after',
    default: '1s',
  },
  {
    key: 'commandTimeout',
    flags: '--command-timeout <duration>',
    help: 'give up on a command after',
    default: '1s',
  },
  {
    key: 'trigger',
    flags: '--trigger <fault>',
    help: `cause the fault: ${triggerNames.join(', ')}`,
    default: 'none',
  },
  {
    key: 'cluster',
    flags: '--cluster <name>',
    help: 'MemoryDB cluster for --trigger failover-shard and events (default: from the endpoint)',
  },
  { key: 'shard', flags: '--shard <name>', help: 'shard to fail over', default: '0001' },
  {
    key: 'writeCheck',
    flags: '--write-check',
    help: 'read every acknowledged write back after the drill and report lost ones',
  },
  ...loadOptionSpecs,
  {
    key: 'events',
    flags: '--no-events',
    help: 'do not follow MemoryDB DescribeEvents (followed when the cluster is known)',
  },
  ...labOptionSpecs,
  ...sessionOptionSpecs,
  ...awsOptionSpecs,
] as const satisfies readonly OptionSpec[];

export type MemoryDbOptions = OptionsOf<typeof memorydbOptionSpecs>;

export const memorydbExamples = `
Examples:
  # a FailoverShard drill against a throwaway local lab (a Redis Cluster that fails over like MemoryDB)
  drill memorydb --lab --trigger failover-shard --until-recovered --write-check

  # watch a cluster; fail a shard over elsewhere (console, aws memorydb failover-shard)
  DRILL_PASSWORD=... drill memorydb -e clustercfg.my-cluster.abcdef.memorydb.us-east-1.amazonaws.com -u my-user

  # CI smoke job: fail over shard 0002, fail when any shard could not write for more than 10 s
  drill memorydb -e clustercfg... -u my-user --trigger failover-shard --shard 0002 --until-recovered --max-downtime 10s --yes --json`;
