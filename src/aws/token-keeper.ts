/** An IAM authentication token (RDS or MemoryDB) is good for 15 minutes; a new one is made well before. */
export const tokenLifetimeMs = 15 * 60_000;
export const tokenRefreshMs = 10 * 60_000;

/**
 * Holds the current token for connections that need one now (synchronously, as mysql2's auth plugin asks): a
 * token older than `refreshMs` is replaced in the background, so a long drill (`--repeat`) never sends one past
 * its 15 minutes. A failed refresh keeps the old token and tries again on the next connection.
 */
export class TokenKeeper {
  private token = '';
  private madeAt = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly make: () => Promise<string>,
    private readonly now: () => number = Date.now,
    private readonly refreshMs = tokenRefreshMs,
  ) {}

  /** Makes the first token; its failure (no credentials, no region) is the drill's to report. */
  async start(): Promise<void> {
    this.token = await this.make();
    this.madeAt = this.now();
  }

  current(): string {
    if (this.now() - this.madeAt >= this.refreshMs) void this.refresh();
    return this.token;
  }

  /** Resolves once a refresh under way (if any) has ended. */
  async settled(): Promise<void> {
    await this.refreshing;
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.make()
      .then((token) => {
        this.token = token;
        this.madeAt = this.now();
      })
      .catch(() => {})
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }
}

/** A keeper with its first token made: a missing credential or region fails here, before anything starts. */
export async function keepTokens(make: () => Promise<string>): Promise<TokenKeeper> {
  const keeper = new TokenKeeper(make);
  await keeper.start();
  return keeper;
}
