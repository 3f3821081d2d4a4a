/**
 * pruneChunks and checkSnapshots on a MemoryStorage holding real snapshots (written by the
 * snapshot output createBackup uses, from documents built in memory): prune removes exactly the
 * chunks no snapshot references and leaves every snapshot readable; it removes nothing when a
 * manifest cannot be read; check names every snapshot a missing or damaged chunk breaks.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { openBackupBytes } from "../../src/codec/open.js";
import { BackupError } from "../../src/errors.js";
import type { SnapshotManifest } from "../../src/format/snapshot-manifest.js";
import { pruneChunks } from "../../src/operations/prune.js";
import { collectChunks } from "../../src/storage/chunk-table.js";
import type { StoredBackup } from "../../src/storage/contract.js";
import { MemoryStorage } from "../../src/storage/memory.js";
import { checkSnapshots } from "../../src/validate/check-snapshots.js";
import { validateBackup } from "../../src/validate/validate-backup.js";
import { manyNodes, writeSnapshot } from "../support/snapshots.js";

const A = "neo4j_backup_20250101_000001.snapshot";
const B = "neo4j_backup_20250102_000001.snapshot";
const C = "neo4j_backup_20250103_000001.snapshot";

const idsOf = (m: SnapshotManifest) => new Set(m.chunks.map((c) => c[0]));
const minus = (a: Set<string>, ...others: Set<string>[]) =>
  new Set([...a].filter((id) => !others.some((o) => o.has(id))));
const stored = async (s: MemoryStorage) => new Set((await collectChunks(s.listChunks())).map((c) => c.id));

async function bytesOf(storage: MemoryStorage, name: string, identities?: string[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of await openBackupBytes(storage, name, identities ? { identities } : {}))
    parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

async function manifestBytes(storage: MemoryStorage, name: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of await storage.read(name)) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

async function expectValid(storage: MemoryStorage, name: string): Promise<void> {
  await bytesOf(storage, name);
  const report = await validateBackup({ storage, name });
  expect(report.valid, `${name}: ${JSON.stringify(report.problems)}`).toBe(true);
}

/** Three snapshots: A, then B and C each with one record changed (they share most chunks with A). */
async function threeSnapshots(storage = new MemoryStorage()) {
  const a = await writeSnapshot(storage, A, manyNodes(400));
  const b = await writeSnapshot(
    storage,
    B,
    manyNodes(400, (id) => (id === 200 ? "changed in B" : undefined)),
  );
  const c = await writeSnapshot(
    storage,
    C,
    manyNodes(400, (id) => (id === 20 ? "changed in C" : undefined)),
  );
  return { storage, a, b, c };
}

