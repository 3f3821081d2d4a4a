/**
 * The one way operations take the storage lock: wait for it, then — when this call took it and a
 * driver is at hand — recover an interrupted restore into that driver's database before doing
 * anything else. Unfinished restores into other databases are reported (logged) and left alone.
 */
import type { Driver } from "neo4j-driver";
import type { DecryptionOptions } from "../codec/age.js";
import type { Logger } from "../logger.js";
import type { BackupStorage } from "../storage/contract.js";
import { type LockingOptions, withStorageLock } from "../storage/with-lock.js";
import { type RecoveryResult, recoverIfInterrupted } from "./recover.js";

/** What {@link underLock} needs from an operation's options. */
export interface UnderLockOptions extends LockingOptions {
  storage: BackupStorage;
  /** When given, an interrupted restore into this driver's database is recovered first. */
  driver?: Driver;
  /** The database the driver works on (default its home database): only a restore into it is recovered. */
  database?: string;
  /** Keys to read the backup an interrupted restore is recovered from, when it is encrypted. */
  decryption?: DecryptionOptions;
  logger?: Logger;
  signal?: AbortSignal;
}

/**
 * Runs `work` holding `options.storage`'s lock (reentrant: a nested operation runs inside the
 * outer one's lock and recovers nothing). `work` learns what a recovery did, if one ran.
 */
export function underLock<T>(
  options: UnderLockOptions,
  work: (recovered: RecoveryResult | undefined) => Promise<T>,
): Promise<T> {
  const { driver, storage, logger } = options;
  let recovered: RecoveryResult | undefined;
  return withStorageLock(storage, () => work(recovered), {
    timeoutMs: options.lockTimeoutMs,
    onWait: options.onLockWait,
    signal: options.signal,
    logger,
    onAcquire: driver
      ? async () => {
          recovered = await recoverIfInterrupted({
            driver,
            database: options.database,
            storage,
            logger,
            decryption: options.decryption,
          });
        }
      : undefined,
  });
}
