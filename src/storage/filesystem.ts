/**
 * FileSystemStorage: backups as files in one folder. Writes go to a hidden temporary file that is
 * fsynced and then linked into place (the link fails if the name exists, so nothing is ever
 * overwritten); the folder is fsynced so the publication survives a crash. The chunks of snapshots
 * are kept the same way in `chunks/<first two hex digits>/<id>` (see file-chunks.ts).
 */
import { constants, createReadStream } from "node:fs";
import { mkdir, open, readdir, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { BackupError } from "../errors.js";
import { hasBackupExtension } from "../format/naming.js";
import {
  assertValidBackupName,
  type BackupStorage,
  type BackupWriter,
  type StorageLock,
  type StorageLockOptions,
  type StorageWriteOptions,
  type StoredBackup,
  type StoredChunk,
} from "./contract.js";
import { FileChunks, syncFolder } from "./file-chunks.js";
import { acquireFileLock, DEFAULT_LOCK_LEASE_MS } from "./file-lock.js";
import { FileBackupWriter, type WriterFolder } from "./file-writer.js";
import { isOrphanTempFile, ownedTempName } from "./temp-files.js";

/** Options of {@link FileSystemStorage}. */
export interface FileSystemStorageOptions {
  /** The folder; default `neo4j/fullbackup` (relative to the working directory). */
  directory?: string;
  /** Mode of created folders; default 0o750. */
  directoryMode?: number;
  /** Mode of backup files (and of chunk, index and lock files); default 0o640. */
  fileMode?: number;
  /**
   * The lock's lease in milliseconds; default 60,000. A lock not refreshed for this long is taken
   * over by a waiter on any host; its holder refreshes it every sixth of it.
   */
  lockLeaseMs?: number;
}

/** Name of the index file kept beside the backups; never listed as a backup. */
export const INDEX_FILE_NAME = "backup_metadata.json";

/** Name of the lock file in the folder (hidden, never listed). */
export const LOCK_FILE_NAME = ".neo4j-backup.lock";

/** Temporary files of interrupted writes of other hosts older than this are removed when the lock is taken. */
const ORPHAN_AGE_MS = 60 * 60_000;

const FOLDER_README = `# Neo4j backups

This folder is managed by neo4j-backup.

- \`<prefix>_YYYYMMDD_HHMMSS.json\` — full backups (the most recent are kept; older ones are removed
  automatically once a newer backup is complete and valid).
- \`initial_backup.json\` — the bundled backup restored into a new installation's empty database; never
  removed automatically.
- \`<prefix>_YYYYMMDD_HHMMSS.snapshot\` — snapshots: small manifests of incremental, deduplicated
  backups, whose content is in \`chunks/\`.
- \`chunks/\` — the chunks of the snapshots, one file per chunk named by its hash
  (\`chunks/<first two hex digits>/<id>\`). A chunk may be shared by many snapshots: do not remove
  or edit files here by hand.
- \`backup_metadata.json\` — the index of the backups above (rebuilt from the files if it is lost).

Check a file with \`npx neo4j-backup info <file>\`; restore with \`npx neo4j-backup restore --file <file>\`.
`;

/** What {@link FileSystemStorage.init} did. */
export interface InitResult {
  /** Absolute path of the folder. */
  directory: string;
  /** Files and folders it created (absent ones only; nothing is overwritten). */
  created: string[];
}

/** A {@link BackupStorage} over a local folder. */
export class FileSystemStorage implements BackupStorage {
  /** Absolute path of the folder. */
  readonly directory: string;
  private readonly directoryMode: number;
  private readonly fileMode: number;
  private readonly lockLeaseMs: number;
  private readonly chunks: FileChunks;

  constructor(options: FileSystemStorageOptions = {}) {
    if (typeof options !== "object" || options === null) {
      // a folder given as the argument itself would otherwise be ignored for the default folder
      throw new BackupError(
        "INVALID_OPTIONS",
        `FileSystemStorage takes options, not ${JSON.stringify(options)}: pass { directory: ${JSON.stringify(String(options))} }`,
      );
    }
    this.directory = resolve(options.directory ?? join("neo4j", "fullbackup"));
    this.directoryMode = options.directoryMode ?? 0o750;
    this.fileMode = options.fileMode ?? 0o640;
    this.lockLeaseMs = options.lockLeaseMs ?? DEFAULT_LOCK_LEASE_MS;
    if (!(this.lockLeaseMs > 0)) {
      throw new BackupError("INVALID_OPTIONS", "lockLeaseMs must be a positive number of milliseconds");
    }
    const { directory, directoryMode, fileMode } = this;
    this.chunks = new FileChunks({ directory, directoryMode, fileMode });
  }

  /** Creates the folder (with its mode) if missing. */
  async ensureDirectory(): Promise<void> {
    await mkdir(this.directory, { recursive: true, mode: this.directoryMode });
  }

  write(
    name: string,
    content: AsyncIterable<Uint8Array | string>,
    options?: StorageWriteOptions,
  ): Promise<StoredBackup> {
    return this.writeWhole(name, content, options, (writer) => writer.publish(name));
  }

  /**
   * Stores `content` under `name`, replacing the file of that name if there is one: the new file is
   * written and fsynced under a temporary name, then renamed over the old one (atomic), and the
   * folder is fsynced. See {@link BackupStorage.replace}.
   */
  replace(
    name: string,
    content: AsyncIterable<Uint8Array | string>,
    options?: StorageWriteOptions,
  ): Promise<StoredBackup> {
    return this.writeWhole(name, content, options, (writer) => writer.publishReplacing(name));
  }

  private async writeWhole(
    name: string,
    content: AsyncIterable<Uint8Array | string>,
    options: StorageWriteOptions | undefined,
    publish: (writer: FileBackupWriter) => Promise<StoredBackup>,
  ): Promise<StoredBackup> {
    assertValidBackupName(name);
    const writer = await this.newWriter(name);
    try {
      for await (const chunk of content) {
        if (options?.signal?.aborted) throw new BackupError("ABORTED", `writing ${name} was aborted`);
        await writer.append(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
      }
      if (options?.signal?.aborted) throw new BackupError("ABORTED", `writing ${name} was aborted`);
      return await publish(writer);
    } catch (error) {
      if (error instanceof BackupError) throw error;
      throw new BackupError(
        "STORAGE",
        `writing ${name} to ${this.directory} failed: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    } finally {
      await writer.discard();
    }
  }

  /** Opens a new backup file for writing in place (see {@link BackupStorage.openWriter}). */
  openWriter(): Promise<BackupWriter> {
    return this.newWriter();
  }

  /** A writer of a new file in the folder (created if missing); `label` names it in errors. */
  private async newWriter(label?: string): Promise<FileBackupWriter> {
    await this.ensureDirectory().catch((error) => {
      throw new BackupError("STORAGE", `creating ${this.directory} failed: ${(error as Error).message}`, {
        cause: error,
      });
    });
    const folder: WriterFolder = {
      directory: this.directory,
      fileMode: this.fileMode,
      syncDirectory: () => this.syncDirectory(),
    };
    return FileBackupWriter.create(folder, label);
  }

  async read(name: string): Promise<AsyncIterable<Uint8Array>> {
    assertValidBackupName(name);
    const path = join(this.directory, name);
    try {
      await stat(path);
    } catch {
      throw new BackupError("NOT_FOUND", `backup ${name} not found in ${this.directory}`);
    }
    return createReadStream(path, { highWaterMark: 1 << 20 });
  }

  async stat(name: string): Promise<StoredBackup | undefined> {
    assertValidBackupName(name);
    try {
      const info = await stat(join(this.directory, name));
      return { name, size: info.size, modified: info.mtime };
    } catch {
      return undefined;
    }
  }

  async list(): Promise<StoredBackup[]> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    const out: StoredBackup[] = [];
    for (const name of names) {
      if (!hasBackupExtension(name) || name.startsWith(".") || name === INDEX_FILE_NAME) continue;
      const info = await this.stat(name).catch(() => undefined);
      if (info) out.push(info);
    }
    return out;
  }

  async remove(name: string): Promise<void> {
    assertValidBackupName(name);
    try {
      await unlink(join(this.directory, name));
      await this.syncDirectory();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }

  /**
   * Stores a snapshot's chunk as `chunks/<first two hex digits>/<id>` unless the id is taken: written
   * to a temporary file, fsynced, hard-linked under its id, its folder fsynced. Resolves true when
   * this call stored it, false when the id was already there (see {@link BackupStorage.putChunk}).
   */
  putChunk(id: string, bytes: Uint8Array): Promise<boolean> {
    return this.chunks.put(id, bytes);
  }

  /** A stored chunk's bytes; `NOT_FOUND` when absent. */
  readChunk(id: string): Promise<Uint8Array> {
    return this.chunks.read(id);
  }

  /** Every stored chunk (the files of `chunks/`), in no particular order, one subfolder at a time. */
  listChunks(): AsyncGenerator<StoredChunk> {
    return this.chunks.list();
  }

  /** Removes a chunk; an absent id is not an error. */
  removeChunk(id: string): Promise<void> {
    return this.chunks.remove(id);
  }

  describe(): string {
    return this.directory;
  }

  /**
   * Prepares the folder for use and for version control: creates it (mode 0750) with a README.md
   * and a .gitkeep when they are absent. Existing files are left as they are.
   */
  async init(): Promise<InitResult> {
    const created: string[] = [];
    const existed = await stat(this.directory).then(
      () => true,
      () => false,
    );
    await this.ensureDirectory();
    if (!existed) created.push(this.directory);
    for (const [name, text] of [
      ["README.md", FOLDER_README],
      [".gitkeep", ""],
    ] as const) {
      try {
        await writeFile(join(this.directory, name), text, { flag: "wx", mode: this.fileMode });
        created.push(join(this.directory, name));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
    }
    return { directory: this.directory, created };
  }

  async readIndex(): Promise<string | undefined> {
    try {
      return await readFile(join(this.directory, INDEX_FILE_NAME), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new BackupError(
        "STORAGE",
        `reading the index in ${this.directory} failed: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  async writeIndex(text: string): Promise<void> {
    await this.ensureDirectory();
    const temp = join(this.directory, ownedTempName(`.${INDEX_FILE_NAME}.`, ".tmp"));
    try {
      const handle = await open(
        temp,
        constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY,
        this.fileMode,
      );
      try {
        await handle.writeFile(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, join(this.directory, INDEX_FILE_NAME));
      await this.syncDirectory();
    } catch (error) {
      await unlink(temp).catch(() => {});
      throw new BackupError(
        "STORAGE",
        `writing the index in ${this.directory} failed: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  async lock(options?: StorageLockOptions): Promise<StorageLock> {
    await this.ensureDirectory();
    const lock = await acquireFileLock(
      join(this.directory, LOCK_FILE_NAME),
      { fileMode: this.fileMode, leaseMs: this.lockLeaseMs },
      options,
    );
    await this.removeOrphans().catch(() => {});
    await this.chunks.removeOrphans(ORPHAN_AGE_MS).catch(() => {});
    return lock;
  }

  /**
   * Removes temporary files that interrupted writes left behind: at once when their process is
   * gone from this host, otherwise once they are an hour old (no live writer goes that long without
   * writing). Those of chunk writes, in the subfolders of `chunks/`, go the same way.
   */
  private async removeOrphans(): Promise<void> {
    for (const name of await readdir(this.directory)) {
      if (!name.startsWith(".") || !name.endsWith(".tmp")) continue;
      const path = join(this.directory, name);
      const info = await stat(path).catch(() => undefined);
      if (info && isOrphanTempFile(name, Date.now() - info.mtimeMs, ORPHAN_AGE_MS))
        await unlink(path).catch(() => {});
    }
  }

  private syncDirectory(): Promise<void> {
    return syncFolder(this.directory);
  }
}
