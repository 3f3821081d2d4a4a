/**
 * Retention: after a new backup is complete and valid, older backups of the same database with the
 * same prefix in the same series that its policy does not keep (default: beyond the newest `keep`)
 * are removed; `forgetBackups` applies a policy to every group at once. Another database's backups are never removed,
 * and neither are backups whose database is not known (written before identities were recorded,
 * or encrypted and not opened), the bundled distribution backup, or any backup newer than the one
 * just made.
 */

import { BackupError } from "../errors.js";
import { type DatabaseIdentity, sameDatabase } from "../format/identity.js";
import { parseBackupFileName } from "../format/naming.js";
import type { Logger } from "../logger.js";
import type { BackupStorage } from "../storage/contract.js";
import { type BackupIndexEntry, backupKind } from "./backup-index.js";
import { applyPolicy, assertPolicy, type RetentionPolicy } from "./policy.js";

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

/** The series of the backups taken before an upgrade (and of older ones, written without a series). */
export const PRE_UPGRADE_SERIES = "pre-upgrade";

/** What a series name may be made of. */
const SERIES_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Checks a series name: 1 to 64 letters, digits, `_` and `-`.
 * @throws BackupError `INVALID_OPTIONS`
 */
export function assertSeries(series: string, what = "series"): void {
  if (typeof series !== "string" || !SERIES_NAME.test(series)) {
    throw new BackupError(
      "INVALID_OPTIONS",
      `${what} must be 1 to 64 letters, digits, "_" and "-", not ${JSON.stringify(series)}`,
    );
  }
}

/** What retention reads of an index entry. */
export type RetentionEntry = Pick<BackupIndexEntry, "name" | "identity"> &
  Partial<Pick<BackupIndexEntry, "kind" | "series">>;

/**
 * The series a backup belongs to: the one its metadata records, else `pre-upgrade` for a
 * pre-upgrade backup (written before series existed) and `""` for any other.
 */
export function seriesOf(entry: RetentionEntry): string {
  if (entry.series) return entry.series;
  return entry.kind === "pre-upgrade" ? PRE_UPGRADE_SERIES : "";
}

/** A backup retention decided to keep, and why (see {@link PolicyDecision}). */
export interface KeptBackup {
  name: string;
  /** The time in its name (UTC). */
  date: Date;
  reasons: string[];
}

/** Retention's decision for one group: the backups of one database with one prefix in one series. */
export interface RetentionGroup {
  /** The database (by identity) the group's backups hold. */
  identity: DatabaseIdentity;
  /** The file name prefix. */
  prefix: string;
  /** The series; `""` for backups made without one. */
  series: string;
  /** Newest first. */
  kept: KeptBackup[];
  /** What the policy removes, newest first. */
  removed: { name: string; date: Date }[];
}

/** Which backups {@link planRetention} looks at. */
export interface RetentionScope {
  /** Only backups of this series (`""`: those made without one). */
  series?: string;
  /** Only backups with this file name prefix. */
  prefix?: string;
  /** Only backups of this database, by identity. */
  identity?: Pick<DatabaseIdentity, "id" | "created">;
  /** Only backups of databases with this name. */
  database?: string;
  /** Names never removed (kept with the reason `protected`): a pending restore's backups. */
  protect?: ReadonlySet<string>;
  /** Names never removed (kept with the reason `pinned`): the index's pinned backups. */
  pinned?: ReadonlySet<string>;
}

/**
 * Applies a policy to every group of backups in `entries` (an index's): backups are grouped by
 * database identity, prefix and series, and the policy applies to each group on its own. Never
 * considered: backups of unknown origin (no identity), the distribution backup, safety backups and
 * names that are not `<prefix>_YYYYMMDD_HHMMSS`. Pure.
 */
