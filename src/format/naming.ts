/**
 * Backup file names: `<prefix>_YYYYMMDD_HHMMSS.json` (UTC), with `_2`, `_3`, … appended when a
 * name is already taken in the same second.
 */

import { BackupError } from "../errors.js";

/** The prefix used when none is configured. */
export const DEFAULT_BACKUP_PREFIX = "neo4j_backup";

/** `YYYYMMDD_HHMMSS` of a date, in UTC. */
export function formatTimestamp(date: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${date.getUTCFullYear()}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}_${p(date.getUTCHours())}${p(
    date.getUTCMinutes(),
  )}${p(date.getUTCSeconds())}`;
}

/** The file name of a backup taken at `date`; `attempt` > 1 adds a suffix. */
export function backupFileName(prefix: string, date: Date, attempt = 1): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(prefix)) {
    throw new BackupError(
      "INVALID_OPTIONS",
      `invalid backup prefix ${JSON.stringify(prefix)}: use letters, digits, "_" and "-"`,
    );
  }
  return `${prefix}_${formatTimestamp(date)}${attempt > 1 ? `_${attempt}` : ""}.json`;
}

/** Parses a name made by {@link backupFileName}; undefined for other names. */
export function parseBackupFileName(
  name: string,
): { prefix: string; timestamp: string; attempt: number; date: Date } | undefined {
  const m = /^(.+)_((\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2}))(?:_(\d+))?\.json$/.exec(name);
  if (!m) return undefined;
  const [, prefix, timestamp, y, mo, d, h, mi, s, attempt] = m as unknown as string[];
  const date = new Date(Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!));
  if (Number.isNaN(date.getTime()) || formatTimestamp(date) !== timestamp) return undefined;
  return { prefix: prefix!, timestamp: timestamp!, attempt: attempt ? Number(attempt) : 1, date };
}
