/**
 * What the lab's instance front does with a statement: MariaDB does not know Aurora's variables, functions and
 * tables, and tells its own identity, so the front rewrites those into plain SQL that MariaDB answers itself
 * (literals for the instance's facts, derived tables for the topology and the variable tables). MariaDB then
 * evaluates WHERE, CASE, functions, subqueries and aliases exactly as written. The rewrite works on tokens
 * (sql-tokens.ts), never inside strings, quoted names or comments.
 */
import { nameOf, type Token, tokenize, variableName } from './sql-tokens.js';

export interface TopologyRow {
  serverId: string;
  /** 'MASTER_SESSION_ID' for the writer, a unique id for each reader. */
  sessionId: string;
  replicaLagMs: number;
  cpu: number;
  /** How long ago the instance last reported (0 while it is up). */
  ageMs: number;
}

/** Who the instance says it is: Aurora MySQL's identity, not MariaDB's. */
export interface ServerIdentity {
  /** MySQL's version as Aurora reports it (handshake, VERSION(), @@version): 8.0.32 for Aurora MySQL 3.05. */
  version: string;
  versionComment: string;
  /** The port clients connect to (the front's), not MariaDB's own. */
  port: number;
  hostname: string;
}

export interface InstanceFacts {
  serverId: string;
  /**
   * The instance's read-only state as the lab last set it. A literal, because MariaDB 10.11 answers
   * `@@global.read_only` wrongly (0) in a statement that also aggregates over a table.
   */
  readOnly: boolean;
  auroraVersion: string;
  identity: ServerIdentity;
  topology: readonly TopologyRow[];
}

/** Aurora MySQL 3 minor versions and the MySQL 8.0 release each is built on (Aurora MySQL release notes). */
const mysqlVersions: Record<string, string> = {
  '3.01': '8.0.23',
  '3.02': '8.0.23',
  '3.03': '8.0.26',
  '3.04': '8.0.28',
  '3.05': '8.0.32',
  '3.06': '8.0.34',
  '3.07': '8.0.36',
  '3.08': '8.0.39',
  '3.09': '8.0.40',
  '3.10': '8.0.42',
};

/** The MySQL version an Aurora MySQL version reports; 8.0.32 (Aurora 3.05) for a version not in the table. */
export function mysqlVersionOf(auroraVersion: string): string {
  return mysqlVersions[auroraVersion.split('.').slice(0, 2).join('.')] ?? '8.0.32';
}

/**
 * The host name an instance answers in `@@hostname`. Aurora answers its EC2 host's private name (`ip-10-…`);
 * the lab makes one from the instance's loopback address, so it is stable and differs between instances.
 */
export function auroraHostname(address: string): string {
  const [, , c = '0', d = '0'] = address.split('.');
  return `ip-10-0-${c}-${d}`;
}

type Value = string | number | boolean;

interface Variable {
  name: string;
  value: Value;
  /** Aurora's own: MariaDB has no such variable, so the variable tables get a row for it. */
  auroraOnly: boolean;
}

/**
 * Every variable the front answers instead of MariaDB. The aurora_* settings beyond the server id and the version
 * carry Aurora MySQL 3's documented defaults; the lab shows them and does not act on them.
 */
export function emulatedVariables(f: InstanceFacts): Variable[] {
  const aurora = (name: string, value: Value): Variable => ({ name, value, auroraOnly: true });
  const mysql = (name: string, value: Value): Variable => ({ name, value, auroraOnly: false });
  return [
    aurora('aurora_server_id', f.serverId),
    aurora('aurora_version', f.auroraVersion),
    aurora('aurora_binlog_replication_max_yield_seconds', 0),
    aurora('aurora_fwd_writer_idle_timeout', 60),
    aurora('aurora_fwd_writer_max_connections_pct', 10),
    aurora('aurora_parallel_query', false),
    aurora('aurora_read_replica_read_committed', false),
    aurora('aurora_tmptable_enable_per_table_limit', false),
    aurora('aurora_use_vector_instructions', true),
    mysql('innodb_read_only', f.readOnly),
    mysql('version', f.identity.version),
    mysql('innodb_version', f.identity.version),
    mysql('version_comment', f.identity.versionComment),
    mysql('port', f.identity.port),
    mysql('hostname', f.identity.hostname),
  ];
}

const sqlString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
/** A variable as `@@name` evaluates: booleans are 0/1. */
const asExpression = (v: Value): string =>
  typeof v === 'string' ? sqlString(v) : typeof v === 'number' ? String(v) : v ? '1' : '0';
