/**
 * The chunks of snapshots in a folder: `chunks/<first two hex digits>/<id>`. A chunk is written to a
 * hidden temporary file beside its place, fsynced, and hard-linked under its id — the link fails
 * when the id is taken, so a chunk is never replaced — after which its folder is fsynced.
 */
import { constants } from "node:fs";
import { link, mkdir, open, readdir, readFile, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { BackupError } from "../errors.js";
import { assertValidChunkId, type StoredChunk } from "./contract.js";
import { isOrphanTempFile, ownedTempName } from "./temp-files.js";

/** Name of the folder, beside the backups, that holds the chunks of snapshots. */
export const CHUNKS_FOLDER_NAME = "chunks";

const CHUNK_ID = /^[0-9a-f]{64}$/;
const SUBFOLDER = /^[0-9a-f]{2}$/;

/** What {@link FileChunks} needs from its storage. */
export interface ChunkFolder {
  /** The storage's folder; the chunks are kept in its `chunks/` subfolder. */
  directory: string;
  /** Mode of the folders created. */
  directoryMode: number;
  /** Mode of the chunk files. */
  fileMode: number;
}

/** fsyncs a folder, so that the names created or removed in it survive a crash. */
export async function syncFolder(path: string): Promise<void> {
  const dir = await open(path, constants.O_RDONLY);
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** The chunk store of a FileSystemStorage (see `putChunk` in the storage contract). */
export class FileChunks {
  private readonly root: string;
  /** Subfolders made durable (created, and their entry in `chunks/` fsynced) by this instance. */
  private readonly durable = new Set<string>();

  constructor(private readonly folder: ChunkFolder) {
    this.root = join(folder.directory, CHUNKS_FOLDER_NAME);
  }

  /** The path of chunk `id`. */
  pathOf(id: string): string {
    return join(this.root, id.slice(0, 2), id);
  }

  /**
   * Stores a chunk unless its id is taken: resolves true once the chunk file and its name are
   * durable, false when the id was already there (its file is left as it is).
   */
  async put(id: string, bytes: Uint8Array): Promise<boolean> {
    assertValidChunkId(id);
    const target = this.pathOf(id);
    if (await exists(target)) return false;
    const sub = join(this.root, id.slice(0, 2));
    let temp: string | undefined;
    try {
      await this.ensureSubfolder(sub);
      // hidden and ending in .tmp, named after its process: what a killed writer leaves is removed
      // the next time the lock is taken
      temp = join(sub, ownedTempName(`.${id}.`, ".tmp"));
      const handle = await open(
        temp,
        constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY,
        this.folder.fileMode,
      );
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      let stored = true;
      try {
        await link(temp, target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        stored = false;
      }
      // also when another writer linked it meanwhile: its name is durable before this resolves
      await syncFolder(sub);
      return stored;
    } catch (error) {
      throw new BackupError(
        "STORAGE",
        `storing chunk ${id} in ${this.root} failed: ${(error as Error).message}`,
        { cause: error },
      );
    } finally {
      if (temp) await unlink(temp).catch(() => {});
    }
  }

  /** Creates `chunks/` and the subfolder if missing; the first time here, makes their names durable. */
  private async ensureSubfolder(sub: string): Promise<void> {
    if (this.durable.has(sub)) return;
    await mkdir(this.folder.directory, { recursive: true, mode: this.folder.directoryMode });
    await mkdir(sub, { recursive: true, mode: this.folder.directoryMode });
    // created here or by another process that may not have fsynced yet: fsync both parents once
    await syncFolder(this.root);
    await syncFolder(this.folder.directory);
    this.durable.add(sub);
  }

  /** A stored chunk's bytes; NOT_FOUND when absent. */
  async read(id: string): Promise<Uint8Array> {
    assertValidChunkId(id);
    try {
      return await readFile(this.pathOf(id));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        throw new BackupError("NOT_FOUND", `chunk ${id} not found in ${this.root}`);
      }
      throw new BackupError(
        "STORAGE",
        `reading chunk ${id} in ${this.root} failed: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  /**
   * Every stored chunk: the files of `chunks/xx/` named by a valid id that begins with `xx`, yielded
   * one subfolder at a time (a subfolder holds 1/256 of the chunks).
   */
  async *list(): AsyncGenerator<StoredChunk> {
    const failed = (error: unknown) =>
      new BackupError("STORAGE", `listing the chunks in ${this.root} failed: ${(error as Error).message}`, {
        cause: error,
      });
    const subs = await subfolders(this.root).catch((error: unknown) => {
      throw failed(error);
    });
    for (const sub of subs) {
      const infos = await this.listSubfolder(sub).catch((error: unknown) => {
        throw failed(error);
      });
      for (const info of infos) if (info) yield info;
    }
  }

  private async listSubfolder(sub: string): Promise<(StoredChunk | undefined)[]> {
    const names = (await readdir(join(this.root, sub))).filter(
      (name) => CHUNK_ID.test(name) && name.startsWith(sub),
    );
    return Promise.all(
      names.map(async (id) => {
        const info = await stat(join(this.root, sub, id)).catch(() => undefined);
        return info?.isFile() ? { id, size: info.size, modified: info.mtime } : undefined;
      }),
    );
  }

  /** Removes a chunk; an absent one is not an error. */
  async remove(id: string): Promise<void> {
    assertValidChunkId(id);
    try {
      await unlink(this.pathOf(id));
      await syncFolder(join(this.root, id.slice(0, 2)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw new BackupError(
        "STORAGE",
        `removing chunk ${id} in ${this.root} failed: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  /**
   * Removes the temporary files of interrupted chunk writes in `chunks/xx/`: at once when their
   * process is gone from this host, otherwise once they are older than `maxAgeMs`.
   */
  async removeOrphans(maxAgeMs: number): Promise<void> {
    for (const sub of await subfolders(this.root)) {
      for (const name of await readdir(join(this.root, sub)).catch(() => [])) {
        if (!name.startsWith(".") || !name.endsWith(".tmp")) continue;
        const path = join(this.root, sub, name);
        const info = await stat(path).catch(() => undefined);
        if (info && isOrphanTempFile(name, Date.now() - info.mtimeMs, maxAgeMs))
          await unlink(path).catch(() => {});
      }
    }
  }
}

/** The `xx` subfolders of `chunks/` (none when it does not exist). */
async function subfolders(root: string): Promise<string[]> {
  try {
    return (await readdir(root)).filter((name) => SUBFOLDER.test(name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
