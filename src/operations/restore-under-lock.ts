/**
 * A restore with the storage lock held: prepare (nothing written yet), take the safety backup in
 * replace mode, record the restore as pending, write and verify, record it as done. A failure puts
 * the previous contents back from the safety backup (replace) or takes the written data back
 * (empty target). {@link replaceWithBackup} — empty the database, restore a backup into it — is
 * both the rollback here and what recovery of an interrupted restore does.
 */
import { hostname } from "node:os";
import type { Driver } from "neo4j-driver";
import { type DecryptionOptions, recipientsOf } from "../codec/age.js";
import type { EncodingOptions } from "../codec/encoded-writer.js";
import { backupLayers } from "../codec/open.js";
import { BackupError, classifyDriverError, throwIfAborted } from "../errors.js";
import { type FileReadOptions, fileReadOptions } from "../format/reader.js";
import type { ParallelReadOptions } from "../graph/parallel-read.js";
import { readServerInfo, type ServerInfo } from "../graph/server.js";
import {
  backupKind,
  clearPendingRestore,
  type IndexOptions,
  markPendingRestore,
  recordRestore,
  SAFETY_BACKUP_PREFIX,
} from "../lifecycle/backup-index.js";
import { latestBackupName } from "../lifecycle/latest.js";
import { type Logger, silentLogger } from "../logger.js";
import { assertEmptyTarget, type PreparedRestore, prepareRestore } from "../restore/prepare.js";
import { ProgressReporter, type RestoreProgress } from "../restore/progress.js";
import { type WriteOutcome, writeAndVerify } from "../restore/run-restore.js";
import { emptyDatabase, type TargetChanges, undoEmptyRestore } from "../restore/target.js";
import type { BackupStorage } from "../storage/contract.js";
import type { LockingOptions } from "../storage/with-lock.js";
import type { ValidationReport } from "../validate/validate-backup.js";
import type { VerifyResult } from "../verify/verify-backup.js";
import { backupUnderLock } from "./backup-under-lock.js";

/** Options of {@link restoreBackup}. */
export interface RestoreBackupOptions extends LockingOptions, FileReadOptions {
  driver: Driver;
  storage: BackupStorage;
  /**
   * The backup to restore; default the newest backup of the target database in the storage (see
   * latestBackupName: another database's backups are restored only when named).
   */
  name?: string;
  /** Target database; default the home database. */
  database?: string;
  /** `"empty"` (default): refuse a target that holds data. `"replace"`: clear the target first. */
  mode?: "empty" | "replace";
  /** In replace mode, back up the current contents first and restore them on failure (default true). */
  safetyBackup?: boolean;
  /**
   * Identities or the passphrase of an encrypted backup (found by its `.age` name). They also open
   * the safety backup if the restore has to be rolled back.
   */
  decryption?: DecryptionOptions;
  /**
   * How the safety backup is compressed and encrypted. Default: as the backup being restored — the
   * same compression, and when that backup is encrypted, encrypted to the recipients of the
   * identities given (or with the passphrase given), so that the same keys roll back.
   */
  safetyBackupEncoding?: EncodingOptions;
  /** Records per write transaction (default 5000). */
  batchSize?: number;
  /** Write transactions in flight at once (default 2). */
  concurrency?: number;
  /** Restore a file whose relationships refer to missing nodes, skipping those relationships. */
  allowDanglingRelationships?: boolean;
  /** Only validate and check the target; write nothing. */
  dryRun?: boolean;
  /** Skip the verification at the end (default false). */
  skipVerify?: boolean;
  /**
   * Read the database on worker threads, each with a driver of its own (as createBackup's
   * `parallel`, docs/api.md#parallel-backups): the safety backup and the verification's read-back.
   */
  parallel?: ParallelReadOptions;
  logger?: Logger;
  onProgress?: (progress: RestoreProgress) => void;
  /** Cancels the restore; in replace mode the previous contents are put back. */
  signal?: AbortSignal;
}

