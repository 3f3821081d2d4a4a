/**
 * Turning any failure into one line: what went wrong and what to do, with an exit code and a stable
 * code for `--json`.
 */
import { EXIT, type ExitCode } from "./exit-codes.js";
import { s3Hint } from "./s3-hints.js";

/** A failure the command itself detects (bad arguments, a refused confirmation, a missing folder). */
export class CliError extends Error {
  constructor(
    /** Stable code for `--json` (`USAGE`, `NOT_CONFIRMED`, `NO_BACKUP_FOLDER`, …). */
    readonly code: string,
    message: string,
    /** The exit code. */
    readonly exitCode: ExitCode,
    /** What to do about it. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** What the command knows about the connection, to word connection errors. */
export interface ErrorContext {
  /** `host:port` of the server (never credentials). */
  host?: string;
  username?: string;
  /** True when a password was given (flag, environment or prompt). */
  passwordGiven?: boolean;
  database?: string;
}

/** A failure as the command reports it. */
export interface ErrorReport {
  /** Stable code: a BackupError code, a driver code, or a CLI code. */
  code: string;
  /** What went wrong, in one sentence. */
  message: string;
  /** What to do about it. */
  hint?: string;
  exitCode: ExitCode;
}

const CREDENTIALS_HINT = "check --username and --password (or NEO4J_USERNAME and NEO4J_PASSWORD)";

/** The driver's "Caused by: connect ECONNREFUSED …" part, or the whole message. */
function connectionCause(message: string): string {
  const caused = /Caused by: (.*)$/s.exec(message)?.[1]?.trim();
  let text = (caused ?? message).split("\n")[0]!.trim();
  // a wrapped message "what: … (driver message)" leaves an unbalanced ")"
  while (text.endsWith(")") && text.split(")").length > text.split("(").length) text = text.slice(0, -1);
  return text;
}

function reachHint(): string {
  return "check that the server is running and that --uri (or NEO4J_URI) names its Bolt address";
}

/** Exit code and hint of each library error code whose message is shown as it is. */
const LIBRARY_CODES: Record<string, { exitCode: ExitCode; hint?: string }> = {
  LOCKED: {
    exitCode: EXIT.locked,
    hint: "wait for the other backup or restore to finish, or raise --lock-timeout",
  },
  VALIDATION_FAILED: { exitCode: EXIT.invalid, hint: "see every problem with `neo4j-backup info <file>`" },
  FORMAT: { exitCode: EXIT.invalid },
  TARGET_NOT_EMPTY: {
    exitCode: EXIT.refused,
    hint: "restore with --mode replace to replace the contents (a safety backup is taken first)",
  },
  UNSUPPORTED_TARGET: { exitCode: EXIT.refused, hint: "restore into a server that supports these features" },
  BACKUP_EXISTS: { exitCode: EXIT.refused },
  NOT_FOUND: { exitCode: EXIT.failure, hint: "list the backups with `neo4j-backup list`, or check --dir" },
  ABORTED: { exitCode: EXIT.interrupted },
  INVALID_OPTIONS: { exitCode: EXIT.usage },
  STORAGE: { exitCode: EXIT.failure, hint: "check the backup folder (--dir): it must be writable" },
  ROLLBACK_FAILED: { exitCode: EXIT.failure },
  RESTORE_FAILED: { exitCode: EXIT.failure },
  INCONSISTENT: { exitCode: EXIT.failure },
  UNSUPPORTED_VALUE: { exitCode: EXIT.failure },
  DRIVER_CONFIG: { exitCode: EXIT.failure },
  WORKER_FAILED: { exitCode: EXIT.failure, hint: "run it again, or without --threads" },
  KEY_REQUIRED: {
    exitCode: EXIT.usage,
    hint: "pass --identity <file>, or set NEO4J_BACKUP_PASSPHRASE (a terminal asks for a passphrase)",
  },
  DECRYPTION_FAILED: { exitCode: EXIT.failure, hint: "check --identity and the passphrase" },
  CORRUPT: { exitCode: EXIT.invalid, hint: "nothing was written; restore another backup" },
  EACCES: { exitCode: EXIT.failure, hint: "check the permissions of the backup folder (--dir)" },
  EPERM: { exitCode: EXIT.failure, hint: "check the permissions of the backup folder (--dir)" },
};

function report(code: string, message: string, exitCode: ExitCode, hint?: string): ErrorReport {
  return { code, message, ...(hint ? { hint } : {}), exitCode };
}

/** Maps library, driver, CLI and system errors to a one-line report and an exit code. */
export function describeError(error: unknown, context: ErrorContext = {}): ErrorReport {
  if (error instanceof CliError) return report(error.code, error.message, error.exitCode, error.hint);
  if ((error as Error | undefined)?.name === "PromptInterrupted") {
    return report("INTERRUPTED", "interrupted; nothing was changed", EXIT.interrupted);
  }
  const err = error as { code?: unknown; message?: string } | undefined;
  const code = typeof err?.code === "string" ? err.code : "";
  const message = err?.message ?? String(error);
  const known = describeConnectionError(code, message, context);
  if (known) return known;
  const library = LIBRARY_CODES[code];
  const storageHint = s3Hint(error);
  if (library && storageHint) return report(code, message, library.exitCode, storageHint);
  if (library) return report(code, message, library.exitCode, library.hint);
  return report(code || "ERROR", message, EXIT.failure);
}

/** Errors of reaching and logging in to the server, from the driver or classified by the library. */
function describeConnectionError(
  code: string,
  message: string,
  context: ErrorContext,
): ErrorReport | undefined {
  const where = context.host ? ` at ${context.host}` : "";
  const user = context.username ? ` for user ${context.username}` : "";
  if (code === "ServiceUnavailable" || code === "SessionExpired" || /ECONNREFUSED|ENOTFOUND/.test(code)) {
    const text = `cannot reach the Neo4j server${where} (${connectionCause(message)})`;
    return report("CONNECTION", text, EXIT.connection, reachHint());
  }
  if (code === "CONNECTION") {
    const text = `the connection to the Neo4j server${where} failed (${connectionCause(message)})`;
    return report(code, text, EXIT.connection, reachHint());
  }
  if (code === "Neo.ClientError.Security.Unauthorized" || code === "AUTHENTICATION") {
    const missing = context.passwordGiven === false;
    return report(
      "AUTHENTICATION",
      `authentication failed${user}${where}: the server refused the credentials${missing ? " (no password was given)" : ""}`,
      EXIT.connection,
      missing
        ? "set NEO4J_PASSWORD, pass --password, or run on a terminal to be asked for it"
        : CREDENTIALS_HINT,
    );
  }
  if (code === "Neo.ClientError.Security.AuthenticationRateLimit") {
    const text = `the server${where} blocks logins${user} after too many failed attempts`;
    return report("AUTHENTICATION", text, EXIT.connection, `wait a few seconds, then ${CREDENTIALS_HINT}`);
  }
  if (code === "Neo.ClientError.Security.CredentialsExpired") {
    const hint = "change it first (for example with cypher-shell), then use the new one";
    return report("AUTHENTICATION", `the password${user} has expired${where}`, EXIT.connection, hint);
  }
  if (code === "Neo.ClientError.Database.DatabaseNotFound") {
    const text = `database ${context.database ?? "(home)"} does not exist${where}`;
    return report("DATABASE_NOT_FOUND", text, EXIT.failure, "check --database (or NEO4J_DATABASE)");
  }
  if (code === "Neo.ClientError.Security.Forbidden") {
    return report("FORBIDDEN", `the server${where} refused an operation${user}: ${message}`, EXIT.failure);
  }
  return undefined;
}