/** A variable as SHOW VARIABLES and the variable tables show it: text, booleans ON/OFF. */
const asShown = (v: Value): string => (typeof v === 'boolean' ? (v ? 'ON' : 'OFF') : String(v));

/** Aurora's columns of information_schema.replica_host_status, each from a lab row. */
const topologyColumns: [string, (r: TopologyRow) => string][] = [
  ['SERVER_ID', (r) => sqlString(r.serverId)],
  ['SESSION_ID', (r) => sqlString(r.sessionId)],
  ['IOPS', () => '0'],
  ['READ_IOS', () => '0'],
  ['PENDING_READ_IOS', () => '0'],
  ['CPU', (r) => `${r.cpu.toFixed(2)}e0`],
  ['STORAGE_NETWORK_RECEIVED_THROUGHPUT', () => '0'],
  ['STORAGE_NETWORK_TRANSMITTED_THROUGHPUT', () => '0'],
  ['DURABLE_LSN', () => '0'],
  ['ACTIVE_LSN', () => '0'],
  ['LAST_TRANSPORT_ERROR', () => '0'],
  ['LAST_ERROR_TIMESTAMP', () => 'CAST(NULL AS DATETIME(6))'],
  ['LAST_UPDATE_TIMESTAMP', (r) => `NOW(6) - INTERVAL ${Math.round(r.ageMs * 1000)} MICROSECOND`],
  ['MASTER_SLAVE_LATENCY_IN_MICROSECONDS', (r) => String(Math.round(r.replicaLagMs * 1000))],
  ['REPLICA_LAG_IN_MILLISECONDS', (r) => `${Math.round(r.replicaLagMs)}e0`],
  ['LOG_STREAM_SPEED_IN_KiB_PER_SECOND', () => '0e0'],
  ['LOG_BUFFER_SEQUENCE_NUMBER', () => '0'],
  ['IS_CURRENT', (r) => (r.ageMs === 0 ? '1' : '0')],
  ['OLDEST_READ_VIEW_TRX_ID', () => '0'],
  ['OLDEST_READ_VIEW_LSN', () => '0'],
  ['HIGHEST_LSN_RECEIVED', () => '0'],
  ['CURRENT_READ_POINT', () => '0'],
  ['CURRENT_REPLAY_LATENCY_IN_MICROSECONDS', () => '0'],
  ['AVERAGE_REPLAY_LATENCY_IN_MICROSECONDS', () => '0'],
  ['MAX_REPLAY_LATENCY_IN_MICROSECONDS', () => '0'],
];

/** The column names of replica_host_status, in Aurora's order. */
export const replicaHostStatusColumns = topologyColumns.map(([name]) => name);

/** The topology as a derived table with Aurora's columns; lag and age come from the lab's live state. */
export function replicaHostStatusTable(rows: readonly TopologyRow[]): string {
  const select = (r: TopologyRow): string =>
    `SELECT ${topologyColumns.map(([name, value]) => `${value(r)} AS ${name}`).join(', ')}`;
  if (rows.length === 0) {
    const none: TopologyRow = { serverId: '', sessionId: '', replicaLagMs: 0, cpu: 0, ageMs: 0 };
    return `(${select(none)} FROM DUAL WHERE FALSE)`;
  }
  return `(${rows.map(select).join(' UNION ALL ')})`;
}

/**
 * MariaDB's variables with the emulated ones answered by the front: `show` is SHOW VARIABLES' shape
 * (Variable_name, Value, lowercase names), `information_schema` MySQL 5.7's and MariaDB's (VARIABLE_NAME in
 * capitals, VARIABLE_VALUE), `performance_schema` MySQL 8's (lowercase names).
 */
export function variablesTable(
  facts: InstanceFacts,
  scope: 'global' | 'session',
  shape: 'show' | 'information_schema' | 'performance_schema',
): string {
  const vars = emulatedVariables(facts);
  const [nameCol, valueCol] =
    shape === 'show' ? ['Variable_name', 'Value'] : ['VARIABLE_NAME', 'VARIABLE_VALUE'];
  const name = (n: string): string => (shape === 'information_schema' ? n.toUpperCase() : n);
  const nameExpr = shape === 'information_schema' ? 'UPPER(VARIABLE_NAME)' : 'LOWER(VARIABLE_NAME)';
  const overrides = vars
    .filter((v) => !v.auroraOnly)
    .map((v) => `WHEN ${sqlString(v.name)} THEN ${sqlString(asShown(v.value))}`)
    .join(' ');
  const source = `information_schema.${scope === 'global' ? 'GLOBAL_VARIABLES' : 'SESSION_VARIABLES'}`;
  const mariadb = `SELECT ${nameExpr} AS ${nameCol}, CASE LOWER(VARIABLE_NAME) ${overrides} ELSE VARIABLE_VALUE END AS ${valueCol} FROM ${source}`;
  const ours = vars
    .filter((v) => v.auroraOnly)
    .map((v) => `SELECT ${sqlString(name(v.name))}, ${sqlString(asShown(v.value))}`);
  return `(${[mariadb, ...ours].join(' UNION ALL ')})`;
}

