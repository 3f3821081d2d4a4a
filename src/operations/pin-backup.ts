/**
 * pinBackup: marks a backup that retention must never remove (or takes the mark off), in the
 * storage's index, holding the storage lock.
 */
import { BackupError } from "../errors.js";
import { updateIndex } from "../lifecycle/backup-index.js";
import { type Logger, silentLogger } from "../logger.js";
import { assertValidBackupName, type BackupStorage } from "../storage/contract.js";
import type { LockingOptions } from "../storage/with-lock.js";
import { underLock } from "./lock.js";

/** Options of {@link pinBackup}. */
export interface PinBackupOptions extends LockingOptions {
  storage: BackupStorage;
  /** The backup. */
  name: string;
  /** True (default) to pin, false to unpin. */
  pinned?: boolean;
  /** A pino-compatible logger; default silent. */
  logger?: Logger;
  /** Cancels waiting for the lock. */
  signal?: AbortSignal;
}

/**
 * Pins the backup `name` — retention (`keep`, a policy, `forgetBackups`) keeps it with the reason
 * `pinned`, and `deleteBackup` refuses it — or unpins it with `pinned: false`. The pins are kept in
 * the storage's index (`backup_metadata.json`); an index that is deleted or damaged and rebuilt
 * from the files has none. Returns the storage's pinned backups afterwards.
 *
 * @throws BackupError — `NOT_FOUND` (pinning a backup that is not there), `INVALID_OPTIONS`,
 *   `LOCKED`, `ABORTED`, `STORAGE`.
 */
export async function pinBackup(
  options: PinBackupOptions,
): Promise<{ name: string; pinned: boolean; all: string[] }> {
  if (!options?.storage || typeof options.storage.stat !== "function")
    throw new BackupError("INVALID_OPTIONS", "pinBackup needs `storage`: a BackupStorage");
  assertValidBackupName(options.name);
  const { storage, name } = options;
  const pinned = options.pinned ?? true;
  const logger = options.logger ?? silentLogger;
  return underLock({ ...options, driver: undefined }, async () => {
    if (pinned && !(await storage.stat(name)))
      throw new BackupError("NOT_FOUND", `backup ${name} not found in ${storage.describe()}`);
    const index = await updateIndex(
      storage,
      (index) => {
        const others = (index.pinned ?? []).filter((n) => n !== name);
        index.pinned = pinned ? [...others, name].sort() : others;
      },
      { logger, signal: options.signal },
    );
    logger.info({ name, pinned }, pinned ? "backup pinned" : "backup unpinned");
    return { name, pinned, all: index.pinned ?? [] };
  });
}
