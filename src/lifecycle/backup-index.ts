/**
 * The backup index (`backup_metadata.json`): a history of the backups in a storage and of the
 * restores made from them. The files are the truth — the index is reconciled with them whenever it
 * is read, and rebuilt from them when it is missing or damaged.
 */
import { z } from "zod";
import type { DecryptionOptions } from "../codec/age.js";
import { backupLayers } from "../codec/open.js";
import { readManifest } from "../codec/snapshot/read.js";
import { BackupError } from "../errors.js";
import { type DatabaseIdentity, identityFromMetadata, type MetadataIdentity } from "../format/identity.js";
import { type Compression, layersOfName, parseBackupFileName } from "../format/naming.js";
import { snapshotSizes } from "../format/snapshot-manifest.js";
import { type Logger, silentLogger } from "../logger.js";
import type { BackupStorage, StoredBackup } from "../storage/contract.js";
import { withStorageLock } from "../storage/with-lock.js";
import { validateBackup } from "../validate/validate-backup.js";

/**
 * File name of the bundled backup restored into a new installation's empty database (plain; a
 * compressed or encrypted one is `initial_backup.json.zst.age` and the like).
 */
export const DISTRIBUTION_BACKUP_NAME = "initial_backup.json";
/**
 * Prefix of the side file a new distribution backup is written to before it replaces
 * `initial_backup.json`; such a file is of kind `distribution`.
 */
export const DISTRIBUTION_SIDE_PREFIX = "initial_backup_next";
/** The distribution backup's name without its extension. */
export const DISTRIBUTION_BACKUP_STEM = "initial_backup";
/** Prefix of the backups a replace restore takes first. */
export const SAFETY_BACKUP_PREFIX = "safety_backup";
/** Prefix of the backups taken before an upgrade. */
export const PRE_UPGRADE_BACKUP_PREFIX = "pre_upgrade_backup";
/**
 * Prefix of the backups recovery takes of what a database holds before it puts the previous
 * contents back (of kind `safety`; never removed by retention).
 */
export const PRE_RECOVERY_BACKUP_PREFIX = "pre_recovery_backup";

/** What a backup is for, derived from its name. */
export type BackupKind = "backup" | "safety" | "pre-upgrade" | "distribution";

const identitySchema = z.object({
  id: z.string(),
  created: z.string().nullable(),
  name: z.string(),
  address: z.string(),
});

const entrySchema = z.object({
  name: z.string(),
  kind: z.enum(["backup", "safety", "pre-upgrade", "distribution"]),
  created: z.string(),
  reason: z.string(),
  database: z.string().nullable(),
  nodeCount: z.number().int().nonnegative(),
  relationshipCount: z.number().int().nonnegative(),
  size: z.number().int().nonnegative(),
  checksum: z.string().nullable(),
  durationMs: z.number().nonnegative().nullable(),
  server: z.object({ version: z.string(), edition: z.string() }).nullable(),
  formatVersion: z.number().int().nullable(),
  changedDuringBackup: z.boolean().nullable(),
  /**
   * The file's modification time (ISO 8601) when it was described: a file whose size or
   * modification time differs is read and described again. Absent in indexes written before it.
   */
  modified: z.string().optional(),
  /** Null when not known: an encrypted file described without a key that opens it. */
  valid: z.boolean().nullable(),
  /** Absent in indexes written before compression: then read from the name. */
  compression: z.enum(["none", "gzip", "zstd"]).optional(),
  /** Absent in indexes written before encryption: then read from the name. */
  encrypted: z.boolean().optional(),
  /**
   * Which database on which server the backup holds; null when the file does not say (written
   * before identities were recorded, or encrypted and not opened). Absent in older indexes.
   */
  identity: identitySchema.nullable().optional(),
  /** A snapshot's sizes (its manifest's); `size` is then the manifest's own size. */
  snapshot: z
    .object({
      logicalBytes: z.number().int().nonnegative(),
      storedBytes: z.number().int().nonnegative(),
      addedBytes: z.number().int().nonnegative(),
      chunks: z.number().int().nonnegative(),
      addedChunks: z.number().int().nonnegative(),
    })
    .optional(),
  /**
   * The series the backup was made in (its metadata's `series`); absent when it was made without
   * one, and in older indexes.
   */
  series: z.string().optional(),
});