/** A MemoryStorage that runs `onList` when `list()` is called for the `at`-th time. */
class HookedStorage extends MemoryStorage {
  lists = 0;
  constructor(
    private readonly at: number,
    private readonly onList: (s: MemoryStorage) => Promise<void>,
  ) {
    super();
  }
  override async list(): Promise<StoredBackup[]> {
    if (++this.lists === this.at) await this.onList(this);
    return super.list();
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe("pruneChunks", () => {
  it("removes exactly the chunks of a removed snapshot that no other snapshot shares; every other snapshot still reads and validates", async () => {
    const { storage, a, b, c } = await threeSnapshots();
    const onlyA = minus(idsOf(a), idsOf(b), idsOf(c));
    expect(onlyA.size).toBeGreaterThan(0);
    expect(idsOf(a).size - onlyA.size, "A shares chunks with B and C").toBeGreaterThan(10);
    const before = await collectChunks(storage.listChunks());
    await storage.remove(A);

    const result = await pruneChunks({ storage, graceMs: 0 });

    expect(await stored(storage)).toEqual(new Set([...idsOf(b), ...idsOf(c)]));
    const bytes = (ids: Set<string>) =>
      before.filter((x) => ids.has(x.id)).reduce((sum, x) => sum + x.size, 0);
    expect(result).toEqual({
      snapshots: 2,
      referencedChunks: new Set([...idsOf(b), ...idsOf(c)]).size,
      missingChunks: 0,
      removedChunks: onlyA.size,
      removedBytes: bytes(onlyA),
      keptChunks: before.length - onlyA.size,
      keptBytes: bytes(minus(new Set(before.map((x) => x.id)), onlyA)),
      unreferencedYoung: 0,
      dryRun: false,
    });
    await expectValid(storage, B);
    await expectValid(storage, C);
    expect((await checkSnapshots({ storage, readData: true })).ok).toBe(true);
  });

  it("a dry run removes nothing and reports the numbers of the real run", async () => {
    const { storage } = await threeSnapshots();
    await storage.remove(B);
    const before = await stored(storage);
    const dry = await pruneChunks({ storage, graceMs: 0, dryRun: true });
    expect(await stored(storage)).toEqual(before);
    expect(dry.removedChunks).toBeGreaterThan(0);
    const real = await pruneChunks({ storage, graceMs: 0 });
    expect(dry).toEqual({ ...real, dryRun: true });
    expect((await stored(storage)).size).toBe(before.size - real.removedChunks);
  });

  it("keeps unreferenced chunks younger than the grace period (default one hour), removes them once older", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { storage, a, b, c } = await threeSnapshots();
    await storage.remove(A);
    const orphans = minus(idsOf(a), idsOf(b), idsOf(c));
    const young = await pruneChunks({ storage });
    expect(young).toMatchObject({ removedChunks: 0, unreferencedYoung: orphans.size });
    expect(await stored(storage)).toEqual(new Set([...idsOf(a), ...idsOf(b), ...idsOf(c)]));

    vi.setSystemTime(Date.now() + 59 * 60_000);
    expect(await pruneChunks({ storage })).toMatchObject({
      removedChunks: 0,
      unreferencedYoung: orphans.size,
    });
    vi.setSystemTime(Date.now() + 2 * 60_000);
    const old = await pruneChunks({ storage });
    expect(old).toMatchObject({ removedChunks: orphans.size, unreferencedYoung: 0 });
    expect(await pruneChunks({ storage, graceMs: 0 })).toMatchObject({ removedChunks: 0 });
  });

  it("a damaged manifest: removes nothing and names it", async () => {
    const { storage } = await threeSnapshots();
    await storage.remove(A);
    const text = (await bytesOf(storage, C)).length; // C reads before the damage
    expect(text).toBeGreaterThan(0);
    const manifest = await manifestBytes(storage, C);
    await storage.remove(C);
    await storage.write(
      C,
      (async function* () {
        yield manifest.subarray(0, manifest.length - 40);
      })(),
    );
    const before = await stored(storage);
    const error = await pruneChunks({ storage, graceMs: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackupError);
    expect((error as BackupError).code).toBe("CORRUPT");
    expect((error as BackupError).message).toContain("prune removed nothing");
    expect((error as BackupError).message).toContain(C);
    expect((error as BackupError).details).toEqual({ manifests: [C] });
    expect(await stored(storage)).toEqual(before);
  });

  it("a manifest that cannot be read (no permission): removes nothing and names it", async () => {
    class Unreadable extends MemoryStorage {
      override async read(name: string): Promise<AsyncIterable<Uint8Array>> {
        if (name === B)
          throw Object.assign(new Error(`EACCES: permission denied, open '${name}'`), { code: "EACCES" });
        return super.read(name);
      }
    }
    const { storage } = await threeSnapshots(new Unreadable());
    await storage.remove(A);
    const before = await stored(storage);
    await expect(pruneChunks({ storage, graceMs: 0 })).rejects.toThrow(
      new RegExp(`prune removed nothing.*${B.replace(/\./g, "\\.")} \\(EACCES`),
    );
    expect(await stored(storage)).toEqual(before);
  });

  it("keeps the chunks of a snapshot whose manifest appears after the first listing", async () => {
    let manifestOfA: Buffer | undefined;
    // the second list() is the listing right before removal: A is published again under a new name
    const storage = new HookedStorage(2, async (s) => {
      await s.write(
        "neo4j_backup_20250104_000001.snapshot",
        (async function* () {
          yield manifestOfA!;
        })(),
      );
    });
    const { a } = await threeSnapshots(storage);
    manifestOfA = await manifestBytes(storage, A);
    await storage.remove(A);
    const result = await pruneChunks({ storage, graceMs: 0 });
    expect(result).toMatchObject({ snapshots: 3, removedChunks: 0 });
    for (const id of idsOf(a)) expect((await stored(storage)).has(id)).toBe(true);
    await expectValid(storage, "neo4j_backup_20250104_000001.snapshot");
  });

  it("holds the storage lock: waits for another holder, fails with LOCKED after the timeout", async () => {
    const { storage } = await threeSnapshots();
    const lock = await storage.lock();
    let waited = false;
    await expect(
      pruneChunks({ storage, lockTimeoutMs: 150, onLockWait: () => (waited = true) }),
    ).rejects.toMatchObject({ code: "LOCKED" });
    expect(waited).toBe(true);
    await lock.release();
  });

  it("stopped part-way (aborted between removals) leaves every remaining snapshot whole", async () => {
    const controller = new AbortController();
    class Stopping extends MemoryStorage {
      removed = 0;
      override async removeChunk(id: string): Promise<void> {
        await super.removeChunk(id);
        if (++this.removed === 2) controller.abort();
      }
    }
    const storage = new Stopping();
    await threeSnapshots(storage);
    const other = "neo4j_backup_20250104_000001.snapshot";
    await writeSnapshot(
      storage,
      other,
      manyNodes(400, (id) => `another graph ${id}`),
    );
    await storage.remove(A);
    await storage.remove(other);
    await expect(pruneChunks({ storage, graceMs: 0, signal: controller.signal })).rejects.toMatchObject({
      code: "ABORTED",
    });
    expect(storage.removed).toBeGreaterThanOrEqual(2);
    expect(storage.removed, "stopped before the end").toBeLessThan(20);
    await expectValid(storage, B);
    expect((await pruneChunks({ storage, graceMs: 0 })).removedChunks).toBeGreaterThan(0);
    await expectValid(storage, B);
  });

  it("a storage without chunks has nothing to prune", async () => {
    const storage = new MemoryStorage();
    expect(await pruneChunks({ storage })).toMatchObject({ snapshots: 0, removedChunks: 0, keptChunks: 0 });
    await expect(pruneChunks({ storage, graceMs: -1 })).rejects.toMatchObject({ code: "INVALID_OPTIONS" });
  });
});

describe("checkSnapshots", () => {
  it("finds a deleted and a changed chunk and names every snapshot that references each", async () => {
    const { storage, a, b, c } = await threeSnapshots();
    const shared = [...idsOf(a)].filter((id) => idsOf(b).has(id) && idsOf(c).has(id));
    const onlyB = [...minus(idsOf(b), idsOf(a), idsOf(c))];
    const [deleted, flipped] = shared;
    await storage.removeChunk(deleted!);
    for (const id of [flipped!, onlyB[0]!]) {
      const bytes = Buffer.from(await storage.readChunk(id));
      bytes[bytes.length >> 1]! ^= 0x01;
      await storage.removeChunk(id);
      await storage.putChunk(id, bytes);
    }

    const quick = await checkSnapshots({ storage });
    expect(quick).toMatchObject({
      snapshots: 3,
      chunks: new Set([...idsOf(a), ...idsOf(b), ...idsOf(c)]).size,
    });
    expect(quick.ok).toBe(false);
    expect(quick.problems).toEqual([
      {
        chunk: deleted,
        problem: "missing",
        message: `chunk ${deleted} is not in the storage`,
        snapshots: [A, B, C],
      },
    ]);

    const full = await checkSnapshots({ storage, readData: true });
    expect(full.chunksRead).toBe(full.chunks - 1);
    const found = Object.fromEntries(full.problems.map((p) => [p.chunk, p]));
    expect(Object.keys(found).sort()).toEqual([deleted, flipped, onlyB[0]].sort());
    expect(found[flipped!]).toMatchObject({ problem: "damaged", snapshots: [A, B, C] });
    expect(found[flipped!]!.message).toContain(`chunk ${flipped}`);
    expect(found[onlyB[0]!]).toMatchObject({ problem: "damaged", snapshots: [B] });
    expect(found[deleted!]).toMatchObject({ problem: "missing", snapshots: [A, B, C] });

    const named = await checkSnapshots({ storage, names: [C], readData: true });
    expect(named.unreferencedChunks).toBeNull();
    expect(named.problems.map((p) => [p.chunk, p.snapshots])).toEqual(
      expect.arrayContaining([
        [deleted, [C]],
        [flipped, [C]],
      ]),
    );
    expect(named.problems).toHaveLength(2);
  });

  it("a whole storage checks ok, and counts the chunks no snapshot references", async () => {
    const { storage, a, b, c } = await threeSnapshots();
    await storage.remove(A);
    const report = await checkSnapshots({ storage, readData: true });
    expect(report).toMatchObject({
      ok: true,
      snapshots: 2,
      problems: [],
      damagedManifests: [],
      unreferencedChunks: minus(idsOf(a), idsOf(b), idsOf(c)).size,
    });
  });

  it("a chunk of another size than its manifest records is damaged without reading it", async () => {
    const { storage, b } = await threeSnapshots();
    const id = b.chunks[3]![0];
    const bytes = await storage.readChunk(id);
    await storage.removeChunk(id);
    await storage.putChunk(id, bytes.subarray(0, bytes.length - 1));
    const report = await checkSnapshots({ storage, names: [B] });
    expect(report.problems).toEqual([
      expect.objectContaining({ chunk: id, problem: "damaged", snapshots: [B] }),
    ]);
    expect(report.problems[0]!.message).toMatch(/bytes in the storage, not the \d+ its manifest records/);
  });

  it("a damaged manifest is reported by name", async () => {
    const { storage } = await threeSnapshots();
    await storage.remove(B);
    await storage.write(
      B,
      (async function* () {
        yield "{}";
      })(),
    );
    const report = await checkSnapshots({ storage });
    expect(report.ok).toBe(false);
    expect(report.damagedManifests).toEqual([
      { snapshot: B, message: expect.stringContaining(`${B} is damaged`) },
    ]);
    expect(report.snapshots).toBe(2);
  });

  it("encrypted snapshots: without keys, reading their chunks fails once with KEY_REQUIRED naming them; with an identity they check", async () => {
    const age = await import("age-encryption");
    const identity = await age.generateIdentity();
    const recipient = await age.identityToRecipient(identity);
    const storage = new MemoryStorage();
    const encryption = { recipients: [recipient] };
    await writeSnapshot(storage, A, manyNodes(200), { encryption });
    await writeSnapshot(
      storage,
      B,
      manyNodes(200, (id) => (id === 5 ? "x" : undefined)),
      { encryption },
    );
    await writeSnapshot(storage, C, manyNodes(50));

    expect((await checkSnapshots({ storage })).ok).toBe(true);
    const error = await checkSnapshots({ storage, readData: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "KEY_REQUIRED", details: { snapshots: [A, B] } });
    expect((error as Error).message).toMatch(
      /2 encrypted snapshots needs an identity.*none was given.*neo4j_backup_20250101_000001\.snapshot, neo4j_backup_20250102_000001\.snapshot/,
    );

    const other = await age.generateIdentity();
    await expect(
      checkSnapshots({ storage, readData: true, decryption: { identities: [other] } }),
    ).rejects.toMatchObject({ code: "DECRYPTION_FAILED" });

    const report = await checkSnapshots({ storage, readData: true, decryption: { identities: [identity] } });
    expect(report).toMatchObject({ ok: true, snapshots: 3 });
    expect(report.chunksRead).toBe(report.chunks);

    // a changed encrypted chunk is damaged (age's authentication refuses it)
    const m = await writeSnapshot(storage, "neo4j_backup_20250105_000001.snapshot", manyNodes(3), {
      encryption,
    });
    const id = m.chunks[0]![0];
    const bytes = Buffer.from(await storage.readChunk(id));
    bytes[bytes.length - 5]! ^= 0x01;
    await storage.removeChunk(id);
    await storage.putChunk(id, bytes);
    const damaged = await checkSnapshots({ storage, readData: true, decryption: { identities: [identity] } });
    expect(damaged.problems).toEqual([
      expect.objectContaining({
        chunk: id,
        problem: "damaged",
        snapshots: ["neo4j_backup_20250105_000001.snapshot"],
      }),
    ]);
  });

  it("refuses names that are not snapshots and names that are absent", async () => {
    const { storage } = await threeSnapshots();
    await expect(checkSnapshots({ storage, names: ["b_20250101_000000.json"] })).rejects.toMatchObject({
      code: "INVALID_OPTIONS",
    });
    await expect(
      checkSnapshots({ storage, names: ["neo4j_backup_20300101_000000.snapshot"] }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await checkSnapshots({ storage: new MemoryStorage() })).toMatchObject({
      ok: true,
      snapshots: 0,
      unreferencedChunks: 0,
    });
  });
});
