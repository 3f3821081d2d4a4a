/** restoreBackup: the public verb. */
import { underLock } from "./lock.js";
import {
  assertRestoreOptions,
  type RestoreBackupOptions,
  type RestoreResult,
  restoreUnderLock,
} from "./restore-under-lock.js";

/**
 * Restores a backup into a database. See docs/restore.md for the guarantees.
 *
 * @throws BackupError — `VALIDATION_FAILED` (nothing written), `TARGET_NOT_EMPTY`, `UNSUPPORTED_TARGET`,
 *   `NOT_FOUND`, `ABORTED` / `RESTORE_FAILED` (replace mode: previous contents restored — see
 *   `details.safetyBackup`), `ROLLBACK_FAILED` (the message names the safety backup), `CONNECTION`.
 */
export async function restoreBackup(options: RestoreBackupOptions): Promise<RestoreResult> {
  assertRestoreOptions(options);
  // a dry run writes nothing: not even the recovery of an unfinished restore into the target
  const locking = options.dryRun ? { ...options, driver: undefined } : options;
  return underLock(locking, () => restoreUnderLock(options));
}
