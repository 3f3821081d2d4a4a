/**
 * Retention: after a new backup is complete and valid, older backups of the same database with the
 * same prefix beyond the newest `keep` are removed. Another database's backups are never removed,
 * and neither are backups whose database is not known (written before identities were recorded,
 * or encrypted and not opened), the bundled distribution backup, or any backup newer than the one
 * just made.
 */

import { BackupError } from "../errors.js";
import { sameDatabase } from "../format/identity.js";
import { parseBackupFileName } from "../format/naming.js";
import type { Logger } from "../logger.js";
import type { BackupStorage } from "../storage/contract.js";
import type { BackupIndexEntry } from "./backup-index.js";

/** How many backups of a prefix are kept when nothing else is configured. */
export const DEFAULT_KEEP = 1;

/** Checks a `keep` option: a whole number ≥ 1, or Infinity to keep everything. */
export function assertKeep(keep: number): void {
  if (!(keep === Number.POSITIVE_INFINITY || (Number.isInteger(keep) && keep >= 1))) {
    throw new BackupError(
      "INVALID_OPTIONS",
      `keep must be a whole number of at least 1 (or Infinity), not ${keep}`,
    );
  }
}

/**
 * The backups that retention would remove after `newest` was published, from the index's entries:
 * of the same database as `newest` (by identity), same prefix, older than `newest`, beyond the
 * newest `keep` (which include `newest`). Oldest last. Pure.
 */
export function retentionCandidates(
  entries: readonly Pick<BackupIndexEntry, "name" | "identity">[],
  newest: string,
  keep: number,
): string[] {
  assertKeep(keep);
  const head = parseBackupFileName(newest);
  const identity = entries.find((e) => e.name === newest)?.identity;
  if (!head || !identity || keep === Number.POSITIVE_INFINITY) return [];
  const older = entries
    .filter((e) => sameDatabase(e.identity, identity))
    .map((f) => ({ name: f.name, parsed: parseBackupFileName(f.name) }))
    .filter(
      (f) =>
        f.name !== newest &&
        f.parsed?.prefix === head.prefix &&
        (f.parsed.timestamp < head.timestamp ||
          (f.parsed.timestamp === head.timestamp && f.parsed.attempt < head.attempt)),
    )
    .sort((a, b) =>
      a.parsed!.timestamp === b.parsed!.timestamp
        ? b.parsed!.attempt - a.parsed!.attempt
        : a.parsed!.timestamp < b.parsed!.timestamp
          ? 1
          : -1,
    );
  return older.slice(keep - 1).map((f) => f.name);
}

/** Removes `names`, logging each; returns what was removed. Call with the storage lock held. */
export async function removeBackups(
  storage: BackupStorage,
  names: string[],
  logger: Logger,
): Promise<string[]> {
  const removed: string[] = [];
  for (const name of names) {
    await storage.remove(name);
    removed.push(name);
    logger.info({ name }, "removed an older backup (retention)");
  }
  return removed;
}
