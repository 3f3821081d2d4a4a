import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ChunkTable, storedChunkSizes } from "../../src/storage/chunk-table.js";
import { MemoryStorage } from "../../src/storage/memory.js";

const idOf = (n: number) => createHash("sha256").update(`chunk ${n}`).digest("hex");

describe("ChunkTable", () => {
  it("keeps the size of every id it was given, as a Map would, across growth", () => {
    const table = new ChunkTable(4);
    const map = new Map<string, number>();
    for (let n = 0; n < 20_000; n++) {
      const size = (n * 7919) % 100_000;
      table.set(idOf(n), size);
      map.set(idOf(n), size);
    }
    // replacing keeps one entry per id
    table.set(idOf(5), 1);
    map.set(idOf(5), 1);
    expect(table.size).toBe(map.size);
    for (const [id, size] of map) expect(table.get(id)).toBe(size);
    expect(new Map(table.entries())).toEqual(map);
    expect(table.has(idOf(20_001))).toBe(false);
    expect(table.get(idOf(20_001))).toBeUndefined();
  });

  it("tells ids apart that share their first bytes (the slot)", () => {
    const table = new ChunkTable();
    const a = `${"ab".repeat(4)}${"0".repeat(56)}`;
    const b = `${"ab".repeat(4)}${"0".repeat(55)}1`;
    table.set(a, 0).set(b, 2);
    expect([table.get(a), table.get(b), table.size]).toEqual([0, 2, 2]);
  });

  it("refuses what is no chunk id or no size, and finds nothing under it", () => {
    const table = new ChunkTable();
    expect(() => table.set("zz".repeat(32), 1)).toThrow(/not a chunk id/);
    expect(() => table.set(idOf(1).toUpperCase(), 1)).toThrow(/not a chunk id/);
    expect(() => table.set(idOf(1), -1)).toThrow(/sizes from 0/);
    expect(() => table.set(idOf(1), 2 ** 32)).toThrow(/sizes from 0/);
    expect(table.has("zz".repeat(32))).toBe(false);
    expect(table.size).toBe(0);
  });

  it("storedChunkSizes reads a storage's listing into a table", async () => {
    const storage = new MemoryStorage();
    await storage.putChunk(idOf(1), Buffer.from("one"));
    await storage.putChunk(idOf(2), Buffer.from("three"));
    const table = await storedChunkSizes(storage);
    expect(new Map(table.entries())).toEqual(
      new Map([
        [idOf(1), 3],
        [idOf(2), 5],
      ]),
    );
  });
});
