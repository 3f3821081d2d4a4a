/**
 * Recording a failed backup in the index, for monitoring — when the caller asks for it
 * (`recordFailure`). Best effort: the failure itself is what the caller gets.
 */
import { BackupError } from "../errors.js";
import { type BackupFailure, recordFailure } from "../lifecycle/backup-index.js";
import { silentLogger } from "../logger.js";
import { withStorageLock } from "../storage/with-lock.js";
import type { CreateBackupOptions } from "./backup-under-lock.js";

/** How long to wait for the lock to record a failure: someone else's operation may hold it. */
const RECORD_LOCK_TIMEOUT_MS = 2000;

/**
 * Runs `work`; when it fails (not aborted) and `options.recordFailure` is set, records the failure
 * in the index before rethrowing it.
 */
export async function recordingFailure<T>(
  options: Pick<CreateBackupOptions, "storage" | "database" | "recordFailure" | "logger" | "decryption">,
  operation: BackupFailure["operation"],
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (options?.recordFailure === true && !isAbort(error)) await record(options, operation, error);
    throw error;
  }
}

function isAbort(error: unknown): boolean {
  return error instanceof BackupError && error.code === "ABORTED";
}

async function record(
  options: Pick<CreateBackupOptions, "storage" | "database" | "logger" | "decryption">,
  operation: BackupFailure["operation"],
  error: unknown,
): Promise<void> {
  const logger = options.logger ?? silentLogger;
  const code =
    typeof (error as { code?: unknown })?.code === "string" ? (error as { code: string }).code : "ERROR";
  const failure: BackupFailure = {
    at: new Date().toISOString(),
    operation,
    database: options.database ?? null,
    code,
    message: error instanceof Error ? error.message : String(error),
  };
  try {
    await withStorageLock(
      options.storage,
      () => recordFailure(options.storage, failure, { logger, decryption: options.decryption }),
      { timeoutMs: RECORD_LOCK_TIMEOUT_MS },
    );
  } catch (recordError) {
    logger.warn(
      { err: (recordError as Error)?.message },
      "the failure could not be recorded in the backup index",
    );
  }
}
