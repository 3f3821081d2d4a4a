/**
 * Auto-backup: back up when the graph changed significantly since the last known saved state
 * (the newest backup of the database, or the newest restore into it, whichever is later).
 */
import type { Driver } from "neo4j-driver";
import type { BackupResult } from "../backup/run-backup.js";
import type { DecryptionOptions } from "../codec/age.js";
import { BackupError, classifyDriverError } from "../errors.js";
import { countGraph, readServerInfo } from "../graph/server.js";
import { readIndex } from "../lifecycle/backup-index.js";
import {
  type AutoBackupDecision,
  type AutoBackupThresholds,
  decideAutoBackup,
  findBaseline,
  resolveThresholds,
} from "../lifecycle/change-decision.js";
import type { Logger } from "../logger.js";
import type { BackupStorage } from "../storage/contract.js";
import { assertCreateOptions, backupUnderLock, type CreateBackupOptions } from "./backup-under-lock.js";
import { recordingFailure } from "./failure-record.js";
import { underLock } from "./lock.js";

/** Options of {@link shouldAutoBackup}. */
export interface ShouldAutoBackupOptions {
  driver: Driver;
  storage: BackupStorage;
  /** Default: the user's home database. */
  database?: string;
  /** Overrides of {@link DEFAULT_AUTO_BACKUP_THRESHOLDS}. */
  thresholds?: Partial<AutoBackupThresholds>;
  /** Keys for encrypted backups the index does not know yet (see IndexOptions). */
  decryption?: DecryptionOptions;
  logger?: Logger;
}

/**
 * Should the database be backed up now? Compares the current node and relationship counts with the
 * last backup (or restore) of the same database — by its identity, so another server's database of
 * the same name in the same storage does not count: added and deleted elements both count.
 * With no previous backup the answer is yes.
 */
export async function shouldAutoBackup(options: ShouldAutoBackupOptions): Promise<AutoBackupDecision> {
  if (!options?.driver || !options.storage) {
    throw new BackupError("INVALID_OPTIONS", "shouldAutoBackup needs `driver` and `storage`");
  }
  const thresholds = resolveThresholds(options.thresholds);
  try {
    const { database, identity } = await readServerInfo(options.driver, options.database);
    const current = await countGraph(options.driver, database);
    const index = await readIndex(options.storage, {
      logger: options.logger,
      decryption: options.decryption,
    });
    return decideAutoBackup(database, current, findBaseline(index, { identity, database }), thresholds);
  } catch (error) {
    throw classifyDriverError(error, "auto-backup check");
  }
}

/** Options of {@link autoBackup}: those of shouldAutoBackup and createBackup; `reason` is optional. */
export type AutoBackupOptions = ShouldAutoBackupOptions &
  Omit<CreateBackupOptions, "reason" | "name"> & {
    /** Default: `Auto-backup: <the decision's reason>`. */
    reason?: string;
    /** Called with the decision before a backup (if any) starts. */
    onDecision?: (decision: AutoBackupDecision) => void;
  };

/** What {@link autoBackup} did. */
export interface AutoBackupResult {
  decision: AutoBackupDecision;
  /** The new backup, when one was made. */
  backup?: BackupResult;
}

/**
 * Backs up when {@link shouldAutoBackup} says so. The decision and the backup are made under the
 * storage lock, so two jobs finishing at once make one backup, not two. With `recordFailure`, a
 * failure is recorded in the index for monitoring.
 */
export async function autoBackup(options: AutoBackupOptions): Promise<AutoBackupResult> {
  return recordingFailure(options, "auto-backup", () => underLock(options, () => decideAndBackUp(options)));
}

/** The decision and, when it says so, the backup; with the lock held. */
async function decideAndBackUp(options: AutoBackupOptions): Promise<AutoBackupResult> {
  const decision = await shouldAutoBackup(options);
  options.logger?.info({ backup: decision.backup, reason: decision.reason }, "auto-backup decision");
  options.onDecision?.(decision);
  if (!decision.backup) return { decision };
  const backupOptions: CreateBackupOptions = {
    ...options,
    database: decision.database,
    reason: options.reason ?? `Auto-backup: ${decision.reason}`,
  };
  assertCreateOptions(backupOptions);
  return { decision, backup: await backupUnderLock(backupOptions) };
}
