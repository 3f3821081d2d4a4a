/**
 * The storage contract suite can fail: storages broken in one way each are run through it (with a
 * describe/it that records instead of registering) and fail exactly the checks of what they break.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BackupError } from "../../src/errors.js";
import { collectChunks } from "../../src/storage/chunk-table.js";
import type {
  BackupStorage,
  BackupWriter,
  StorageLock,
  StorageLockOptions,
  StorageWriteOptions,
  StoredBackup,
} from "../../src/storage/contract.js";
import { FileSystemStorage } from "../../src/storage/filesystem.js";
import { MemoryStorage } from "../../src/storage/memory.js";
import {
  describeStorageContract,
  type StorageContractTarget,
  type TestFramework,
} from "../../src/testing/index.js";

interface Outcome {
  title: string;
  error?: unknown;
}

/** Runs the suite for `target` with a describe/it that collects the tests, then runs them one by one. */
async function runSuite<S extends BackupStorage>(target: StorageContractTarget<S>): Promise<Outcome[]> {
  const tests: { title: string; body: () => Promise<void> }[] = [];
  const framework: TestFramework = {
    describe: (_name, body) => body(),
    it: (title, body) => tests.push({ title, body }),
  };
  describeStorageContract(target, framework);
  const outcomes: Outcome[] = [];
  for (const { title, body } of tests) {
    try {
      await body();
      outcomes.push({ title });
    } catch (error) {
      outcomes.push({ title, error });
    }
  }
  return outcomes;
}

function failed(outcomes: Outcome[]): string[] {
  return outcomes.filter((o) => "error" in o).map((o) => o.title);
}

function messageOf(outcomes: Outcome[], title: string): string {
  const error = outcomes.find((o) => o.title === title)?.error;
  return error instanceof Error ? error.message : String(error);
}

/** Passes everything to a correct storage; the broken storages below change one thing each. */
class DelegatingStorage implements BackupStorage {
  constructor(readonly inner: BackupStorage = new MemoryStorage()) {}
  write(name: string, content: AsyncIterable<Uint8Array | string>, options?: StorageWriteOptions) {
    return this.inner.write(name, content, options);
  }
  read(name: string) {
    return this.inner.read(name);
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
    return `broken(${this.inner.describe()})`;
  }
  readIndex() {
    return this.inner.readIndex();
  }
  writeIndex(text: string) {
    return this.inner.writeIndex(text);
  }
  lock(options?: StorageLockOptions): Promise<StorageLock> {
    return this.inner.lock(options);
  }
}

/** Replaces a backup of the same name instead of refusing it. */
class OverwritingStorage extends DelegatingStorage {
  override async write(
    name: string,
    content: AsyncIterable<Uint8Array | string>,
    options?: StorageWriteOptions,
  ) {
    await this.inner.remove(name).catch(() => {});
    return this.inner.write(name, content, options);
  }
}

/** Checks the name before reading the content, not when publishing: of two writers, the last wins. */
class RacyStorage extends DelegatingStorage {
  override async write(
    name: string,
    content: AsyncIterable<Uint8Array | string>,
    options?: StorageWriteOptions,
  ) {
    if (await this.inner.stat(name)) throw new BackupError("BACKUP_EXISTS", `${name} exists`);
    const received: Buffer[] = [];
    for await (const chunk of content) received.push(Buffer.from(chunk));
    // the name is taken meanwhile by the other writer, and replaced
    await this.inner.remove(name);
    const whole = Buffer.concat(received);
    return this.inner.write(
      name,
      (async function* () {
        yield whole;
      })(),
      options,
    );
  }
}