const restoreSchema = z.object({
  name: z.string(),
  database: z.string().nullable(),
  mode: z.enum(["empty", "replace"]),
  restoredAt: z.string(),
  nodeCount: z.number().int().nonnegative(),
  relationshipCount: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative(),
  initial: z.boolean(),
  safetyBackup: z.string().nullable(),
  /** The database restored into; absent in records written before identities were recorded. */
  target: identitySchema.nullable().optional(),
});

const pendingSchema = z.object({
  name: z.string(),
  database: z.string().nullable(),
  /** Replace mode: the backup of the previous contents; null in empty mode (or without one). */
  safetyBackup: z.string().nullable(),
  started: z.string(),
  pid: z.number().int(),
  host: z.string(),
  /** `empty` or `replace`; absent in records written before it was recorded. */
  mode: z.enum(["empty", "replace"]).optional(),
  /**
   * The database being written: only a driver connected to this database recovers the restore.
   * Absent in records written before identities were recorded: those are never recovered
   * automatically (see recoverIfInterrupted).
   */
  target: identitySchema.optional(),
});

const failureSchema = z.object({
  /** When the failure was reported (ISO 8601). */
  at: z.string(),
  operation: z.enum(["backup", "auto-backup"]),
  /** The database named in the options; null for the home database. */
  database: z.string().nullable(),
  /** The error's code (a BackupError code, or ERROR). */
  code: z.string(),
  /** Its message, shortened. */
  message: z.string(),
});

const indexSchema = z.object({
  format: z.literal("neo4j-backup-index"),
  version: z.literal(1),
  updated: z.string(),
  backups: z.array(entrySchema),
  restores: z.array(restoreSchema),
  /** The single record of indexes written before several databases could each have one. */
  pendingRestore: pendingSchema.nullable().optional(),
  /** Restores that started and did not finish, at most one per target database. */
  pendingRestores: z.array(pendingSchema).optional(),
  /** Absent in indexes written before failures were recorded (and where none ever was). */
  failures: z.array(failureSchema).optional(),
  /**
   * Backups that retention never removes, by name (`pinBackup`). Kept in this file only: an index
   * that is deleted or damaged and rebuilt from the files has no pins.
   */
  pinned: z.array(z.string()).optional(),
});

/**
 * One backup as the index describes it. `compression` and `encrypted` say how the file is stored
 * (never which key); `valid` is null for an encrypted file described without a key that opens it.
 */
export type BackupIndexEntry = Omit<z.infer<typeof entrySchema>, "compression" | "encrypted" | "identity"> & {
  compression: Compression;
  encrypted: boolean;
  /** Which database on which server the backup holds; null when not known (see the index format). */
  identity: DatabaseIdentity | null;
};
/** One restore recorded in the index. */
export type RestoreIndexEntry = z.infer<typeof restoreSchema>;
/**
 * A restore that started and has not finished (kept until it finishes or is undone). `target` is
 * absent in records written before identities were recorded.
 */
export type PendingRestore = z.infer<typeof pendingSchema>;
/** A backup that failed, recorded when the operation was asked to (`recordFailure`). */
export type BackupFailure = z.infer<typeof failureSchema>;
/** The whole index document. */
export type BackupIndex = Omit<
  z.infer<typeof indexSchema>,
  "backups" | "pendingRestore" | "pendingRestores"
> & {
  backups: BackupIndexEntry[];
  /** Restores that started and did not finish (an older index's single record included). */
  pendingRestores: PendingRestore[];
};

/** How many restores the index remembers. */
const RESTORE_HISTORY = 100;
/** How many failures the index remembers. */
const FAILURE_HISTORY = 20;
/** How much of a failure's message the index keeps. */
const FAILURE_MESSAGE_LENGTH = 500;

/** The kind of a backup, from its name. */
export function backupKind(name: string): BackupKind {
  if (layersOfName(name)?.stem === DISTRIBUTION_BACKUP_STEM) return "distribution";
  const prefix = parseBackupFileName(name)?.prefix;
  if (prefix === DISTRIBUTION_SIDE_PREFIX) return "distribution";
  if (prefix === SAFETY_BACKUP_PREFIX || prefix === PRE_RECOVERY_BACKUP_PREFIX) return "safety";
  if (prefix === PRE_UPGRADE_BACKUP_PREFIX) return "pre-upgrade";
  return "backup";
}