/** What {@link restoreBackup} returns. */
export interface RestoreResult {
  /** The backup that was restored. */
  name: string;
  mode: "empty" | "replace";
  /** Nodes and relationships written. */
  nodeCount: number;
  relationshipCount: number;
  /** Relationships left out because an endpoint is missing (only with allowDanglingRelationships). */
  skippedRelationships: number;
  /** Indexes and constraints created. */
  schemaObjects: number;
  durationMs: number;
  /** Name of the safety backup taken in replace mode. */
  safetyBackup?: string;
  /** The comparison of the restored database with the backup (absent with skipVerify or dryRun). */
  verification?: VerifyResult;
  /** True for a dry run: nothing was written. */
  dryRun: boolean;
  /** The validation report of the file. */
  validation: ValidationReport;
}

/** Checks restoreBackup's options before anything is read. */
export function assertRestoreOptions(options: RestoreBackupOptions): void {
  if (!options?.storage || typeof options.storage.lock !== "function") {
    throw new BackupError("INVALID_OPTIONS", "restoreBackup needs `storage`: a BackupStorage");
  }
  if (!options.driver || typeof options.driver.session !== "function") {
    throw new BackupError("INVALID_OPTIONS", "restoreBackup needs `driver`: a neo4j-driver Driver");
  }
  const mode = options.mode ?? "empty";
  if (mode !== "empty" && mode !== "replace")
    throw new BackupError("INVALID_OPTIONS", `unknown mode ${JSON.stringify(mode)}`);
  fileReadOptions(options);
}

/** Restores a backup. Call with the storage lock held. */
export async function restoreUnderLock(options: RestoreBackupOptions): Promise<RestoreResult> {
  assertRestoreOptions(options);
  const run = new RestoreRun(options);
  const prepared = await run.prepare();
  if (options.dryRun) return run.result(prepared, undefined, true);
  await run.takeSafetyBackup(prepared.name);
  await run.markPending(prepared.name);
  let outcome: WriteOutcome;
  try {
    outcome = await run.write(prepared);
  } catch (failure) {
    throw await run.undo(prepared, failure);
  }
  await run.recordDone(prepared.name, outcome);
  return run.result(prepared, outcome, false);
}

/**
 * Empties the database and restores `name` into it (empty mode, no safety backup): the rollback of
 * a failed replace restore, and the recovery of an interrupted one. Call with the storage lock held.
 */
export async function replaceWithBackup(args: {
  driver: Driver;
  storage: BackupStorage;
  database: string | undefined;
  name: string;
  logger?: Logger;
  decryption?: DecryptionOptions;
}): Promise<RestoreResult> {
  await emptyDatabase(args.driver, args.database);
  return restoreUnderLock({ ...args, mode: "empty", safetyBackup: false });
}

/**
 * How a safety backup of a restore of `name` is encoded: `override` when given, else as `name` is —
 * the same compression, and when `name` is encrypted, encrypted to the recipients of the identities
 * given (or with the passphrase given), so that the same keys read it back.
 */
export async function safetyEncodingFor(
  name: string,
  decryption: DecryptionOptions | undefined,
  override?: EncodingOptions,
): Promise<EncodingOptions> {
  if (override) return override;
  const layers = backupLayers(name);
  if (!layers.encrypted) return { compression: layers.compression };
  const { identities = [], passphrase } = decryption ?? {};
  const recipients = await recipientsOf(identities);
  const encryption = recipients.length > 0 ? { recipients } : { passphrase };
  return { compression: layers.compression, encryption };
}

/** The state of one restore, step by step. */
class RestoreRun {
  private readonly logger: Logger;
  private readonly mode: "empty" | "replace";
  private readonly started = performance.now();
  private readonly reporter: ProgressReporter;
  private readonly index: IndexOptions;
  private readonly changes: TargetChanges = { droppedLookups: [] };
  private target?: ServerInfo;
  private safetyBackup?: string;

