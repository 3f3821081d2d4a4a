/**
 * The storage contract suite: the checks every {@link BackupStorage} must pass — the built-in ones
 * and anyone's own. It registers its tests through the caller's `describe` and `it`, and asserts
 * with `node:assert/strict`, so it runs under any test framework.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  type BackupStorage,
  type ChunkStorage,
  holdsChunks,
  type StorageLock,
  type StoredChunk,
} from "neo4j-backup";
import { assertRejects, assertRejectsWithCode } from "./assertions.js";
import { chunksOf, failingAfter, readStored, SAMPLE_CONTENT } from "./sample-content.js";

/** The storage under test. */
export interface StorageContractTarget<S extends BackupStorage = BackupStorage> {
  /** Names the storage in the suite's title. */
  name: string;
  /** Returns a new, empty storage; called once for every test. */
  create: () => S | Promise<S>;
  /** Called after every test, passed or failed, with what `create` returned (e.g. to remove its folder). */
  cleanup?: (storage: S) => void | Promise<void>;
  /**
   * Whether the storage implements the optional `openWriter`; default false. Its checks run only when
   * true, and the suite fails when this does not match the storage.
   */
  openWriter?: boolean;
  /**
   * Whether the storage implements the optional `replace`; default false. Its checks run only when
   * true, and the suite fails when this does not match the storage.
   */
  replace?: boolean;
  /**
   * Whether the storage holds the chunks of snapshots (implements `putChunk`, `readChunk`,
   * `listChunks` and `removeChunk`); default false. Their checks run only when true, and the suite
   * fails when this does not match the storage.
   */
  chunks?: boolean;
}

/**
 * The `describe` and `it` of the caller's test framework (vitest, jest, mocha and node:test export
 * both). Test bodies take no arguments and return a promise.
 */
export interface TestFramework {
  describe(name: string, body: () => void): unknown;
  /** Registers a test. */
  it: (name: string, body: () => Promise<void>) => unknown;
}

/** One check of the contract: a behaviour and the test of it against a fresh storage. */
interface Check {
  title: string;
  run(storage: BackupStorage): Promise<void>;
}

const NAME = "b_20250128_143022.json";
const OTHER_NAME = "other_20250128_143022.json";

/**
 * Registers the storage contract suite for one storage: a `describe` block named after it, with one
 * `it` per behaviour (see docs/storage.md for the list).
 *
 * @example
 * ```ts
 * import { describe, it } from "vitest"; // or node:test, jest, mocha
 * import { describeStorageContract } from "neo4j-backup/testing";
 *
 * describeStorageContract({ name: "S3Storage", create: () => new S3Storage(testBucket()) }, { describe, it });
 * ```
 */
export function describeStorageContract<S extends BackupStorage>(
  target: StorageContractTarget<S>,
  framework: TestFramework,
): void {
  const { describe, it } = framework;
  const register = (check: Check) => it(check.title, () => runCheck(target, check));
  describe(`storage contract: ${target.name}`, () => {
    for (const check of storageChecks) register(check);
    register(openWriterDeclaration(target.openWriter ?? false));
    if (target.openWriter) describe("openWriter", () => writerChecks.forEach(register));
    register(replaceDeclaration(target.replace ?? false));
    if (target.replace) describe("replace", () => replaceChecks.forEach(register));
    register(chunksDeclaration(target.chunks ?? false));
    if (target.chunks) describe("snapshot chunks", () => chunkChecks.forEach(register));
  });
}

