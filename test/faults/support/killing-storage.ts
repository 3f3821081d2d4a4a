/**
 * A storage wrapper that calls `die` (which kills the process) at one chosen storage operation:
 * part-way through a write or read, or just before/after an index write or a removal.
 */
import type {
  BackupStorage,
  BackupWriter,
  StorageLock,
  StorageLockOptions,
  StorageWriteOptions,
  StoredBackup,
  StoredChunk,
} from "../../../src/storage/contract.js";

/** Where to die. `progress` is handled by the caller's onProgress; the rest here. */
export interface KillPoint {
  label: string;
  progress?: { phase: string; nodes?: number; relationships?: number };
  /**
   * Part-way through writing a backup whose name starts with `prefix`; a backup written in place
   * has no name until it is published, so there it is the first `afterBytes` of any backup.
   */
  write?: { prefix: string; afterBytes: number };
  /** A backup written in place is complete but not yet published under its name. */
  publish?: boolean;
  /** Part-way through the `nth` read (1-based) of a name starting with `prefix`. */
  read?: { prefix: string; nth: number; afterBytes: number };
  /** At the `nth` index write (1-based) or the first one whose text contains `containing`. */
  writeIndex?: { nth?: number; containing?: string; when: "before" | "after" };
  /**
   * When the operation logs `message` (e.g. that its read workers started), after `delayMs`:
   * handled by the caller's logger, like `progress`.
   */
  log?: { message: string; delayMs?: number };
  /** Just before the first removal. */
  remove?: boolean;
  /**
   * In a `replace` (the distribution backup put in place): before it starts, after `afterBytes` of
   * its content, once all of its content was handed over (written, not yet in place), or after it
   * resolved.
   */
  replace?: { when: "before" | "during" | "content-taken" | "after"; afterBytes?: number };
  /** Just before or just after the `nth` chunk put (1-based) of a snapshot. */
  putChunk?: { nth: number; when: "before" | "after" };
  /** Just before the `nth` chunk removal (1-based) of a prune. */
  removeChunk?: { nth: number };
}

export class KillingStorage implements BackupStorage {
  private indexWrites = 0;
  private chunkPuts = 0;
  private chunkRemovals = 0;
  private readonly reads = new Map<string, number>();
  /** The fault, made once: a cut healed after a moment must not be cut again by the next chunk. */
  private readonly die: () => void;
  constructor(
    private readonly inner: BackupStorage,
    private readonly point: KillPoint,
    die: () => void,
  ) {
    let done = false;
    this.die = () => {
      if (done) return;
      done = true;
      die();
    };
  }

  write(
    name: string,
    content: AsyncIterable<Uint8Array | string>,
    options?: StorageWriteOptions,
  ): Promise<StoredBackup> {
    const at = this.point.write;
    if (!at || !name.startsWith(at.prefix)) return this.inner.write(name, content, options);
    const die = this.die;
    return this.inner.write(
      name,
      (async function* () {
        let seen = 0;
        for await (const chunk of content) {
          seen += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
          yield chunk;
          if (seen >= at.afterBytes) die();
        }
      })(),
      options,
    );
  }

  async openWriter(): Promise<BackupWriter> {
    if (!this.inner.openWriter) throw new Error("the wrapped storage cannot write in place");
    const inner = await this.inner.openWriter();
    const { write: at, publish } = this.point;
    const die = this.die;
    let appended = 0;
    return {
      async append(chunk) {
        await inner.append(chunk);
        appended += chunk.length;
        if (at && appended >= at.afterBytes) die();
      },
      overwrite: (position, bytes) => inner.overwrite(position, bytes),
      publish(name) {
        if (publish) die();
        return inner.publish(name);
      },
      discard: () => inner.discard(),
    };
  }

  async replace(
    name: string,
    content: AsyncIterable<Uint8Array | string>,
    options?: StorageWriteOptions,
  ): Promise<StoredBackup> {
    if (!this.inner.replace) throw new Error("the wrapped storage cannot replace");
    const at = this.point.replace;
    if (!at) return this.inner.replace(name, content, options);
    const die = this.die;
    if (at.when === "before") die();
    const watched = (async function* () {
      let seen = 0;
      for await (const chunk of content) {
        seen += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
        yield chunk;
        if (at.when === "during" && seen >= (at.afterBytes ?? 0)) die();
      }
      // the storage asks for more and learns that this was all: it has written everything
      if (at.when === "content-taken") die();
    })();
    const stored = await this.inner.replace(name, watched, options);
    if (at.when === "after") die();
    return stored;
  }

  async read(name: string): Promise<AsyncIterable<Uint8Array>> {
    const source = await this.inner.read(name);
    const at = this.point.read;
    if (!at || !name.startsWith(at.prefix)) return source;
    const n = (this.reads.get(at.prefix) ?? 0) + 1;
    this.reads.set(at.prefix, n);
    if (n !== at.nth) return source;
    const die = this.die;
    return (async function* () {
      let seen = 0;
      for await (const chunk of source) {
        seen += chunk.length;
        if (seen >= at.afterBytes) die();
        yield chunk;
      }
    })();
  }

  async writeIndex(text: string): Promise<void> {
    const at = this.point.writeIndex;
    this.indexWrites++;
    const hit =
      at && (at.nth === this.indexWrites || (at.containing !== undefined && text.includes(at.containing)));
    if (hit && at.when === "before") this.die();
    await this.inner.writeIndex(text);
    if (hit && at.when === "after") this.die();
  }

  async remove(name: string): Promise<void> {
    if (this.point.remove) this.die();
    return this.inner.remove(name);
  }

  stat(name: string) {
    return this.inner.stat(name);
  }
  list() {
    return this.inner.list();
  }
  describe() {
    return this.inner.describe();
  }
  readIndex() {
    return this.inner.readIndex();
  }
  lock(options?: StorageLockOptions): Promise<StorageLock> {
    return this.inner.lock(options);
  }

  async putChunk(id: string, bytes: Uint8Array): Promise<boolean> {
    const at = this.point.putChunk;
    const hit = at !== undefined && ++this.chunkPuts === at.nth;
    if (hit && at.when === "before") this.die();
    const stored = await this.inner.putChunk!(id, bytes);
    if (hit && at.when === "after") this.die();
    return stored;
  }

  readChunk(id: string): Promise<Uint8Array> {
    return this.inner.readChunk!(id);
  }

  listChunks(): AsyncIterable<StoredChunk> {
    return this.inner.listChunks!();
  }

  async removeChunk(id: string): Promise<void> {
    const at = this.point.removeChunk;
    if (at !== undefined && ++this.chunkRemovals === at.nth) this.die();
    return this.inner.removeChunk!(id);
  }
}
