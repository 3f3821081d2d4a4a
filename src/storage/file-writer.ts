/**
 * A backup written in place in a folder: a hidden temporary file that is appended to, patched,
 * fsynced and then hard-linked under its name (the link fails when the name exists, so nothing is
 * ever overwritten), after which the folder is fsynced so the publication survives a crash.
 */
import { constants } from "node:fs";
import { type FileHandle, link, open, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { BackupError } from "../errors.js";
import { assertValidBackupName, type BackupWriter, type StoredBackup } from "./contract.js";
import { ownedTempName } from "./temp-files.js";

/** What a {@link FileBackupWriter} needs from its folder. */
export interface WriterFolder {
  directory: string;
  fileMode: number;
  /** fsyncs the folder after a publication. */
  syncDirectory(): Promise<void>;
}

/** A backup file being written in place; see {@link BackupWriter}. */
export class FileBackupWriter implements BackupWriter {
  private handle: FileHandle | undefined;
  private size = 0;
  private published = false;
  private discarded = false;

  private constructor(
    private readonly folder: WriterFolder,
    private readonly temp: string,
    handle: FileHandle,
    private label: string,
  ) {
    this.handle = handle;
  }

  /** Creates the temporary file; `label` names the backup in error messages. */
  static async create(folder: WriterFolder, label = "a new backup"): Promise<FileBackupWriter> {
    // hidden and ending in .tmp: never listed; named after its process, so that the file of a
    // writer that died is removed the next time the lock is taken
    const temp = join(folder.directory, ownedTempName(".neo4j-backup-", ".tmp"));
    try {
      const handle = await open(
        temp,
        constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY,
        folder.fileMode,
      );
      return new FileBackupWriter(folder, temp, handle, label);
    } catch (error) {
      throw storageError(folder.directory, label, error);
    }
  }

  private openHandle(): FileHandle {
    if (this.handle && !this.published && !this.discarded) return this.handle;
    throw new BackupError("STORAGE", `${this.label} is no longer open for writing`);
  }

  async append(chunk: Uint8Array): Promise<void> {
    await this.writeAt(this.size, chunk);
    this.size += chunk.length;
  }

  async overwrite(position: number, bytes: Uint8Array): Promise<void> {
    if (!Number.isSafeInteger(position) || position < 0 || position + bytes.length > this.size) {
      throw new RangeError(
        `overwrite of ${bytes.length} bytes at ${position} is outside the ${this.size} written`,
      );
    }
    await this.writeAt(position, bytes);
  }

  private async writeAt(position: number, bytes: Uint8Array): Promise<void> {
    const handle = this.openHandle();
    try {
      let offset = 0;
      while (offset < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset, position + offset);
        offset += bytesWritten;
      }
    } catch (error) {
      throw storageError(this.folder.directory, this.label, error);
    }
  }

  /** Publishes under `name` with a hard link, which fails when the name is taken (never overwrites). */
  async publish(name: string): Promise<StoredBackup> {
    const target = await this.prepare(name);
    try {
      await link(this.temp, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") {
        throw new BackupError("BACKUP_EXISTS", `backup ${name} already exists in ${this.folder.directory}`);
      }
      throw storageError(this.folder.directory, name, error);
    }
    this.published = true;
    await unlink(this.temp).catch(() => {});
    return this.finishPublication(name, target);
  }

  /**
   * Publishes under `name`, replacing the file of that name if there is one: rename(2) over it,
   * which is atomic — a reader opens the old file or the new one, never neither.
   */
  async publishReplacing(name: string): Promise<StoredBackup> {
    const target = await this.prepare(name);
    try {
      await rename(this.temp, target);
    } catch (error) {
      throw storageError(this.folder.directory, name, error);
    }
    this.published = true;
    return this.finishPublication(name, target);
  }

  /** Makes the content durable before it becomes visible; returns the target path. */
  private async prepare(name: string): Promise<string> {
    assertValidBackupName(name);
    if (this.published || this.discarded) {
      throw new BackupError(
        "STORAGE",
        `${this.label} was already ${this.published ? "published" : "discarded"}`,
      );
    }
    this.label = name;
    try {
      // once closed, further attempts only try other names
      if (this.handle) {
        await this.handle.sync();
        await this.handle.close();
        this.handle = undefined;
      }
    } catch (error) {
      throw storageError(this.folder.directory, name, error);
    }
    return join(this.folder.directory, name);
  }

  /** The publication survives a crash once the folder is fsynced. */
  private async finishPublication(name: string, target: string): Promise<StoredBackup> {
    await this.folder.syncDirectory();
    const info = await stat(target);
    return { name, size: this.size, modified: info.mtime };
  }

  async discard(): Promise<void> {
    if (this.published || this.discarded) return;
    this.discarded = true;
    await this.handle?.close().catch(() => {});
    this.handle = undefined;
    await unlink(this.temp).catch(() => {});
  }
}

function storageError(directory: string, label: string, error: unknown): BackupError {
  if (error instanceof BackupError) return error;
  return new BackupError("STORAGE", `writing ${label} to ${directory} failed: ${(error as Error).message}`, {
    cause: error,
  });
}
