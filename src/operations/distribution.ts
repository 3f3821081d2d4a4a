/**
 * Distribution: writing the bundled `initial_backup.json` that initializeDatabase restores into a
 * new installation's empty database.
 */
import type { BackupResult } from "../backup/run-backup.js";
import { BackupError } from "../errors.js";
import { formatTimestamp } from "../format/naming.js";
import { DISTRIBUTION_BACKUP_NAME, updateIndex } from "../lifecycle/backup-index.js";
import { type Logger, silentLogger } from "../logger.js";
import { validateBackup } from "../validate/validate-backup.js";
import {
  assertCreateOptions,
  backupUnderLock,
  type CreateBackupOptions,
  entryFromResult,
} from "./backup-under-lock.js";
import { underLock } from "./lock.js";

/** Options of {@link createDistributionBackup}. */
export type CreateDistributionBackupOptions = Omit<
  CreateBackupOptions,
  "name" | "prefix" | "keep" | "reason"
> & {
  /** Default `Distribution backup`. */
  reason?: string;
  /** Replace an existing `initial_backup.json` (the old one is removed only after the new one validated). */
  replace?: boolean;
};

/**
 * Writes `initial_backup.json` from the current database, for shipping with an application.
 * Refuses (`BACKUP_EXISTS`) when one exists, unless `replace` is set.
 */
export async function createDistributionBackup(
  options: CreateDistributionBackupOptions,
): Promise<BackupResult> {
  if (!options?.storage) throw new BackupError("INVALID_OPTIONS", "createDistributionBackup needs `storage`");
  const { storage } = options;
  const logger = options.logger ?? silentLogger;
  const backup: CreateBackupOptions = {
    ...options,
    reason: options.reason ?? "Distribution backup",
    name: DISTRIBUTION_BACKUP_NAME,
  };
  assertCreateOptions(backup);
  return underLock({ ...options, logger }, async () => {
    if (!(await storage.stat(DISTRIBUTION_BACKUP_NAME))) return backupUnderLock(backup);
    if (!options.replace) {
      throw new BackupError(
        "BACKUP_EXISTS",
        `${DISTRIBUTION_BACKUP_NAME} already exists in ${storage.describe()}; pass replace to write a new one`,
      );
    }
    return replaceDistributionBackup(backup, logger);
  });
}

/** The new content under a side name first, validated, then moved into place. */
async function replaceDistributionBackup(backup: CreateBackupOptions, logger: Logger): Promise<BackupResult> {
  const { storage, signal } = backup;
  const side = `initial_backup_next_${formatTimestamp(new Date())}.json`;
  const made = await backupUnderLock({ ...backup, name: side });
  try {
    const report = await validateBackup({ storage, name: side, signal });
    if (!report.valid) {
      throw new BackupError("VALIDATION_FAILED", `the new distribution backup does not pass validation`, {
        details: report,
      });
    }
    await storage.remove(DISTRIBUTION_BACKUP_NAME);
    const stored = await storage.write(DISTRIBUTION_BACKUP_NAME, await storage.read(side), { signal });
    await storage.remove(side);
    const result = { ...made, name: DISTRIBUTION_BACKUP_NAME, bytes: stored.size };
    await updateIndex(storage, () => {}, { logger }, [entryFromResult(result)]);
    return result;
  } catch (error) {
    logger.error({ err: (error as Error).message, kept: side }, "replacing the distribution backup failed");
    throw error;
  }
}
