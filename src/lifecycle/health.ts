/**
 * Health of a storage's backups: a valid backup young enough, and no unfinished restore. Pure: judged
 * from the index (the deep check, which reads the newest file, is the operation's).
 */
import { type DatabaseIdentity, describeIdentityWithId, sameDatabase } from "../format/identity.js";
import type { BackupIndex, BackupIndexEntry, PendingRestore } from "./backup-index.js";

/** How old the newest backup may be before the health check complains, when not configured. */
export const DEFAULT_MAX_BACKUP_AGE_DAYS = 7;

const DAY_MS = 24 * 60 * 60 * 1000;

/** What the health check (`checkBackupHealth`) found. */
export interface BackupHealth {
  /** True when there is a valid backup younger than `maxAgeDays` and no unfinished restore. */
  healthy: boolean;
  /** What is wrong, one sentence each; empty when healthy. */
  problems: string[];
  /**
   * What concerns other databases sharing the storage (an unfinished restore into one of them),
   * one sentence each: said, but not a problem of this database's backups.
   */
  notices: string[];
  /** The newest backup (of the database, when one was named), whatever its kind and verdict. */
  lastBackup: BackupIndexEntry | null;
  /**
   * The newest backup that is a success of the backup job: valid, and taken by `create`, a
   * schedule or before an upgrade — not a safety backup of a restore, not a bundled file
   * (see {@link newestSuccess}). The age limit applies to it.
   */
  lastSuccess: BackupIndexEntry | null;
  /** The age in days (fractional) of `lastSuccess`, else of `lastBackup`. */
  ageDays: number | null;
  /** The limit applied. */
  maxAgeDays: number;
  /**
   * A restore into this database that started and did not finish (without a database named: any
   * in the storage); also a record that names no target, which may be this database's.
   */
  pendingRestore: PendingRestore | null;
  /** Every unfinished restore recorded in the storage, whichever database it writes. */
  pendingRestores: PendingRestore[];
  /**
   * True when this check validated the newest backup in full (`deep`); false when it judged from
   * the index, whose verdict on a file is renewed when the file's size or modification time changes.
   */
  validated: boolean;
}

/**
 * Which database a health check is about: by identity (what a driver reads), or by name only (what
 * a caller without a driver knows — ambiguous when several servers share the storage). Neither:
 * the whole storage.
 */
export interface HealthScope {
  identity?: DatabaseIdentity | null;
  database?: string;
}

/** Whether a backup entry belongs to the scope. */
export function inScope(entry: BackupIndexEntry, scope: HealthScope): boolean {
  if (scope.identity) return sameDatabase(entry.identity, scope.identity);
  return scope.database === undefined || entry.database === scope.database;
}

/** Whether an unfinished restore writes (or, naming no target, may write) the database of the scope. */
function pendingInScope(pending: PendingRestore, scope: HealthScope): boolean {
  if (!pending.target) {
    const name = scope.identity?.name ?? scope.database;
    return name === undefined || pending.database === null || pending.database === name;
  }
  if (scope.identity) return sameDatabase(pending.target, scope.identity);
  return scope.database === undefined || pending.target.name === scope.database;
}

/** An unfinished restore in words: into which database, since when, and how to finish it. */
export function describeUnfinishedRestore(pending: PendingRestore): string {
  const into = pending.target
    ? `into ${describeIdentityWithId(pending.target)}`
    : `into database ${pending.database ?? "(default)"} on a server the record does not name`;
  const finish = pending.target
    ? "finish it with `neo4j-backup recover` (recoverInterruptedRestore) connected to that database"
    : `if you know which database it was, run \`neo4j-backup recover --claim\` connected to it (what it holds is saved first), or restore ${pending.safetyBackup ?? pending.name} there by hand`;
  return `a restore of ${pending.name} ${into}, started at ${pending.started}, did not finish; ${finish}`;
}

/** Kinds of backup that a backup job takes (safety backups and bundled files are not such runs). */
const JOB_KINDS: ReadonlySet<BackupIndexEntry["kind"]> = new Set(["backup", "pre-upgrade"]);

/**
 * The newest entry (of entries listed newest first) that a backup job took and that passed
 * validation (`valid: true`): what "the last successful backup" means for the health check and the
 * metrics. A newer invalid file, a safety backup taken before a restore or a bundled
 * `initial_backup.json` does not count.
 */
export function newestSuccess(entries: readonly BackupIndexEntry[]): BackupIndexEntry | null {
  return entries.find((e) => isJobBackup(e) && e.valid === true) ?? null;
}

/** True for a backup a backup job took (`create`, a schedule, before an upgrade). */
export function isJobBackup(entry: Pick<BackupIndexEntry, "kind">): boolean {
  return JOB_KINDS.has(entry.kind);
}

/** Judges an index without reading the storage again. Pure. */
export function judgeHealth(
  index: BackupIndex,
  scope: HealthScope,
  maxAgeDays: number,
  now: Date,
): BackupHealth {
  const backups = index.backups.filter((e) => inScope(e, scope));
  const lastBackup = backups[0] ?? null;
  const lastSuccess = newestSuccess(backups);
  const problems: string[] = [];
  let ageDays: number | null = null;
  if (!lastBackup) {
    const which = scope.identity
      ? describeIdentityWithId(scope.identity)
      : scope.database
        ? `database ${scope.database}`
        : undefined;
    problems.push(which ? `no backup of ${which}` : "no backups");
  } else {
    // the age of the newest good backup: a newer invalid file or safety backup does not renew it
    const aged = lastSuccess ?? lastBackup;
    ageDays = (now.getTime() - Date.parse(aged.created)) / DAY_MS;
    if (ageDays > maxAgeDays) {
      const which = aged === lastBackup ? "the newest backup" : "the newest valid backup";
      problems.push(`${which} ${aged.name} is ${Math.floor(ageDays)} days old (limit ${maxAgeDays} days)`);
    }
    // the newest backup a job took is judged, even when a safety backup of a restore came after it
    const newest = backups.find(isJobBackup) ?? lastBackup;
    if (newest.valid === false) problems.push(`the newest backup ${newest.name} does not pass validation`);
    if (newest.valid === null) {
      problems.push(
        `the newest backup ${newest.name} is encrypted and was not checked: no key given opens it`,
      );
    }
  }
  const pendingRestores = index.pendingRestores;
  const here = pendingRestores.filter((p) => pendingInScope(p, scope));
  const notices: string[] = [];
  for (const pending of pendingRestores)
    (here.includes(pending) ? problems : notices).push(describeUnfinishedRestore(pending));
  return {
    healthy: problems.length === 0,
    problems,
    notices,
    lastBackup,
    lastSuccess,
    ageDays,
    maxAgeDays,
    pendingRestore: here[0] ?? null,
    pendingRestores,
    validated: false,
  };
}