function emptyIndex(): BackupIndex {
  return {
    format: "neo4j-backup-index",
    version: 1,
    updated: new Date().toISOString(),
    backups: [],
    restores: [],
    pendingRestores: [],
  };
}

/** Options of the index readers. */
export interface IndexOptions {
  /** A pino-compatible logger; default silent. */
  logger?: Logger;
  /** Cancels reading files that are missing from the index. */
  signal?: AbortSignal;
  /**
   * Keys for encrypted files the index does not know yet; without them such a file is listed from
   * its name and size, its validity unknown (`valid: null`), and described once a key is given.
   */
  decryption?: DecryptionOptions;
}

/** Parses index text; `undefined` when it is not a valid index. */
function parseIndex(text: string | undefined): BackupIndex | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = indexSchema.safeParse(JSON.parse(text));
    if (!parsed.success) return undefined;
    // entries of indexes written before compression and encryption: the name says
    const backups = parsed.data.backups.map((e) => ({
      ...e,
      ...namedLayers(e.name),
      ...layersIn(e),
      identity: e.identity ?? null,
    }));
    const { pendingRestore, pendingRestores, ...rest } = parsed.data;
    // an older index's single record joins the list (it names no target: never recovered automatically)
    const pending = [...(pendingRestores ?? []), ...(pendingRestore ? [pendingRestore] : [])];
    return { ...rest, backups, pendingRestores: pending };
  } catch {
    return undefined;
  }
}

function layersIn(e: { compression?: Compression; encrypted?: boolean }): Partial<BackupIndexEntry> {
  return {
    ...(e.compression ? { compression: e.compression } : {}),
    ...(e.encrypted !== undefined ? { encrypted: e.encrypted } : {}),
  };
}

/** The layers a name says (a snapshot's are in its manifest). */
function namedLayers(name: string): { compression: Compression; encrypted: boolean } {
  const { compression, encrypted } = backupLayers(name);
  return { compression, encrypted };
}

/** The layers of a stored backup: from its name, or for a snapshot from its manifest (with its sizes). */
async function storedLayers(
  storage: BackupStorage,
  name: string,
): Promise<Pick<BackupIndexEntry, "compression" | "encrypted" | "snapshot">> {
  const layers = backupLayers(name);
  if (!layers.snapshot) return { compression: layers.compression, encrypted: layers.encrypted };
  const manifest = await readManifest(storage, name);
  return { ...manifest.encoding, snapshot: snapshotSizes(manifest) };
}

/** What the name and size tell of an encrypted file that cannot be opened (no key, or another's). */
function describeUnopened(
  file: StoredBackup,
  layers: Pick<BackupIndexEntry, "compression" | "encrypted" | "snapshot">,
): BackupIndexEntry {
  return {
    name: file.name,
    kind: backupKind(file.name),
    created: createdFromName(file.name) ?? file.modified.toISOString(),
    reason: "",
    database: null,
    nodeCount: 0,
    relationshipCount: 0,
    size: file.size,
    checksum: null,
    durationMs: null,
    server: null,
    formatVersion: null,
    changedDuringBackup: null,
    valid: null,
    modified: file.modified.toISOString(),
    ...layers,
    identity: null,
  };
}

