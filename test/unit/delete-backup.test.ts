/**
 * deleteBackup: one backup removed by name under the storage lock, its index entry with it; refused
 * with nothing removed for a name that is not there, a bad name, or a backup an unfinished restore
 * needs.
 */
import { describe, expect, it } from "vitest";
import { deleteBackup, listBackups, MemoryStorage, pinBackup } from "../../src/index.js";
import { markPendingRestore } from "../../src/lifecycle/backup-index.js";
import { buildDocument, chunks } from "../support/documents.js";

const A = "neo4j_backup_20250101_000000.json";
const B = "neo4j_backup_20250102_000000.json";

async function storageWith(names: string[]): Promise<MemoryStorage> {
  const storage = new MemoryStorage();
  for (const name of names) await storage.write(name, chunks(buildDocument(), 4096));
  await listBackups(storage);
  return storage;
}

describe("deleteBackup", () => {
  it("removes the backup and its index entry, and nothing else", async () => {
    const storage = await storageWith([A, B]);
    const size = (await storage.stat(A))!.size;
    expect(await deleteBackup({ storage, name: A })).toEqual({ name: A, size });
    expect(await storage.stat(A)).toBeUndefined();
    expect((await storage.list()).map((f) => f.name)).toEqual([B]);
    expect((await listBackups(storage)).map((e) => e.name)).toEqual([B]);
    expect(JSON.parse((await storage.readIndex())!).backups.map((e: { name: string }) => e.name)).toEqual([
      B,
    ]);
  });

  it("refuses, removing nothing: a name that is not there, a bad name, a backup an unfinished restore needs", async () => {
    const storage = await storageWith([A, B]);
    await expect(deleteBackup({ storage, name: "neo4j_backup_20300101_000000.json" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(deleteBackup({ storage, name: "../escape.json" })).rejects.toMatchObject({
      code: "INVALID_OPTIONS",
    });
    await markPendingRestore(storage, {
      name: A,
      database: "neo4j",
      safetyBackup: B,
      started: "2025-01-03T00:00:00.000Z",
      pid: 1,
      host: "elsewhere",
    });
    for (const name of [A, B]) {
      await expect(deleteBackup({ storage, name })).rejects.toMatchObject({
        code: "INVALID_OPTIONS",
        message: expect.stringContaining(`needed by the unfinished restore of ${A}`),
      });
    }
    expect((await storage.list()).map((f) => f.name).sort()).toEqual([A, B]);
  });

  it("pins: kept in the index, refused by deleteBackup until unpinned, gone with their file", async () => {
    const storage = await storageWith([A, B]);
    expect(await pinBackup({ storage, name: A })).toEqual({ name: A, pinned: true, all: [A] });
    expect(JSON.parse((await storage.readIndex())!).pinned).toEqual([A]);
    await expect(deleteBackup({ storage, name: A })).rejects.toMatchObject({
      code: "INVALID_OPTIONS",
      message: expect.stringContaining("is pinned"),
    });
    expect(await storage.stat(A)).toBeDefined();
    await expect(pinBackup({ storage, name: "neo4j_backup_20300101_000000.json" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect((await pinBackup({ storage, name: A, pinned: false })).all).toEqual([]);
    await deleteBackup({ storage, name: A });
    // a pin names a file: when the file goes (by hand), so does the pin
    await pinBackup({ storage, name: B });
    await storage.remove(B);
    await listBackups(storage);
    expect(JSON.parse((await storage.readIndex())!).pinned).toEqual([]);
  });

  it("waits for the storage lock another holder has, and gives up with LOCKED", async () => {
    const storage = await storageWith([A]);
    const lock = await storage.lock();
    try {
      await expect(deleteBackup({ storage, name: A, lockTimeoutMs: 100 })).rejects.toMatchObject({
        code: "LOCKED",
      });
    } finally {
      await lock.release();
    }
    expect(await storage.stat(A)).toBeDefined();
  });
});
