/**
 * Upgrades: a validated backup before migrations, and a replace restore from it when they fail.
 */
import { type BackupResult, readKeysFor } from "../backup/run-backup.js";
import { BackupError } from "../errors.js";
import { PRE_UPGRADE_BACKUP_PREFIX } from "../lifecycle/backup-index.js";
import { PRE_UPGRADE_SERIES } from "../lifecycle/retention.js";
import { validateBackup } from "../validate/validate-backup.js";
import type { CreateBackupOptions } from "./backup-under-lock.js";
import { createBackup } from "./create-backup.js";
import { restoreBackup } from "./restore-backup.js";
import type { RestoreBackupOptions, RestoreResult } from "./restore-under-lock.js";

/** Options of {@link backupBeforeUpgrade}. */
export type BackupBeforeUpgradeOptions = Omit<
  CreateBackupOptions,
  "reason" | "prefix" | "name" | "recordFailure" | "series"
> & {
  /** The version being upgraded to; the reason reads `Pre-upgrade backup before v<version>`. */
  version: string;
};

/**
 * Takes a backup (prefix `pre_upgrade_backup`, series `pre-upgrade`) before an upgrade and validates
 * it in full. Throws — so the upgrade script stops — when either fails. Keeps the newest 3
 * pre-upgrade backups of the database (those written before series existed included) unless `keep`
 * or `policy` says otherwise.
 */
export async function backupBeforeUpgrade(options: BackupBeforeUpgradeOptions): Promise<BackupResult> {
  if (typeof options?.version !== "string" || options.version.trim() === "") {
    throw new BackupError(
      "INVALID_OPTIONS",
      "backupBeforeUpgrade needs `version`: the version being installed",
    );
  }
  const version = options.version.trim().replace(/^v/i, "");
  const result = await createBackup({
    ...(options.policy === undefined ? { keep: 3 } : {}),
    ...options,
    prefix: PRE_UPGRADE_BACKUP_PREFIX,
    series: PRE_UPGRADE_SERIES,
    reason: `Pre-upgrade backup before v${version}`,
  });
  const report = await validateBackup({
    storage: options.storage,
    name: result.name,
    decryption: readKeysFor(result, options.decryption),
    signal: options.signal,
  });
  if (!report.valid) {
    throw new BackupError(
      "VALIDATION_FAILED",
      `the pre-upgrade backup ${result.name} does not pass validation: ${report.problems[0]?.message ?? "unknown problem"}; do not upgrade`,
      { details: report },
    );
  }
  return result;
}

/** Options of {@link rollbackUpgrade}. */
export type RollbackUpgradeOptions = Omit<RestoreBackupOptions, "name" | "mode"> & {
  /** The pre-upgrade backup: its name or the result of {@link backupBeforeUpgrade}. */
  backup: string | { name: string };
};

/**
 * Puts the database back to the pre-upgrade backup (a replace restore, with its own safety backup
 * of the failed upgrade's state, verified afterwards).
 */
export async function rollbackUpgrade(options: RollbackUpgradeOptions): Promise<RestoreResult> {
  const name = typeof options?.backup === "string" ? options.backup : options?.backup?.name;
  if (typeof name !== "string") {
    throw new BackupError("INVALID_OPTIONS", "rollbackUpgrade needs `backup`: the pre-upgrade backup's name");
  }
  return restoreBackup({ ...options, name, mode: "replace" });
}
