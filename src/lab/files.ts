import { renameSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Writes `file` whole: aside first (beside it, so the rename stays on one file system), then renamed over it. A
 * reader in another process sees the old file or the new one, never a half-written one: drills read lab.json
 * while a failover rewrites it, and labs read each other's notes while they start.
 */
export function replaceFile(file: string, content: string): void {
  const partial = `${file}.${process.pid}.partial`;
  try {
    // Made new ('wx' does not follow a link another user left at that name in a shared folder such as
    // /tmp/drill-labs); rename replaces the name itself, never what a link there points to.
    rmSync(partial, { force: true });
    writeFileSync(partial, content, { flag: 'wx' });
    renameSync(partial, file);
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  }
}
