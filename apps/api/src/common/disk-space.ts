import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LedgerConfig } from '../config';

/**
 * Below this much free space on the file system of an SQLite file (the ledger or the read models)
 * the api reports itself not ready: a commit may need a few pages of WAL and a projector batch more,
 * so "not full yet" is not "can write".
 */
export const MIN_FREE_BYTES = 1024 * 1024;

/**
 * The SQLite folders of this configuration whose file system has less than MIN_FREE_BYTES free
 * (to an unprivileged writer), with what is free; empty when none (or no SQLite file is used).
 * Checked on every call, so readiness comes back by itself when space does.
 */
export async function lowDiskSpace(
  config: Pick<LedgerConfig, 'store' | 'readModels' | 'dbFile' | 'readDbFile'>,
): Promise<{ folder: string; freeBytes: number }[]> {
  const folders = new Set<string>();
  if (config.store === 'sqlite') folders.add(dirname(config.dbFile));
  if (config.readModels === 'sqlite') folders.add(dirname(config.readDbFile));
  const low: { folder: string; freeBytes: number }[] = [];
  for (const folder of folders) {
    try {
      const s = await statfs(folder);
      const freeBytes = s.bavail * s.bsize;
      if (freeBytes < MIN_FREE_BYTES) low.push({ folder, freeBytes });
    } catch {
      // A folder that cannot be examined is reported by the store's own checks.
    }
  }
  return low;
}
