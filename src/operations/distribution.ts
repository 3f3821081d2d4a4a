/**
 * Distribution: writing the bundled `initial_backup.json` that initializeDatabase restores into a
 * new installation's empty database.
 */
import { type BackupResult, carryReadKey, readKeysFor } from "../backup/run-backup.js";
import { layersOf, resolveEncoding } from "../codec/encoded-writer.js";
import { BackupError } from "../errors.js";
import {
  BACKUP_EXTENSIONS,
  backupExtension,
  formatTimestamp,
  parseBackupFileName,
} from "../format/naming.js";
import {
  DISTRIBUTION_BACKUP_NAME,
  DISTRIBUTION_BACKUP_STEM,
  DISTRIBUTION_SIDE_PREFIX,
  updateIndex,
} from "../lifecycle/backup-index.js";
import { type Logger, silentLogger } from "../logger.js";
import type { BackupStorage } from "../storage/contract.js";
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
  "name" | "prefix" | "keep" | "policy" | "series" | "reason" | "recordFailure"
> & {
  /** Default `Distribution backup`. */
  reason?: string;
  /**
   * Replace an existing `initial_backup.json`: the new backup is written under a side name and
   * validated, then put in place with the storage's atomic `replace` (readers and a crash find the
   * old file or the new one, never neither). Needs a storage with `replace` (FileSystemStorage and
   * MemoryStorage have it); others are refused with `INVALID_OPTIONS` before anything is read.
   */
  replace?: boolean;
};

/** The distribution backups in a storage: `initial_backup.json` under any extension. */
export async function distributionBackups(storage: BackupStorage): Promise<string[]> {
  const found: string[] = [];
  for (const extension of BACKUP_EXTENSIONS) {
    const name = `${DISTRIBUTION_BACKUP_STEM}${extension}`;
    if (await storage.stat(name)) found.push(name);
  }
  return found;
}

/**
 * Writes `initial_backup.json` from the current database, for shipping with an application
 * (`initial_backup.json.zst.age` and the like when compressed or encrypted).
 * Refuses (`BACKUP_EXISTS`) when one exists under any extension, unless `replace` is set.
 */
export async function createDistributionBackup(
  options: CreateDistributionBackupOptions,
): Promise<BackupResult> {
  if (!options?.storage) throw new BackupError("INVALID_OPTIONS", "createDistributionBackup needs `storage`");
  const { storage } = options;
  if (options.snapshot) {
    throw new BackupError(
      "INVALID_OPTIONS",
      "the distribution backup is one file shipped with the application: it cannot be a snapshot (leave out snapshot)",
    );
  }
  const logger = options.logger ?? silentLogger;
  const extension = backupExtension(layersOf(resolveEncoding(options)));
  const backup: CreateBackupOptions = {
    ...options,
    reason: options.reason ?? "Distribution backup",
    name: `${DISTRIBUTION_BACKUP_STEM}${extension}`,
  };
  assertCreateOptions(backup);
  if (options.replace && typeof storage.replace !== "function") {
    throw new BackupError(
      "INVALID_OPTIONS",
      `replace needs a storage that can replace a file atomically (the optional storage method replace), which ${storage.describe()} cannot; remove ${DISTRIBUTION_BACKUP_NAME} first`,
    );
  }
  return underLock({ ...options, logger }, async () => {
    await removeLeftoverSideFiles(storage, logger);
    const existing = await distributionBackups(storage);
    if (existing.length === 0) return backupUnderLock(backup);
    if (!options.replace) {
      throw new BackupError(
        "BACKUP_EXISTS",
        `${existing[0]} already exists in ${storage.describe()}; pass replace to write a new one`,
      );
    }
    return replaceDistributionBackup(backup, existing, logger);
  });
}

/**
 * The new content under a side name first, validated, then put in place by the storage's atomic
 * `replace`: at every moment a whole distribution backup is there, the old one or the new one.
 * Bundled backups under other extensions (the old one was plain, the new one compressed) are
 * removed only after the new one is in place.
 */
async function replaceDistributionBackup(
  backup: CreateBackupOptions,
  existing: string[],
  logger: Logger,
): Promise<BackupResult> {
  const { storage, signal } = backup;
  const target = backup.name!;
  const side = `${DISTRIBUTION_SIDE_PREFIX}_${formatTimestamp(new Date())}${target.slice(DISTRIBUTION_BACKUP_STEM.length)}`;
  const made = await backupUnderLock({ ...backup, name: side });
  try {
    const decryption = readKeysFor(made, backup.decryption);
    const report = await validateBackup({ storage, name: side, decryption, signal });
    if (!report.valid) {
      throw new BackupError("VALIDATION_FAILED", `the new distribution backup does not pass validation`, {
        details: report,
      });
    }
    // the bytes as they are: the layers do not depend on the name, only the extension does
    const stored = await storage.replace!(target, await storage.read(side), { signal });
    for (const name of existing) if (name !== target) await storage.remove(name);
    await storage.remove(side);
    const result = carryReadKey(made, { ...made, name: target, bytes: stored.size });
    await updateIndex(storage, () => {}, { logger }, [entryFromResult(result)]);
    return result;
  } catch (error) {
    logger.error({ err: (error as Error).message, kept: side }, "replacing the distribution backup failed");
    throw error;
  }
}

/**
 * Side files of a replacement that was interrupted (a crash between writing the new backup and
 * putting it in place): `initial_backup.json` is still whole, so they are only removed.
 */
async function removeLeftoverSideFiles(storage: BackupStorage, logger: Logger): Promise<void> {
  for (const file of await storage.list()) {
    if (parseBackupFileName(file.name)?.prefix !== DISTRIBUTION_SIDE_PREFIX) continue;
    logger.info({ name: file.name }, "removing the side file of an interrupted distribution backup");
    await storage.remove(file.name);
  }
}
