/** Which backup a restore takes when none is named. */
import { BackupError } from "../errors.js";
import { parseBackupFileName } from "../format/naming.js";
import type { BackupStorage } from "../storage/contract.js";
import { backupKind } from "./backup-index.js";

/**
 * Picks the backup to restore when none is named: the newest regular or pre-upgrade backup by the
 * timestamp in its name (then suffix, then modification time); safety and distribution backups only
 * when there is nothing else.
 * @throws BackupError `NOT_FOUND` when the storage holds no backup.
 */
export async function latestBackupName(storage: BackupStorage): Promise<string> {
  const all = await storage.list();
  if (all.length === 0) throw new BackupError("NOT_FOUND", `no backups in ${storage.describe()}`);
  all.sort((a, b) => {
    const ka = parseBackupFileName(a.name);
    const kb = parseBackupFileName(b.name);
    if (ka && kb && ka.timestamp !== kb.timestamp) return ka.timestamp < kb.timestamp ? 1 : -1;
    if (ka && kb && ka.attempt !== kb.attempt) return kb.attempt - ka.attempt;
    return b.modified.getTime() - a.modified.getTime();
  });
  const regular = all.find((f) => ["backup", "pre-upgrade"].includes(backupKind(f.name)));
  return (regular ?? all[0]!).name;
}
