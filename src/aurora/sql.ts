import type { Role } from '../core/history.js';

/** Aurora MySQL answers the seed lab's writer check; plain MySQL/MariaDB lacks the aurora_* variables. */
export type Dialect = 'aurora' | 'mysql';

export const writerCheckSql: Record<Dialect, string> = {
  aurora: 'SELECT @@innodb_read_only, @@aurora_server_id, @@aurora_version',
  mysql: 'SELECT @@read_only, @@server_id, @@hostname, @@version',
};

export interface WriterCheck {
  role: Role;
  nodeId: string;
  version: string;
}

/** Reads the writer check's single row (as an array) in either dialect. */
export function readWriterCheck(dialect: Dialect, row: readonly unknown[]): WriterCheck {
  const readOnly = String(row[0]) === '1';
  const role: Role = readOnly ? 'reader' : 'writer';
  if (dialect === 'aurora') return { role, nodeId: String(row[1]), version: String(row[2]) };
  return { role, nodeId: `${String(row[2])}/${String(row[1])}`, version: String(row[3]) };
}

/** A schema or table name as a quoted MySQL identifier. */
export function quoteIdent(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}
