/**
 * Recovery of an interrupted restore. A restore records itself in the index (`pendingRestore`)
 * before its first write and clears the record when it finishes or has been undone. A record found
 * by whoever next takes the storage lock means the restoring process died (or could not undo its
 * work): the database is brought to its previous contents from the safety backup — or, when there
 * was none (a restore into an empty database), to the complete restore. Never left as a mix.
 */
import type { Driver } from "neo4j-driver";
import type { DecryptionOptions } from "../codec/age.js";
import { BackupError } from "../errors.js";
import { type PendingRestore, readIndex } from "../lifecycle/backup-index.js";
import { type Logger, silentLogger } from "../logger.js";
import type { BackupStorage } from "../storage/contract.js";
import { type RestoreResult, replaceWithBackup } from "./restore-under-lock.js";

/** What a recovery did. */
export interface RecoveryResult {
  /** The restore that had been interrupted. */
  interrupted: PendingRestore;
  /** `previous-contents`: the safety backup was put back; `completed`: the interrupted restore was redone. */
  outcome: "previous-contents" | "completed";
  /** The backup restored to get there. */
  restoredFrom: string;
  restore: RestoreResult;
}

/**
 * Recovers an interrupted restore, if the index records one. Call with the storage lock held
 * (the library's operations do so when they take the lock).
 * @throws BackupError `ROLLBACK_FAILED` when neither the safety backup nor the backup is available.
 */
export async function recoverIfInterrupted(
  driver: Driver,
  storage: BackupStorage,
  logger: Logger = silentLogger,
  decryption?: DecryptionOptions,
): Promise<RecoveryResult | undefined> {
  const pending = (await readIndex(storage, { logger, decryption })).pendingRestore;
  if (!pending) return undefined;
  const database = pending.database ?? undefined;
  logger.warn(
    { backup: pending.name, database, started: pending.started, safetyBackup: pending.safetyBackup },
    "an interrupted restore was found; recovering",
  );
  let source: string | undefined;
  if (pending.safetyBackup && (await storage.stat(pending.safetyBackup))) source = pending.safetyBackup;
  else if (!pending.safetyBackup && (await storage.stat(pending.name))) source = pending.name;
  if (!source) {
    throw new BackupError(
      "ROLLBACK_FAILED",
      `a restore of ${pending.name} into database ${database ?? "(default)"} started at ${pending.started} was interrupted, and ${pending.safetyBackup ?? pending.name} is no longer in ${storage.describe()}; restore a backup by hand with mode "replace"`,
      { details: { pendingRestore: pending } },
    );
  }
  const restore = await replaceWithBackup({ driver, storage, database, name: source, logger, decryption });
  const outcome = source === pending.safetyBackup ? "previous-contents" : "completed";
  logger.warn({ restoredFrom: source, outcome }, "the interrupted restore was recovered");
  return { interrupted: pending, outcome, restoredFrom: source, restore };
}
