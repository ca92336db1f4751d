import { tokenize } from './sql-tokens.js';
/**
 * What the lab's RDS Proxy makes of one SQL statement, after "Avoiding pinning an RDS Proxy" (Aurora MySQL): the
 * statements and variables it tracks (carried with the session to whichever database connection serves it), and
 * the ones that pin the session to its database connection until the client disconnects.
 */
export interface StatementEffect {
  /** Why the statement pins the session; undefined when it does not. */
  pins?: string;
  /** A SET of tracked variables only: the proxy replays it on every database connection that serves the session. */
  tracked?: { key: string };
  /** `USE db`: the session's database from now on (when it succeeds). */
  use?: string;
  /** `DROP DATABASE db`: the session has no database any more if it was this one. */
  dropsDatabase?: string;
}

/** RDS Proxy's tracked variables for Aurora MySQL (session scope). */
const TRACKED = new Set([
  'autocommit',
  'auto_increment_increment',
  'character_set_client',
  'character_set_database',
  'character_set_filesystem',
  'character_set_connection',
  'character_set_results',
  'character_set_server',
  'collation_connection',
  'collation_database',
  'collation_server',
  'interactive_timeout',
  'net_write_timeout',
  'query_cache_type',
  'session_track_schema',
  'sql_mode',
  'time_zone',
  'transaction_isolation',
  'tx_isolation',
  'transaction_read_only',
  'tx_read_only',
  'wait_timeout',
]);

/** Any statement longer than this pins (all engines). */
export const PINNING_TEXT_BYTES = 16 * 1024;

/**
 * The statement with comments removed and every string literal and quoted name replaced by an empty one, so that
 * words inside them are not taken for SQL. Executable comments (`/*!`, `/*M!`) are reported, not removed.
 */
function skeleton(sql: string): { text: string; executableComment: boolean } {
  let text = '';
  let executableComment = false;
  for (const t of tokenize(sql)) {
    if (t.kind === 'quoted') text += "''";
    else if (t.kind === 'ident') text += '``';
    else if (t.kind === 'space' && /^(\/\*|#|--)/.test(t.text)) {
      if (/^\/\*M?!/.test(t.text)) executableComment = true;
      text += ' ';
    } else text += t.text;
  }
  return { text, executableComment };
}

/** Splits at top-level commas (not inside parentheses). */
function topLevelParts(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (text[i] === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** What one `SET` does: pins, is tracked, or neither (GLOBAL, which is no session state). */
function setEffect(body: string): StatementEffect {
  const words = body.trim();
  // SET NAMES / SET CHARACTER SET / SET CHARSET: tracked.
  if (/^(names|character\s+set|charset)\b/i.test(words)) return { tracked: { key: 'names' } };
  // SET [SESSION|GLOBAL] TRANSACTION ...: next-transaction scope pins; session scope is tracked.
  const tx = /^(?:(session|local|global)\s+)?transaction\b/i.exec(words);
  if (tx) {
    if (!tx[1]) return { pins: 'SET TRANSACTION (next transaction only)' };
    return tx[1].toLowerCase() === 'global' ? {} : { tracked: { key: 'transaction' } };
  }
  const tracked: string[] = [];
  let scope: 'session' | 'global' | 'local' = 'session';
  for (const part of topLevelParts(words)) {
    let a = part.trim();
    const scoped = /^(session|local|global|persist|persist_only)\s+/i.exec(a);
    if (scoped) {
      const s = (scoped[1] as string).toLowerCase();
      scope = s === 'local' ? 'local' : s === 'session' ? 'session' : 'global';
      a = a.slice(scoped[0].length);
    }
    const user = /^@([A-Za-z0-9_$.]+|'')\s*:?=/.exec(a);
    if (user) return { pins: `user variable @${user[1]}` };
    const sys = /^(?:@@(session|local|global)\.|@@)?([A-Za-z0-9_]+)\s*:?=/i.exec(a);
    if (!sys) return { pins: 'SET of something the proxy cannot read' };
    const varScope = sys[1]?.toLowerCase() ?? scope;
    if (varScope === 'global') continue;
    const name = (sys[2] as string).toLowerCase();
    // The docs: SET LOCAL does not pin. The lab carries it with the session, like a tracked variable.
    if (TRACKED.has(name) || varScope === 'local') tracked.push(name);
    else return { pins: `system variable ${name}` };
  }
  return tracked.length ? { tracked: { key: tracked.sort().join(',') } } : {};
}

/** How the lab's proxy treats one text-protocol statement (COM_QUERY). */
export function statementEffect(sql: string): StatementEffect {
  if (Buffer.byteLength(sql, 'utf8') > PINNING_TEXT_BYTES) return { pins: 'statement text over 16 KB' };
  const { text, executableComment } = skeleton(sql);
  if (executableComment) return { pins: 'executable comment (/*! ... */)' };
  const statements = text
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (statements.length > 1) return { pins: 'several statements in one query' };
  const s = statements[0] ?? '';
  const first = /^[A-Za-z]+/.exec(s)?.[0].toUpperCase() ?? '';
  if (first === 'SET') return setEffect(s.slice(3));
  if (first === 'PREPARE' || first === 'EXECUTE' || first === 'DEALLOCATE' || /^DROP\s+PREPARE\b/i.test(s))
    return { pins: 'prepared statement (SQL text)' };
  if (/^LOCK\s+TABLES?\b/i.test(s) || /^FLUSH\s+TABLES?\b.*\bWITH\s+READ\s+LOCK\b/is.test(s))
    return { pins: 'table lock' };
  if (/^CREATE\s+(?:OR\s+REPLACE\s+)?TEMPORARY\s+TABLE\b/i.test(s)) return { pins: 'temporary table' };
  if (/\bGET_LOCK\s*\(/i.test(s)) return { pins: 'named lock (GET_LOCK)' };
  if (/\b(?:FOUND_ROWS|ROW_COUNT)\s*\(/i.test(s)) return { pins: 'FOUND_ROWS() / ROW_COUNT()' };
  const assigned = /@([A-Za-z0-9_$.]+)\s*:=/.exec(s) ?? /\bINTO\s+@([A-Za-z0-9_$.]+)/i.exec(s);
  if (assigned) return { pins: `user variable @${assigned[1]}` };
  const use = /^USE\s+`?([^`\s;]+)`?\s*$/i.exec(sql.trim().replace(/;$/, ''));
  if (first === 'USE' && use) return { use: use[1] as string };
  const drop = /^DROP\s+(?:DATABASE|SCHEMA)\s+(?:IF\s+EXISTS\s+)?`?([^`\s;]+)`?/i.exec(sql.trim());
  if (drop) return { dropsDatabase: drop[1] as string };
  return {};
}
