/**
 * Health of a storage's backups: a valid backup young enough, and no unfinished restore. Pure: judged
 * from the index (the deep check, which reads the newest file, is the operation's).
 */
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
  /** The newest backup (of the database, when one was named). */
  lastBackup: BackupIndexEntry | null;
  /** Its age in days (fractional). */
  ageDays: number | null;
  /** The limit applied. */
  maxAgeDays: number;
  /** A restore that started and did not finish, if any. */
  pendingRestore: PendingRestore | null;
  /**
   * True when this check validated the newest backup in full (`deep`); false when it judged from
   * the index, whose verdict on a file is renewed when the file's size or modification time changes.
   */
  validated: boolean;
}

/** Judges an index without reading the storage again. Pure. */
export function judgeHealth(
  index: BackupIndex,
  database: string | undefined,
  maxAgeDays: number,
  now: Date,
): BackupHealth {
  const backups = index.backups.filter((e) => database === undefined || e.database === database);
  const lastBackup = backups[0] ?? null;
  const problems: string[] = [];
  let ageDays: number | null = null;
  if (!lastBackup) {
    problems.push(database ? `no backup of database ${database}` : "no backups");
  } else {
    ageDays = (now.getTime() - Date.parse(lastBackup.created)) / DAY_MS;
    if (ageDays > maxAgeDays) {
      problems.push(
        `the newest backup ${lastBackup.name} is ${Math.floor(ageDays)} days old (limit ${maxAgeDays} days)`,
      );
    }
    if (lastBackup.valid === false)
      problems.push(`the newest backup ${lastBackup.name} does not pass validation`);
    if (lastBackup.valid === null) {
      problems.push(
        `the newest backup ${lastBackup.name} is encrypted and was not checked: no key given opens it`,
      );
    }
  }
  const pendingRestore = index.pendingRestore ?? null;
  if (pendingRestore) {
    problems.push(
      `a restore of ${pendingRestore.name} started at ${pendingRestore.started} did not finish; run restoreBackup again or restore ${pendingRestore.safetyBackup ?? "a backup"}`,
    );
  }
  return {
    healthy: problems.length === 0,
    problems,
    lastBackup,
    ageDays,
    maxAgeDays,
    pendingRestore,
    validated: false,
  };
}
