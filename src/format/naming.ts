/**
 * Backup file names: `<prefix>_YYYYMMDD_HHMMSS.json` (UTC), with `_2`, `_3`, … appended when a
 * name is already taken in the same second. The extension names the layers on the byte stream:
 * `.json` (plain), `.json.gz` / `.json.zst` (compressed), each optionally followed by `.age`
 * (encrypted after compression). A snapshot's manifest ends in `.snapshot`: its bytes are a list of
 * chunks, each compressed and encrypted on its own as the manifest says (docs/snapshots.md).
 */

import { BackupError } from "../errors.js";

/** The prefix used when none is configured. */
export const DEFAULT_BACKUP_PREFIX = "neo4j_backup";

/** How a backup's bytes are compressed. */
export type Compression = "none" | "gzip" | "zstd";

/** The layers on a backup's byte stream, as its name says. */
export interface BackupLayers {
  compression: Compression;
  /** Encrypted in the age format (after compression). */
  encrypted: boolean;
  /**
   * A snapshot: the name is a manifest of chunks (`.snapshot`), and `compression` and `encrypted`
   * describe its chunks, as the manifest records them (a name alone says neither).
   */
  snapshot?: boolean;
}

/** A plain `.json` file. */
export const PLAIN_LAYERS: BackupLayers = Object.freeze({ compression: "none", encrypted: false });

const COMPRESSION_SUFFIX: Record<Compression, string> = { none: "", gzip: ".gz", zstd: ".zst" };

/** `.json`, `.json.gz`, `.json.zst`, each optionally followed by `.age`; or `.snapshot`. */
const EXTENSION = /\.json(\.gz|\.zst)?(\.age)?$|\.snapshot$/;

/** The extension of a snapshot's manifest. */
export const SNAPSHOT_EXTENSION = ".snapshot";

/** The file extension of a backup with these layers, e.g. `.json.zst.age`, or `.snapshot`. */
export function backupExtension(layers: BackupLayers = PLAIN_LAYERS): string {
  if (layers.snapshot) return SNAPSHOT_EXTENSION;
  return `.json${COMPRESSION_SUFFIX[layers.compression]}${layers.encrypted ? ".age" : ""}`;
}

/** Every backup extension, plain first, the snapshot's last. */
export const BACKUP_EXTENSIONS: readonly string[] = [
  ...(["none", "gzip", "zstd"] as const).flatMap((c) => [
    backupExtension({ compression: c, encrypted: false }),
    backupExtension({ compression: c, encrypted: true }),
  ]),
  SNAPSHOT_EXTENSION,
];

/**
 * The layers a backup name announces and the name without its extension (`stem`);
 * undefined for names that end in none of the backup extensions.
 */
export function layersOfName(name: string): (BackupLayers & { stem: string }) | undefined {
  const m = EXTENSION.exec(name);
  if (!m || m.index === 0) return undefined;
  if (m[0] === SNAPSHOT_EXTENSION)
    return { stem: name.slice(0, m.index), compression: "none", encrypted: false, snapshot: true };
  const compression: Compression = m[1] === ".gz" ? "gzip" : m[1] === ".zst" ? "zstd" : "none";
  return { stem: name.slice(0, m.index), compression, encrypted: m[2] === ".age" };
}

/** Does `name` end in one of the backup extensions? */
export function hasBackupExtension(name: string): boolean {
  return layersOfName(name) !== undefined;
}

/** `YYYYMMDD_HHMMSS` of a date, in UTC. */
export function formatTimestamp(date: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${date.getUTCFullYear()}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}_${p(date.getUTCHours())}${p(
    date.getUTCMinutes(),
  )}${p(date.getUTCSeconds())}`;
}

/** The file name of a backup taken at `date`; `attempt` > 1 adds a suffix; `layers` choose the extension. */
export function backupFileName(
  prefix: string,
  date: Date,
  attempt = 1,
  layers: BackupLayers = PLAIN_LAYERS,
): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(prefix)) {
    throw new BackupError(
      "INVALID_OPTIONS",
      `invalid backup prefix ${JSON.stringify(prefix)}: use letters, digits, "_" and "-"`,
    );
  }
  return `${prefix}_${formatTimestamp(date)}${attempt > 1 ? `_${attempt}` : ""}${backupExtension(layers)}`;
}

/** Parses a name made by {@link backupFileName} (any extension); undefined for other names. */
export function parseBackupFileName(
  name: string,
): { prefix: string; timestamp: string; attempt: number; date: Date } | undefined {
  const stem = layersOfName(name)?.stem;
  if (stem === undefined) return undefined;
  const m = /^(.+)_((\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2}))(?:_(\d+))?$/.exec(stem);
  if (!m) return undefined;
  const [, prefix, timestamp, y, mo, d, h, mi, s, attempt] = m as unknown as string[];
  const date = new Date(Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!));
  if (Number.isNaN(date.getTime()) || formatTimestamp(date) !== timestamp) return undefined;
  return { prefix: prefix!, timestamp: timestamp!, attempt: attempt ? Number(attempt) : 1, date };
}