/** Publishes what it received when the producer fails or the write is aborted. */
class NonAtomicStorage extends DelegatingStorage {
  override async write(
    name: string,
    content: AsyncIterable<Uint8Array | string>,
    options?: StorageWriteOptions,
  ) {
    const received: (Uint8Array | string)[] = [];
    const replay = async function* () {
      yield* received;
    };
    try {
      for await (const chunk of content) {
        if (options?.signal?.aborted) throw new BackupError("ABORTED", "aborted");
        received.push(chunk);
      }
    } catch (error) {
      await this.inner.write(name, replay()).catch(() => {});
      throw error;
    }
    return this.inner.write(name, replay());
  }
}

/** Drops the last chunk of every read. */
class TruncatingStorage extends DelegatingStorage {
  override async read(name: string): Promise<AsyncIterable<Uint8Array>> {
    const source = await this.inner.read(name);
    return (async function* () {
      let previous: Uint8Array | undefined;
      for await (const chunk of source) {
        if (previous) yield previous;
        previous = chunk;
      }
    })();
  }
}

/** Keeps the index as one more file, so that it is listed as a backup. */
class IndexListingStorage extends DelegatingStorage {
  override async list(): Promise<StoredBackup[]> {
    const index = await this.inner.readIndex();
    const listed = await this.inner.list();
    if (index === undefined) return listed;
    return [...listed, { name: "backup_metadata.json", size: index.length, modified: new Date() }];
  }
}

/** A lock that never excludes anyone. */
class SharedLockStorage extends DelegatingStorage {
  override async lock(): Promise<StorageLock> {
    return { release: async () => {} };
  }
}

/** Rethrows the library's errors as plain errors that only carry the code. */
class PlainErrorStorage extends DelegatingStorage {
  private static plain<T>(operation: Promise<T>): Promise<T> {
    return operation.catch((error) => {
      throw Object.assign(new Error((error as Error).message), { code: (error as { code?: string }).code });
    });
  }
  override write(name: string, content: AsyncIterable<Uint8Array | string>, options?: StorageWriteOptions) {
    return PlainErrorStorage.plain(super.write(name, content, options));
  }
  override read(name: string) {
    return PlainErrorStorage.plain(super.read(name));
  }
}

