/**
 * The mapping from a file's record ids to the ids of the nodes a restore created.
 *
 * Restores create nodes with batched `CREATE … RETURN id(n)` and connect relationships with
 * `MATCH (a) WHERE id(a) = $start`, a direct id seek: no temporary label, property or index is
 * written to the database, so there is nothing to clean up. The map keeps 8 bytes per node for the
 * integer ids this library writes (a growable Float64Array indexed by file id), and falls back to
 * a Map for string or very sparse ids.
 */

const MISSING = -1;
const MAX_DENSE_ID = 2 ** 31;

/** File id → database id of the created node. */
export class NodeIdMap {
  private dense = new Float64Array(1024).fill(MISSING);
  private readonly sparse = new Map<number | string, number>();
  private count = 0;

  /** Number of mapped nodes. */
  get size(): number {
    return this.count;
  }

  /** Records that file id `fileId` was created as database node `nodeId`. */
  set(fileId: number | string, nodeId: number): void {
    if (typeof fileId === "number" && Number.isInteger(fileId) && fileId >= 0 && fileId < MAX_DENSE_ID) {
      if (fileId >= this.dense.length) {
        let length = this.dense.length;
        while (length <= fileId) length *= 2;
        const grown = new Float64Array(length).fill(MISSING);
        grown.set(this.dense);
        this.dense = grown;
      }
      if (this.dense[fileId] === MISSING) this.count++;
      this.dense[fileId] = nodeId;
      return;
    }
    if (!this.sparse.has(fileId)) this.count++;
    this.sparse.set(fileId, nodeId);
  }

  /** The database id for a file id, or undefined. */
  get(fileId: number | string): number | undefined {
    if (typeof fileId === "number" && Number.isInteger(fileId) && fileId >= 0 && fileId < MAX_DENSE_ID) {
      if (fileId >= this.dense.length) return undefined;
      const v = this.dense[fileId]!;
      return v === MISSING ? undefined : v;
    }
    return this.sparse.get(fileId);
  }
}
