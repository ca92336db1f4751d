/**
 * What the lab's instance front does with a statement: MariaDB does not know Aurora's variables and tables, so
 * the front rewrites them into plain SQL that MariaDB answers itself (its real read-only state, a derived table
 * for the topology), and MariaDB then evaluates WHERE, CASE, functions and aliases exactly as written.
 */

export interface TopologyRow {
  serverId: string;
  /** 'MASTER_SESSION_ID' for the writer, a unique id for each reader. */
  sessionId: string;
  replicaLagMs: number;
  cpu: number;
  /** How long ago the instance last reported (0 while it is up). */
  ageMs: number;
}

export interface InstanceFacts {
  serverId: string;
  /**
   * The instance's read-only state as the lab last set it. A literal, because MariaDB 10.11 answers
   * `@@global.read_only` wrongly (0) in a statement that also aggregates over a table.
   */
  readOnly: boolean;
  auroraVersion: string;
  topology: readonly TopologyRow[];
}

interface Token {
  kind: 'word' | 'var' | 'quoted' | 'ident' | 'punct' | 'space';
  text: string;
  depth: number;
}

/** Splits SQL into tokens, keeping every character (comments count as space) so the text can be rebuilt. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let depth = 0;
  let i = 0;
  const push = (kind: Token['kind'], end: number): void => {
    tokens.push({ kind, text: sql.slice(i, end), depth });
    i = end;
  };
  const until = (close: string, from: number): number => {
    let j = from;
    while (j < sql.length) {
      if (sql[j] === '\\' && close !== '`') j += 2;
      else if (sql[j] === close && sql[j + 1] === close) j += 2;
      else if (sql[j] === close) return j + 1;
      else j++;
    }
    return sql.length;
  };
  while (i < sql.length) {
    const c = sql[i] as string;
    const rest = sql.slice(i);
    if (/\s/.test(c)) push('space', i + (/^\s+/.exec(rest)?.[0].length ?? 1));
    else if (rest.startsWith('/*'))
      push('space', rest.includes('*/') ? i + rest.indexOf('*/') + 2 : sql.length);
    else if (rest.startsWith('-- ') || c === '#')
      push('space', rest.includes('\n') ? i + rest.indexOf('\n') : sql.length);
    else if (c === "'" || c === '"') push('quoted', until(c, i + 1));
    else if (c === '`') push('ident', until('`', i + 1));
    else if (rest.startsWith('@@'))
      push('var', i + (/^@@(?:(?:global|session|local)\.)?[\w$]+/i.exec(rest)?.[0].length ?? 2));
    else if (/[\w$]/.test(c)) push('word', i + (/^[\w$]+/.exec(rest)?.[0].length ?? 1));
    else {
      if (c === ')') depth = Math.max(0, depth - 1);
      push('punct', i + 1);
      if (c === '(') depth++;
    }
  }
  return tokens;
}

const endsSelectItem = new Set([
  ',',
  ';',
  'FROM',
  'UNION',
  'LIMIT',
  'ORDER',
  'INTO',
  'WHERE',
  'GROUP',
  'HAVING',
  'FOR',
]);
const notAnAlias = new Set([
  ',',
  ';',
  ')',
  'WHERE',
  'ORDER',
  'GROUP',
  'LIMIT',
  'JOIN',
  'INNER',
  'LEFT',
  'RIGHT',
  'CROSS',
  'STRAIGHT_JOIN',
  'NATURAL',
  'ON',
  'USING',
  'UNION',
  'HAVING',
  'FOR',
  'LOCK',
  'WINDOW',
]);

const sqlString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
const unquote = (t: Token): string => (t.kind === 'ident' ? t.text.slice(1, -1) : t.text).toLowerCase();

