/**
 * A compact table of chunk ids with a number each (their stored size): the ids as 32 bytes in one
 * buffer, found by open addressing. A storage holds as many chunks as its snapshots have ever
 * added; a Map of hex strings costs ≈ 170 bytes of heap per id, this table 36 bytes a slot at
 * most three quarters full (48–96 bytes an id) outside the heap, and nothing for the garbage
 * collector to walk.
 * Chunk ids are hashes (SHA-256 or HMAC-SHA-256), so their first bytes serve as the slot.
 */
import type { ChunkStorage, StoredChunk } from "./contract.js";

const ID_BYTES = 32;
const ID_PATTERN = /^[0-9a-f]{64}$/;
/** A free slot's value (a chunk is far smaller than 4 GiB). */
const EMPTY = 0xffff_ffff;

/** Chunk ids (64 hex digits) with a size in bytes each — a Map of them, in less memory. */
export class ChunkTable {
  private ids: Buffer;
  private values: Uint32Array;
  private mask: number;
  private count = 0;

  constructor(capacity = 1024) {
    let slots = 16;
    while (slots * 3 < capacity * 4) slots *= 2;
    this.ids = Buffer.alloc(slots * ID_BYTES);
    this.values = new Uint32Array(slots).fill(EMPTY);
    this.mask = slots - 1;
  }

  /** How many ids the table holds. */
  get size(): number {
    return this.count;
  }

  /** The number kept for `id`, or undefined when the table does not hold it (or it is no chunk id). */
  get(id: string): number | undefined {
    const key = keyOf(id);
    if (!key) return undefined;
    const slot = this.find(key);
    return this.values[slot] === EMPTY ? undefined : this.values[slot];
  }

  /** Does the table hold `id`? */
  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /** Keeps `value` (a whole number of bytes under 4 GiB) for `id`, replacing the one it had. */
  set(id: string, value: number): this {
    const key = keyOf(id);
    if (!key) throw new RangeError(`not a chunk id: ${JSON.stringify(id)}`);
    if (!Number.isInteger(value) || value < 0 || value >= EMPTY)
      throw new RangeError(`a chunk table keeps sizes from 0 to 4 GiB, not ${value}`);
    let slot = this.find(key);
    if (this.values[slot] === EMPTY) {
      if ((this.count + 1) * 4 > this.values.length * 3) {
        this.grow();
        slot = this.find(key);
      }
      key.copy(this.ids, slot * ID_BYTES);
      this.count++;
    }
    this.values[slot] = value;
    return this;
  }

  /** Every id with its number, in no particular order. */
  *entries(): IterableIterator<[string, number]> {
    for (let slot = 0; slot < this.values.length; slot++) {
      const value = this.values[slot]!;
      if (value !== EMPTY) {
        yield [this.ids.toString("hex", slot * ID_BYTES, (slot + 1) * ID_BYTES), value];
      }
    }
  }

  /** The slot that holds `key`, or the free slot where it would go. */
  private find(key: Buffer): number {
    let slot = key.readUInt32BE(0) & this.mask;
    for (;;) {
      if (this.values[slot] === EMPTY) return slot;
      const at = slot * ID_BYTES;
      if (this.ids.compare(key, 0, ID_BYTES, at, at + ID_BYTES) === 0) return slot;
      slot = (slot + 1) & this.mask;
    }
  }

  private grow(): void {
    const { ids, values } = this;
    this.ids = Buffer.alloc(ids.length * 2);
    this.values = new Uint32Array(values.length * 2).fill(EMPTY);
    this.mask = this.values.length - 1;
    for (let slot = 0; slot < values.length; slot++) {
      if (values[slot] === EMPTY) continue;
      const key = ids.subarray(slot * ID_BYTES, (slot + 1) * ID_BYTES);
      const to = this.find(key);
      key.copy(this.ids, to * ID_BYTES);
      this.values[to] = values[slot]!;
    }
  }
}

function keyOf(id: string): Buffer | undefined {
  return ID_PATTERN.test(id) ? Buffer.from(id, "hex") : undefined;
}

/**
 * The stored size of every chunk `storage` holds, by id, read from its listing as it streams: no
 * list of every chunk is held on the way.
 */
export async function storedChunkSizes(storage: Pick<ChunkStorage, "listChunks">): Promise<ChunkTable> {
  const table = new ChunkTable();
  for await (const chunk of storage.listChunks()) table.set(chunk.id, chunk.size);
  return table;
}

/** Every chunk of a listing in one array — for small storages and tests. */
export async function collectChunks(listing: AsyncIterable<StoredChunk>): Promise<StoredChunk[]> {
  const out: StoredChunk[] = [];
  for await (const chunk of listing) out.push(chunk);
  return out;
}