  constructor(private readonly options: RestoreBackupOptions) {
    this.logger = options.logger ?? silentLogger;
    this.mode = options.mode ?? "empty";
    this.reporter = new ProgressReporter(options.onProgress);
    this.index = { logger: this.logger, decryption: options.decryption };
  }

  /** Everything checked before the first write: the file, the target, its emptiness. */
  async prepare(): Promise<PreparedRestore> {
    const { driver, storage, database, signal } = this.options;
    const { progress } = this.reporter;
    try {
      this.target = await readServerInfo(driver, database);
      const name =
        this.options.name ??
        (await latestBackupName(storage, {
          identity: this.target.identity,
          decryption: this.options.decryption,
        }));
      this.reporter.report("validating");
      const prepared = await prepareRestore({
        driver,
        storage,
        name,
        database,
        target: this.target,
        fingerprint: !this.options.skipVerify,
        allowDanglingRelationships: this.options.allowDanglingRelationships,
        read: { maxLineBytes: this.options.maxLineBytes, apocPropertyTypes: this.options.apocPropertyTypes },
        decryption: this.options.decryption,
        signal,
        onValidated: (seen) => {
          // while validating, the counts are the records checked so far
          progress.nodes = seen.nodes;
          progress.relationships = seen.relationships;
          this.reporter.report();
        },
      });
      progress.nodes = 0;
      progress.relationships = 0;
      progress.totalNodes = prepared.validation.nodeCount;
      progress.totalRelationships =
        prepared.validation.relationshipCount - prepared.validation.danglingRelationships;
      throwIfAborted(signal, "the restore");
      if (this.mode === "empty") await assertEmptyTarget(driver, database, prepared.statements);
      return prepared;
    } catch (error) {
      throw classifyDriverError(error, "restore");
    }
  }

  /** Replace mode: backs up the current contents first (unless turned off). */
  async takeSafetyBackup(name: string): Promise<void> {
    if (this.mode !== "replace" || this.options.safetyBackup === false) return;
    const { driver, storage, database, signal } = this.options;
    this.reporter.report("safety-backup");
    const safety = await backupUnderLock({
      ...(await safetyEncodingFor(name, this.options.decryption, this.options.safetyBackupEncoding)),
      driver,
      storage,
      database,
      decryption: this.options.decryption,
      prefix: SAFETY_BACKUP_PREFIX,
      reason: `Safety backup before restoring ${name}`,
      protect: [name],
      logger: this.logger,
      signal,
      ...(this.options.parallel ? { parallel: this.options.parallel } : {}),
    });
    this.safetyBackup = safety.name;
    this.logger.info({ safetyBackup: safety.name }, "safety backup taken");
  }

  /** Records the restore in the index before the first write, so that recovery finds it. */
  async markPending(name: string): Promise<void> {
    await markPendingRestore(
      this.options.storage,
      {
        name,
        database: this.target!.database,
        safetyBackup: this.safetyBackup ?? null,
        started: new Date().toISOString(),
        pid: process.pid,
        host: hostname(),
        mode: this.mode,
        ...(this.target!.identity ? { target: this.target!.identity } : {}),
      },
      this.index,
    );
  }

  write(prepared: PreparedRestore): Promise<WriteOutcome> {
    const { options } = this;
    return writeAndVerify({
      driver: options.driver,
      storage: options.storage,
      database: options.database,
      mode: this.mode,
      prepared,
      batchSize: options.batchSize,
      concurrency: options.concurrency,
      skipVerify: options.skipVerify,
      decryption: options.decryption,
      signal: options.signal,
      reporter: this.reporter,
      changes: this.changes,
      parallel: options.parallel,
      logger: this.logger,
    });
  }