/** The topology as a derived table with Aurora's column names; lag and age come from the lab's live state. */
export function replicaHostStatusTable(rows: readonly TopologyRow[]): string {
  const select = (r: TopologyRow): string =>
    `SELECT ${sqlString(r.serverId)} AS SERVER_ID, ${sqlString(r.sessionId)} AS SESSION_ID, ` +
    `${Math.round(r.replicaLagMs)} AS REPLICA_LAG_IN_MILLISECONDS, ${r.cpu.toFixed(2)} AS CPU, ` +
    `NOW(6) - INTERVAL ${Math.round(r.ageMs * 1000)} MICROSECOND AS LAST_UPDATE_TIMESTAMP, ` +
    `${r.ageMs === 0 ? 1 : 0} AS IS_CURRENT`;
  if (rows.length === 0) {
    return `(SELECT NULL AS SERVER_ID, NULL AS SESSION_ID, NULL AS REPLICA_LAG_IN_MILLISECONDS, NULL AS CPU, NULL AS LAST_UPDATE_TIMESTAMP, NULL AS IS_CURRENT FROM DUAL WHERE FALSE)`;
  }
  return `(${rows.map(select).join(' UNION ALL ')})`;
}

/** Rewrites Aurora-only variables and `information_schema.replica_host_status`; other text is left as it is. */
export function rewriteAuroraSql(sql: string, facts: InstanceFacts): string {
  const tokens = tokenize(sql);
  const next = (from: number): Token | undefined => tokens.slice(from).find((t) => t.kind !== 'space');
  const nextIndex = (from: number): number => {
    for (let j = from; j < tokens.length; j++) if (tokens[j]?.kind !== 'space') return j;
    return tokens.length;
  };
  const upper = (t: Token | undefined): string => (t ? t.text.toUpperCase() : ';');
  let out = '';
  let changed = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind === 'var') {
      const name = t.text.toLowerCase().replace(/^@@((global|session|local)\.)?/, '');
      const replacement =
        name === 'aurora_server_id'
          ? sqlString(facts.serverId)
          : name === 'aurora_version'
            ? sqlString(facts.auroraVersion)
            : name === 'innodb_read_only'
              ? String(facts.readOnly ? 1 : 0)
              : undefined;
      if (replacement !== undefined) {
        const alias = t.depth === 0 && endsSelectItem.has(upper(next(i + 1))) ? ` AS \`${t.text}\`` : '';
        out += replacement + alias;
        changed = true;
        continue;
      }
    }
    if ((t.kind === 'word' || t.kind === 'ident') && unquote(t) === 'information_schema') {
      const dot = nextIndex(i + 1);
      const table = nextIndex(dot + 1);
      const tableToken = tokens[table];
      if (tokens[dot]?.text === '.' && tableToken && unquote(tableToken) === 'replica_host_status') {
        const after = next(table + 1);
        const hasAlias = after !== undefined && !notAnAlias.has(upper(after));
        out += replicaHostStatusTable(facts.topology) + (hasAlias ? '' : ' AS replica_host_status');
        i = table;
        changed = true;
        continue;
      }
    }
    out += t.text;
  }
  return changed ? out : sql;
}

const likeToRegExp = (pattern: string): RegExp =>
  new RegExp(
    `^${pattern
      .replace(/[.*+?^${}()|[\]\\]/g, (c) => `\\${c}`)
      .replace(/(?<!\\)%/g, '.*')
      .replace(/(?<!\\)_/g, '.')}$`,
    'i',
  );

/** `SHOW VARIABLES LIKE 'aurora%'` as a SELECT of the matching Aurora variables; undefined when none match. */
export function rewriteShowVariables(sql: string, facts: InstanceFacts): string | undefined {
  const m = /^\s*SHOW\s+(?:GLOBAL\s+|SESSION\s+)?VARIABLES\s+LIKE\s+'((?:[^'\\]|\\.)*)'\s*;?\s*$/i.exec(sql);
  if (!m) return undefined;
  const like = likeToRegExp(m[1] as string);
  const ours: [string, string][] = [
    ['aurora_server_id', facts.serverId],
    ['aurora_version', facts.auroraVersion],
  ];
  const rows = ours.filter(([name]) => like.test(name));
  if (rows.length === 0) return undefined;
  return rows
    .map(([n, v]) => `SELECT ${sqlString(n)} AS Variable_name, ${sqlString(v)} AS Value`)
    .join(' UNION ALL ');
}
