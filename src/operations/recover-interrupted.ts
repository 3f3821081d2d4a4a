/** recoverInterruptedRestore: the public verb for recovering eagerly, at start-up or by hand. */
import type { Driver } from "neo4j-driver";
import type { DecryptionOptions } from "../codec/age.js";
import { BackupError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { BackupStorage } from "../storage/contract.js";
import type { LockingOptions } from "../storage/with-lock.js";
import { underLock } from "./lock.js";
import { type RecoveryResult, recoverIfInterrupted } from "./recover.js";

/** Options of {@link recoverInterruptedRestore}. */
export interface RecoverOptions extends LockingOptions {
  driver: Driver;
  storage: BackupStorage;
  /** The database to recover; default the driver's home database. */
  database?: string;
  /** Keys of the backup to recover from, when it is encrypted (the safety backup of an encrypted restore is). */
  decryption?: DecryptionOptions;
  /**
   * The caller knows that an unfinished restore recorded without its target (by an older version)
   * was into this database: recover it here (what the database holds is saved first). Default false:
   * such a record is only reported.
   */
  claimUnidentified?: boolean;
  logger?: Logger;
}

/**
 * Checks for a restore into this database that was interrupted (process killed, server stopped)
 * and brings the database to its previous contents (replace mode) or the complete restore (empty
 * mode), after saving what it holds now. Restores into other databases sharing the storage are
 * left alone. Operations that write (create, auto-backup, restore, initialize, upgrade, the
 * schedule) do this first on their own; call it directly at start-up, or from `neo4j-backup
 * recover`. Returns `undefined` when there was nothing to recover here.
 */
export async function recoverInterruptedRestore(
  options: RecoverOptions,
): Promise<RecoveryResult | undefined> {
  if (!options?.driver || !options.storage) {
    throw new BackupError("INVALID_OPTIONS", "recoverInterruptedRestore needs `driver` and `storage`");
  }
  if (!options.claimUnidentified) return underLock(options, async (recovered) => recovered);
  // the claim is this call's own: the lock is taken without the automatic recovery, which would not claim
  return underLock({ ...options, driver: undefined }, () =>
    recoverIfInterrupted({
      driver: options.driver,
      database: options.database,
      storage: options.storage,
      logger: options.logger,
      decryption: options.decryption,
      claimUnidentified: true,
    }),
  );
}
