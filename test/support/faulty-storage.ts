/**
 * FaultyStorage: wraps a real storage and injects failures — writes that die part-way, reads that
 * fail or flip a byte part-way — so tests can prove what the library does when a disk or network
 * misbehaves. Everything not injected is passed to the wrapped storage.
 */
import type {
  BackupStorage,
  StorageLock,
  StorageLockOptions,
  StorageWriteOptions,
  StoredBackup,
} from "../../src/storage/contract.js";

/** Which failures to inject. Byte offsets count the content of one write or read. */
export interface Faults {
  /** Writes fail (with "disk full") once this many bytes were accepted. */
  failWriteAfterBytes?: number;
  /** Reads fail (with "injected read failure") after this many bytes. */
  failReadAfterBytes?: number;
  /** Reads return one byte flipped at this offset. */
  flipReadByteAt?: number;
  /** Faults on reads start with this read (1-based, counting reads of `only` or of any name); default 1. */
  fromRead?: number;
  /** Only reads/writes of this name are faulty. */
  only?: string;
  /** The index cannot be written. */
  failIndexWrites?: boolean;
}

export class FaultyStorage implements BackupStorage {
  private reads = 0;
  constructor(
    readonly inner: BackupStorage,
    public faults: Faults,
  ) {}

  private applies(name: string): boolean {
    return this.faults.only === undefined || this.faults.only === name;
  }

  async write(
    name: string,
    content: AsyncIterable<Uint8Array | string>,
    options?: StorageWriteOptions,
  ): Promise<StoredBackup> {
    const limit = this.faults.failWriteAfterBytes;
    if (limit === undefined || !this.applies(name)) return this.inner.write(name, content, options);
    return this.inner.write(
      name,
      (async function* () {
        let seen = 0;
        for await (const chunk of content) {
          const bytes = typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk);
          if (seen + bytes.length > limit) {
            if (limit > seen) yield bytes.subarray(0, limit - seen);
            throw new Error("disk full (injected write failure)");
          }
          seen += bytes.length;
          yield bytes;
        }
      })(),
      options,
    );
  }

  async read(name: string): Promise<AsyncIterable<Uint8Array>> {
    const source = await this.inner.read(name);
    if (!this.applies(name) || ++this.reads < (this.faults.fromRead ?? 1)) return source;
    const { failReadAfterBytes: failAt, flipReadByteAt: flipAt } = this.faults;
    if (failAt === undefined && flipAt === undefined) return source;
    return (async function* () {
      let offset = 0;
      for await (const chunk of source) {
        let bytes = Buffer.from(chunk);
        if (failAt !== undefined && offset + bytes.length > failAt) {
          if (failAt > offset) yield bytes.subarray(0, failAt - offset);
          throw new Error("injected read failure");
        }
        if (flipAt !== undefined && flipAt >= offset && flipAt < offset + bytes.length) {
          bytes = Buffer.from(bytes);
          bytes[flipAt - offset] = bytes[flipAt - offset]! ^ 0x01;
        }
        offset += bytes.length;
        yield bytes;
      }
    })();
  }

  stat(name: string) {
    return this.inner.stat(name);
  }
  list() {
    return this.inner.list();
  }
  remove(name: string) {
    return this.inner.remove(name);
  }
  describe() {
    return `faulty(${this.inner.describe()})`;
  }
  readIndex() {
    return this.inner.readIndex();
  }
  async writeIndex(text: string) {
    if (this.faults.failIndexWrites) throw new Error("disk full (injected index write failure)");
    return this.inner.writeIndex(text);
  }
  lock(options?: StorageLockOptions): Promise<StorageLock> {
    return this.inner.lock(options);
  }
}
