/**
 * Distribution: a bundled `initial_backup.json` restored into a new installation's empty database
 * (exactly once, however many instances start together), and the command that writes it.
 */
import type { Driver } from "neo4j-driver";
import { type BackupResult, type CreateBackupOptions, createBackup } from "../backup/create-backup.js";
import { formatTimestamp } from "../backup/naming.js";
import { countGraph, resolveDatabase } from "../backup/server-info.js";
import { BackupError, classifyDriverError } from "../errors.js";
import { type Logger, silentLogger } from "../logger.js";
import { recoverIfInterrupted } from "../restore/recovery.js";
import { type RestoreProgress, type RestoreResult, restoreBackup } from "../restore/restore-backup.js";
import type { BackupStorage } from "../storage/contract.js";
import { validateBackup } from "../validate/validate-backup.js";
import { DISTRIBUTION_BACKUP_NAME, entryFromResult, readIndex, updateIndex } from "./catalog.js";
import { type LockingOptions, withStorageLock } from "./locking.js";

/** Options of {@link initializeDatabase}. */
export interface InitializeDatabaseOptions extends LockingOptions {
  driver: Driver;
  /** The storage holding the bundled backup (and the index that records the restore). */
  storage: BackupStorage;
  /** Default: the user's home database. */
  database?: string;
  /** Name of the bundled backup in the storage; default `initial_backup.json`. */
  bundled?: string;
  /**
   * Asked before restoring (for example a prompt); restoring goes ahead only on `true`.
   * Default: restore without asking.
   */
  confirm?: (about: {
    name: string;
    nodeCount: number;
    relationshipCount: number;
  }) => boolean | Promise<boolean>;
  logger?: Logger;
  onProgress?: (progress: RestoreProgress) => void;
  signal?: AbortSignal;
}

/** Why {@link initializeDatabase} did what it did. */
export type InitializeOutcome =
  /** The bundled backup was restored. */
  | "restored"
  /** The database holds data (it is not a new installation, or another instance initialized it). */
  | "not-empty"
  /** The bundled backup was restored into this database before; it is empty again on purpose or by loss. */
  | "already-initialized"
  /** Backups of this database exist: an empty database here is a loss to restore from them, not a new install. */
  | "backups-exist"
  /** There is no bundled backup in the storage. */
  | "no-bundled-backup"
  /** `confirm` answered no. */
  | "declined";

/** What {@link initializeDatabase} returns. */
export interface InitializeResult {
  /** True when this call restored the bundled backup. */
  restored: boolean;
  outcome: InitializeOutcome;
  /** One sentence for logs. */
  message: string;
  database: string;
  /** The restore, when one happened. */
  restore?: RestoreResult;
}

/**
 * Restores the bundled backup when the database is empty and nothing was restored into it before;
 * does nothing on a populated database. Instances that start at the same moment and share the
 * storage take turns on its lock: one restores, the others then find the database populated.
 */
export async function initializeDatabase(options: InitializeDatabaseOptions): Promise<InitializeResult> {
  if (!options?.driver || !options.storage) {
    throw new BackupError("INVALID_OPTIONS", "initializeDatabase needs `driver` and `storage`");
  }
  const { driver, storage } = options;
  const logger = options.logger ?? silentLogger;
  const name = options.bundled ?? DISTRIBUTION_BACKUP_NAME;
  return withStorageLock(
    storage,
    async () => {
      let database: string;
      let counts: { nodes: number; relationships: number };
      try {
        database = await resolveDatabase(driver, options.database);
        counts = await countGraph(driver, database);
      } catch (error) {
        throw classifyDriverError(error, "initialization");
      }
      const skip = (outcome: InitializeOutcome, message: string): InitializeResult => {
        logger.info({ database, outcome }, message);
        return { restored: false, outcome, message, database };
      };
      if (counts.nodes > 0 || counts.relationships > 0) {
        return skip(
          "not-empty",
          `database ${database} holds ${counts.nodes} nodes and ${counts.relationships} relationships; nothing to initialize`,
        );
      }
      const bundled = await storage.stat(name);
      if (!bundled) return skip("no-bundled-backup", `no bundled backup ${name} in ${storage.describe()}`);
      const index = await readIndex(storage, { logger });
      const before = index.restores.find((r) => r.database === database && r.name === name);
      if (before) {
        logger.warn(
          { database, restoredAt: before.restoredAt },
          "database is empty but was initialized before",
        );
        return skip(
          "already-initialized",
          `database ${database} is empty, but ${name} was restored into it on ${before.restoredAt}; not restoring it again`,
        );
      }
      const own = index.backups.find(
        (e) => e.database === database && (e.kind === "backup" || e.kind === "pre-upgrade"),
      );
      if (own) {
        logger.warn({ database, backup: own.name }, "database is empty but has backups");
        return skip(
          "backups-exist",
          `database ${database} is empty but has backups (newest ${own.name}); restore that one instead of the bundled backup`,
        );
      }
      const about = index.backups.find((e) => e.name === name);
      if (options.confirm) {
        const yes = await options.confirm({
          name,
          nodeCount: about?.nodeCount ?? 0,
          relationshipCount: about?.relationshipCount ?? 0,
        });
        if (yes !== true) return skip("declined", `restoring ${name} was declined`);
      }
      const restore = await restoreBackup({
        driver,
        storage,
        database,
        name,
        mode: "empty",
        logger,
        onProgress: options.onProgress,
        signal: options.signal,
      });
      const message = `restored ${name} into database ${database}: ${restore.nodeCount} nodes, ${restore.relationshipCount} relationships`;
      logger.info({ database, name }, message);
      return { restored: true, outcome: "restored", message, database, restore };
    },
    {
      timeoutMs: options.lockTimeoutMs,
      onWait: options.onLockWait,
      signal: options.signal,
      logger,
      onAcquire: () => recoverIfInterrupted(options.driver, storage, logger),
    },
  );
}

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
  const reason = options.reason ?? "Distribution backup";
  return withStorageLock(
    storage,
    async () => {
      if (!(await storage.stat(DISTRIBUTION_BACKUP_NAME))) {
        return createBackup({ ...options, reason, name: DISTRIBUTION_BACKUP_NAME });
      }
      if (!options.replace) {
        throw new BackupError(
          "BACKUP_EXISTS",
          `${DISTRIBUTION_BACKUP_NAME} already exists in ${storage.describe()}; pass replace to write a new one`,
        );
      }
      // the new content under a side name first, validated, then moved into place
      const side = `initial_backup_next_${formatTimestamp(new Date())}.json`;
      const made = await createBackup({ ...options, reason, name: side });
      try {
        const report = await validateBackup({ storage, name: side, signal: options.signal });
        if (!report.valid) {
          throw new BackupError("VALIDATION_FAILED", `the new distribution backup does not pass validation`, {
            details: report,
          });
        }
        await storage.remove(DISTRIBUTION_BACKUP_NAME);
        const stored = await storage.write(DISTRIBUTION_BACKUP_NAME, await storage.read(side), {
          signal: options.signal,
        });
        await storage.remove(side);
        const result = { ...made, name: DISTRIBUTION_BACKUP_NAME, bytes: stored.size };
        await updateIndex(storage, () => {}, { logger }, [entryFromResult(result)]);
        return result;
      } catch (error) {
        logger.error(
          { err: (error as Error).message, kept: side },
          "replacing the distribution backup failed",
        );
        throw error;
      }
    },
    {
      timeoutMs: options.lockTimeoutMs,
      onWait: options.onLockWait,
      signal: options.signal,
      logger,
      onAcquire: () => recoverIfInterrupted(options.driver, storage, logger),
    },
  );
}
