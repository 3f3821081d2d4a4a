/**
 * When a graph changed enough to deserve a backup: the thresholds of the original design, the
 * saved state changes are measured against (the newest backup of a database or restore into it),
 * and the decision. Pure: the caller reads the counts and the index.
 */
import { BackupError } from "../errors.js";
import { sameDatabase } from "../format/identity.js";
import type { BackupIndex, RestoreIndexEntry } from "./backup-index.js";
import { type HealthScope, inScope } from "./health.js";

/** When a change is significant. Any one threshold reached is enough. */
export interface AutoBackupThresholds {
  /** Nodes added or deleted; default 50. */
  nodes: number;
  /** Relationships added or deleted; default 100. */
  relationships: number;
  /** Change of either count relative to the last backup, in percent; default 10. */
  percent: number;
}

/** The thresholds of the original design: 50 nodes, 100 relationships, 10 %. */
export const DEFAULT_AUTO_BACKUP_THRESHOLDS: Readonly<AutoBackupThresholds> = Object.freeze({
  nodes: 50,
  relationships: 100,
  percent: 10,
});

/** The saved state that changes are measured against. */
export interface Baseline {
  /** A backup of this database, or a restore into it. */
  source: "backup" | "restore";
  /** The backup file. */
  name: string;
  /** When the backup was taken or the restore finished (ISO 8601). */
  at: string;
  nodes: number;
  relationships: number;
}

/** What {@link shouldAutoBackup} decided, and from which numbers. */
export interface AutoBackupDecision {
  /** True when a backup is recommended. */
  backup: boolean;
  /** Why, in one sentence. */
  reason: string;
  /** The database the numbers are about. */
  database: string;
  /** Counts now. */
  current: { nodes: number; relationships: number };
  /** The state compared with; null when nothing was ever backed up or restored. */
  baseline: Baseline | null;
  /** Signed differences (deletions are negative) and their size relative to the baseline, in percent. */
  changes: {
    nodes: number;
    relationships: number;
    nodesPercent: number;
    relationshipsPercent: number;
  } | null;
  /** The thresholds applied. */
  thresholds: AutoBackupThresholds;
}

/** Merges and checks thresholds. */
export function resolveThresholds(partial: Partial<AutoBackupThresholds> = {}): AutoBackupThresholds {
  const t = { ...DEFAULT_AUTO_BACKUP_THRESHOLDS, ...partial };
  for (const [key, value] of Object.entries(t)) {
    if (typeof value !== "number" || !(value > 0)) {
      throw new BackupError(
        "INVALID_OPTIONS",
        `threshold ${key} must be a positive number, not ${String(value)}`,
      );
    }
  }
  return t;
}

/** Whether a recorded restore wrote the database of the scope (by identity when it is known). */
function restoreInScope(restore: RestoreIndexEntry, scope: HealthScope): boolean {
  if (scope.identity) return sameDatabase(restore.target ?? null, scope.identity);
  return scope.database === undefined || restore.database === scope.database;
}

/**
 * The newest backup of the database or restore into it, whichever is later. With an identity,
 * only what is recorded as that database's counts (not another server's database of the same name).
 */
export function findBaseline(index: BackupIndex, scope: HealthScope): Baseline | null {
  const backup = index.backups.find((e) => inScope(e, scope) && e.valid);
  const restore = [...index.restores].reverse().find((r) => restoreInScope(r, scope));
  const fromBackup: Baseline | null = backup
    ? {
        source: "backup",
        name: backup.name,
        at: backup.created,
        nodes: backup.nodeCount,
        relationships: backup.relationshipCount,
      }
    : null;
  const fromRestore: Baseline | null = restore
    ? {
        source: "restore",
        name: restore.name,
        at: restore.restoredAt,
        nodes: restore.nodeCount,
        relationships: restore.relationshipCount,
      }
    : null;
  if (fromBackup && fromRestore) return fromRestore.at > fromBackup.at ? fromRestore : fromBackup;
  return fromBackup ?? fromRestore;
}

/**
 * The size of a change relative to the count it started from: |delta| / base (0 for no change, 1
 * for any change from 0). The auto-backup's percent is this × 100, rounded to one decimal.
 */
export function changeRatio(delta: number, base: number): number {
  return base === 0 ? (delta === 0 ? 0 : 1) : Math.abs(delta) / base;
}

const percentOf = (delta: number, base: number) => changeRatio(delta, base) * 100;
/** Counts as people read them, with thousands separators (the CLI shows counts the same way). */
const count = (n: number) => n.toLocaleString("en-US");
const signed = (n: number) => (n >= 0 ? `+${count(n)}` : count(n));
const round1 = (n: number) => Math.round(n * 10) / 10;

/** Applies the thresholds to current counts and a baseline. Pure. */
export function decideAutoBackup(
  database: string,
  current: { nodes: number; relationships: number },
  baseline: Baseline | null,
  thresholds: AutoBackupThresholds,
): AutoBackupDecision {
  const base = { database, current, baseline, thresholds };
  if (!baseline) {
    return { ...base, backup: true, reason: `database ${database} has no previous backup`, changes: null };
  }
  const nodes = current.nodes - baseline.nodes;
  const relationships = current.relationships - baseline.relationships;
  const changes = {
    nodes,
    relationships,
    nodesPercent: round1(percentOf(nodes, baseline.nodes)),
    relationshipsPercent: round1(percentOf(relationships, baseline.relationships)),
  };
  const reasons: string[] = [];
  if (Math.abs(nodes) >= thresholds.nodes)
    reasons.push(`${signed(nodes)} nodes (threshold ${count(thresholds.nodes)})`);
  if (Math.abs(relationships) >= thresholds.relationships)
    reasons.push(`${signed(relationships)} relationships (threshold ${count(thresholds.relationships)})`);
  if (changes.nodesPercent >= thresholds.percent)
    reasons.push(`nodes changed by ${changes.nodesPercent}% (threshold ${thresholds.percent}%)`);
  if (changes.relationshipsPercent >= thresholds.percent)
    reasons.push(
      `relationships changed by ${changes.relationshipsPercent}% (threshold ${thresholds.percent}%)`,
    );
  const since = `since ${baseline.source === "backup" ? "the backup" : "the restore of"} ${baseline.name}`;
  if (reasons.length) return { ...base, changes, backup: true, reason: `${reasons.join(", ")} ${since}` };
  return {
    ...base,
    changes,
    backup: false,
    reason: `${signed(nodes)} nodes and ${signed(relationships)} relationships ${since}: below the thresholds`,
  };
}
