/**
 * A backup with the storage lock held: the pipeline, then the index entry, then retention (the new
 * backup read back as written before anything older is removed). Used by createBackup and by every operation
 * that backs up on its way (safety, pre-upgrade, distribution and auto backups).
 */
import type { Driver } from "neo4j-driver";
import {
  type BackupPipelineOptions,
  type BackupResult,
  endsWrittenFor,
  readKeysFor,
  runBackup,
  snapshotWrittenFor,
} from "../backup/run-backup.js";
import { checkWrittenSnapshot } from "../backup/snapshot-check.js";
import { assertSnapshotEncoding, type SnapshotWritten } from "../backup/snapshot-output.js";
import type { DecryptionOptions, ReadKeys } from "../codec/age.js";
import { layersOf, resolveEncoding } from "../codec/encoded-writer.js";
import { backupLayers } from "../codec/open.js";
import { BackupError } from "../errors.js";
import { identityFromMetadata } from "../format/identity.js";
import { backupExtension } from "../format/naming.js";
import { assertLosslessDriver } from "../graph/server.js";
import { type BackupIndexEntry, backupKind, recordBackup, updateIndex } from "../lifecycle/backup-index.js";
import { assertPolicy, type RetentionPolicy } from "../lifecycle/policy.js";
import {
  assertKeep,
  assertSeries,
  DEFAULT_KEEP,
  removeBackups,
  retentionCandidates,
} from "../lifecycle/retention.js";
import { type Logger, silentLogger } from "../logger.js";
import type { BackupStorage } from "../storage/contract.js";
import { assertValidBackupName } from "../storage/contract.js";
import type { LockingOptions } from "../storage/with-lock.js";
import { checkWrittenFile, type WrittenFile } from "../validate/read-back.js";

/** Options of {@link createBackup}. */
export interface CreateBackupOptions extends BackupPipelineOptions, LockingOptions {
  /**
   * How many backups of this database with this prefix to keep, the new one included; default 1.
   * Older ones are removed only after the new backup was published and read back as written; another
   * database's backups (and those of unknown origin) are never removed. `Infinity` keeps all.
   */
  keep?: number;
  /**
   * A retention policy instead of `keep` (restic's `forget` rules, in UTC: see docs/lifecycle.md):
   * applied to this database's backups with this prefix in this `series` after the new backup was
   * published and read back as written. The new backup is always kept. Not together with `keep`.
   */
  policy?: RetentionPolicy;
  /** Backups retention must not remove (for example the file a restore is reading). */
  protect?: string[];
  /**
   * Keys to read encrypted backups with where this operation reads one: files the index does not
   * know yet, and the recovery of an interrupted restore. The new backup itself is read back before
   * retention with its own file key, held in memory only.
   */
  decryption?: DecryptionOptions;
  /**
   * Record a failure of this backup in the index (`failures`: when, the code and the message), for
   * monitoring (`collectMetrics`' time of the last failure). Default false: a failed backup leaves
   * the storage as it was. An aborted backup is not a failure; a failure whose storage cannot be
   * written (or is locked by another process) is not recorded.
   */
  recordFailure?: boolean;
}

/** Checks createBackup's options before anything is read or written. */
export function assertCreateOptions(options: CreateBackupOptions): void {
  if (!options || typeof options !== "object")
    throw new BackupError("INVALID_OPTIONS", "createBackup needs an options object");
  if (!options.driver || typeof (options.driver as Driver).session !== "function") {
    throw new BackupError("INVALID_OPTIONS", "createBackup needs `driver`: a neo4j-driver Driver");
  }
  if (!options.storage || typeof options.storage.write !== "function") {
    throw new BackupError("INVALID_OPTIONS", "createBackup needs `storage`: a BackupStorage");
  }
  if (typeof options.reason !== "string")
    throw new BackupError("INVALID_OPTIONS", "createBackup needs `reason`: a string");
  const encoding = resolveEncoding(options);
  const layers = { ...layersOf(encoding), ...(options.snapshot ? { snapshot: true } : {}) };
  if (options.snapshot) assertSnapshotEncoding(encoding.encryption);
  if (options.name !== undefined) {
    assertValidBackupName(options.name);
    const named = backupLayers(options.name);
    if (
      options.snapshot
        ? !named.snapshot
        : named.compression !== layers.compression || named.encrypted !== layers.encrypted || named.snapshot
    ) {
      throw new BackupError(
        "INVALID_OPTIONS",
        `the name ${options.name} does not end in ${backupExtension(layers)}, as a backup with this compression and encryption must`,
      );
    }
  }
  if (options.keep !== undefined) assertKeep(options.keep);
  if (options.policy !== undefined) {
    if (options.keep !== undefined)
      throw new BackupError(
        "INVALID_OPTIONS",
        "give either `keep` or `policy` (use policy.keepLast for a count), not both",
      );
    assertPolicy(options.policy);
  }
  if (options.series !== undefined) assertSeries(options.series);
  assertLosslessDriver(options.driver);
}