/** Words after which a select item's last word is not its alias (operators, introducers). */
const operatorWords = new Set(
  'AND OR NOT XOR IS LIKE RLIKE REGEXP IN DIV MOD BETWEEN CASE WHEN THEN ELSE AS SELECT DISTINCT INTERVAL BINARY COLLATE DATE TIME TIMESTAMP ESCAPE SOUNDS'.split(
    ' ',
  ),
);
/** Words that end an expression and are never an alias. */
const notAliasWords = new Set(['END', 'NULL', 'TRUE', 'FALSE', 'UNKNOWN']);
/** Words that end a select list at its own depth. */
const endsSelectList = new Set(
  'FROM INTO WHERE GROUP HAVING ORDER LIMIT UNION EXCEPT INTERSECT WINDOW FOR LOCK PROCEDURE'.split(' '),
);
const selectModifiers = new Set(
  'ALL DISTINCT DISTINCTROW HIGH_PRIORITY STRAIGHT_JOIN SQL_SMALL_RESULT SQL_BIG_RESULT SQL_BUFFER_RESULT SQL_CACHE SQL_NO_CACHE SQL_CALC_FOUND_ROWS'.split(
    ' ',
  ),
);
/** After a table name, words that are not its alias. */
const notTableAlias = new Set(
  'WHERE ORDER GROUP LIMIT JOIN INNER LEFT RIGHT CROSS STRAIGHT_JOIN NATURAL ON USING UNION EXCEPT INTERSECT HAVING FOR LOCK WINDOW INTO'.split(
    ' ',
  ),
);

const upper = (t: Token | undefined): string => (t?.kind === 'word' ? t.text.toUpperCase() : '');
const significant = (t: Token | undefined): boolean => t !== undefined && t.kind !== 'space';

/** The select items of every SELECT in the statement, subqueries included: [first, end) token indexes. */
function selectItems(tokens: Token[]): [number, number][] {
  const items: [number, number][] = [];
  const nextSig = (from: number): number => {
    let j = from;
    while (j < tokens.length && !significant(tokens[j])) j++;
    return j;
  };
  tokens.forEach((t, i) => {
    if (upper(t) !== 'SELECT') return;
    const d = t.depth;
    let start = i + 1;
    while (selectModifiers.has(upper(tokens[nextSig(start)]))) start = nextSig(start) + 1;
    let j = start;
    for (; j < tokens.length; j++) {
      const u = tokens[j] as Token;
      if (u.depth < d) break;
      if (u.depth > d) continue;
      if (u.kind === 'punct' && u.text === ',') {
        items.push([start, j]);
        start = j + 1;
      } else if ((u.kind === 'punct' && u.text === ';') || endsSelectList.has(upper(u))) break;
    }
    items.push([start, j]);
  });
  return items;
}

/** Whether a select item ends in an alias (`expr AS name`, `expr name`). */
function hasAlias(item: Token[]): boolean {
  const sig = item.filter(significant);
  const last = sig[sig.length - 1];
  const before = sig[sig.length - 2];
  if (!last || !before) return false;
  if (upper(before) === 'AS') return true;
  const nameLike =
    last.kind === 'ident' ||
    (last.kind === 'quoted' && before.kind !== 'quoted') ||
    (last.kind === 'word' && !notAliasWords.has(upper(last)) && !/^\d/.test(last.text));
  const endsValue =
    before.kind === 'var' ||
    before.kind === 'ident' ||
    before.kind === 'quoted' ||
    (before.kind === 'punct' && before.text === ')') ||
    (before.kind === 'word' && !operatorWords.has(upper(before)));
  return nameLike && endsValue;
}

/** MySQL names an unaliased column after the expression as written; aliases are limited to 256 characters. */
const aliasFor = (item: Token[]): string => {
  const text = item
    .map((t) => t.text)
    .join('')
    .trim()
    .slice(0, 256)
    .trimEnd();
  return ` AS \`${text.replace(/`/g, '``')}\``;
};

/**
 * Rewrites one statement for MariaDB: Aurora's variables and functions become the instance's values, its tables
 * derived tables, and `SHOW VARIABLES` a SELECT over the emulated variables. A select item the rewrite changed
 * keeps the column name the client expects (the expression as written). Other text is left as it is.
 */
