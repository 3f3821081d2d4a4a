/**
 * The storage contract: where backup files live. Implementations publish atomically — a reader
 * sees either nothing or the complete file under a name — and never overwrite an existing backup.
 */

import { BackupError } from "../errors.js";
import { hasBackupExtension } from "../format/naming.js";

/** What a storage knows about one stored backup. */
export interface StoredBackup {
  /** File name, e.g. `neo4j_backup_20250128_143022.json`. */
  name: string;
  /** Size in bytes. */
  size: number;
  /** When it was published. */
  modified: Date;
}

/** What a storage knows about one stored chunk of a snapshot. */
export interface StoredChunk {
  /** The chunk's id: 64 lowercase hex digits (see {@link assertValidChunkId}). */
  id: string;
  /** Size in bytes, as stored (compressed and encrypted when the snapshot's chunks are). */
  size: number;
  /** When it was stored. */
  modified: Date;
}

/** Options of {@link BackupStorage.write}. */
export interface StorageWriteOptions {
  /** Aborting discards everything written so far; nothing is published. */
  signal?: AbortSignal;
}

/** Options of {@link BackupStorage.lock}. */
export interface StorageLockOptions {
  /** How long to wait for another holder; default 30 minutes. Then `LOCKED` is thrown. */
  timeoutMs?: number;
  /** Stops waiting (code `ABORTED`). */
  signal?: AbortSignal;
  /** Called once when the lock is busy and the caller starts waiting, with the holder's description. */
  onWait?: (holder: string) => void;
}

/** A held storage lock. */
export interface StorageLock {
  /** Releases the lock; releasing twice is harmless. */
  release(): Promise<void>;
}

/**
 * A new backup being written in place (see {@link BackupStorage.openWriter}): appended to, patched
 * near its start, then published atomically under a name — or discarded.
 */
export interface BackupWriter {
  /** Appends bytes; resolves when the storage can take more. */
  append(chunk: Uint8Array): Promise<void>;
  /** Overwrites bytes already appended, starting at byte `position`. */
  overwrite(position: number, bytes: Uint8Array): Promise<void>;
  /**
   * Makes the content durable and publishes it under `name`, atomically and without overwriting.
   * Rejects with code `BACKUP_EXISTS` when `name` is taken; another name may then be tried.
   */
  publish(name: string): Promise<StoredBackup>;
  /** Drops unpublished content; harmless after `publish` and when called twice. */
  discard(): Promise<void>;
}

/** A place where backup files are kept. */
export interface BackupStorage {
  /**
   * Stores `content` under `name`, atomically: until the returned promise resolves nothing is
   * visible under `name`; when it rejects nothing is left behind.
   * Rejects with a BackupError of code `BACKUP_EXISTS` when `name` is taken.
   */
  write(
    name: string,
    content: AsyncIterable<Uint8Array | string>,
    options?: StorageWriteOptions,
  ): Promise<StoredBackup>;
  /** Opens a stored backup for streaming; rejects with code `NOT_FOUND` when absent. */
  read(name: string): Promise<AsyncIterable<Uint8Array>>;
  /** Describes one backup, or `undefined` when absent. */
  stat(name: string): Promise<StoredBackup | undefined>;
  /** Every stored backup file (every backup extension, except the index), in no particular order. */
  list(): Promise<StoredBackup[]>;
  /** Removes one backup; removing an absent name is not an error. */
  remove(name: string): Promise<void>;
  /** Where the storage keeps its files, for messages (never containing secrets). */
  describe(): string;
  /**
   * Reads the index document (`backup_metadata.json` in a folder), or `undefined` when there is none.
   * The index is never listed as a backup.
   */
  readIndex(): Promise<string | undefined>;
  /** Replaces the index document atomically: a reader sees the old or the new text, never a mix. */
  writeIndex(text: string): Promise<void>;
  /**
   * Takes the storage's exclusive lock, waiting while another holder (in this or another process)
   * has it. Not reentrant: the library's operations take it once per operation.
   * Rejects with code `LOCKED` after `timeoutMs`.
   */
  lock(options?: StorageLockOptions): Promise<StorageLock>;
  /**
   * Optional: opens a new, unnamed backup for writing in place. createBackup uses it when present:
   * the records go straight into the backup instead of through a temporary copy (the metadata line
   * at the top carries counts known only at the end, so it is written last, into room reserved for
   * it). Storages without it receive the finished content through {@link BackupStorage.write}.
   */
  openWriter?(): Promise<BackupWriter>;
  /**
   * Optional: stores `content` under `name`, replacing the backup of that name if there is one —
   * atomically: until the returned promise resolves readers see the old file (or nothing, if there
   * was none), afterwards the complete new one; never neither, never a mix. When it rejects
   * (failing source, abort, storage error) the old file is as it was and nothing else is left.
   * The one place where a file is overwritten: `createDistributionBackup({ replace: true })` needs
   * it to renew `initial_backup.json`. A folder renames a temporary file over the old one; an
   * object store puts the new object under the key (a PUT replaces an object atomically).
   */
  replace?(
    name: string,
    content: AsyncIterable<Uint8Array | string>,
    options?: StorageWriteOptions,
  ): Promise<StoredBackup>;

