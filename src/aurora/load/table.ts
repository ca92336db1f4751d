import type { Endpoint } from '../../net/endpoint.js';
import type { Resolver } from '../../net/resolver.js';
import { type Credentials, type Timeouts, withEndpoint } from '../connection.js';
import { quoteIdent } from '../sql.js';
import { loadRows, loadTable } from './statements.js';

export interface LoadTableAccess {
  endpoint: Endpoint;
  credentials: Credentials;
  timeouts: Timeouts;
  resolver: Resolver;
  schema: string;
}

/** Creates and fills the table the workload uses (a preflight: an error here stops the drill before it starts). */
export async function prepareLoadTable(a: LoadTableAccess): Promise<void> {
  await withEndpoint(
    a.endpoint,
    a.resolver,
    a.credentials,
    a.timeouts,
    AbortSignal.timeout(30_000),
    async (query) => {
      await query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(a.schema)}`);
      await query(
        `CREATE TABLE IF NOT EXISTS ${loadTable(a.schema)} (id INT NOT NULL PRIMARY KEY, v BIGINT NOT NULL DEFAULT 0, updated_at DATETIME(6) NULL)`,
      );
      const values = Array.from({ length: loadRows }, (_, i) => `(${i + 1})`).join(',');
      await query(`INSERT IGNORE INTO ${loadTable(a.schema)} (id) VALUES ${values}`);
    },
  );
}

/** `--cleanup`: drops the workload's table. */
export async function dropLoadTable(a: LoadTableAccess): Promise<void> {
  await withEndpoint(
    a.endpoint,
    a.resolver,
    a.credentials,
    a.timeouts,
    AbortSignal.timeout(10_000),
    (query) => query(`DROP TABLE IF EXISTS ${loadTable(a.schema)}`),
  );
}