export function rewriteStatement(sql: string, facts: InstanceFacts): string {
  const tokens = tokenize(sql);
  const show = showVariables(tokens);
  if (show) {
    const tail = rewriteTokens(tokens.slice(show.tail), facts).replace(/[\s;]+$/, '');
    const filter = /^\s*LIKE\b/i.test(tail) ? ` WHERE Variable_name ${tail.trim()}` : tail;
    return `SELECT Variable_name, Value FROM ${variablesTable(facts, show.scope, 'show')} AS variables${filter} ORDER BY Variable_name`;
  }
  const out = rewriteTokens(tokens, facts);
  return out === sql ? sql : out;
}

/** `SHOW [GLOBAL|SESSION|LOCAL] VARIABLES ...`: its scope and where its LIKE/WHERE part starts. */
function showVariables(tokens: Token[]): { scope: 'global' | 'session'; tail: number } | undefined {
  const words = tokens.map((t, i) => [t, i] as const).filter(([t]) => significant(t));
  if (upper(words[0]?.[0]) !== 'SHOW') return undefined;
  let k = 1;
  let scope: 'global' | 'session' = 'session';
  const s = upper(words[k]?.[0]);
  if (s === 'GLOBAL' || s === 'SESSION' || s === 'LOCAL') {
    scope = s === 'GLOBAL' ? 'global' : 'session';
    k++;
  }
  const v = words[k];
  if (!v || upper(v[0]) !== 'VARIABLES') return undefined;
  return { scope, tail: v[1] + 1 };
}

function rewriteTokens(tokens: Token[], facts: InstanceFacts): string {
  const vars = new Map(emulatedVariables(facts).map((v) => [v.name, v.value]));
  const functions: Record<string, string> = {
    version: sqlString(facts.identity.version),
    aurora_version: sqlString(facts.auroraVersion),
  };
  const out = tokens.map((t) => t.text);
  const sigAfter = (from: number): number => {
    let j = from;
    while (j < tokens.length && !significant(tokens[j])) j++;
    return j;
  };
  const sigBefore = (from: number): Token | undefined => {
    for (let j = from; j >= 0; j--) if (significant(tokens[j])) return tokens[j];
    return undefined;
  };
  const replace = (from: number, to: number, text: string): void => {
    out[from] = text;
    for (let k = from + 1; k <= to; k++) out[k] = '';
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind === 'var') {
      const value = vars.get(variableName(t));
      if (value !== undefined) replace(i, i, asExpression(value));
      continue;
    }
    const name = nameOf(t);
    if (name === undefined || sigBefore(i - 1)?.text === '.') continue;
    // VERSION(), AURORA_VERSION(): a call with no arguments, not a column or a schema-qualified function.
    const open = sigAfter(i + 1);
    const fn = functions[name];
    if (t.kind === 'word' && fn && tokens[open]?.text === '(') {
      const close = sigAfter(open + 1);
      if (tokens[close]?.text === ')') {
        replace(i, close, fn);
        i = close;
      }
      continue;
    }
    if (name !== 'information_schema' && name !== 'performance_schema') continue;
    const dot = open;
    const tableAt = sigAfter(dot + 1);
    if (tokens[dot]?.text !== '.') continue;
    const table = nameOf(tokens[tableAt]);
    const derived =
      table === 'replica_host_status' && name === 'information_schema'
        ? replicaHostStatusTable(facts.topology)
        : table === 'global_variables' || table === 'session_variables'
          ? variablesTable(facts, table === 'global_variables' ? 'global' : 'session', name)
          : undefined;
    if (!derived || !table) continue;
    const after = sigAfter(tableAt + 1);
    const next = tokens[after];
    if (next?.text === '.') {
      // information_schema.global_variables.variable_name: a column of the table, named through its alias.
      replace(i, tableAt, table);
    } else {
      const aliased = next !== undefined && next.text !== ',' && next.text !== ';' && next.text !== ')';
      const alias = aliased && !notTableAlias.has(upper(next)) ? '' : ` AS ${table}`;
      replace(i, tableAt, derived + alias);
    }
    i = tableAt;
  }
  for (const [start, end] of selectItems(tokens)) {
    const item = tokens.slice(start, end);
    let changed = false;
    for (let k = start; k < end; k++) if (out[k] !== tokens[k]?.text) changed = true;
    if (!changed || hasAlias(item)) continue;
    let last = end - 1;
    while (last > start && !significant(tokens[last])) last--;
    out[last] += aliasFor(item);
  }
  return out.join('');
}
