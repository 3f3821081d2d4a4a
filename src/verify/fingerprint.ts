/**
 * A content fingerprint of a graph that does not depend on internal ids: each node hashes its
 * labels and properties; each relationship hashes its type, properties and the hashes of its two
 * endpoints; the fingerprint is the sum of all hashes (a multiset hash), kept per label and per
 * type too so that a difference can be located. Live databases and backup files are fingerprinted
 * the same way, from the same canonical encoding.
 */
import { createHash } from "node:crypto";
import { canonicalValue } from "../format/records.js";
import type { EncodedValue } from "../format/values.js";
import { NodeIdMap } from "../restore/id-map.js";

const MOD = 1n << 64n;

/** A 52-bit hash (exact in a double) of a JSON-able value. */
function hash52(value: unknown): number {
  const digest = createHash("sha256").update(JSON.stringify(value)).digest();
  return digest.readUIntBE(0, 6) * 16 + (digest[6]! >> 4);
}

/** The summary a fingerprint produces. */
export interface Fingerprint {
  nodes: number;
  relationships: number;
  labelCounts: Record<string, number>;
  typeCounts: Record<string, number>;
  /** Hex of the sum over all nodes and relationships. */
  total: string;
  /** Hex sums per label (nodes) and per type (relationships). */
  byLabel: Record<string, string>;
  byType: Record<string, string>;
}

/** Accumulates a fingerprint from nodes, then relationships, with properties already encoded. */
export class FingerprintBuilder {
  private readonly nodeHashes = new NodeIdMap();
  private total = 0n;
  private readonly byLabel = new Map<string, bigint>();
  private readonly byType = new Map<string, bigint>();
  private readonly labelCounts = new Map<string, number>();
  private readonly typeCounts = new Map<string, number>();
  private nodes = 0;
  private relationships = 0;
  /** Relationships whose endpoint was never added as a node. */
  unknownEndpoints = 0;

  /** Adds a node; `properties` encoded with encodeProperties. */
  addNode(id: number | string, labels: readonly string[], properties: Record<string, EncodedValue>): void {
    const sortedLabels = [...labels].sort();
    const h = hash52(["n", sortedLabels, canonicalValue(properties)]);
    this.nodeHashes.set(id, h);
    const big = BigInt(h);
    this.total = (this.total + big) % MOD;
    for (const label of sortedLabels) {
      this.byLabel.set(label, ((this.byLabel.get(label) ?? 0n) + big) % MOD);
      this.labelCounts.set(label, (this.labelCounts.get(label) ?? 0) + 1);
    }
    if (sortedLabels.length === 0) this.byLabel.set("", ((this.byLabel.get("") ?? 0n) + big) % MOD);
    this.nodes++;
  }

  /** Adds a relationship between two nodes added before. */
  addRelationship(
    type: string,
    start: number | string,
    end: number | string,
    properties: Record<string, EncodedValue>,
  ): void {
    const s = this.nodeHashes.get(start);
    const e = this.nodeHashes.get(end);
    if (s === undefined || e === undefined) this.unknownEndpoints++;
    const h = BigInt(hash52(["r", type, s ?? null, e ?? null, canonicalValue(properties)]));
    this.total = (this.total + h) % MOD;
    this.byType.set(type, ((this.byType.get(type) ?? 0n) + h) % MOD);
    this.typeCounts.set(type, (this.typeCounts.get(type) ?? 0) + 1);
    this.relationships++;
  }

  /** The finished fingerprint. */
  result(): Fingerprint {
    const hex = (v: bigint) => v.toString(16).padStart(16, "0");
    const sorted = <T>(m: Map<string, T>, f: (v: T) => T | string) =>
      Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, f(v)]));
    return {
      nodes: this.nodes,
      relationships: this.relationships,
      labelCounts: sorted(this.labelCounts, (v) => v) as Record<string, number>,
      typeCounts: sorted(this.typeCounts, (v) => v) as Record<string, number>,
      total: hex(this.total),
      byLabel: sorted(this.byLabel, hex) as Record<string, string>,
      byType: sorted(this.byType, hex) as Record<string, string>,
    };
  }
}
