/**
 * copyBackup: one backup from one storage into another (a folder into a bucket and back), streamed,
 * validated on arrival, recorded in the target's index, never overwriting.
 */
import { createHash, type Hash } from "node:crypto";
import type { DecryptionOptions } from "../codec/age.js";
import { encodeStream } from "../codec/encode-stream.js";
import { type EncodingOptions, layersOf, resolveEncoding } from "../codec/encoded-writer.js";
import { backupLayers, openBackupBytes } from "../codec/open.js";
import { BackupError, throwIfAborted } from "../errors.js";
import { backupExtension, layersOfName } from "../format/naming.js";
import { type BackupIndexEntry, describeFile, recordBackup } from "../lifecycle/backup-index.js";
import { latestBackupName } from "../lifecycle/latest.js";
import { type Logger, silentLogger } from "../logger.js";
import { assertValidBackupName, type BackupStorage, isBackupStorage } from "../storage/contract.js";
import type { LockingOptions } from "../storage/with-lock.js";
import { type ChunkCopy, copySnapshotChunks } from "./copy-chunks.js";
import { underLock } from "./lock.js";

/** Options of {@link copyBackup}. */
export interface CopyBackupOptions extends LockingOptions, EncodingOptions {
  /** Where the backup is. */
  from: BackupStorage;
  /** Where the copy goes (its lock is held while copying). */
  to: BackupStorage;
  /** The backup to copy; default the newest backup in `from` (as restoreBackup picks it). */
  name?: string;
  /** A pino-compatible logger; default silent. */
  logger?: Logger;
  /** Cancels the copy; nothing is left in the target. */
  signal?: AbortSignal;
  /**
   * Keys of an encrypted backup, to validate the copy in full. Without them an encrypted copy is
   * checked byte for byte against what was read from the source (SHA-256 of both) and recorded with
   * `valid: null` (not checked) until a key is given; age's MACs check the content when it is opened.
   */
  decryption?: DecryptionOptions;
  /**
   * Copy the backup as one ordinary file, encoded as `compression`, `compressionLevel` and
   * `encryption` say (plain JSON by default): a snapshot is reassembled (`decryption` opens an
   * encrypted one) and the copy is `<prefix>_YYYYMMDD_HHMMSS.json[.gz|.zst][.age]`, which the
   * standard tools open. Without it a backup is copied as it is stored.
   */
  asFile?: boolean;
}

/** What {@link copyBackup} did. */
export interface CopyResult {
  name: string;
  /** Bytes copied. */
  size: number;
  /** `describe()` of the source and of the target. */
  from: string;
  to: string;
  durationMs: number;
  /** The copy's entry in the target's index (read back from the copy). */
  entry: BackupIndexEntry;
  /** For a snapshot: the chunks copied (only those the target lacked) and those it had. */
  chunks?: ChunkCopy;
}

function assertCopyOptions(options: CopyBackupOptions): void {
  if (!options || typeof options !== "object") {
    throw new BackupError("INVALID_OPTIONS", "copyBackup needs an options object");
  }
  if (!isBackupStorage(options.from))
    throw new BackupError("INVALID_OPTIONS", "copyBackup needs `from`: a BackupStorage");
  if (!isBackupStorage(options.to))
    throw new BackupError("INVALID_OPTIONS", "copyBackup needs `to`: a BackupStorage");
  if (options.name !== undefined) assertValidBackupName(options.name);
  resolveEncoding(options);
}

/** The name of the copy: the backup's own, or the ordinary file's (`asFile`). */
function copyName(options: CopyBackupOptions, name: string): string {
  if (!options.asFile) return name;
  const stem = layersOfName(name)?.stem ?? name;
  return `${stem}${backupExtension(layersOf(resolveEncoding(options)))}`;
}

/** The bytes of the copy: as stored, or re-encoded as one ordinary file (`asFile`). */
async function copyContent(options: CopyBackupOptions, name: string): Promise<AsyncIterable<Uint8Array>> {
  const { from } = options;
  if (!options.asFile) return from.read(name);
  const plain = await openBackupBytes(from, name, options.decryption ?? {});
  return encodeStream(plain, resolveEncoding(options));
}

