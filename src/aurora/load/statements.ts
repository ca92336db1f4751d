import type { AwsTarget } from '../../aws/clients.js';
import type { DnsChoice } from '../../net/resolver.js';
import { quoteIdent } from '../sql.js';
import type { TlsChoice } from '../tls.js';

/** Rows the workload reads and updates by primary key: few enough to seed at once, enough to spread writes. */
export const loadRows = 1000;

export const loadTable = (schema: string): string => `${quoteIdent(schema)}.load_rows`;

export const pointRead = (schema: string): string => `SELECT v FROM ${loadTable(schema)} WHERE id = ?`;

export const pointWrite = (schema: string): string =>
  `UPDATE ${loadTable(schema)} SET v = v + 1, updated_at = NOW(6) WHERE id = ?`;

/** What the MySQL load worker thread is given besides the load's shape (plain data). */
export interface MysqlLoadService {
  host: string;
  port: number;
  /** How the drill resolves names: its workers resolve the same way. */
  dns: DnsChoice;
  user: string;
  password: string;
  tls: TlsChoice;
  /** --iam-auth: each worker makes its own tokens (a function cannot cross to a thread), for this target. */
  iam: AwsTarget | undefined;
  connectTimeoutMs: number;
  queryTimeoutMs: number;
  schema: string;
}