  /**
   * Optional, with the three below (a storage that has all four holds snapshots, see
   * docs/snapshots.md): stores a snapshot's chunk under its id, durably and atomically, and never
   * replaces one — a chunk's id names its content, so an existing chunk of that id is kept as it
   * is. Resolves `true` when this call stored it, `false` when the id was already there.
   */
  putChunk?(id: string, bytes: Uint8Array): Promise<boolean>;
  /** Optional (see {@link BackupStorage.putChunk}): a stored chunk's bytes; `NOT_FOUND` when absent. */
  readChunk?(id: string): Promise<Uint8Array>;
  /**
   * Optional (see {@link BackupStorage.putChunk}): every stored chunk, in no particular order, as
   * it is listed — a storage holds as many chunks as its snapshots ever added, so callers read the
   * listing as it streams and a storage yields it page by page rather than building one array.
   */
  listChunks?(): AsyncIterable<StoredChunk>;
  /** Optional (see {@link BackupStorage.putChunk}): removes a chunk; an absent id is not an error. */
  removeChunk?(id: string): Promise<void>;
}

/** A storage that holds snapshots: one with every chunk method. */
export type ChunkStorage = BackupStorage &
  Required<Pick<BackupStorage, "putChunk" | "readChunk" | "listChunks" | "removeChunk">>;

/** Does `storage` hold snapshots (has every chunk method)? */
export function holdsChunks(storage: BackupStorage): storage is ChunkStorage {
  return (["putChunk", "readChunk", "listChunks", "removeChunk"] as const).every(
    (k) => typeof storage[k] === "function",
  );
}

/** Chunk ids are 64 lowercase hex digits (a SHA-256 or an HMAC-SHA-256); anything else is refused. */
export function assertValidChunkId(id: string): void {
  if (!/^[0-9a-f]{64}$/.test(id)) {
    throw new BackupError(
      "INVALID_OPTIONS",
      `invalid chunk id ${JSON.stringify(id)}: expected 64 hex digits`,
    );
  }
}

/**
 * Backup names are plain file names: no separators, no leading dot, ending in `.json`, `.json.gz`
 * or `.json.zst`, each optionally followed by `.age`, or in `.snapshot` (see `layersOfName`).
 */
export function assertValidBackupName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.includes("..") || !hasBackupExtension(name)) {
    throw new BackupError(
      "INVALID_OPTIONS",
      `invalid backup name ${JSON.stringify(name)}: use letters, digits, "._-" and end in .json, .json.gz or .json.zst (optionally followed by .age), or .snapshot`,
    );
  }
}

/** Type guard: does `value` look like a {@link BackupStorage}? */
export function isBackupStorage(value: unknown): value is BackupStorage {
  if (value === null || typeof value !== "object") return false;
  const v = value as Record<string, unknown>;
  return ["write", "read", "stat", "list", "remove", "describe", "readIndex", "writeIndex", "lock"].every(
    (k) => typeof v[k] === "function",
  );
}
