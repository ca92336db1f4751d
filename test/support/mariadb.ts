import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MariadbInstance, prepareTemplate } from '../../src/lab/aurora/mariadb.js';

const live = new Set<MariadbInstance>();
// A test process that dies must not leave a server behind on the shared machine.
process.once('exit', () => {
  for (const db of live) if (db.pid) process.kill(db.pid, 'SIGKILL');
});

export interface TestDatabase {
  db: MariadbInstance;
  address: string;
  port: number;
  user: string;
  password: string;
  /** Stops the server and removes its files. */
  cleanup(): Promise<void>;
}

/**
 * A real MariaDB for one test file, on its own loopback address (never the machine's own server on
 * 127.0.0.1), with a user that has a password.
 */
export async function startTestDatabase(address: string, port = 3306): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'drill-test-db-'));
  const template = await prepareTemplate(dir);
  const db = new MariadbInstance({ dir: join(dir, 'instance'), address, port, serverId: 101 });
  db.initFrom(template);
  live.add(db);
  await db.start();
  const user = 'drill';
  const password = `pw-${Math.random().toString(36).slice(2, 12)}`;
  await db.createUser(user, password);
  return {
    db,
    address,
    port,
    user,
    password,
    async cleanup() {
      await db.stop();
      live.delete(db);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
