/**
 * Exit codes of the `neo4j-backup` command (documented in docs/cli.md). Scripts branch on them.
 */

/** Every exit code the command uses. */
export const EXIT = {
  /** Success (also `create --auto` when no backup was needed). */
  ok: 0,
  /** The operation failed (the message says why), or a confirmation was answered no. */
  failure: 1,
  /** Bad arguments, or a confirmation that cannot be asked (no terminal and no `--yes`). */
  usage: 2,
  /** A backup fails validation, or `verify` found the database differs from the backup. */
  invalid: 3,
  /** `status`: a backup is recommended (the graph changed past a threshold). */
  backupRecommended: 4,
  /** `status`: the backups need attention (none, too old, invalid newest, unfinished restore). */
  unhealthy: 5,
  /** The server cannot be reached, or it refused the credentials. */
  connection: 6,
  /** The backup folder is locked by another backup or restore (after `--lock-timeout`). */
  locked: 7,
  /** Refused before writing: target not empty, target cannot hold the backup, file exists. */
  refused: 8,
  /** Interrupted (Ctrl-C); a replace restore puts the previous contents back first. */
  interrupted: 130,
} as const;

/** One of the values of {@link EXIT}. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
