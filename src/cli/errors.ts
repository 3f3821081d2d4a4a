/**
 * Turning any failure into one line: what went wrong and what to do, with an exit code and a stable
 * code for `--json`.
 */
import { EXIT, type ExitCode } from "./exit-codes.js";

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

/** Maps library, driver, CLI and system errors to a one-line report and an exit code. */
export function describeError(error: unknown, context: ErrorContext = {}): ErrorReport {
  if (error instanceof CliError) {
    return {
      code: error.code,
      message: error.message,
      ...(error.hint ? { hint: error.hint } : {}),
      exitCode: error.exitCode,
    };
  }
  if ((error as Error | undefined)?.name === "PromptInterrupted") {
    return { code: "INTERRUPTED", message: "interrupted; nothing was changed", exitCode: EXIT.interrupted };
  }
  const err = error as { name?: string; code?: unknown; message?: string; details?: unknown } | undefined;
  const code = typeof err?.code === "string" ? err.code : "";
  const message = err?.message ?? String(error);
  const where = context.host ? ` at ${context.host}` : "";
  const user = context.username ? ` for user ${context.username}` : "";
  const report = (c: string, m: string, exitCode: ExitCode, hint?: string): ErrorReport => ({
    code: c,
    message: m,
    ...(hint ? { hint } : {}),
    exitCode,
  });

  // driver errors (before any library call classified them)
  if (code === "ServiceUnavailable" || code === "SessionExpired" || /ECONNREFUSED|ENOTFOUND/.test(code)) {
    return report(
      "CONNECTION",
      `cannot reach the Neo4j server${where} (${connectionCause(message)})`,
      EXIT.connection,
      reachHint(),
    );
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
    return report(
      "AUTHENTICATION",
      `the server${where} blocks logins${user} after too many failed attempts`,
      EXIT.connection,
      `wait a few seconds, then ${CREDENTIALS_HINT}`,
    );
  }
  if (code === "Neo.ClientError.Security.CredentialsExpired") {
    return report(
      "AUTHENTICATION",
      `the password${user} has expired${where}`,
      EXIT.connection,
      "change it first (for example with cypher-shell), then use the new one",
    );
  }
  if (code === "Neo.ClientError.Database.DatabaseNotFound") {
    return report(
      "DATABASE_NOT_FOUND",
      `database ${context.database ?? "(home)"} does not exist${where}`,
      EXIT.failure,
      "check --database (or NEO4J_DATABASE)",
    );
  }
  if (code === "Neo.ClientError.Security.Forbidden") {
    return report("FORBIDDEN", `the server${where} refused an operation${user}: ${message}`, EXIT.failure);
  }

  switch (code) {
    case "CONNECTION":
      return report(
        code,
        `the connection to the Neo4j server${where} failed (${connectionCause(message)})`,
        EXIT.connection,
        reachHint(),
      );
    case "LOCKED":
      return report(
        code,
        message,
        EXIT.locked,
        "wait for the other backup or restore to finish, or raise --lock-timeout",
      );
    case "VALIDATION_FAILED":
      return report(code, message, EXIT.invalid, "see every problem with `neo4j-backup info <file>`");
    case "FORMAT":
      return report(code, message, EXIT.invalid);
    case "TARGET_NOT_EMPTY":
      return report(
        code,
        message,
        EXIT.refused,
        "restore with --mode replace to replace the contents (a safety backup is taken first)",
      );
    case "UNSUPPORTED_TARGET":
      return report(code, message, EXIT.refused, "restore into a server that supports these features");
    case "BACKUP_EXISTS":
      return report(code, message, EXIT.refused);
    case "NOT_FOUND":
      return report(code, message, EXIT.failure, "list the backups with `neo4j-backup list`, or check --dir");
    case "ABORTED":
      return report(code, message, EXIT.interrupted);
    case "INVALID_OPTIONS":
      return report(code, message, EXIT.usage);
    case "STORAGE":
      return report(code, message, EXIT.failure, "check the backup folder (--dir): it must be writable");
    case "ROLLBACK_FAILED":
    case "RESTORE_FAILED":
    case "INCONSISTENT":
    case "UNSUPPORTED_VALUE":
    case "DRIVER_CONFIG":
      return report(code, message, EXIT.failure);
  }
  if (code === "EACCES" || code === "EPERM") {
    return report(code, message, EXIT.failure, "check the permissions of the backup folder (--dir)");
  }
  return report(code || "ERROR", message, EXIT.failure);
}
