/** Which backup a restore takes when none is named. */
import type { DecryptionOptions } from "../codec/age.js";
import { BackupError } from "../errors.js";
import { type DatabaseIdentity, describeIdentityWithId, sameDatabase } from "../format/identity.js";
import { parseBackupFileName } from "../format/naming.js";
import type { BackupStorage } from "../storage/contract.js";
import { type BackupIndexEntry, backupKind, listBackups } from "./backup-index.js";

/** Options of {@link latestBackupName}. */
export interface LatestBackupOptions {
  /**
   * The database the backup is for (a restore's target): only its own backups are taken. When it
   * has none and the storage holds backups of other databases, none is picked (the error names
   * them); backups of unknown origin (older files) are taken only when no backup names a database.
   */
  identity?: DatabaseIdentity | null;
  /** Keys for encrypted files the index does not know yet. */
  decryption?: DecryptionOptions;
}

/** Newest first: by the timestamp in the name, then its suffix, then the modification time. */
function newestFirst(a: { name: string; modified: Date }, b: { name: string; modified: Date }): number {
  const ka = parseBackupFileName(a.name);
  const kb = parseBackupFileName(b.name);
  if (ka && kb && ka.timestamp !== kb.timestamp) return ka.timestamp < kb.timestamp ? 1 : -1;
  if (ka && kb && ka.attempt !== kb.attempt) return kb.attempt - ka.attempt;
  return b.modified.getTime() - a.modified.getTime();
}

/** The newest regular or pre-upgrade backup; safety and distribution backups only when there is nothing else. */
function pick(all: { name: string; modified: Date }[]): string {
  all.sort(newestFirst);
  const regular = all.find((f) => ["backup", "pre-upgrade"].includes(backupKind(f.name)));
  return (regular ?? all[0]!).name;
}

/**
 * Picks the backup to restore when none is named: the newest regular or pre-upgrade backup by the
 * timestamp in its name (then suffix, then modification time); safety and distribution backups only
 * when there is nothing else. With `identity`, only that database's backups (see the option).
 * @throws BackupError `NOT_FOUND` when the storage holds no backup (of that database).
 */
export async function latestBackupName(
  storage: BackupStorage,
  options: LatestBackupOptions = {},
): Promise<string> {
  if (!options.identity) {
    const all = await storage.list();
    if (all.length === 0) throw new BackupError("NOT_FOUND", `no backups in ${storage.describe()}`);
    return pick(all);
  }
  const identity = options.identity;
  const entries = await listBackups(storage, { decryption: options.decryption });
  if (entries.length === 0) throw new BackupError("NOT_FOUND", `no backups in ${storage.describe()}`);
  const dated = (e: BackupIndexEntry) => ({ name: e.name, modified: new Date(e.modified ?? e.created) });
  const own = entries.filter((e) => sameDatabase(e.identity, identity));
  if (own.length > 0) return pick(own.map(dated));
  const others = entries.filter((e) => e.identity !== null);
  if (others.length === 0) return pick(entries.map(dated));
  const origins = new Map<string, BackupIndexEntry>();
  for (const e of others) if (!origins.has(e.identity!.id)) origins.set(e.identity!.id, e);
  const list = [...origins.values()]
    .map((e) => `${describeIdentityWithId(e.identity!)}, newest ${e.name}`)
    .join("; ");
  throw new BackupError(
    "NOT_FOUND",
    `no backup of ${describeIdentityWithId(identity)} in ${storage.describe()}; it holds backups of other databases (${list}): name the one to restore`,
  );
}
