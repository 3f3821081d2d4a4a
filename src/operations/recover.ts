/**
 * Recovery of an interrupted restore. A restore records itself in the index (`pendingRestores`,
 * naming the database it writes by its identity) before its first write, and removes the record
 * when it finishes or has been undone. A record found later means the restoring process died (or
 * could not undo its work). Recovery acts only through a driver connected to the database the
 * record names, saves what that database holds first, and never touches any other database.
 *
 * | phase of the interrupted restore | what the target can hold | what recovery does |
 * | --- | --- | --- |
 * | validating the file, taking the safety backup (no record yet) | its contents, untouched | nothing: there is nothing to recover |
 * | replace mode, from the record on (clearing, writing, schema, verifying, before the end is recorded) | part or all of the backup, or its previous contents not yet cleared | saves what it holds (`pre_recovery_backup_…`), empties it, restores the safety backup: **the previous contents** |
 * | replace mode without a safety backup (`safetyBackup: false`) | as above | saves what it holds, empties it, restores the backup: **the complete restore** |
 * | empty mode, from the record on | part or all of the backup | saves what it holds, empties it, restores the backup: **the complete restore** |
 * | finished (record removed) | the backup | nothing |
 *
 * What recovery refuses: a record that names another database (another server, or a database
 * dropped and recreated under the same name) is reported and left for a command against that
 * database; a record without a target (written before identities were recorded) is never
 * recovered automatically, only when the caller says it was this database (`claimUnidentified`);
 * a database whose identity cannot be read is never recovered into.
 */
import type { Driver } from "neo4j-driver";
import type { DecryptionOptions } from "../codec/age.js";
import { BackupError } from "../errors.js";
import { type DatabaseIdentity, sameDatabase } from "../format/identity.js";
import { countGraph, readServerInfo } from "../graph/server.js";
import {
  clearPendingRestore,
  type PendingRestore,
  PRE_RECOVERY_BACKUP_PREFIX,
  readIndex,
} from "../lifecycle/backup-index.js";
import { describeUnfinishedRestore } from "../lifecycle/health.js";
import { type Logger, silentLogger } from "../logger.js";
import type { BackupStorage } from "../storage/contract.js";
import { backupUnderLock } from "./backup-under-lock.js";
import { type RestoreResult, replaceWithBackup, safetyEncodingFor } from "./restore-under-lock.js";

/** What a recovery did. */
export interface RecoveryResult {
  /** The restore that had been interrupted. */
  interrupted: PendingRestore;
  /** `previous-contents`: the safety backup was put back; `completed`: the interrupted restore was redone. */
  outcome: "previous-contents" | "completed";
  /** The backup restored to get there. */
  restoredFrom: string;
  /**
   * The backup of what the database held when recovery found it, taken before it was emptied;
   * absent when it held no node and no relationship.
   */
  savedAs?: string;
  restore: RestoreResult;
}

/** What {@link recoverIfInterrupted} needs. */
export interface RecoveryArgs {
  driver: Driver;
  /** The database the driver works on; default its home database. */
  database?: string;
  storage: BackupStorage;
  logger?: Logger;
  decryption?: DecryptionOptions;
  /** Treat a record that names no target (an older index's) as this database's and recover it. */
  claimUnidentified?: boolean;
}

/**
 * Recovers an interrupted restore into the driver's database, if the index records one for it;
 * records of other databases are only logged. Call with the storage lock held (the library's
 * operations do so when they take the lock).
 * @throws BackupError `ROLLBACK_FAILED` when the backup to recover from is no longer there.
 */
export async function recoverIfInterrupted(args: RecoveryArgs): Promise<RecoveryResult | undefined> {
  const { driver, storage, decryption } = args;
  const logger = args.logger ?? silentLogger;
  const records = (await readIndex(storage, { logger, decryption })).pendingRestores;
  if (records.length === 0) return undefined;
  const here = await readServerInfo(driver, args.database);
  const mine = records.find((p) => p.target !== undefined && sameDatabase(p.target, here.identity));
  const claimed = !mine && args.claimUnidentified ? records.find((p) => p.target === undefined) : undefined;
  for (const other of records) {
    if (other === mine || other === claimed) continue;
    logger.warn(
      { backup: other.name, target: other.target ?? null, started: other.started },
      `${describeUnfinishedRestore(other)}; this operation leaves it alone`,
    );
  }
  const pending = mine ?? claimed;
  if (!pending) return undefined;
  if (!here.identity) {
    throw new BackupError(
      "ROLLBACK_FAILED",
      `the identity of database ${here.database} cannot be read (db.info() was refused), so the interrupted restore of ${pending.name} is not recovered into it; restore ${pending.safetyBackup ?? pending.name} by hand with mode "replace"`,
    );
  }
  return recover(pending, here.identity, { ...args, logger });
}

/** Saves what the database holds, then puts back the safety backup (or completes the restore). */
async function recover(
  pending: PendingRestore,
  target: DatabaseIdentity,
  args: RecoveryArgs & { logger: Logger },
): Promise<RecoveryResult> {
  const { driver, storage, logger, decryption } = args;
  logger.warn(
    { backup: pending.name, target, started: pending.started, safetyBackup: pending.safetyBackup },
    "an interrupted restore into this database was found; recovering",
  );
  const source = await sourceOf(pending, storage);
  const savedAs = await saveWhatIsThere(pending, source, target, args);
  const restore = await replaceWithBackup({
    driver,
    storage,
    database: target.name,
    name: source,
    logger,
    decryption,
  });
  // a claimed record named no target: the recovery's own record (now cleared) was not it
  if (pending.target === undefined) await clearPendingRestore(storage, null, { logger, decryption });
  const outcome = source === pending.safetyBackup ? "previous-contents" : "completed";
  logger.warn({ restoredFrom: source, outcome, savedAs }, "the interrupted restore was recovered");
  return { interrupted: pending, outcome, restoredFrom: source, ...(savedAs ? { savedAs } : {}), restore };
}

/** The backup to recover from: the safety backup, or (without one) the backup being restored. */
async function sourceOf(pending: PendingRestore, storage: BackupStorage): Promise<string> {
  const source = pending.safetyBackup ?? pending.name;
  if (await storage.stat(source)) return source;
  throw new BackupError(
    "ROLLBACK_FAILED",
    `a restore of ${pending.name} into database ${pending.database ?? "(default)"} started at ${pending.started} was interrupted, and ${source} is no longer in ${storage.describe()}; restore a backup by hand with mode "replace"`,
    { details: { pendingRestore: pending } },
  );
}

/**
 * Backs up what the database holds before recovery empties it, so that nothing written after the
 * interruption is lost unseen. Nothing to save (no node, no relationship): no backup.
 */
async function saveWhatIsThere(
  pending: PendingRestore,
  source: string,
  target: DatabaseIdentity,
  args: RecoveryArgs & { logger: Logger },
): Promise<string | undefined> {
  const { driver, storage, logger, decryption } = args;
  const counts = await countGraph(driver, target.name);
  if (counts.nodes === 0 && counts.relationships === 0) return undefined;
  const saved = await backupUnderLock({
    ...(await safetyEncodingFor(source, decryption)),
    driver,
    storage,
    database: target.name,
    decryption,
    prefix: PRE_RECOVERY_BACKUP_PREFIX,
    reason: `What the database held when recovery found the restore of ${pending.name} (started ${pending.started}) unfinished`,
    keep: Number.POSITIVE_INFINITY,
    protect: [source, pending.name],
    logger,
  });
  logger.warn({ savedAs: saved.name }, "what the database held was saved before recovery");
  return saved.name;
}