async function runCheck<S extends BackupStorage>(target: StorageContractTarget<S>, check: Check) {
  const storage = await target.create();
  try {
    await check.run(storage);
  } finally {
    await target.cleanup?.(storage);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects with `message` when `promise` has not settled within `ms` (so a hung storage fails, not hangs). */
async function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new assert.AssertionError({ message })), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function assertNothingStored(storage: BackupStorage, after: string): Promise<void> {
  assert.equal(await storage.stat(NAME), undefined, `stat() found ${NAME} after ${after}`);
  assert.deepEqual(await storage.list(), [], `list() is not empty after ${after}`);
}

const storageChecks: Check[] = [
  {
    title: "stores and returns the exact bytes, with stat and list",
    async run(storage) {
      const stored = await storage.write(NAME, chunksOf(SAMPLE_CONTENT, 1000));
      assert.equal(stored.name, NAME, "write() returns the name");
      assert.equal(stored.size, SAMPLE_CONTENT.length, "write() returns the size in bytes");
      assert.ok(stored.modified instanceof Date, "write() returns modified as a Date");
      assert.ok(SAMPLE_CONTENT.equals(await readStored(storage, NAME)), "read() returns other bytes");
      const info = await storage.stat(NAME);
      assert.equal(info?.name, NAME, "stat() returns the name");
      assert.equal(info?.size, SAMPLE_CONTENT.length, "stat() returns the size in bytes");
      assert.ok(info?.modified instanceof Date, "stat() returns modified as a Date");
      const listed = (await storage.list()).map(({ name, size }) => ({ name, size }));
      assert.deepEqual(listed, [{ name: NAME, size: SAMPLE_CONTENT.length }], "list() returns the backup");
    },
  },
  {
    title: "stores string chunks as UTF-8",
    async run(storage) {
      const parts = ['{"name":', '"Grüße aus 東京 𝄞"', "}\n"];
      await storage.write(
        NAME,
        (async function* () {
          yield* parts;
        })(),
      );
      assert.equal((await readStored(storage, NAME)).toString("utf8"), parts.join(""));
    },
  },
  {
    title: "never overwrites: a taken name fails with BACKUP_EXISTS and the first content stays",
    async run(storage) {
      await storage.write(NAME, chunksOf(SAMPLE_CONTENT, 4096));
      await assertRejectsWithCode(
        storage.write(NAME, chunksOf("other content", 4)),
        "BACKUP_EXISTS",
        "write() of a taken name",
      );
      assert.ok(SAMPLE_CONTENT.equals(await readStored(storage, NAME)), "the first content was changed");
    },
  },
  {
    title: "two writers of one name at once: exactly one wins, the other fails with BACKUP_EXISTS",
    async run(storage) {
      const other = Buffer.from(SAMPLE_CONTENT.toString("utf8").toUpperCase(), "utf8");
      const results = await Promise.allSettled([
        storage.write(NAME, chunksOf(SAMPLE_CONTENT, 512)),
        storage.write(NAME, chunksOf(other, 700)),
      ]);
      const won = results.filter((r) => r.status === "fulfilled");
      assert.equal(won.length, 1, `${won.length} of two concurrent writes of one name succeeded`);
      const lost = results.find((r) => r.status === "rejected")!;
      await assertRejectsWithCode(Promise.reject(lost.reason), "BACKUP_EXISTS", "the losing write()");
      const winner = results[0]!.status === "fulfilled" ? SAMPLE_CONTENT : other;
      assert.ok(winner.equals(await readStored(storage, NAME)), "the stored bytes are not the winner's");
    },
  },
  {
    title: "a write whose producer fails publishes nothing",
    async run(storage) {
      await assertRejects(
        storage.write(NAME, failingAfter(SAMPLE_CONTENT, 5000)),
        "write() of a failing producer",
      );
      await assertNothingStored(storage, "a failed write");
      await assertRejectsWithCode(storage.read(NAME), "NOT_FOUND", "read() after a failed write");
    },
  },
  {
    title: "a write aborted before it starts fails with ABORTED and publishes nothing",
    async run(storage) {
      const controller = new AbortController();
      controller.abort();
      const write = storage.write(NAME, chunksOf(SAMPLE_CONTENT, 1000), { signal: controller.signal });
      await assertRejectsWithCode(write, "ABORTED", "write() with an aborted signal");
      await assertNothingStored(storage, "an aborted write");
    },
  },
  {
    title: "a write aborted part-way fails with ABORTED and publishes nothing",
    async run(storage) {
      const controller = new AbortController();
      async function* abortingPartWay() {
        yield SAMPLE_CONTENT.subarray(0, 1000);
        controller.abort();
        yield* chunksOf(SAMPLE_CONTENT.subarray(1000), 1000);
      }
      const write = storage.write(NAME, abortingPartWay(), { signal: controller.signal });
      await assertRejectsWithCode(write, "ABORTED", "write() aborted part-way");
      await assertNothingStored(storage, "an aborted write");
    },
  },
  {
    title: "absent names: read fails with NOT_FOUND, stat is undefined, remove is harmless",
    async run(storage) {
      await assertRejectsWithCode(storage.read(NAME), "NOT_FOUND", "read() of an absent name");
      assert.equal(await storage.stat(NAME), undefined, "stat() of an absent name");
      await storage.remove(NAME);
      await storage.write(NAME, chunksOf(SAMPLE_CONTENT, 4096));
      await storage.remove(NAME);
      await assertNothingStored(storage, "remove()");
      await assertRejectsWithCode(storage.read(NAME), "NOT_FOUND", "read() of a removed backup");
    },
  },
  {
    title: "refuses names that are not plain .json file names, with INVALID_OPTIONS",
    async run(storage) {
      for (const bad of ["../x.json", ".hidden.json", "a/b.json", "a\\b.json", "x.txt", ""]) {
        const write = storage.write(bad, chunksOf(SAMPLE_CONTENT, 4096));
        await assertRejectsWithCode(write, "INVALID_OPTIONS", `write() of ${JSON.stringify(bad)}`);
      }
      assert.deepEqual(await storage.list(), [], "list() is not empty after refused writes");
    },
  },
  {
    title: "keeps compressed and encrypted backups under their names (.json.gz, .json.zst, .age)",
    async run(storage) {
      const names = [
        "c_20250128_143022.json.gz",
        "c_20250128_143023.json.zst",
        "c_20250128_143024.json.zst.age",
      ];
      for (const name of names) await storage.write(name, chunksOf(SAMPLE_CONTENT, 4096));
      const listed = (await storage.list()).map((b) => b.name).sort();
      assert.deepEqual(listed, [...names].sort(), "list() of compressed and encrypted backups");
      assert.ok((await readStored(storage, names[2]!)).equals(SAMPLE_CONTENT), "read() returns the bytes");
    },
  },
  {
    title: "keeps an index document that is replaced whole and never listed as a backup",
    async run(storage) {
      assert.equal(await storage.readIndex(), undefined, "readIndex() of a new storage");
      await storage.writeIndex('{"a":1}');
      await storage.writeIndex('{"a":2}');
      assert.equal(await storage.readIndex(), '{"a":2}', "readIndex() returns the last text written");
      assert.deepEqual(await storage.list(), [], "list() returns the index as a backup");
      await storage.write(NAME, chunksOf(SAMPLE_CONTENT, 4096));
      const listed = (await storage.list()).map((b) => b.name);
      assert.deepEqual(listed, [NAME], "list() beside an index");
    },
  },
  {
    title: "has one lock: a second taker waits until the first releases, or times out with LOCKED",
    async run(storage) {
      const held: StorageLock[] = [];
      try {
        const first = await storage.lock();
        held.push(first);
        await assertRejectsWithCode(storage.lock({ timeoutMs: 100 }), "LOCKED", "lock() of a held lock");
        let secondHeld = false;
        const waits: { holder: string; whileHeld: boolean }[] = [];
        const second = storage.lock({ onWait: (holder) => waits.push({ holder, whileHeld: secondHeld }) });
        second.then(
          (lock) => {
            secondHeld = true;
            held.push(lock);
          },
          () => {},
        );
        await delay(200);
        assert.equal(secondHeld, false, "a second lock() was granted while the first was held");
        await first.release();
        await first.release(); // releasing twice is harmless
        const secondLock = await within(
          second,
          10_000,
          "a waiting lock() was not granted within 10 s of the release",
        );
        assert.equal(waits.length, 1, `onWait was called ${waits.length} times; once is expected`);
        assert.equal(waits[0]!.whileHeld, false, "onWait was called after the lock was granted");
        assert.equal(typeof waits[0]!.holder, "string", "onWait receives a description of the holder");
        assert.notEqual(waits[0]!.holder, "", "onWait receives a description of the holder");
        await secondLock.release();
        held.push(await storage.lock({ timeoutMs: 10_000 })); // a released lock can be taken again
      } finally {
        for (const lock of held) await lock.release();
      }
    },
  },
];

function openWriterDeclaration(declared: boolean): Check {
  return {
    title: declared ? "implements openWriter, as declared" : "has no openWriter, as declared",
    async run(storage) {
      const has = typeof storage.openWriter === "function";
      assert.equal(
        has,
        declared,
        has
          ? "the storage implements openWriter: pass openWriter: true so that its checks run"
          : "openWriter: true was passed, but the storage does not implement openWriter",
      );
    },
  };
}

/** How many bytes the in-place checks reserve at the start and fill in last, as createBackup does. */
const HEAD = 64;

const writerChecks: Check[] = [
  {
    title: "appends, overwrites near the start, and publishes the exact bytes under a name",
    async run(storage) {
      const writer = await storage.openWriter!();
      try {
        await writer.append(Buffer.alloc(HEAD, " "));
        for await (const chunk of chunksOf(SAMPLE_CONTENT.subarray(HEAD), 4096)) await writer.append(chunk);
        await writer.overwrite(0, SAMPLE_CONTENT.subarray(0, HEAD));
        await assertNothingStored(storage, "appending to an unpublished writer");
        const stored = await writer.publish(NAME);
        assert.equal(stored.name, NAME, "publish() returns the name");
        assert.equal(stored.size, SAMPLE_CONTENT.length, "publish() returns the size in bytes");
        assert.ok(SAMPLE_CONTENT.equals(await readStored(storage, NAME)), "read() returns other bytes");
        await writer.discard();
        assert.ok(
          SAMPLE_CONTENT.equals(await readStored(storage, NAME)),
          "discard() after publish() changed it",
        );
      } finally {
        await writer.discard();
      }
    },
  },
  {
    title: "publishing a taken name fails with BACKUP_EXISTS, another name can follow, the first file stays",
    async run(storage) {
      await storage.write(NAME, chunksOf("first", 4096));
      const writer = await storage.openWriter!();
      try {
        await writer.append(Buffer.from("second"));
        await assertRejectsWithCode(writer.publish(NAME), "BACKUP_EXISTS", "publish() of a taken name");
        await writer.publish(OTHER_NAME);
        assert.equal((await readStored(storage, NAME)).toString(), "first", "the taken name was changed");
        assert.equal((await readStored(storage, OTHER_NAME)).toString(), "second", "the other name");
      } finally {
        await writer.discard();
      }
    },
  },
  {
    title: "a discarded writer leaves nothing and cannot publish; overwrites past the end are refused",
    async run(storage) {
      const writer = await storage.openWriter!();
      try {
        await writer.append(Buffer.from("abc"));
        await assertRejects(writer.overwrite(2, Buffer.from("xy")), "overwrite() past the appended bytes");
        await writer.discard();
        await writer.discard(); // discarding twice is harmless
        await assertNothingStored(storage, "discard()");
        await assertRejects(writer.publish(NAME), "publish() after discard()");
        await assertNothingStored(storage, "publish() after discard()");
      } finally {
        await writer.discard();
      }
    },
  },
];

function replaceDeclaration(declared: boolean): Check {
  return {
    title: declared ? "implements replace, as declared" : "has no replace, as declared",
    async run(storage) {
      const has = typeof storage.replace === "function";
      assert.equal(
        has,
        declared,
        has
          ? "the storage implements replace: pass replace: true so that its checks run"
          : "replace: true was passed, but the storage does not implement replace",
      );
    },
  };
}

/** The sample content in upper case: the same size, other bytes. */
const REPLACEMENT = Buffer.from(SAMPLE_CONTENT.toString("utf8").toUpperCase(), "utf8");

const replaceChecks: Check[] = [
  {
    title: "replace stores a new name, and replaces an existing backup with the exact new bytes",
    async run(storage) {
      const first = await storage.replace!(NAME, chunksOf(SAMPLE_CONTENT, 1000));
      assert.equal(first.size, SAMPLE_CONTENT.length, "replace() returns the size in bytes");
      assert.ok(
        SAMPLE_CONTENT.equals(await readStored(storage, NAME)),
        "read() after replace() of a new name",
      );
      const second = await storage.replace!(NAME, chunksOf(REPLACEMENT, 777));
      assert.equal(second.name, NAME, "replace() returns the name");
      assert.ok(REPLACEMENT.equals(await readStored(storage, NAME)), "read() returns the old bytes");
      const listed = (await storage.list()).map(({ name, size }) => ({ name, size }));
      assert.deepEqual(listed, [{ name: NAME, size: REPLACEMENT.length }], "list() after replace()");
    },
  },
  {
    title: "a replace whose producer fails, or that is aborted, leaves the old backup as it was",
    async run(storage) {
      await storage.write(NAME, chunksOf(SAMPLE_CONTENT, 4096));
      await assertRejects(
        storage.replace!(NAME, failingAfter(REPLACEMENT, 5000)),
        "replace() of a failing producer",
      );
      assert.ok(
        SAMPLE_CONTENT.equals(await readStored(storage, NAME)),
        "a failed replace() changed the backup",
      );
      const controller = new AbortController();
      async function* abortingPartWay() {
        yield REPLACEMENT.subarray(0, 1000);
        controller.abort();
        yield* chunksOf(REPLACEMENT.subarray(1000), 1000);
      }
      const aborted = storage.replace!(NAME, abortingPartWay(), { signal: controller.signal });
      await assertRejectsWithCode(aborted, "ABORTED", "replace() aborted part-way");
      assert.ok(
        SAMPLE_CONTENT.equals(await readStored(storage, NAME)),
        "an aborted replace() changed the backup",
      );
      const listed = (await storage.list()).map((b) => b.name);
      assert.deepEqual(listed, [NAME], "list() after a failed and an aborted replace()");
    },
  },
  {
    title: "while a replace runs, readers find the old backup or the complete new one, never neither",
    async run(storage) {
      await storage.write(NAME, chunksOf(SAMPLE_CONTENT, 4096));
      let producing = true;
      async function* slowly() {
        for await (const chunk of chunksOf(REPLACEMENT, 8192)) {
          await delay(5);
          yield chunk;
        }
        producing = false;
      }
      const replacing = storage.replace!(NAME, slowly());
      let reads = 0;
      while (producing) {
        const seen = await readStored(storage, NAME).catch((error: unknown) => error);
        assert.ok(Buffer.isBuffer(seen), `read() during replace() failed: ${String(seen)}`);
        assert.ok(
          seen.equals(SAMPLE_CONTENT) || seen.equals(REPLACEMENT),
          "read() during replace() returned neither the old nor the new bytes",
        );
        reads++;
        await delay(1);
      }
      await replacing;
      assert.ok(reads > 0, "no read overlapped the replace");
      assert.ok(REPLACEMENT.equals(await readStored(storage, NAME)), "read() after replace()");
    },
  },
  {
    title: "replace refuses names that are not plain .json file names, with INVALID_OPTIONS",
    async run(storage) {
      for (const bad of ["../x.json", ".hidden.json", "a/b.json", "x.txt"]) {
        const replace = storage.replace!(bad, chunksOf(SAMPLE_CONTENT, 4096));
        await assertRejectsWithCode(replace, "INVALID_OPTIONS", `replace() of ${JSON.stringify(bad)}`);
      }
      assert.deepEqual(await storage.list(), [], "list() is not empty after refused replaces");
    },
  },
];

const CHUNK_METHODS = ["putChunk", "readChunk", "listChunks", "removeChunk"] as const;

/** Every chunk `listChunks()` yields; fails saying what is expected when it is no async iterable. */
async function listedChunks(s: ChunkStorage): Promise<StoredChunk[]> {
  const listing: unknown = s.listChunks();
  assert.ok(
    typeof (listing as Partial<AsyncIterable<StoredChunk>> | null)?.[Symbol.asyncIterator] === "function",
    "listChunks() returns an async iterable of chunks (an async generator, say), not a promise of an array",
  );
  const out: StoredChunk[] = [];
  for await (const chunk of listing as AsyncIterable<StoredChunk>) out.push(chunk);
  return out;
}

function chunksDeclaration(declared: boolean): Check {
  return {
    title: declared ? "holds snapshot chunks, as declared" : "holds no snapshot chunks, as declared",
    async run(storage) {
      const present = CHUNK_METHODS.filter((m) => typeof storage[m] === "function");
      const missing = CHUNK_METHODS.filter((m) => typeof storage[m] !== "function");
      if (declared) {
        assert.deepEqual(missing, [], `chunks: true was passed, but the storage lacks ${missing.join(", ")}`);
      } else {
        assert.deepEqual(
          present,
          [],
          missing.length === 0
            ? "the storage holds snapshot chunks: pass chunks: true so that their checks run"
            : `the storage has ${present.join(", ")} but not ${missing.join(", ")}: a storage holds snapshots with all four or none`,
        );
      }
    },
  };
}

/** A chunk as snapshots make them: its id is the SHA-256 of its bytes. */
function chunk(text: string, repeat = 1): { id: string; bytes: Buffer } {
  const bytes = Buffer.from(text.repeat(repeat));
  return { id: createHash("sha256").update(bytes).digest("hex"), bytes };
}

/** Bytes of every value, 0 to 255, as a binary chunk's are. */
const BINARY = Buffer.from(Array.from({ length: 256 * 400 }, (_, i) => (i * 7 + (i >> 8)) % 256));
const BINARY_ID = createHash("sha256").update(BINARY).digest("hex");

/** Ids the contract refuses, each with what it is. */
const BAD_CHUNK_IDS: [string, string][] = [
  ["", "empty"],
  ["abc", "too short"],
  ["A".repeat(64), "upper case"],
  ["a".repeat(63), "63 digits"],
  ["a".repeat(65), "65 digits"],
  [`../${"a".repeat(61)}`, "a path"],
  [`ab/${"c".repeat(61)}`, "a path"],
  [`${"g".repeat(64)}`, "not hex"],
  [`.${"a".repeat(63)}`, "hidden"],
];

async function readChunkOf(storage: ChunkStorage, id: string): Promise<Buffer> {
  return Buffer.from(await storage.readChunk(id));
}

function chunkStorage(storage: BackupStorage): ChunkStorage {
  assert.ok(holdsChunks(storage), "the storage does not hold snapshot chunks");
  return storage;
}

const chunkChecks: Check[] = [
  {
    title: "putChunk stores a chunk (true) and readChunk returns its exact bytes",
    async run(storage) {
      const s = chunkStorage(storage);
      const small = chunk("x");
      assert.equal(await s.putChunk(BINARY_ID, BINARY), true, "putChunk() of a new id resolves true");
      assert.equal(await s.putChunk(small.id, small.bytes), true, "putChunk() of a new id resolves true");
      assert.ok(BINARY.equals(await readChunkOf(s, BINARY_ID)), "readChunk() returns other bytes");
      assert.ok(small.bytes.equals(await readChunkOf(s, small.id)), "readChunk() of a one-byte chunk");
    },
  },
  {
    title: "never replaces a chunk: a second put of its id resolves false and the first bytes stay",
    async run(storage) {
      const s = chunkStorage(storage);
      const { id, bytes } = chunk("first chunk ", 100);
      assert.equal(await s.putChunk(id, bytes), true, "the first putChunk()");
      assert.equal(await s.putChunk(id, bytes), false, "a second putChunk() of the same id and bytes");
      const other = Buffer.from("other bytes under the same id");
      assert.equal(await s.putChunk(id, other), false, "a second putChunk() of the same id, other bytes");
      assert.ok(bytes.equals(await readChunkOf(s, id)), "the first bytes were replaced");
      assert.equal((await listedChunks(s)).length, 1, "listChunks() after puts of one id");
    },
  },
  {
    title:
      "two puts of one id at once: exactly one resolves true, the other false, the bytes are the winner's",
    async run(storage) {
      const s = chunkStorage(storage);
      const id = BINARY_ID;
      const other = Buffer.from(BINARY).reverse();
      const results = await Promise.all([s.putChunk(id, BINARY), s.putChunk(id, other)]);
      assert.equal(
        results.filter((r) => r === true).length,
        1,
        `putChunk() results ${JSON.stringify(results)}: exactly one true is expected`,
      );
      assert.ok(results.includes(false), `putChunk() results ${JSON.stringify(results)}`);
      const winner = results[0] ? BINARY : other;
      assert.ok(winner.equals(await readChunkOf(s, id)), "the stored bytes are not the winner's");
    },
  },
  {
    title: "listChunks returns every chunk with its size in bytes and a Date",
    async run(storage) {
      const s = chunkStorage(storage);
      assert.deepEqual(await listedChunks(s), [], "listChunks() of a new storage");
      const chunks = [chunk("a"), chunk("bb", 1000), chunk("ccc", 20_000)];
      for (const c of chunks) await s.putChunk(c.id, c.bytes);
      const listed = await listedChunks(s);
      assert.deepEqual(
        listed.map(({ id, size }) => ({ id, size })).sort((a, b) => a.id.localeCompare(b.id)),
        chunks.map(({ id, bytes }) => ({ id, size: bytes.length })).sort((a, b) => a.id.localeCompare(b.id)),
        "listChunks() returns the ids and sizes",
      );
      for (const c of listed)
        assert.ok(c.modified instanceof Date, "listChunks() returns modified as a Date");
    },
  },
  {
    title: "chunks are never listed as backups and leave the index alone; backups are never listed as chunks",
    async run(storage) {
      const s = chunkStorage(storage);
      const { id, bytes } = chunk("a chunk beside backups");
      await s.putChunk(id, bytes);
      assert.deepEqual(await s.list(), [], "list() returns a chunk as a backup");
      assert.equal(await s.readIndex(), undefined, "readIndex() after putChunk()");
      await s.write(NAME, chunksOf(SAMPLE_CONTENT, 4096));
      await s.write("s_20250128_143022.snapshot", chunksOf(`{"chunks":["${id}"]}`, 4096));
      await s.writeIndex('{"a":1}');
      const listed = (await s.list()).map((b) => b.name).sort();
      assert.deepEqual(listed, [NAME, "s_20250128_143022.snapshot"], "list() beside chunks");
      assert.equal(await s.readIndex(), '{"a":1}', "readIndex() beside chunks");
      const chunks = (await listedChunks(s)).map((c) => c.id);
      assert.deepEqual(chunks, [id], "listChunks() beside backups and an index");
    },
  },
  {
    title: "absent chunks: readChunk fails with NOT_FOUND, removeChunk is harmless, a removed chunk is gone",
    async run(storage) {
      const s = chunkStorage(storage);
      const { id, bytes } = chunk("to be removed");
      await assertRejectsWithCode(s.readChunk(id), "NOT_FOUND", "readChunk() of an absent id");
      await s.removeChunk(id);
      await s.putChunk(id, bytes);
      const kept = chunk("kept");
      await s.putChunk(kept.id, kept.bytes);
      await s.removeChunk(id);
      await assertRejectsWithCode(s.readChunk(id), "NOT_FOUND", "readChunk() of a removed chunk");
      assert.deepEqual(
        (await listedChunks(s)).map((c) => c.id),
        [kept.id],
        "listChunks() after removeChunk()",
      );
      await s.removeChunk(id);
      assert.equal(await s.putChunk(id, bytes), true, "putChunk() of a removed id stores it again");
      assert.ok(bytes.equals(await readChunkOf(s, id)), "readChunk() of a chunk stored again");
    },
  },
  {
    title: "refuses ids that are not 64 lowercase hex digits, with INVALID_OPTIONS, and stores nothing",
    async run(storage) {
      const s = chunkStorage(storage);
      for (const [bad, what] of BAD_CHUNK_IDS) {
        const label = `${JSON.stringify(bad)} (${what})`;
        await assertRejectsWithCode(
          s.putChunk(bad, Buffer.from("x")),
          "INVALID_OPTIONS",
          `putChunk(${label})`,
        );
        await assertRejectsWithCode(s.readChunk(bad), "INVALID_OPTIONS", `readChunk(${label})`);
        await assertRejectsWithCode(s.removeChunk(bad), "INVALID_OPTIONS", `removeChunk(${label})`);
      }
      assert.deepEqual(await listedChunks(s), [], "listChunks() after refused ids");
      assert.deepEqual(await s.list(), [], "list() after refused ids");
    },
  },
];