export function planRetention(
  entries: readonly RetentionEntry[],
  policy: RetentionPolicy,
  scope: RetentionScope = {},
): RetentionGroup[] {
  const groups = new Map<
    string,
    { identity: DatabaseIdentity; prefix: string; series: string; items: Item[] }
  >();
  for (const entry of entries) {
    const parsed = parseBackupFileName(entry.name);
    const kind = entry.kind ?? backupKind(entry.name);
    if (!parsed || !entry.identity || kind === "safety" || kind === "distribution") continue;
    const series = seriesOf({ ...entry, kind });
    if (scope.series !== undefined && series !== scope.series) continue;
    if (scope.prefix !== undefined && parsed.prefix !== scope.prefix) continue;
    if (scope.identity && !sameDatabase(entry.identity, scope.identity)) continue;
    if (scope.database !== undefined && entry.identity.name !== scope.database) continue;
    const key = JSON.stringify([entry.identity.id, entry.identity.created, parsed.prefix, series]);
    let group = groups.get(key);
    if (!group) {
      group = { identity: entry.identity, prefix: parsed.prefix, series, items: [] };
      groups.set(key, group);
    }
    group.items.push({ name: entry.name, date: parsed.date, attempt: parsed.attempt });
  }
  return [...groups.values()].map(({ items, ...group }) =>
    decideGroup(group, newestFirst(items), policy, scope.protect, scope.pinned),
  );
}

interface Item {
  name: string;
  date: Date;
  attempt: number;
}

/** Newest first: by the time in the name, then the attempt (`_2` after the first). */
function newestFirst(items: Item[]): Item[] {
  return items.sort((a, b) => b.date.getTime() - a.date.getTime() || b.attempt - a.attempt);
}

function decideGroup(
  group: Omit<RetentionGroup, "kept" | "removed">,
  items: Item[],
  policy: RetentionPolicy,
  protect: ReadonlySet<string> = new Set(),
  pinned: ReadonlySet<string> = new Set(),
): RetentionGroup {
  const kept: KeptBackup[] = [];
  const removed: { name: string; date: Date }[] = [];
  for (const { item, keep, reasons } of applyPolicy(items, policy)) {
    if (keep) kept.push({ name: item.name, date: item.date, reasons });
    else if (pinned.has(item.name)) kept.push({ name: item.name, date: item.date, reasons: ["pinned"] });
    else if (protect.has(item.name)) kept.push({ name: item.name, date: item.date, reasons: ["protected"] });
    else removed.push({ name: item.name, date: item.date });
  }
  return { ...group, kept, removed };
}

/**
 * The backups that retention would remove after `newest` was published, from the index's entries:
 * of the same database as `newest` (by identity), with the same prefix and in the same series, not
 * newer than `newest`, that `policy` does not keep (a number: the newest `keep`, `newest`
 * included). Oldest last. Pure.
 */
export function retentionCandidates(
  entries: readonly RetentionEntry[],
  newest: string,
  policy: number | RetentionPolicy,
): string[] {
  if (typeof policy === "number") assertKeep(policy);
  else assertPolicy(policy);
  const rules = typeof policy === "number" ? { keepLast: policy } : policy;
  const head = parseBackupFileName(newest);
  const own = entries.find((e) => e.name === newest);
  if (!head || !own?.identity || rules.keepLast === Number.POSITIVE_INFINITY) return [];
  const series = seriesOf(own);
  // the group of `newest`, without anything newer than it (never removed by this backup's retention)
  const group = entries.filter((e) => {
    const p = parseBackupFileName(e.name);
    return (
      p !== undefined &&
      p.prefix === head.prefix &&
      sameDatabase(e.identity, own.identity) &&
      seriesOf(e) === series &&
      (e.name === newest ||
        p.timestamp < head.timestamp ||
        (p.timestamp === head.timestamp && p.attempt < head.attempt))
    );
  });
  const items = newestFirst(
    group.map((e) => {
      const p = parseBackupFileName(e.name)!;
      return { name: e.name, date: p.date, attempt: p.attempt };
    }),
  );
  // the new backup first, even when an older one carries the same time
  const ordered = [items.find((i) => i.name === newest)!, ...items.filter((i) => i.name !== newest)];
  return applyPolicy(ordered, rules)
    .filter((d) => !d.keep)
    .map((d) => d.item.name);
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
