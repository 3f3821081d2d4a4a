/**
 * forgetBackups: applies a retention policy to every group of backups in a storage (one database,
 * one prefix, one series each), like restic's `forget`.
 */
import type { DecryptionOptions } from "../codec/age.js";
import { BackupError } from "../errors.js";
import type { DatabaseIdentity } from "../format/identity.js";
import { type BackupIndex, readIndex, updateIndex } from "../lifecycle/backup-index.js";
import { assertPolicy, type RetentionPolicy } from "../lifecycle/policy.js";
import { assertSeries, planRetention, type RetentionGroup, removeBackups } from "../lifecycle/retention.js";
import { type Logger, silentLogger } from "../logger.js";
import type { BackupStorage } from "../storage/contract.js";
import type { LockingOptions } from "../storage/with-lock.js";
import { underLock } from "./lock.js";

/** Options of {@link forgetBackups}. */
export interface ForgetBackupsOptions extends LockingOptions {
  /** The storage whose backups are looked at. */
  storage: BackupStorage;
  /** What to keep in each group (restic's rules, in UTC: see docs/lifecycle.md). */
  policy: RetentionPolicy;
  /** Only the backups of this series (`""`: those made without one). Default: every series. */
  series?: string;
  /** Only the backups with this file name prefix. Default: every prefix. */
  prefix?: string;
  /** Only the backups of databases with this name. Default: every database. */
  database?: string;
  /** Only the backups of this database (by identity: id and creation date). */
  identity?: Pick<DatabaseIdentity, "id" | "created">;
  /** Decide and report, remove nothing (and take no lock). */
  dryRun?: boolean;
  /** Keys to describe encrypted files the index does not know yet (without them, they are kept). */
  decryption?: DecryptionOptions;
  /** A pino-compatible logger; default silent. */
  logger?: Logger;
  /** Cancels waiting for the lock and reading files the index does not know. */
  signal?: AbortSignal;
}

/** What {@link forgetBackups} decided and did. */
export interface ForgetResult {
  /** True when nothing was removed because `dryRun` was asked for. */
  dryRun: boolean;
  /** Each group's decision: what is kept (with the reasons) and what is (or would be) removed. */
  groups: RetentionGroup[];
  /** The backups removed; empty in a dry run. */
  removed: string[];
}

/** Checks forgetBackups' options before anything is read. */
function assertForgetOptions(options: ForgetBackupsOptions): void {
  if (!options || typeof options !== "object")
    throw new BackupError("INVALID_OPTIONS", "forgetBackups needs an options object");
  if (!options.storage || typeof options.storage.remove !== "function")
    throw new BackupError("INVALID_OPTIONS", "forgetBackups needs `storage`: a BackupStorage");
  if (options.policy === undefined)
    throw new BackupError("INVALID_OPTIONS", "forgetBackups needs `policy`: what to keep");
  assertPolicy(options.policy);
  if (options.series !== undefined && options.series !== "") assertSeries(options.series);
  if (options.prefix !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(options.prefix))
    throw new BackupError(
      "INVALID_OPTIONS",
      `invalid prefix ${JSON.stringify(options.prefix)}: use letters, digits, "_" and "-"`,
    );
}

/**
 * Applies `policy` to each group of backups (database identity, prefix, series) and removes what it
 * does not keep, holding the storage lock. Never removed: another group's backups, backups of
 * unknown origin (no identity), the distribution backup, safety backups, the backups an
 * unfinished restore needs, pinned backups (`pinBackup`), and the newest backup of each group. Only backup files are removed
 * (a snapshot's manifest included; its chunks are reclaimed by a later prune).
 *
 * @throws BackupError — `INVALID_OPTIONS`, `LOCKED`, `ABORTED`, `STORAGE`.
 */
export async function forgetBackups(options: ForgetBackupsOptions): Promise<ForgetResult> {
  assertForgetOptions(options);
  const logger = options.logger ?? silentLogger;
  const { storage } = options;
  const indexOptions = { logger, decryption: options.decryption, signal: options.signal };
  const plan = (index: BackupIndex) => {
    const protect = new Set<string>();
    for (const pending of index.pendingRestores) {
      protect.add(pending.name);
      if (pending.safetyBackup) protect.add(pending.safetyBackup);
    }
    return planRetention(index.backups, options.policy, {
      series: options.series,
      prefix: options.prefix,
      database: options.database,
      identity: options.identity,
      protect,
      pinned: new Set(index.pinned ?? []),
    });
  };
  if (options.dryRun) {
    return { dryRun: true, groups: plan(await readIndex(storage, indexOptions)), removed: [] };
  }
  return underLock({ ...options, driver: undefined }, async () => {
    const groups = plan(await updateIndex(storage, () => {}, indexOptions));
    const removed = await removeBackups(
      storage,
      groups.flatMap((g) => g.removed.map((r) => r.name)),
      logger,
    );
    if (removed.length > 0) {
      await updateIndex(storage, () => {}, indexOptions).catch((error) => {
        logger.warn({ err: (error as Error).message }, "the backup index could not be updated");
      });
    }
    return { dryRun: false, groups, removed };
  });
}
