/**
 * Initialization: a bundled `initial_backup.json` restored into a new installation's empty database
 * (exactly once, however many instances start together).
 */
import type { Driver } from "neo4j-driver";
import type { DecryptionOptions } from "../codec/age.js";
import { BackupError, classifyDriverError } from "../errors.js";
import type { FileReadOptions } from "../format/reader.js";
import { countGraph, resolveDatabase } from "../graph/server.js";
import { type BackupIndex, DISTRIBUTION_BACKUP_NAME, readIndex } from "../lifecycle/backup-index.js";
import { type Logger, silentLogger } from "../logger.js";
import type { RestoreProgress } from "../restore/progress.js";
import type { BackupStorage } from "../storage/contract.js";
import type { LockingOptions } from "../storage/with-lock.js";
import { distributionBackups } from "./distribution.js";
import { underLock } from "./lock.js";
import { type RestoreResult, restoreUnderLock } from "./restore-under-lock.js";

/** Options of {@link initializeDatabase}. */
export interface InitializeDatabaseOptions extends LockingOptions, FileReadOptions {
  driver: Driver;
  /** The storage holding the bundled backup (and the index that records the restore). */
  storage: BackupStorage;
  /** Default: the user's home database. */
  database?: string;
  /**
   * Name of the bundled backup in the storage; default `initial_backup.json` under whichever
   * extension it has (`.json.gz`, `.json.zst.age`, …; the most recently modified when there are several).
   */
  bundled?: string;
  /** Identities or the passphrase of an encrypted bundled backup. */
  decryption?: DecryptionOptions;
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
  const logger = options.logger ?? silentLogger;
  return underLock({ ...options, logger }, async () => {
    const name = options.bundled ?? (await findBundled(options.storage, logger));
    const { database, counts } = await readTarget(options.driver, options.database);
    const skip = (outcome: InitializeOutcome, message: string): InitializeResult => {
      logger.info({ database, outcome }, message);
      return { restored: false, outcome, message, database };
    };
    const reason = await reasonNotToRestore(options, name, database, counts);
    if (reason) return skip(reason.outcome, reason.message);
    const restore = await restoreUnderLock({
      driver: options.driver,
      storage: options.storage,
      database,
      name,
      mode: "empty",
      decryption: options.decryption,
      logger,
      onProgress: options.onProgress,
      signal: options.signal,
      maxLineBytes: options.maxLineBytes,
      apocPropertyTypes: options.apocPropertyTypes,
    });
    const message = `restored ${name} into database ${database}: ${restore.nodeCount} nodes, ${restore.relationshipCount} relationships`;
    logger.info({ database, name }, message);
    return { restored: true, outcome: "restored", message, database, restore };
  });
}

/** The bundled backup under any extension: the most recently modified one, when several are there. */
async function findBundled(storage: BackupStorage, logger: Logger): Promise<string> {
  const names = await distributionBackups(storage);
  if (names.length <= 1) return names[0] ?? DISTRIBUTION_BACKUP_NAME;
  const dated = await Promise.all(
    names.map(async (n) => ({ n, at: (await storage.stat(n))?.modified ?? new Date(0) })),
  );
  dated.sort((a, b) => b.at.getTime() - a.at.getTime());
  logger.warn(
    { chosen: dated[0]!.n, others: dated.slice(1).map((d) => d.n) },
    "several bundled backups; restoring the most recently modified",
  );
  return dated[0]!.n;
}

async function readTarget(
  driver: Driver,
  requested: string | undefined,
): Promise<{ database: string; counts: { nodes: number; relationships: number } }> {
  try {
    const database = await resolveDatabase(driver, requested);
    return { database, counts: await countGraph(driver, database) };
  } catch (error) {
    throw classifyDriverError(error, "initialization");
  }
}

/** Why the bundled backup must not be restored (or the user declined), if so. */
async function reasonNotToRestore(
  options: InitializeDatabaseOptions,
  name: string,
  database: string,
  counts: { nodes: number; relationships: number },
): Promise<{ outcome: InitializeOutcome; message: string } | undefined> {
  const { storage } = options;
  const logger = options.logger ?? silentLogger;
  if (counts.nodes > 0 || counts.relationships > 0) {
    const message = `database ${database} holds ${counts.nodes} nodes and ${counts.relationships} relationships; nothing to initialize`;
    return { outcome: "not-empty", message };
  }
  if (!(await storage.stat(name))) {
    return { outcome: "no-bundled-backup", message: `no bundled backup ${name} in ${storage.describe()}` };
  }
  const index = await readIndex(storage, { logger, decryption: options.decryption });
  const earlier = reasonInIndex(index, name, database);
  if (earlier) {
    logger.warn({ database }, earlier.message);
    return earlier;
  }
  if (options.confirm) {
    const about = index.backups.find((e) => e.name === name);
    const yes = await options.confirm({
      name,
      nodeCount: about?.nodeCount ?? 0,
      relationshipCount: about?.relationshipCount ?? 0,
    });
    if (yes !== true) return { outcome: "declined", message: `restoring ${name} was declined` };
  }
  return undefined;
}

/** An empty database that was initialized before, or that has backups of its own, is a loss, not a new install. */
function reasonInIndex(
  index: BackupIndex,
  name: string,
  database: string,
): { outcome: InitializeOutcome; message: string } | undefined {
  // the bundled backup under any extension: it may have been re-encoded since
  const before = index.restores.find((r) => r.database === database && (r.name === name || r.initial));
  if (before) {
    return {
      outcome: "already-initialized",
      message: `database ${database} is empty, but ${name} was restored into it on ${before.restoredAt}; not restoring it again`,
    };
  }
  const own = index.backups.find(
    (e) => e.database === database && (e.kind === "backup" || e.kind === "pre-upgrade"),
  );
  if (own) {
    return {
      outcome: "backups-exist",
      message: `database ${database} is empty but has backups (newest ${own.name}); restore that one instead of the bundled backup`,
    };
  }
  return undefined;
}
