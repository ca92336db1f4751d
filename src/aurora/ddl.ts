import type { DdlStep, History } from '../core/history.js';
import type { Trigger } from '../core/trigger.js';
import type { Endpoint } from '../net/endpoint.js';
import type { Resolver } from '../net/resolver.js';
import { type Credentials, type Timeouts, withEndpoint } from './connection.js';
import { classifyError } from './errors.js';
import { quoteIdent } from './sql.js';

/**
 * `--ddl` (the seed lab's "test during DDL"): a table big enough that a copying ALTER TABLE takes seconds,
 * an ALTER started just before the trigger fires, and after recovery a look at what became of it: did it
 * complete, fail (with which error), and does the table have its rows and the new column?
 */
export class DdlWorkload {
  private readonly column = `drill_ddl_${Date.now().toString(36)}`;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly history: History,
    private readonly endpoint: Endpoint,
    private readonly credentials: Credentials,
    private readonly timeouts: Timeouts,
    private readonly resolver: Resolver,
    private readonly schema: string,
    private readonly rows: number,
  ) {}

  private get table(): string {
    return `${quoteIdent(this.schema)}.ddl_target`;
  }

  get statement(): string {
    return `ALTER TABLE ${this.table} ADD COLUMN ${this.column} INT NOT NULL DEFAULT 0, ALGORITHM=COPY`;
  }

  /** Creates and fills the table (doubling INSERT ... SELECT), before the drill starts. */
  async prepare(): Promise<void> {
    await this.on(600_000, async (query) => {
      await query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.schema)}`);
      await query(
        `CREATE TABLE IF NOT EXISTS ${this.table} (id INT AUTO_INCREMENT PRIMARY KEY, payload CHAR(200) NOT NULL)`,
      );
      let [[count]] = (await query(`SELECT COUNT(*) FROM ${this.table}`)) as [[number]];
      if (Number(count) === 0) await query(`INSERT INTO ${this.table} (payload) VALUES (REPEAT('x', 200))`);
      for (
        ;
        Number(count) < this.rows;
        [[count]] = (await query(`SELECT COUNT(*) FROM ${this.table}`)) as [[number]]
      ) {
        await query(
          `INSERT INTO ${this.table} (payload) SELECT payload FROM ${this.table} LIMIT ${this.rows}`,
        );
      }
    });
  }

  /** Wraps a trigger: the ALTER starts, and `leadMs` later the trigger fires while it runs. */
  around(trigger: Trigger, leadMs = 500): Trigger {
    return {
      name: trigger.name,
      fire: async (history, signal) => {
        this.running = this.alter();
        await new Promise((r) => setTimeout(r, leadMs));
        await trigger.fire(history, signal);
      },
    };
  }

  private async alter(): Promise<void> {
    this.step({ step: 'started', detail: this.statement });
    try {
      await this.on(600_000, (query) => query(this.statement));
      this.step({ step: 'completed' });
    } catch (err) {
      const e = classifyError(err);
      this.step({ step: 'failed', detail: `${e.code}: ${e.message}` });
    }
  }

  /** After recovery: what the table holds now, from the writer. */
  async check(): Promise<void> {
    await this.running;
    try {
      await this.on(30_000, async (query) => {
        const [[rows]] = (await query(`SELECT COUNT(*) FROM ${this.table}`)) as [[number]];
        const cols = await query(
          `SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = '${this.schema}' AND table_name = 'ddl_target' AND column_name = '${this.column}'`,
        );
        this.step({ step: 'checked', rows: Number(rows), columnAdded: Number(cols[0]?.[0]) === 1 });
      });
    } catch (err) {
      const e = classifyError(err);
      this.step({ step: 'checked', detail: `could not check the table: ${e.code} ${e.message}` });
    }
  }

  private step(fields: Omit<DdlStep, 'kind' | 't' | 'at'>): void {
    this.history.append<DdlStep>({ kind: 'ddl', t: this.history.clock.now(), ...fields });
  }

  private async on<T>(
    queryTimeoutMs: number,
    use: (query: (sql: string) => Promise<unknown[][]>) => Promise<T>,
  ) {
    return withEndpoint(
      this.endpoint,
      this.resolver,
      this.credentials,
      { ...this.timeouts, queryTimeoutMs },
      AbortSignal.timeout(queryTimeoutMs + 5000),
      use,
    );
  }
}