/**
 * Copies one backup into another storage. The bytes stream from `from` into `to` (never held in
 * memory whole); the copy is then read back and validated in full, and only a valid copy stays and
 * is recorded in the target's index. A name the target already has is refused, never overwritten.
 * A snapshot's chunks are copied first — only those the target lacks, each compared on arrival —
 * then its manifest, which is validated like any backup.
 *
 * @throws BackupError — `NOT_FOUND` (no such backup in `from`), `BACKUP_EXISTS` (the target has the
 *   name; nothing was written), `VALIDATION_FAILED` (the copy did not validate and was removed),
 *   `STORAGE`, `LOCKED`, `ABORTED`, `INVALID_OPTIONS`.
 */
export async function copyBackup(options: CopyBackupOptions): Promise<CopyResult> {
  assertCopyOptions(options);
  const { from, to, signal } = options;
  const logger = options.logger ?? silentLogger;
  const name = options.name ?? (await latestBackupName(from));
  const source = await from.stat(name);
  if (!source) throw new BackupError("NOT_FOUND", `backup ${name} not found in ${from.describe()}`);
  const started = performance.now();
  return underLock({ storage: to, logger, signal, ...lockingOf(options) }, async () => {
    throwIfAborted(signal, "copying a backup");
    const target = copyName(options, name);
    if (await to.stat(target)) {
      throw new BackupError(
        "BACKUP_EXISTS",
        `backup ${target} already exists in ${to.describe()}; nothing was copied`,
      );
    }
    logger.info({ name, target, from: from.describe(), to: to.describe() }, "copying a backup");
    // a snapshot's chunks first (only those the target lacks), its manifest last
    const snapshot = backupLayers(name).snapshot && !options.asFile;
    const chunks = snapshot ? await copySnapshotChunks(from, to, name, signal) : undefined;
    const sent = { size: 0, sha256: createHash("sha256") };
    const content = await copyContent(options, name);
    const stored = await to.write(target, hashed(content, sent), signal ? { signal } : {});
    const entry = await checkArrival(to, stored, sent, options);
    await recordBackup(to, entry, { logger }).catch((error: unknown) => {
      // the copy is published and valid; the index is rebuilt from the files when next read
      logger.warn({ err: (error as Error).message }, "the backup index could not be updated");
    });
    const durationMs = Math.round(performance.now() - started);
    logger.info({ name: target, size: stored.size, durationMs }, "backup copied");
    return {
      name: target,
      size: stored.size,
      from: from.describe(),
      to: to.describe(),
      durationMs,
      entry,
      ...(chunks ? { chunks } : {}),
    };
  });
}

function lockingOf(options: LockingOptions): LockingOptions {
  return {
    ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs }),
    ...(options.onLockWait ? { onLockWait: options.onLockWait } : {}),
  };
}

/** The bytes of `source` as they pass, into `sent` (its hash and its size). */
async function* hashed(
  source: AsyncIterable<Uint8Array>,
  sent: { size: number; sha256: Hash },
): AsyncIterable<Uint8Array> {
  for await (const chunk of source) {
    sent.sha256.update(chunk);
    sent.size += chunk.length;
    yield chunk;
  }
}

/** SHA-256 of a stored file, read back. */
async function storedDigest(storage: BackupStorage, name: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of await storage.read(name)) hash.update(chunk);
  return hash.digest("hex");
}

/**
 * Reads the copy back in full; removes it and throws unless it is complete and valid (or, for an
 * encrypted copy no key given opens, the same bytes as were sent).
 */
async function checkArrival(
  to: BackupStorage,
  stored: { name: string; size: number; modified: Date },
  sent: { size: number; sha256: Hash },
  options: CopyBackupOptions,
): Promise<BackupIndexEntry> {
  let entry: BackupIndexEntry | undefined;
  try {
    if (stored.size === sent.size) {
      entry = await describeFile(to, stored, { signal: options.signal, decryption: options.decryption });
      if (entry.valid === null && (await storedDigest(to, stored.name)) === sent.sha256.digest("hex")) {
        return entry; // encrypted, no key: the same bytes arrived
      }
    }
  } catch (error) {
    await to.remove(stored.name).catch(() => {});
    throw error;
  }
  if (entry?.valid) return entry;
  await to.remove(stored.name).catch(() => {});
  const why = !entry
    ? `it has ${stored.size} bytes, the original ${sent.size}`
    : entry.valid === null
      ? "its bytes differ from the original's"
      : "it does not validate";
  throw new BackupError(
    "VALIDATION_FAILED",
    `the copy of ${stored.name} in ${to.describe()} was removed: ${why} (check the original with \`neo4j-backup info\`)`,
  );
}
