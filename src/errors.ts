/**
 * Typed errors with stable codes. Callers branch on `code`, never on message text.
 */

/** Every code a {@link BackupError} can carry. */
export type BackupErrorCode =
  /** An option is missing or has the wrong type. */
  | "INVALID_OPTIONS"
  /** The injected driver is configured in a way that loses data (e.g. `disableLosslessIntegers`). */
  | "DRIVER_CONFIG"
  /** A value read from the database cannot be stored exactly. */
  | "UNSUPPORTED_VALUE"
  /** The operation was cancelled through its AbortSignal. */
  | "ABORTED"
  /** The database could not be reached or the connection was lost. */
  | "CONNECTION"
  /** The server refused the credentials. */
  | "AUTHENTICATION"
  /** The database changed during the backup and the caller required a consistent snapshot. */
  | "INCONSISTENT"
  /** The storage failed to read or write. */
  | "STORAGE"
  /** Another process holds the storage's lock and did not release it in time; `details` names the holder. */
  | "LOCKED"
  /** A backup with this name already exists in the storage. */
  | "BACKUP_EXISTS"
  /** No backup with this name exists in the storage. */
  | "NOT_FOUND"
  /** A backup file is not valid; `details` holds the validation report. */
  | "VALIDATION_FAILED"
  /** The file is not in a layout or format version this library reads. */
  | "FORMAT"
  /** A restore in mode "empty" found data (or clashing schema names) in the target. */
  | "TARGET_NOT_EMPTY"
  /** The target server cannot hold something in the backup (a type or schema object); nothing was written. */
  | "UNSUPPORTED_TARGET"
  /** A restore failed; in replace mode the previous contents were put back (see `details`). */
  | "RESTORE_FAILED"
  /** A restore failed and putting the previous contents back failed too; the message names the safety backup. */
  | "ROLLBACK_FAILED"
  /** A backup is encrypted and no identity or passphrase was given to read it. */
  | "KEY_REQUIRED"
  /** None of the identities (or the passphrase) given opens an encrypted backup. */
  | "DECRYPTION_FAILED"
  /** A compressed or encrypted layer of a file is damaged: changed, cut short, or not what its name says. */
  | "CORRUPT"
  /** A worker thread of a parallel backup stopped (it crashed or ran out of memory); nothing was published. */
  | "WORKER_FAILED";

/** The one error type thrown by this library; `code` is stable across releases. */
export class BackupError extends Error {
  /** Stable, machine-readable cause. */
  readonly code: BackupErrorCode;
  /** Structured context (never secrets). */
  readonly details?: unknown;

  constructor(code: BackupErrorCode, message: string, options?: { cause?: unknown; details?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "BackupError";
    this.code = code;
    if (options?.details !== undefined) this.details = options.details;
  }
}

/** Throws a BackupError with code ABORTED when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) {
    throw new BackupError("ABORTED", `${what} was aborted`, { cause: signal.reason });
  }
}

/** Maps driver errors (service unavailable, auth) to BackupErrors; passes others through. */
export function classifyDriverError(error: unknown, what: string): unknown {
  if (error instanceof BackupError) return error;
  const code = (error as { code?: string } | undefined)?.code ?? "";
  const message = error instanceof Error ? error.message : String(error);
  if (
    code === "ServiceUnavailable" ||
    code === "SessionExpired" ||
    /ECONNREFUSED|ECONNRESET|connection/i.test(code) ||
    // the server is shutting down or the database is stopped
    /DatabaseUnavailable$/.test(code)
  ) {
    return new BackupError("CONNECTION", `${what}: the database connection failed (${message})`, {
      cause: error,
    });
  }
  if (
    code === "Neo.ClientError.Security.Unauthorized" ||
    code === "Neo.ClientError.Security.AuthenticationRateLimit"
  ) {
    return new BackupError("AUTHENTICATION", `${what}: the server refused the credentials`, { cause: error });
  }
  return error;
}