/** Describes a file that the index does not know (yet), or a copy just made, by reading it in full. */
export async function describeFile(
  storage: BackupStorage,
  file: StoredBackup,
  options: IndexOptions,
): Promise<BackupIndexEntry> {
  let report: Awaited<ReturnType<typeof validateBackup>>;
  try {
    report = await validateBackup({
      storage,
      name: file.name,
      signal: options.signal,
      decryption: options.decryption,
      maxProblems: 1,
    });
  } catch (error) {
    if (error instanceof BackupError && (error.code === "KEY_REQUIRED" || error.code === "DECRYPTION_FAILED"))
      return describeUnopened(file, await storedLayers(storage, file.name));
    throw error;
  }
  const layers = await storedLayers(storage, file.name).catch(() => namedLayers(file.name));
  const m = (report.metadata ?? {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === "string" ? v : null);
  const server = m.server as { version?: unknown; edition?: unknown } | undefined;
  return {
    name: file.name,
    kind: backupKind(file.name),
    created: text(m.datetime) ?? createdFromName(file.name) ?? file.modified.toISOString(),
    reason: text(m.reason) ?? "",
    database: text(m.database),
    nodeCount: report.nodeCount,
    relationshipCount: report.relationshipCount,
    size: file.size,
    checksum: report.checksum,
    durationMs: typeof m.duration_ms === "number" ? m.duration_ms : null,
    server:
      server && typeof server.version === "string" && typeof server.edition === "string"
        ? { version: server.version, edition: server.edition }
        : null,
    formatVersion: report.formatVersion,
    changedDuringBackup:
      typeof (m.consistency as { changed_during_backup?: unknown } | undefined)?.changed_during_backup ===
      "boolean"
        ? (m.consistency as { changed_during_backup: boolean }).changed_during_backup
        : null,
    valid: report.valid,
    modified: file.modified.toISOString(),
    ...layers,
    identity: identityFromMetadata(text(m.database), m.database_identity as MetadataIdentity | undefined),
    ...(typeof m.series === "string" ? { series: m.series } : {}),
  };
}

/**
 * Whether an entry still describes `file`: same size and, when the entry knows it, the same
 * modification time (a file rewritten in place at the same size is described again). An entry
 * without one (just made, or from an older index) takes the file's.
 */
function stillDescribes(entry: BackupIndexEntry, file: StoredBackup | undefined): boolean {
  if (!file || file.size !== entry.size) return false;
  const modified = file.modified.toISOString();
  if (entry.modified === undefined) entry.modified = modified;
  return entry.modified === modified;
}

function createdFromName(name: string): string | undefined {
  return parseBackupFileName(name)?.date.toISOString();
}

/**
 * Reads the index and reconciles it with the files: entries without a file are dropped, files
 * without an entry (or of another size or modification time) are read and described. Returns
 * whether anything changed.
 */
async function reconcile(
  storage: BackupStorage,
  options: IndexOptions,
  trusted: BackupIndexEntry[] = [],
): Promise<{ index: BackupIndex; changed: boolean }> {
  const logger = options.logger ?? silentLogger;
  const text = await storage.readIndex();
  let index = parseIndex(text);
  let changed = false;
  const files = new Map((await storage.list()).map((f) => [f.name, f]));
  if (!index) {
    if (text !== undefined)
      logger.warn({ storage: storage.describe() }, "the backup index is damaged; rebuilding it");
    index = emptyIndex();
    // an empty store needs no index file until something is written to it
    changed = text !== undefined || files.size > 0;
  }
  // entries just made by this library describe their files already: no need to read them again
  const fresh = new Set(trusted.map((e) => e.name));
  // a trusted entry's file was just written: its modification time is the file's
  const candidates = [
    ...index.backups.filter((e) => !fresh.has(e.name)),
    ...trusted.map((e) => ({ ...e, modified: undefined })),
  ];
  const undated = candidates.filter((e) => e.modified === undefined).length;
  // an encrypted file listed without a key is described again once one is given
  const canOpen = hasKeys(options.decryption);
  const kept = candidates.filter(
    (e) => stillDescribes(e, files.get(e.name)) && !(canOpen && e.valid === null && e.encrypted),
  );
  if (kept.length !== index.backups.length || undated > 0) changed = true;
  const known = new Set(kept.map((e) => e.name));
  for (const file of files.values()) {
    if (known.has(file.name)) continue;
    logger.info({ name: file.name }, "indexing a backup file the index did not list");
    kept.push(await describeFile(storage, file, options));
    changed = true;
  }
  index.backups = sortNewestFirst(kept);
  // a pin names a file: it goes with its file
  const pins = index.pinned?.filter((name) => files.has(name));
  if (pins && pins.length !== index.pinned!.length) {
    index.pinned = pins;
    changed = true;
  }
  return { index, changed };
}

function hasKeys(keys: DecryptionOptions | undefined): boolean {
  return (keys?.identities?.length ?? 0) > 0 || keys?.passphrase !== undefined;
}

function sortNewestFirst(entries: BackupIndexEntry[]): BackupIndexEntry[] {
  return entries.sort((a, b) =>
    a.created === b.created ? (a.name < b.name ? 1 : -1) : a.created < b.created ? 1 : -1,
  );
}

async function save(storage: BackupStorage, index: BackupIndex): Promise<void> {
  index.updated = new Date().toISOString();
  await storage.writeIndex(`${JSON.stringify(index, null, 2)}\n`);
}

/**
 * Reads the reconciled index. When it had to change, it is saved if the storage lock is free
 * right now (a reader never waits for a running backup).
 */
export async function readIndex(storage: BackupStorage, options: IndexOptions = {}): Promise<BackupIndex> {
  const { index, changed } = await reconcile(storage, options);
  if (changed) {
    await withStorageLock(storage, () => updateIndex(storage, () => {}, options), { timeoutMs: 0 }).catch(
      (error) => {
        if (!(error instanceof BackupError && error.code === "LOCKED")) throw error;
      },
    );
  }
  return index;
}

/** Reconciles, applies `change`, saves. Call with the storage lock held. */
export async function updateIndex(
  storage: BackupStorage,
  change: (index: BackupIndex) => void,
  options: IndexOptions = {},
  trusted: BackupIndexEntry[] = [],
): Promise<BackupIndex> {
  const { index } = await reconcile(storage, options, trusted);
  change(index);
  index.backups = sortNewestFirst(index.backups);
  index.restores = index.restores.slice(-RESTORE_HISTORY);
  await save(storage, index);
  return index;
}

/** Records a published backup (replacing an entry of the same name). Call with the lock held. */
export async function recordBackup(storage: BackupStorage, entry: BackupIndexEntry, options?: IndexOptions) {
  return updateIndex(storage, () => {}, options, [entry]);
}

/** Records a finished restore. Call with the lock held. */
export async function recordRestore(
  storage: BackupStorage,
  entry: RestoreIndexEntry,
  options?: IndexOptions,
) {
  return updateIndex(
    storage,
    (index) => {
      index.restores.push(entry);
      index.pendingRestores = withoutPending(index.pendingRestores, entry.target ?? null);
    },
    options,
  );
}

/** Records a failed backup, keeping the last few. Call with the lock held. */
export async function recordFailure(storage: BackupStorage, failure: BackupFailure, options?: IndexOptions) {
  return updateIndex(
    storage,
    (index) => {
      const message = failure.message.slice(0, FAILURE_MESSAGE_LENGTH);
      index.failures = [...(index.failures ?? []), { ...failure, message }].slice(-FAILURE_HISTORY);
    },
    options,
  );
}

/**
 * The records without the one of `target` (a database's identity); `null` removes the records
 * that name no target (an older index's).
 */
function withoutPending(records: PendingRestore[], target: DatabaseIdentity | null): PendingRestore[] {
  return records.filter((p) => (target === null ? p.target !== undefined : p.target?.id !== target.id));
}

/** Records a restore into `pending.target` as started (replacing an older record of that target). Call with the lock held. */
export async function markPendingRestore(
  storage: BackupStorage,
  pending: PendingRestore,
  options?: IndexOptions,
) {
  return updateIndex(
    storage,
    (index) => {
      index.pendingRestores = [...withoutPending(index.pendingRestores, pending.target ?? null), pending];
    },
    options,
  );
}

/**
 * Removes the pending record of `target` (null: the records that name no target, from an older
 * index). Call with the lock held.
 */
export async function clearPendingRestore(
  storage: BackupStorage,
  target: DatabaseIdentity | null,
  options?: IndexOptions,
) {
  return updateIndex(
    storage,
    (index) => {
      index.pendingRestores = withoutPending(index.pendingRestores, target);
    },
    options,
  );
}

/**
 * Every backup in the storage, newest first, as the (reconciled) index describes it.
 * Files the index did not know are read once and added.
 */
export async function listBackups(
  storage: BackupStorage,
  options: IndexOptions = {},
): Promise<BackupIndexEntry[]> {
  return (await readIndex(storage, options)).backups;
}

/** One backup's index entry. @throws BackupError `NOT_FOUND` */
export async function getBackupInfo(
  storage: BackupStorage,
  name: string,
  options: IndexOptions = {},
): Promise<BackupIndexEntry> {
  const entry = (await listBackups(storage, options)).find((e) => e.name === name);
  if (!entry) throw new BackupError("NOT_FOUND", `backup ${name} not found in ${storage.describe()}`);
  return entry;
}