  /** Records the finished restore (and clears the pending one); a failure here is only logged. */
  async recordDone(name: string, outcome: WriteOutcome): Promise<void> {
    this.reporter.report("done");
    await recordRestore(
      this.options.storage,
      {
        name,
        database: this.target!.database,
        mode: this.mode,
        restoredAt: new Date().toISOString(),
        nodeCount: outcome.nodeCount,
        relationshipCount: outcome.relationshipCount,
        durationMs: Math.round(performance.now() - this.started),
        initial: backupKind(name) === "distribution",
        safetyBackup: this.safetyBackup ?? null,
        target: this.target!.identity,
      },
      this.index,
    ).catch((error) =>
      this.logger.warn({ err: (error as Error).message }, "the backup index could not be updated"),
    );
  }

  /** After a failed write: puts the previous state back; returns the error to throw. */
  async undo(prepared: PreparedRestore, failure: unknown): Promise<unknown> {
    const { signal } = this.options;
    const cause = signal?.aborted
      ? new BackupError("ABORTED", "the restore was aborted", { cause: failure })
      : classifyDriverError(failure, "restore");
    this.logger.error({ err: (cause as Error).message }, "restore failed");
    if (this.mode === "replace" && this.safetyBackup) return this.rollBack(prepared.name, cause);
    if (this.mode === "empty") await this.takeBackEmptyRestore(prepared);
    return cause;
  }

  /** Replace mode: the safety backup goes back in. */
  private async rollBack(name: string, cause: unknown): Promise<BackupError> {
    const { driver, storage, database } = this.options;
    const safetyBackup = this.safetyBackup!;
    this.reporter.report("rolling-back");
    try {
      await replaceWithBackup({
        driver,
        storage,
        database,
        name: safetyBackup,
        decryption: this.options.decryption,
      });
      await clearPendingRestore(storage, this.target!.identity, this.index).catch(() => {});
    } catch (rollbackError) {
      return new BackupError(
        "ROLLBACK_FAILED",
        `the restore failed (${(cause as Error).message}) and putting back the previous contents failed too (${(rollbackError as Error).message}); restore the safety backup ${safetyBackup} from ${storage.describe()} by hand`,
        { cause: rollbackError, details: { safetyBackup } },
      );
    }
    const code = cause instanceof BackupError && cause.code === "ABORTED" ? "ABORTED" : "RESTORE_FAILED";
    return new BackupError(
      code,
      `the restore of ${name} ${code === "ABORTED" ? "was aborted" : `failed (${(cause as Error).message})`}; the previous contents were restored from the safety backup ${safetyBackup}`,
      { cause, details: { safetyBackup, rolledBack: true } },
    );
  }

  /** Empty mode: the target was empty, so what this restore wrote is taken back, nothing else. */
  private async takeBackEmptyRestore(prepared: PreparedRestore): Promise<void> {
    const { driver, storage, database } = this.options;
    await undoEmptyRestore(driver, database, prepared.statements, this.changes)
      .then(() => clearPendingRestore(storage, this.target!.identity, this.index))
      .catch((error) => {
        this.logger.error(
          { err: (error as Error).message },
          "emptying the target after the failed restore failed",
        );
      });
  }

  result(prepared: PreparedRestore, outcome: WriteOutcome | undefined, dryRun: boolean): RestoreResult {
    const durationMs = Math.round(performance.now() - this.started);
    const base = {
      name: prepared.name,
      mode: this.mode,
      validation: prepared.validation,
      durationMs,
      dryRun,
    };
    if (!outcome) {
      return { ...base, nodeCount: 0, relationshipCount: 0, skippedRelationships: 0, schemaObjects: 0 };
    }
    const { verification, ...written } = outcome;
    const result: RestoreResult = {
      ...base,
      ...written,
      ...(this.safetyBackup ? { safetyBackup: this.safetyBackup } : {}),
      ...(verification ? { verification } : {}),
    };
    this.logger.info(
      { name: result.name, nodes: result.nodeCount, relationships: result.relationshipCount, ms: durationMs },
      "restore finished",
    );
    return result;
  }
}
