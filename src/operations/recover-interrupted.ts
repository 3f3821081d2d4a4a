/** recoverInterruptedRestore: the public verb for recovering eagerly, at start-up. */
import type { Driver } from "neo4j-driver";
import type { DecryptionOptions } from "../codec/age.js";
import { BackupError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { BackupStorage } from "../storage/contract.js";
import type { LockingOptions } from "../storage/with-lock.js";
import { underLock } from "./lock.js";
import type { RecoveryResult } from "./recover.js";

/** Options of {@link recoverInterruptedRestore}. */
export interface RecoverOptions extends LockingOptions {
  driver: Driver;
  storage: BackupStorage;
  /** Keys of the backup to recover from, when it is encrypted (the safety backup of an encrypted restore is). */
  decryption?: DecryptionOptions;
  logger?: Logger;
}

/**
 * Checks for a restore that was interrupted (process killed, server stopped) and brings the
 * database to its previous contents or the complete restore. Every operation that writes does this
 * first on its own; call it directly at start-up to do it eagerly. Returns `undefined` when there
 * was nothing to recover.
 */
export async function recoverInterruptedRestore(
  options: RecoverOptions,
): Promise<RecoveryResult | undefined> {
  if (!options?.driver || !options.storage) {
    throw new BackupError("INVALID_OPTIONS", "recoverInterruptedRestore needs `driver` and `storage`");
  }
  return underLock(options, async (recovered) => recovered);
}
