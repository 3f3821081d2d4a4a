/** createBackup: the public verb. */
import type { BackupResult } from "../backup/run-backup.js";
import { assertCreateOptions, backupUnderLock, type CreateBackupOptions } from "./backup-under-lock.js";
import { recordingFailure } from "./failure-record.js";
import { underLock } from "./lock.js";

/**
 * Backs up a whole database: every node, relationship, label, property, index and constraint,
 * into one file in `storage`; records it in the index and applies retention. See docs/format.md
 * for the file and its consistency guarantee. With `recordFailure`, a failure is recorded in the
 * index for monitoring.
 *
 * @throws BackupError — `ABORTED`, `CONNECTION`, `AUTHENTICATION`, `UNSUPPORTED_VALUE`,
 *   `INCONSISTENT` (with `requireConsistent`), `STORAGE`, `INVALID_OPTIONS`, `DRIVER_CONFIG`.
 */
export async function createBackup(options: CreateBackupOptions): Promise<BackupResult> {
  assertCreateOptions(options);
  return recordingFailure(options, "backup", () => underLock(options, () => backupUnderLock(options)));
}