/** Throws its own copy of BackupError, as a storage bundling another copy of the library would. */
class CopiedBackupError extends Error {
  override name = "BackupError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
class CopiedErrorStorage extends DelegatingStorage {
  override write(name: string, content: AsyncIterable<Uint8Array | string>, options?: StorageWriteOptions) {
    return super.write(name, content, options).catch((error) => {
      throw new CopiedBackupError((error as BackupError).code, (error as Error).message);
    });
  }
}

/** A FileSystemStorage whose in-place writer replaces a backup of the same name on publish. */
class OverwritingWriterStorage extends DelegatingStorage {
  constructor(readonly folder: FileSystemStorage) {
    super(folder);
  }
  get directory(): string {
    return this.folder.directory;
  }
  async openWriter(): Promise<BackupWriter> {
    const writer = await this.folder.openWriter();
    return {
      append: (chunk) => writer.append(chunk),
      overwrite: (position, bytes) => writer.overwrite(position, bytes),
      publish: async (name) => {
        await this.folder.remove(name);
        return writer.publish(name);
      },
      discard: () => writer.discard(),
    };
  }
}

async function folderStorage(): Promise<FileSystemStorage> {
  return new FileSystemStorage({ directory: await mkdtemp(join(tmpdir(), "neo4j-backup-broken-")) });
}

function removeFolder(storage: { directory: string }): Promise<void> {
  return rm(storage.directory, { recursive: true, force: true });
}

const NEVER_OVERWRITES =
  "never overwrites: a taken name fails with BACKUP_EXISTS and the first content stays";
const ONE_WINS = "two writers of one name at once: exactly one wins, the other fails with BACKUP_EXISTS";
const EXACT_BYTES = "stores and returns the exact bytes, with stat and list";
const UTF8 = "stores string chunks as UTF-8";
const PRODUCER_FAILS = "a write whose producer fails publishes nothing";
const ABORTED_BEFORE = "a write aborted before it starts fails with ABORTED and publishes nothing";
const ABORTED_PART_WAY = "a write aborted part-way fails with ABORTED and publishes nothing";
const ABSENT = "absent names: read fails with NOT_FOUND, stat is undefined, remove is harmless";
const BAD_NAMES = "refuses names that are not plain .json file names, with INVALID_OPTIONS";
const INDEX = "keeps an index document that is replaced whole and never listed as a backup";
const LAYERED = "keeps compressed and encrypted backups under their names (.json.gz, .json.zst, .age)";
const LOCK = "has one lock: a second taker waits until the first releases, or times out with LOCKED";
const HAS_WRITER = "implements openWriter, as declared";
const HAS_NO_WRITER = "has no openWriter, as declared";
const WRITER_PUBLISHES = "appends, overwrites near the start, and publishes the exact bytes under a name";
const WRITER_TAKEN =
  "publishing a taken name fails with BACKUP_EXISTS, another name can follow, the first file stays";
const WRITER_DISCARD =
  "a discarded writer leaves nothing and cannot publish; overwrites past the end are refused";

const HAS_REPLACE = "implements replace, as declared";
const HAS_NO_REPLACE = "has no replace, as declared";
const REPLACES = "replace stores a new name, and replaces an existing backup with the exact new bytes";
const REPLACE_FAILS = "a replace whose producer fails, or that is aborted, leaves the old backup as it was";
const REPLACE_NEVER_NEITHER =
  "while a replace runs, readers find the old backup or the complete new one, never neither";
const REPLACE_NAMES = "replace refuses names that are not plain .json file names, with INVALID_OPTIONS";
const REPLACE_CHECKS = [REPLACES, REPLACE_FAILS, REPLACE_NEVER_NEITHER, REPLACE_NAMES];

/** "Replaces" by removing the old backup, then writing the new one: a window with neither. */
class RemoveThenWriteStorage extends DelegatingStorage {
  async replace(name: string, content: AsyncIterable<Uint8Array | string>, options?: StorageWriteOptions) {
    await this.inner.remove(name);
    return this.inner.write(name, content, options);
  }
}

const HAS_CHUNKS = "holds snapshot chunks, as declared";
const HAS_NO_CHUNKS = "holds no snapshot chunks, as declared";
const CHUNK_STORED = "putChunk stores a chunk (true) and readChunk returns its exact bytes";
const CHUNK_NEVER_REPLACED =
  "never replaces a chunk: a second put of its id resolves false and the first bytes stay";
const CHUNK_ONE_WINS =
  "two puts of one id at once: exactly one resolves true, the other false, the bytes are the winner's";
const CHUNK_LIST = "listChunks returns every chunk with its size in bytes and a Date";
const CHUNK_NOT_BACKUP =
  "chunks are never listed as backups and leave the index alone; backups are never listed as chunks";
const CHUNK_ABSENT =
  "absent chunks: readChunk fails with NOT_FOUND, removeChunk is harmless, a removed chunk is gone";
const CHUNK_IDS =
  "refuses ids that are not 64 lowercase hex digits, with INVALID_OPTIONS, and stores nothing";
const CHUNK_CHECKS = [
  CHUNK_STORED,
  CHUNK_NEVER_REPLACED,
  CHUNK_ONE_WINS,
  CHUNK_LIST,
  CHUNK_NOT_BACKUP,
  CHUNK_ABSENT,
  CHUNK_IDS,
];

/** Passes the chunk methods to a MemoryStorage too; the broken chunk storages below change one thing each. */
class DelegatingChunkStorage extends DelegatingStorage {
  constructor(readonly memory = new MemoryStorage()) {
    super(memory);
  }
  putChunk(id: string, bytes: Uint8Array) {
    return this.memory.putChunk(id, bytes);
  }
  readChunk(id: string) {
    return this.memory.readChunk(id);
  }
  listChunks() {
    return this.memory.listChunks();
  }
  removeChunk(id: string) {
    return this.memory.removeChunk(id);
  }
}

/** Replaces a chunk of a taken id. */
class ChunkReplacingStorage extends DelegatingChunkStorage {
  override async putChunk(id: string, bytes: Uint8Array) {
    await this.memory.removeChunk(id);
    return this.memory.putChunk(id, bytes);
  }
}

/** Looks for the id, then stores after a pause: of two puts of one id, both store. */
class RacyChunkStorage extends DelegatingChunkStorage {
  override async putChunk(id: string, bytes: Uint8Array) {
    const taken = await this.memory.readChunk(id).then(
      () => true,
      () => false,
    );
    if (taken) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
    await this.memory.removeChunk(id);
    return this.memory.putChunk(id, bytes);
  }
}

/** Lists its chunks as backups too. */
class ChunkListingStorage extends DelegatingChunkStorage {
  override async list(): Promise<StoredBackup[]> {
    const chunks = await collectChunks(this.memory.listChunks());
    return [
      ...(await super.list()),
      ...chunks.map((c) => ({ name: c.id, size: c.size, modified: c.modified })),
    ];
  }
}

/** Lists its chunks as one array, the way a promise of every chunk would. */
class ArrayListingStorage extends DelegatingChunkStorage {
  // @ts-expect-error: the shape the contract refuses
  override async listChunks() {
    return collectChunks(this.memory.listChunks());
  }
}

/** Takes any id, as a path would be. */
class LaxIdStorage extends DelegatingChunkStorage {
  private readonly kept = new Map<string, Uint8Array>();
  override async putChunk(id: string, bytes: Uint8Array) {
    if (/^[0-9a-f]{64}$/.test(id)) return this.memory.putChunk(id, bytes);
    this.kept.set(id, bytes);
    return true;
  }
  override async readChunk(id: string) {
    const bytes = this.kept.get(id);
    return bytes ?? this.memory.readChunk(id);
  }
}

describe("the storage contract suite fails broken chunk storages", () => {
  it("fails a storage that replaces a chunk of a taken id", async () => {
    const outcomes = await runSuite({
      name: "replacing",
      chunks: true,
      create: () => new ChunkReplacingStorage(),
    });
    expect(failed(outcomes)).toEqual([CHUNK_NEVER_REPLACED]);
    expect(messageOf(outcomes, CHUNK_NEVER_REPLACED)).toMatch(/a second putChunk\(\) of the same id/);
  });

  it("fails a storage where both of two concurrent puts of one id store it", async () => {
    const outcomes = await runSuite({
      name: "racy chunks",
      chunks: true,
      create: () => new RacyChunkStorage(),
    });
    expect(failed(outcomes)).toEqual([CHUNK_ONE_WINS]);
    expect(messageOf(outcomes, CHUNK_ONE_WINS)).toMatch(/\[true,true\]: exactly one true is expected/);
  });

  it("fails a storage that lists chunks as backups", async () => {
    const outcomes = await runSuite({
      name: "listing chunks",
      chunks: true,
      create: () => new ChunkListingStorage(),
    });
    expect(failed(outcomes)).toEqual([CHUNK_NOT_BACKUP]);
  });

  it("fails a storage whose listChunks is a promise of an array, saying what it should be", async () => {
    const outcomes = await runSuite({
      name: "array listing",
      chunks: true,
      create: () => new ArrayListingStorage() as unknown as DelegatingChunkStorage,
    });
    expect(failed(outcomes)).toEqual([
      CHUNK_NEVER_REPLACED,
      CHUNK_LIST,
      CHUNK_NOT_BACKUP,
      CHUNK_ABSENT,
      CHUNK_IDS,
    ]);
    expect(messageOf(outcomes, CHUNK_LIST)).toMatch(/returns an async iterable of chunks/);
  });

  it("fails a storage that takes ids that are not 64 lowercase hex digits", async () => {
    const outcomes = await runSuite({ name: "lax ids", chunks: true, create: () => new LaxIdStorage() });
    expect(failed(outcomes)).toEqual([CHUNK_IDS]);
    expect(messageOf(outcomes, CHUNK_IDS)).toMatch(/putChunk\("" \(empty\)\) resolved/);
  });

  it("fails when chunks are declared but missing, present but not declared, or only some are there", async () => {
    const claimed = await runSuite({
      name: "claims chunks",
      chunks: true,
      create: () => new DelegatingStorage(),
    });
    expect(failed(claimed)).toEqual([HAS_CHUNKS, ...CHUNK_CHECKS]);
    const undeclared = await runSuite({ name: "hides chunks", create: () => new DelegatingChunkStorage() });
    expect(failed(undeclared)).toEqual([HAS_NO_CHUNKS]);
    expect(messageOf(undeclared, HAS_NO_CHUNKS)).toMatch(/pass chunks: true/);
    const partial = Object.assign(new DelegatingStorage(), { putChunk: async () => true });
    const some = await runSuite({ name: "some chunk methods", create: () => partial });
    expect(messageOf(some, HAS_NO_CHUNKS)).toMatch(/has putChunk but not readChunk, listChunks, removeChunk/);
  });

  it("for a storage that does not hold chunks: only the check that it has none, no chunk check", () => {
    const registered: string[] = [];
    describeStorageContract(
      { name: "no chunks", create: () => new DelegatingStorage() },
      { describe: (_n, body) => body(), it: (title: string) => registered.push(title) },
    );
    expect(registered).toContain(HAS_NO_CHUNKS);
    expect(registered).not.toContain(CHUNK_STORED);
  });
});

describe("the storage contract suite fails broken storages", () => {
  it("fails a storage whose replace removes the old backup before the new one is complete", async () => {
    const outcomes = await runSuite({
      name: "remove, then write",
      replace: true,
      create: () => new RemoveThenWriteStorage(),
    });
    expect(failed(outcomes)).toEqual([REPLACE_FAILS, REPLACE_NEVER_NEITHER]);
    expect(messageOf(outcomes, REPLACE_NEVER_NEITHER)).toMatch(/read\(\) during replace\(\) failed/);
  });

  it("fails when replace is declared but missing", async () => {
    const outcomes = await runSuite({
      name: "claims replace",
      replace: true,
      create: () => new DelegatingStorage(),
    });
    expect(failed(outcomes)).toEqual([HAS_REPLACE, ...REPLACE_CHECKS]);
  });

  it("passes a correct storage: every check, none skipped", async () => {
    const memory = await runSuite({
      name: "memory",
      replace: true,
      chunks: true,
      create: () => new MemoryStorage(),
    });
    expect(failed(memory)).toEqual([]);
    expect(memory).toHaveLength(26);
    expect(memory.map((o) => o.title)).toEqual(expect.arrayContaining(CHUNK_CHECKS));
    const folder = await runSuite({
      name: "folder",
      openWriter: true,
      replace: true,
      chunks: true,
      create: folderStorage,
      cleanup: removeFolder,
    });
    expect(failed(folder)).toEqual([]);
    expect(folder.map((o) => o.title)).toEqual(
      expect.arrayContaining([
        WRITER_PUBLISHES,
        WRITER_TAKEN,
        WRITER_DISCARD,
        ...REPLACE_CHECKS,
        ...CHUNK_CHECKS,
      ]),
    );
    const plain = await runSuite({ name: "no replace", create: () => new DelegatingStorage() });
    expect(failed(plain)).toEqual([]);
    expect(plain.map((o) => o.title)).toContain(HAS_NO_REPLACE);
  });

  it("fails a storage that overwrites a taken name", async () => {
    const outcomes = await runSuite({ name: "overwriting", create: () => new OverwritingStorage() });
    expect(failed(outcomes)).toEqual([NEVER_OVERWRITES]);
    expect(messageOf(outcomes, NEVER_OVERWRITES)).toMatch(/write\(\) of a taken name resolved/);
  });

  it("fails a storage where the last of two concurrent writers of one name wins", async () => {
    const outcomes = await runSuite({ name: "racy", create: () => new RacyStorage() });
    expect(failed(outcomes)).toEqual([ONE_WINS]);
    expect(messageOf(outcomes, ONE_WINS)).toMatch(/2 of two concurrent writes of one name succeeded/);
  });

  it("fails a storage that publishes part of a write that failed or was aborted", async () => {
    const outcomes = await runSuite({ name: "non-atomic", create: () => new NonAtomicStorage() });
    expect(failed(outcomes)).toEqual([PRODUCER_FAILS, ABORTED_BEFORE, ABORTED_PART_WAY]);
  });

  it("fails a storage that loses bytes on read", async () => {
    const outcomes = await runSuite({ name: "truncating", create: () => new TruncatingStorage() });
    expect(failed(outcomes)).toEqual([EXACT_BYTES, UTF8, NEVER_OVERWRITES, ONE_WINS, LAYERED]);
  });

  it("fails a storage that lists its index as a backup", async () => {
    const outcomes = await runSuite({ name: "index-listing", create: () => new IndexListingStorage() });
    expect(failed(outcomes)).toEqual([INDEX]);
  });

  it("fails a storage whose lock excludes no one", async () => {
    const outcomes = await runSuite({ name: "shared lock", create: () => new SharedLockStorage() });
    expect(failed(outcomes)).toEqual([LOCK]);
    expect(messageOf(outcomes, LOCK)).toMatch(/lock\(\) of a held lock resolved/);
  });

  it("fails a storage that rejects with plain errors carrying a code instead of BackupErrors", async () => {
    const outcomes = await runSuite({ name: "plain errors", create: () => new PlainErrorStorage() });
    expect(failed(outcomes)).toEqual([
      NEVER_OVERWRITES,
      ONE_WINS,
      PRODUCER_FAILS,
      ABORTED_BEFORE,
      ABORTED_PART_WAY,
      ABSENT,
      BAD_NAMES,
    ]);
    expect(messageOf(outcomes, ABSENT)).toMatch(
      /must reject with a BackupError of code NOT_FOUND; it rejected with Error \(code NOT_FOUND\)/,
    );
  });

  it("fails a storage that throws another copy's BackupError, and says so", async () => {
    const outcomes = await runSuite({ name: "copied errors", create: () => new CopiedErrorStorage() });
    expect(failed(outcomes)).toEqual([
      NEVER_OVERWRITES,
      ONE_WINS,
      ABORTED_BEFORE,
      ABORTED_PART_WAY,
      BAD_NAMES,
    ]);
    expect(messageOf(outcomes, NEVER_OVERWRITES)).toMatch(/of another copy of neo4j-backup/);
  });

  it("fails an in-place writer that overwrites a taken name on publish", async () => {
    const outcomes = await runSuite({
      name: "overwriting writer",
      openWriter: true,
      create: async () => new OverwritingWriterStorage(await folderStorage()),
      cleanup: removeFolder,
    });
    expect(failed(outcomes)).toEqual([WRITER_TAKEN]);
  });

  it("fails when openWriter is declared but missing, or present but not declared", async () => {
    const claimed = await runSuite({
      name: "claims a writer",
      openWriter: true,
      replace: true,
      chunks: true,
      create: () => new MemoryStorage(),
    });
    expect(failed(claimed)).toEqual([HAS_WRITER, WRITER_PUBLISHES, WRITER_TAKEN, WRITER_DISCARD]);
    const undeclared = await runSuite({
      name: "hides its writer",
      replace: true,
      chunks: true,
      create: folderStorage,
      cleanup: removeFolder,
    });
    expect(failed(undeclared)).toEqual([HAS_NO_WRITER]);
    expect(messageOf(undeclared, HAS_NO_WRITER)).toMatch(/pass openWriter: true/);
  });
});
