/**
 * MySQL's lexical rules, as far as the instance front needs them: a lossless token stream (every character of the
 * statement is in exactly one token), so a rewrite changes only the tokens it means to and the rest of the text,
 * column names included, stays as the client wrote it. Strings, quoted identifiers and comments are single
 * tokens: nothing inside them is ever taken for a variable, a keyword or a parenthesis.
 */

export interface Token {
  /** `space` covers comments too; `var` is a system variable (`@@name`, `@@global.name`). */
  kind: 'word' | 'var' | 'quoted' | 'ident' | 'punct' | 'space';
  text: string;
  /**
   * Parenthesis depth: the depth the token sits at, and for `(` and `)` the depth outside them, so a
   * parenthesised expression's own parentheses have the depth of the expression around them.
   */
  depth: number;
}

/** Where a quoted token closed by `close` ends; doubled quotes, and backslash escapes in strings, stay inside. */
function quotedEnd(sql: string, from: number, close: string): number {
  let j = from;
  while (j < sql.length) {
    if (sql[j] === '\\' && close !== '`') j += 2;
    else if (sql[j] === close && sql[j + 1] === close) j += 2;
    else if (sql[j] === close) return j + 1;
    else j++;
  }
  return sql.length;
}

/** Where a comment starting at `i` ends, or -1 when none starts there. */
function commentEnd(sql: string, i: number): number {
  const c = sql[i];
  const lineEnd = (): number => {
    const nl = sql.indexOf('\n', i);
    return nl === -1 ? sql.length : nl;
  };
  if (c === '/' && sql[i + 1] === '*') {
    const close = sql.indexOf('*/', i + 2);
    return close === -1 ? sql.length : close + 2;
  }
  if (c === '#') return lineEnd();
  // MySQL's `--` starts a comment only when a space or control character (or the end) follows it.
  if (c === '-' && sql[i + 1] === '-' && (i + 2 >= sql.length || (sql.charCodeAt(i + 2) as number) <= 32))
    return lineEnd();
  return -1;
}

const wordChar = /[\w$\u0080-\uffff]/;

/** Splits SQL into tokens, keeping every character so the text can be rebuilt by joining them. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let depth = 0;
  let i = 0;
  const push = (kind: Token['kind'], end: number, at = depth): void => {
    tokens.push({ kind, text: sql.slice(i, end), depth: at });
    i = end;
  };
  while (i < sql.length) {
    const c = sql[i] as string;
    const comment = commentEnd(sql, i);
    if (comment !== -1) push('space', comment);
    else if (/\s/.test(c)) {
      let j = i + 1;
      while (j < sql.length && /\s/.test(sql[j] as string)) j++;
      push('space', j);
    } else if (c === "'" || c === '"') push('quoted', quotedEnd(sql, i + 1, c));
    else if (c === '`') push('ident', quotedEnd(sql, i + 1, '`'));
    else if (c === '@' && sql[i + 1] === '@') {
      const m = /^@@(?:(?:global|session|local)\.)?(?:[\w$]+|`(?:[^`]|``)*`)/i.exec(sql.slice(i, i + 300));
      push('var', i + (m?.[0].length ?? 2));
    } else if (wordChar.test(c)) {
      let j = i + 1;
      while (j < sql.length && wordChar.test(sql[j] as string)) j++;
      push('word', j);
    } else if (c === '(') {
      push('punct', i + 1);
      depth++;
    } else if (c === ')') {
      depth = Math.max(0, depth - 1);
      push('punct', i + 1);
    } else push('punct', i + 1);
  }
  return tokens;
}

/** A word or a quoted identifier as the name it stands for, lowercased: `information_schema`, `REPLICA_HOST_STATUS`. */
export function nameOf(t: Token | undefined): string | undefined {
  if (!t) return undefined;
  if (t.kind === 'word') return t.text.toLowerCase();
  if (t.kind === 'ident') return t.text.slice(1, -1).replace(/``/g, '`').toLowerCase();
  return undefined;
}

/** A system variable token's name without `@@` and scope, lowercased: `@@GLOBAL.aurora_version` is `aurora_version`. */
export function variableName(t: Token): string {
  return t.text
    .replace(/^@@(?:(?:global|session|local)\.)?/i, '')
    .replace(/^`(.*)`$/, '$1')
    .toLowerCase();
}
