/**
 * Status and health: what is in the database now, what the last backup holds, whether a backup is
 * recommended, and whether the backups are fresh enough.
 */
import type { Driver } from "neo4j-driver";
import type { DecryptionOptions } from "../codec/age.js";
import { BackupError, classifyDriverError } from "../errors.js";
import type { DatabaseIdentity } from "../format/identity.js";
import { countGraph, readServerInfo } from "../graph/server.js";
import { type BackupIndexEntry, readIndex } from "../lifecycle/backup-index.js";
import {
  type AutoBackupDecision,
  type AutoBackupThresholds,
  decideAutoBackup,
  findBaseline,
  resolveThresholds,
} from "../lifecycle/change-decision.js";
import { type BackupHealth, DEFAULT_MAX_BACKUP_AGE_DAYS, judgeHealth } from "../lifecycle/health.js";
import type { Logger } from "../logger.js";
import type { BackupStorage } from "../storage/contract.js";
import { validateBackup } from "../validate/validate-backup.js";

/** Options of {@link checkBackupHealth}. */
export interface BackupHealthOptions {
  storage: BackupStorage;
  /**
   * Only backups of the database with this identity count (as {@link BackupStatus.identity} gives
   * it): what tells apart databases of the same name on servers that share the storage.
   */
  identity?: DatabaseIdentity | null;
  /** Without `identity`: only backups of a database of this name count; default: all. */
  database?: string;
  /** Default 7. */
  maxAgeDays?: number;
  /**
   * Also validate the newest backup in full (reads the whole file): catches damage that left the
   * file's size and modification time as they were. Default false: the index's verdict, which is
   * renewed whenever a file's size or modification time changes.
   */
  deep?: boolean;
  /** Clock; default `() => new Date()`. */
  now?: () => Date;
  /** Keys for encrypted backups the index does not know yet (see IndexOptions). */
  decryption?: DecryptionOptions;
  logger?: Logger;
  /** Cancels a deep check. */
  signal?: AbortSignal;
}

/**
 * Flags a missing, invalid or too old newest backup, and an unfinished restore. Reads only the
 * storage: the index (reconciled with the files), and with `deep` the whole newest backup.
 */
export async function checkBackupHealth(options: BackupHealthOptions): Promise<BackupHealth> {
  if (!options?.storage) throw new BackupError("INVALID_OPTIONS", "checkBackupHealth needs `storage`");
  const maxAgeDays = options.maxAgeDays ?? DEFAULT_MAX_BACKUP_AGE_DAYS;
  if (!(maxAgeDays > 0)) throw new BackupError("INVALID_OPTIONS", "maxAgeDays must be a positive number");
  const index = await readIndex(options.storage, { logger: options.logger, decryption: options.decryption });
  const scope = { identity: options.identity, database: options.database };
  const health = judgeHealth(index, scope, maxAgeDays, (options.now ?? (() => new Date()))());
  return options.deep ? deepenHealth(health, options.storage, options.decryption, options.signal) : health;
}

/** Validates the newest backup in full and adds what that finds to `health`. */
async function deepenHealth(
  health: BackupHealth,
  storage: BackupStorage,
  decryption: DecryptionOptions | undefined,
  signal: AbortSignal | undefined,
): Promise<BackupHealth> {
  const entry = health.lastBackup;
  if (!entry) return { ...health, validated: true };
  const problems = [...health.problems];
  const report = await validateBackup({ storage, name: entry.name, decryption, signal, maxProblems: 1 });
  if (!report.valid && entry.valid) {
    const first = report.problems[0];
    problems.push(
      `the newest backup ${entry.name} does not pass validation${first ? ` (${first.message})` : ""}`,
    );
  } else if (report.valid && entry.checksum !== null && report.checksum !== entry.checksum) {
    problems.push(
      `the newest backup ${entry.name} no longer holds what was indexed (checksum ${report.checksum}, indexed ${entry.checksum})`,
    );
  }
  return { ...health, healthy: problems.length === 0, problems, validated: true };
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
  /** For the health part: validate the newest backup in full (see {@link BackupHealthOptions.deep}). */
  deep?: boolean;
  now?: () => Date;
  /** Keys for encrypted backups: files the index does not know yet, and recovering an interrupted restore. */
  decryption?: DecryptionOptions;
  logger?: Logger;
}

/** What {@link backupStatus} reports (the `neo4j-backup status` command prints it). */
export interface BackupStatus {
  database: string;
  /**
   * Which database on which server this is (`db.info()`'s id and creation date, the address);
   * null when the server does not say. Backups, restores and health are this database's.
   */
  identity: DatabaseIdentity | null;
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
}

/**
 * Current counts, last backup, changes since, a recommendation, the thresholds and the health — of
 * this database only, when several share the storage. Reads; writes nothing: an unfinished restore
 * (into this database or another) is reported in the health, not recovered.
 */
export async function backupStatus(options: BackupStatusOptions): Promise<BackupStatus> {
  if (!options?.driver || !options.storage) {
    throw new BackupError("INVALID_OPTIONS", "backupStatus needs `driver` and `storage`");
  }
  const thresholds = resolveThresholds(options.thresholds);
  const maxAgeDays = options.maxAgeDays ?? DEFAULT_MAX_BACKUP_AGE_DAYS;
  const now = (options.now ?? (() => new Date()))();
  const { driver, storage, logger } = options;
  let database: string;
  let identity: DatabaseIdentity | null;
  let current: { nodes: number; relationships: number };
  try {
    ({ database, identity } = await readServerInfo(driver, options.database));
    current = await countGraph(driver, database);
  } catch (error) {
    throw classifyDriverError(error, "status");
  }
  const index = await readIndex(storage, { logger, decryption: options.decryption });
  const scope = { identity, database };
  const judged = judgeHealth(index, scope, maxAgeDays, now);
  const health = options.deep ? await deepenHealth(judged, storage, options.decryption, undefined) : judged;
  const lastBackup = health.lastBackup;
  return {
    database,
    identity,
    current,
    lastBackup,
    lastBackupAgeMs: lastBackup ? now.getTime() - Date.parse(lastBackup.created) : null,
    recommendation: decideAutoBackup(database, current, findBaseline(index, scope), thresholds),
    health,
    location: storage.describe(),
  };
}