/** Backs up, records the backup in the index, and applies retention. Call with the lock held. */
export async function backupUnderLock(options: CreateBackupOptions): Promise<BackupResult> {
  const logger = options.logger ?? silentLogger;
  const { storage } = options;
  const result = await runBackup(options);
  let entries: BackupIndexEntry[] | undefined;
  const protect = new Set(options.protect ?? []);
  try {
    const index = await recordBackup(storage, entryFromResult(result), {
      logger,
      decryption: options.decryption,
    });
    entries = index.backups;
    // an unfinished restore (into any database of the storage) needs its backup and its safety backup
    for (const pending of index.pendingRestores) {
      protect.add(pending.name);
      if (pending.safetyBackup) protect.add(pending.safetyBackup);
    }
    // a pinned backup is never removed by retention
    for (const name of index.pinned ?? []) protect.add(name);
  } catch (error) {
    // the backup itself is published and complete; the index is rebuilt from the files when next read
    logger.warn({ err: (error as Error).message }, "the backup index could not be updated");
  }
  // retention goes by the index (which database each backup holds): without it, nothing is removed
  if (options.name === undefined && entries) {
    result.removed = await validateThenApplyRetention({
      storage,
      newest: result.name,
      candidates: retentionCandidates(
        entries,
        result.name,
        options.policy ?? options.keep ?? DEFAULT_KEEP,
      ).filter((n) => !protect.has(n)),
      keys: readKeysFor(result, options.decryption),
      file: writtenFile(result),
      snapshot: snapshotWrittenFor(result),
      signal: options.signal,
      logger,
    });
  }
  return result;
}

/** The index entry of a backup this library just published. */
export function entryFromResult(result: BackupResult): BackupIndexEntry {
  const m = result.metadata;
  return {
    name: result.name,
    kind: backupKind(result.name),
    created: m.datetime,
    reason: m.reason,
    database: m.database,
    nodeCount: result.nodeCount,
    relationshipCount: result.relationshipCount,
    size: result.bytes,
    checksum: result.checksum,
    durationMs: result.durationMs,
    server: { version: m.server.version, edition: m.server.edition },
    formatVersion: m.format_version,
    changedDuringBackup: result.changedDuringBackup,
    valid: true,
    compression: result.compression,
    encrypted: result.encrypted,
    identity: identityFromMetadata(m.database, m.database_identity),
    ...(result.snapshot ? { snapshot: result.snapshot } : {}),
    ...(m.series !== undefined ? { series: m.series } : {}),
  };
}

/**
 * Retention after a publication: checks the new backup as stored (only when something would be
 * removed) — a file read back and compared with what was written (validate/read-back.ts), a
 * snapshot by the chunks it wrote — then removes the older ones. A new backup that fails the check
 * is taken back and the older ones stay.
 */
async function validateThenApplyRetention(args: {
  storage: BackupStorage;
  newest: string;
  /** The older backups retention would remove. */
  candidates: string[];
  /** Reads the new backup back: its own file key when it is encrypted. */
  keys: ReadKeys;
  /** What was written: the stored bytes are read back and compared with it. */
  file: WrittenFile;
  /** What a new snapshot stored: it is checked by what it wrote. */
  snapshot: SnapshotWritten | undefined;
  signal: AbortSignal | undefined;
  logger: Logger;
}): Promise<string[]> {
  const { storage, newest, logger, candidates } = args;
  if (candidates.length === 0) return [];
  const problems = args.snapshot
    ? await checkWrittenSnapshot(storage, newest, args.snapshot)
    : await checkWrittenFile(storage, args.file, args.keys, args.signal);
  const report = { valid: problems.length === 0, problems: problems.map((message) => ({ message })) };
  if (!report.valid) {
    await storage.remove(newest);
    await updateIndex(storage, () => {}, { logger, decryption: args.keys }).catch(() => {});
    throw new BackupError(
      "VALIDATION_FAILED",
      `the new backup ${newest} is not what was written when read back (${report.problems.map((p) => p.message).join("; ")}); it was removed and the older backups were kept`,
      { details: report },
    );
  }
  const removed = await removeBackups(storage, candidates, logger);
  await updateIndex(storage, () => {}, { logger, decryption: args.keys }).catch((error) => {
    logger.warn({ err: (error as Error).message }, "the backup index could not be updated");
  });
  return removed;
}

/** What reads a file this process just wrote back (see validate/read-back.ts). */
function writtenFile(result: BackupResult): WrittenFile {
  const ends = endsWrittenFor(result);
  return { ...result, firstLine: ends?.firstLine ?? "", lastLine: ends?.lastLine ?? "" };
}
