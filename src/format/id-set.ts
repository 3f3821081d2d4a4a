/**
 * A compact set of record ids. Non-negative integer ids (what Neo4j's internal ids are) go into a
 * paged bitset — about one bit per id in the occupied range — so a million nodes cost ~128 KiB
 * instead of a million map entries. Other ids (strings, from foreign files) fall back to a Set.
 */
const PAGE_BITS = 16; // 65,536 ids per page, 8 KiB each

/** A set of node or relationship ids with bounded memory for integer ids. */
export class IdSet {
  private readonly pages = new Map<number, Uint32Array>();
  private readonly others = new Set<string | number>();
  private count = 0;

  /** Number of distinct ids added. */
  get size(): number {
    return this.count;
  }

  /** Adds an id; returns false when it was already present. */
  add(id: number | string): boolean {
    if (typeof id === "number" && Number.isSafeInteger(id) && id >= 0) {
      const pageNo = Math.floor(id / 65536);
      let page = this.pages.get(pageNo);
      if (!page) {
        page = new Uint32Array(1 << (PAGE_BITS - 5));
        this.pages.set(pageNo, page);
      }
      const bit = id % 65536;
      const word = bit >>> 5;
      const mask = 1 << (bit & 31);
      if ((page[word]! & mask) !== 0) return false;
      page[word] = page[word]! | mask;
      this.count++;
      return true;
    }
    if (this.others.has(id)) return false;
    this.others.add(id);
    this.count++;
    return true;
  }

  /**
   * The integer ids as bitset pages (page number → 2,048 words), for handing the set to another
   * thread; ids outside the bitset (strings, negative numbers) are not included.
   */
  integerPages(): Map<number, Uint32Array> {
    return new Map(this.pages);
  }

  /** A set of the integer ids in `pages` (as {@link IdSet.integerPages} returns them). */
  static fromIntegerPages(pages: Map<number, Uint32Array>): IdSet {
    const set = new IdSet();
    for (const [pageNo, page] of pages) {
      set.pages.set(pageNo, page);
      for (const word of page) set.count += bitCount(word);
    }
    return set;
  }

  /** Whether the id is present. */
  has(id: number | string): boolean {
    if (typeof id === "number" && Number.isSafeInteger(id) && id >= 0) {
      const page = this.pages.get(Math.floor(id / 65536));
      if (!page) return false;
      const bit = id % 65536;
      return (page[bit >>> 5]! & (1 << (bit & 31))) !== 0;
    }
    return this.others.has(id);
  }
}

function bitCount(word: number): number {
  let v = word - ((word >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
