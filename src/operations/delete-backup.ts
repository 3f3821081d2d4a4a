/**
 * deleteBackup: removes one backup by name, holding the storage lock — what an operator does by
 * hand, with the checks a hand would skip.
 */
import { BackupError } from "../errors.js";
import { updateIndex } from "../lifecycle/backup-index.js";
import { type Logger, silentLogger } from "../logger.js";
import { assertValidBackupName, type BackupStorage } from "../storage/contract.js";
import type { LockingOptions } from "../storage/with-lock.js";
import { underLock } from "./lock.js";

/** Options of {@link deleteBackup}. */
export interface DeleteBackupOptions extends LockingOptions {
  storage: BackupStorage;
  /** The backup to remove. */
  name: string;
  /** A pino-compatible logger; default silent. */
  logger?: Logger;
  /** Cancels waiting for the lock. */
  signal?: AbortSignal;
}

/** What {@link deleteBackup} removed. */
export interface DeleteResult {
  name: string;
  /** Its size as stored (for a snapshot, its manifest: its chunks go with a later prune). */
  size: number;
}

/**
 * Removes the backup `name` and its entry in the index, holding the storage lock. Refused, with
 * nothing removed, when it is pinned (`pinBackup`) or an unfinished restore needs it (the backup
 * being restored, or the safety backup that puts the previous contents back). A snapshot's chunks
 * stay until `pruneChunks`.
 *
 * @throws BackupError — `NOT_FOUND`, `INVALID_OPTIONS` (a bad name, a pinned backup, or one an
 *   unfinished restore needs), `LOCKED`, `ABORTED`, `STORAGE`.
 */
export async function deleteBackup(options: DeleteBackupOptions): Promise<DeleteResult> {
  if (!options?.storage || typeof options.storage.remove !== "function")
    throw new BackupError("INVALID_OPTIONS", "deleteBackup needs `storage`: a BackupStorage");
  assertValidBackupName(options.name);
  const { storage, name } = options;
  const logger = options.logger ?? silentLogger;
  return underLock({ ...options, driver: undefined }, async () => {
    const stored = await storage.stat(name);
    if (!stored) throw new BackupError("NOT_FOUND", `backup ${name} not found in ${storage.describe()}`);
    const index = await updateIndex(storage, () => {}, { logger, signal: options.signal });
    if (index.pinned?.includes(name)) {
      throw new BackupError(
        "INVALID_OPTIONS",
        `backup ${name} is pinned; unpin it first (pinBackup with pinned: false); nothing was removed`,
      );
    }
    const needed = index.pendingRestores.find((p) => p.name === name || p.safetyBackup === name);
    if (needed) {
      throw new BackupError(
        "INVALID_OPTIONS",
        `backup ${name} is needed by the unfinished restore of ${needed.name} (started ${needed.started}); finish it with \`neo4j-backup recover\` first; nothing was removed`,
      );
    }
    await storage.remove(name);
    logger.info({ name, size: stored.size }, "backup deleted");
    await updateIndex(storage, () => {}, { logger }).catch((error: unknown) => {
      // the file is gone; the index drops its entry when next read
      logger.warn({ err: (error as Error).message }, "the backup index could not be updated");
    });
    return { name, size: stored.size };
  });
}
