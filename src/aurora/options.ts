import { awsOptionSpecs } from '../aws/options.js';
import { loadOptionSpecs } from '../core/load/plan.js';
import type { OptionSpec, OptionsOf } from '../core/options.js';
import { sessionOptionSpecs } from '../core/session/plan.js';
import { labOptionSpecs } from '../lab/options.js';
import { dnsOptionSpecs } from '../net/options.js';
import { modeNames } from './monitors/index.js';
import { sslModes } from './tls.js';
import { triggerNames } from './triggers/index.js';

/** Every option of `drill aurora`, once: the CLI builds its help from this, the plan reads the result. */
export const auroraOptionSpecs = [
  {
    key: 'endpoint',
    flags: '-e, --endpoint <host[:port]>',
    help: 'endpoint to watch (cluster endpoint)',
    env: 'DRILL_ENDPOINT',
  },
  { key: 'user', flags: '-u, --user <name>', help: 'database user', env: 'DRILL_USER' },
  {
    key: 'password',
    flags: '-p, --password <password>',
    help: 'password (prefer DRILL_PASSWORD or MYSQL_PWD; prompted on a TTY)',
  },
  {
    key: 'sslMode',
    flags: '--ssl-mode <mode>',
    help: `TLS, as the mysql client says it: ${sslModes.join(', ')} (default: disabled; verify-ca with --ca)`,
    env: 'DRILL_SSL_MODE',
  },
  {
    key: 'ca',
    flags: '--ca <file>',
    help: 'CA certificates (PEM) that sign the server certificate, e.g. the RDS bundle (default: the system CAs)',
    env: 'DRILL_SSL_CA',
  },
  {
    key: 'iamAuth',
    flags: '--iam-auth',
    help: 'log in with an IAM database token (rds-db:connect; made from --region/--profile credentials, renewed every 10 min; TLS only)',
  },
  {
    key: 'secretId',
    flags: '--secret-id <id|arn>',
    help: 'read the user and password from this Secrets Manager secret (secretsmanager:GetSecretValue), once',
    env: 'DRILL_SECRET_ID',
  },
  ...dnsOptionSpecs,
  {
    key: 'mode',
    flags: '--mode <modes>',
    help: `monitors, comma-separated to run side by side: ${modeNames.join(', ')}`,
    default: 'simple',
  },
  {
    key: 'instancePattern',
    flags: '--instance-pattern <pattern>',
    help: "aware: instance endpoint names, '?' for the instance id",
  },
  {
    key: 'proxyEndpoint',
    flags: '--proxy-endpoint <host[:port]>',
    help: 'proxy mode beside others: the RDS Proxy endpoint',
  },
  { key: 'poolSize', flags: '--pool-size <n>', help: 'pool mode: connections in the pool', default: '4' },
  {
    key: 'sweepInterval',
    flags: '--sweep-interval <duration>',
    help: 'aware: probe every instance this often while down',
    default: '100ms',
  },
  { key: 'interval', flags: '--interval <duration>', help: 'time between probe starts', default: '250ms' },
  {
    key: 'connectTimeout',
    flags: '--connect-timeout <duration>',
    help: 'give up connecting after',
    default: '1s',
  },
  {
    key: 'queryTimeout',
    flags: '--query-timeout <duration>',
    help: 'give up on the writer check after',
    default: '2s',
  },
  {
    key: 'trigger',
    flags: '--trigger <fault>',
    help: `cause the fault: ${triggerNames.join(', ')}`,
    default: 'none',
  },
  {
    key: 'cluster',
    flags: '--cluster <id>',
    help: 'DB cluster for --trigger failover|reboot and events (default: found from the endpoint)',
  },
  { key: 'target', flags: '--target <instance>', help: 'reader to promote with --trigger failover' },
  {
    key: 'forceFailover',
    flags: '--force-failover',
    help: 'with --trigger reboot: RebootDBInstance with ForceFailover',
  },
  {
    key: 'writeCheck',
    flags: '--write-check',
    help: 'write a numbered ledger through the drill and report lost writes',
  },
  {
    key: 'writeSchema',
    flags: '--write-schema <name>',
    help: 'schema of the tables the drill writes (ledger, pool heartbeat)',
    default: 'failover_drill',
  },
  {
    key: 'writeInterval',
    flags: '--write-interval <duration>',
    help: 'time between ledger writes (default: --interval)',
  },
  {
    key: 'ddl',
    flags: '--ddl',
    help: 'run a long ALTER TABLE through the trigger and report what became of it',
  },
  {
    key: 'ddlRows',
    flags: '--ddl-rows <n>',
    help: 'rows in the --ddl table (more: a longer ALTER)',
    default: '200000',
  },
  ...loadOptionSpecs,
  {
    key: 'notifications',
    flags: '--notifications',
    help: 'subscribe a listener to the SNS topic and put its notifications on the timeline',
  },
  {
    key: 'topic',
    flags: '--topic <name|arn>',
    help: 'with --notifications: the topic',
    default: 'auroralab-cluster-failovers',
  },
  {
    key: 'notificationsListen',
    flags: '--notifications-listen <host:port>',
    help: 'with --notifications: where the listener listens',
    default: '127.0.0.1:0',
  },
  {
    key: 'notificationsUrl',
    flags: '--notifications-url <url>',
    help: 'with --notifications against AWS: the public https URL that reaches the listener',
  },
  {
    key: 'cleanup',
    flags: '--cleanup',
    help: 'drop what the drill created (ledger schema, load table) at the end',
  },
  {
    key: 'events',
    flags: '--no-events',
    help: 'do not follow RDS DescribeEvents (followed when the cluster is known)',
  },
  ...labOptionSpecs,
  ...sessionOptionSpecs,
  ...awsOptionSpecs,
] as const satisfies readonly OptionSpec[];

/** The options commander hands `drill aurora`, as typed strings. */
export type AuroraOptions = OptionsOf<typeof auroraOptionSpecs>;

export const auroraExamples = `
Examples:
  # a real failover drill against a throwaway local lab (MariaDB servers that fail over like Aurora)
  drill aurora --lab --trigger failover --until-recovered

  # watch the cluster endpoint; trigger the failover elsewhere (console, aws rds failover-db-cluster)
  drill aurora -e auroralab-mysql-cluster.cluster-abc123xyz789.us-east-1.rds.amazonaws.com -u admin

  # CI smoke job: stop after recovery, fail if writes were unavailable for more than 30 s
  DRILL_PASSWORD=... drill aurora -e db.example:3306 -u drill --until-recovered --max-downtime 30s --json

  # a self-managed MySQL or MariaDB works too (read_only / server_id instead of the aurora_* variables)
  drill aurora -e 10.0.0.5 -u monitor --duration 2m --report drill.json --history drill.ndjson`;
