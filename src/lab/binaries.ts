import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { cannotStart } from '../core/errors.js';

const packageOf: Record<string, string> = {
  mariadbd: 'mariadb-server',
  'mariadb-install-db': 'mariadb-server',
  'redis-server': 'redis-server',
};

/**
 * Finds a server binary on PATH (and the sbin folders Debian puts them in), or says how to install it.
 * DRILL_SERVER_BIN_DIR, when set, is the only place looked in (to use other builds, or to test their absence).
 */
export function findBinary(name: string, path = process.env.PATH ?? ''): string {
  const only = process.env.DRILL_SERVER_BIN_DIR;
  const dirs = only ? [only] : [...path.split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/bin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  const pkg = packageOf[name];
  if (only) {
    throw cannotStart(
      `'${name}' not found in DRILL_SERVER_BIN_DIR (${only}): put it there, or unset DRILL_SERVER_BIN_DIR to look on PATH`,
    );
  }
  throw cannotStart(
    `'${name}' not found on PATH${pkg ? `: install it with 'apt-get install -y ${pkg}'` : ''}`,
  );
}
