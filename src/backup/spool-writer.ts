/**
 * A {@link BackupWriter} for storages that cannot be written in place: the new file is written (and
 * patched) in a private temporary file, and streamed into the storage's `write` at publication.
 * It holds the file's final bytes — compressed and encrypted as the backup is, never plainer.
 */
import { constants, createReadStream } from "node:fs";
import { type FileHandle, open, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BackupError } from "../errors.js";
import type { BackupStorage, BackupWriter, StoredBackup } from "../storage/contract.js";
import { ownedTempName } from "../storage/temp-files.js";
import { removeOrphanSpools, SPOOL_PREFIX } from "./output.js";

/** A new backup in a spool file, published through `storage.write`. */
export class SpoolWriter implements BackupWriter {
  private size = 0;
  private closed = false;

  private constructor(
    private readonly storage: BackupStorage,
    private readonly path: string,
    private readonly handle: FileHandle,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /**
   * Creates the spool file (mode 0600) in `directory` (default: the OS temp folder), after removing
   * the spool files of killed backups there (as the plain spool does).
   */
  static async create(
    storage: BackupStorage,
    directory: string = tmpdir(),
    signal?: AbortSignal,
  ): Promise<SpoolWriter> {
    await removeOrphanSpools(directory);
    const path = join(directory, ownedTempName(SPOOL_PREFIX, ".part"));
    try {
      const handle = await open(path, constants.O_CREAT | constants.O_EXCL | constants.O_RDWR, 0o600);
      return new SpoolWriter(storage, path, handle, signal);
    } catch (error) {
      throw spoolError(path, error);
    }
  }

  async append(chunk: Uint8Array): Promise<void> {
    await this.writeAt(this.size, chunk);
    this.size += chunk.length;
  }

  async overwrite(position: number, bytes: Uint8Array): Promise<void> {
    if (position < 0 || position + bytes.length > this.size) {
      throw new RangeError(
        `overwrite of ${bytes.length} bytes at ${position} is outside the ${this.size} written`,
      );
    }
    await this.writeAt(position, bytes);
  }

  private async writeAt(position: number, bytes: Uint8Array): Promise<void> {
    try {
      let offset = 0;
      while (offset < bytes.length) {
        const { bytesWritten } = await this.handle.write(
          bytes,
          offset,
          bytes.length - offset,
          position + offset,
        );
        offset += bytesWritten;
      }
    } catch (error) {
      throw spoolError(this.path, error);
    }
  }

  /** Streams the spool into the storage; on `BACKUP_EXISTS` another name may be tried. */
  async publish(name: string): Promise<StoredBackup> {
    if (!this.closed) {
      this.closed = true;
      await this.handle.close().catch(() => {});
    }
    const content = createReadStream(this.path, { highWaterMark: 1 << 20 });
    const stored = await this.storage.write(name, content, { signal: this.signal });
    await unlink(this.path).catch(() => {});
    return stored;
  }

  async discard(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await this.handle.close().catch(() => {});
    }
    await unlink(this.path).catch(() => {});
  }
}

function spoolError(path: string, error: unknown): BackupError {
  if (error instanceof BackupError) return error;
  return new BackupError(
    "STORAGE",
    `writing the temporary spool ${path} failed (${(error as Error).message}); free space there or pass spoolDirectory`,
    { cause: error },
  );
}
