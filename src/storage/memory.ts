/**
 * MemoryStorage: keeps backups in memory. A real implementation of the contract — useful for
 * tests, short-lived processes and as a model for custom storages.
 */
import { BackupError } from "../errors.js";
import {
  assertValidBackupName,
  assertValidChunkId,
  type BackupStorage,
  type StorageLock,
  type StorageLockOptions,
  type StorageWriteOptions,
  type StoredBackup,
  type StoredChunk,
} from "./contract.js";

/** A {@link BackupStorage} held in process memory. */
export class MemoryStorage implements BackupStorage {
  private readonly files = new Map<string, { data: Buffer; modified: Date }>();
  private readonly chunks = new Map<string, { data: Buffer; modified: Date }>();
  private index: string | undefined;
  private holder: Promise<void> | undefined;

  async write(
    name: string,
    content: AsyncIterable<Uint8Array | string>,
    options?: StorageWriteOptions,
  ): Promise<StoredBackup> {
    assertValidBackupName(name);
    if (this.files.has(name)) throw new BackupError("BACKUP_EXISTS", `backup ${name} already exists`);
    const data = await collect(name, content, options?.signal);
    // checked again: another write may have published the name meanwhile
    if (this.files.has(name)) throw new BackupError("BACKUP_EXISTS", `backup ${name} already exists`);
    const entry = { data, modified: new Date() };
    this.files.set(name, entry);
    return { name, size: entry.data.length, modified: entry.modified };
  }

  async replace(
    name: string,
    content: AsyncIterable<Uint8Array | string>,
    options?: StorageWriteOptions,
  ): Promise<StoredBackup> {
    assertValidBackupName(name);
    const data = await collect(name, content, options?.signal);
    const entry = { data, modified: new Date() };
    this.files.set(name, entry);
    return { name, size: data.length, modified: entry.modified };
  }

  async read(name: string): Promise<AsyncIterable<Uint8Array>> {
    const entry = this.files.get(name);
    if (!entry) throw new BackupError("NOT_FOUND", `backup ${name} not found in ${this.describe()}`);
    const data = entry.data;
    return (async function* () {
      const step = 1 << 16;
      for (let i = 0; i < data.length; i += step) yield data.subarray(i, i + step);
    })();
  }

  async stat(name: string): Promise<StoredBackup | undefined> {
    const entry = this.files.get(name);
    return entry ? { name, size: entry.data.length, modified: entry.modified } : undefined;
  }

  async list(): Promise<StoredBackup[]> {
    return [...this.files].map(([name, e]) => ({ name, size: e.data.length, modified: e.modified }));
  }

  async remove(name: string): Promise<void> {
    this.files.delete(name);
  }

  async putChunk(id: string, bytes: Uint8Array): Promise<boolean> {
    assertValidChunkId(id);
    if (this.chunks.has(id)) return false;
    this.chunks.set(id, { data: Buffer.from(bytes), modified: new Date() });
    return true;
  }

  async readChunk(id: string): Promise<Uint8Array> {
    assertValidChunkId(id);
    const chunk = this.chunks.get(id);
    if (!chunk) throw new BackupError("NOT_FOUND", `chunk ${id} not found in ${this.describe()}`);
    return Buffer.from(chunk.data);
  }

  async *listChunks(): AsyncGenerator<StoredChunk> {
    for (const [id, c] of [...this.chunks]) yield { id, size: c.data.length, modified: c.modified };
  }

  async removeChunk(id: string): Promise<void> {
    assertValidChunkId(id);
    this.chunks.delete(id);
  }

  describe(): string {
    return "memory storage";
  }

  async readIndex(): Promise<string | undefined> {
    return this.index;
  }

  async writeIndex(text: string): Promise<void> {
    this.index = text;
  }

  async lock(options: StorageLockOptions = {}): Promise<StorageLock> {
    const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
    let waited = false;
    while (this.holder) {
      if (!waited) {
        waited = true;
        options.onWait?.("another operation in this process");
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0)
        throw new BackupError("LOCKED", "the memory storage is locked by another operation");
      if (options.signal?.aborted)
        throw new BackupError("ABORTED", "waiting for the storage lock was aborted");
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.holder,
        new Promise((r) => (timer = setTimeout(r, Math.min(remaining, 100)))),
      ]);
      clearTimeout(timer);
    }
    let free!: () => void;
    const holder = new Promise<void>((r) => (free = r));
    this.holder = holder;
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        if (this.holder === holder) this.holder = undefined;
        free();
      },
    };
  }
}

/** The whole content of a write, or ABORTED. */
async function collect(
  name: string,
  content: AsyncIterable<Uint8Array | string>,
  signal: AbortSignal | undefined,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of content) {
    if (signal?.aborted) throw new BackupError("ABORTED", `writing ${name} was aborted`);
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk));
  }
  if (signal?.aborted) throw new BackupError("ABORTED", `writing ${name} was aborted`);
  return Buffer.concat(chunks);
}
