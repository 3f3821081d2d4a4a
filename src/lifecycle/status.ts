/**
 * Status and health: what is in the database now, what the last backup holds, whether a backup is
 * recommended, and whether the backups are fresh enough.
 */
import type { Driver } from "neo4j-driver";
import { countGraph, resolveDatabase } from "../backup/server-info.js";
import { BackupError, classifyDriverError } from "../errors.js";
import type { Logger } from "../logger.js";
import { type RecoveryResult, recoverIfInterrupted } from "../restore/recovery.js";
import type { BackupStorage } from "../storage/contract.js";
import {
  type AutoBackupDecision,
  type AutoBackupThresholds,
  decideAutoBackup,
  findBaseline,
  resolveThresholds,
} from "./auto-backup.js";
import { type BackupIndex, type BackupIndexEntry, type PendingRestore, readIndex } from "./catalog.js";
import { withStorageLock } from "./locking.js";

/** How old the newest backup may be before the health check complains, when not configured. */
export const DEFAULT_MAX_BACKUP_AGE_DAYS = 7;

const DAY_MS = 24 * 60 * 60 * 1000;

/** What {@link checkBackupHealth} found. */
export interface BackupHealth {
  /** True when there is a valid backup younger than `maxAgeDays` and no unfinished restore. */
  healthy: boolean;
  /** What is wrong, one sentence each; empty when healthy. */
  problems: string[];
  /** The newest backup (of the database, when one was named). */
  lastBackup: BackupIndexEntry | null;
  /** Its age in days (fractional). */
  ageDays: number | null;
  /** The limit applied. */
  maxAgeDays: number;
  /** A restore that started and did not finish, if any. */
  pendingRestore: PendingRestore | null;
}

/** Options of {@link checkBackupHealth}. */
export interface BackupHealthOptions {
  storage: BackupStorage;
  /** Only backups of this database count; default: all. */
  database?: string;
  /** Default 7. */
  maxAgeDays?: number;
  /** Clock; default `() => new Date()`. */
  now?: () => Date;
  logger?: Logger;
}

/** Judges an index without reading the storage again. Pure. */
export function judgeHealth(
  index: BackupIndex,
  database: string | undefined,
  maxAgeDays: number,
  now: Date,
): BackupHealth {
  const backups = index.backups.filter((e) => database === undefined || e.database === database);
  const lastBackup = backups[0] ?? null;
  const problems: string[] = [];
  let ageDays: number | null = null;
  if (!lastBackup) {
    problems.push(database ? `no backup of database ${database}` : "no backups");
  } else {
    ageDays = (now.getTime() - Date.parse(lastBackup.created)) / DAY_MS;
    if (ageDays > maxAgeDays) {
      problems.push(
        `the newest backup ${lastBackup.name} is ${Math.floor(ageDays)} days old (limit ${maxAgeDays} days)`,
      );
    }
    if (!lastBackup.valid) problems.push(`the newest backup ${lastBackup.name} does not pass validation`);
  }
  const pendingRestore = index.pendingRestore ?? null;
  if (pendingRestore) {
    problems.push(
      `a restore of ${pendingRestore.name} started at ${pendingRestore.started} did not finish; run restoreBackup again or restore ${pendingRestore.safetyBackup ?? "a backup"}`,
    );
  }
  return { healthy: problems.length === 0, problems, lastBackup, ageDays, maxAgeDays, pendingRestore };
}

/** Flags a missing, invalid or too old newest backup, and an unfinished restore. Reads only the storage. */
export async function checkBackupHealth(options: BackupHealthOptions): Promise<BackupHealth> {
  if (!options?.storage) throw new BackupError("INVALID_OPTIONS", "checkBackupHealth needs `storage`");
  const maxAgeDays = options.maxAgeDays ?? DEFAULT_MAX_BACKUP_AGE_DAYS;
  if (!(maxAgeDays > 0)) throw new BackupError("INVALID_OPTIONS", "maxAgeDays must be a positive number");
  const index = await readIndex(options.storage, { logger: options.logger });
  return judgeHealth(index, options.database, maxAgeDays, (options.now ?? (() => new Date()))());
}

/** Options of {@link backupStatus}. */
export interface BackupStatusOptions {
  driver: Driver;
  storage: BackupStorage;
  /** Default: the user's home database. */
  database?: string;
  thresholds?: Partial<AutoBackupThresholds>;
  /** For the health part; default 7. */
  maxAgeDays?: number;
  now?: () => Date;
  logger?: Logger;
}

/** What {@link backupStatus} reports (the `neo4j-backup status` command prints it). */
export interface BackupStatus {
  database: string;
  /** Counts now. */
  current: { nodes: number; relationships: number };
  /** The newest backup of this database. */
  lastBackup: BackupIndexEntry | null;
  /** Milliseconds since it was taken. */
  lastBackupAgeMs: number | null;
  /** The auto-backup decision: baseline, changes, recommendation and thresholds. */
  recommendation: AutoBackupDecision;
  health: BackupHealth;
  /** Where the backups are. */
  location: string;
  /** Present when an interrupted restore was found and recovered before the numbers were taken. */
  recovered?: RecoveryResult;
}

/** Current counts, last backup, changes since, a recommendation, the thresholds and the health. */
export async function backupStatus(options: BackupStatusOptions): Promise<BackupStatus> {
  if (!options?.driver || !options.storage) {
    throw new BackupError("INVALID_OPTIONS", "backupStatus needs `driver` and `storage`");
  }
  const thresholds = resolveThresholds(options.thresholds);
  const maxAgeDays = options.maxAgeDays ?? DEFAULT_MAX_BACKUP_AGE_DAYS;
  const now = (options.now ?? (() => new Date()))();
  let database: string;
  let current: { nodes: number; relationships: number };
  try {
    database = await resolveDatabase(options.driver, options.database);
    current = await countGraph(options.driver, database);
  } catch (error) {
    throw classifyDriverError(error, "status");
  }
  // an interrupted restore is recovered first, unless another operation holds the lock right now
  let recovered: RecoveryResult | undefined;
  if ((await readIndex(options.storage, { logger: options.logger })).pendingRestore) {
    try {
      recovered = await withStorageLock(
        options.storage,
        () => recoverIfInterrupted(options.driver, options.storage, options.logger),
        { timeoutMs: 0 },
      );
      if (recovered) current = await countGraph(options.driver, database);
    } catch (error) {
      if (!(error instanceof BackupError && error.code === "LOCKED")) throw error;
    }
  }
  const index = await readIndex(options.storage, { logger: options.logger });
  const health = judgeHealth(index, database, maxAgeDays, now);
  const lastBackup = health.lastBackup;
  return {
    database,
    current,
    lastBackup,
    lastBackupAgeMs: lastBackup ? now.getTime() - Date.parse(lastBackup.created) : null,
    recommendation: decideAutoBackup(database, current, findBaseline(index, database), thresholds),
    health,
    location: options.storage.describe(),
    ...(recovered ? { recovered } : {}),
  };
}
