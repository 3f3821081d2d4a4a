/**
 * A content fingerprint of a graph that does not depend on internal ids: each node hashes its
 * labels and properties; each relationship hashes its type, properties and the hashes of its two
 * endpoints; the fingerprint is the sum of all hashes (a multiset hash), kept per label and per
 * type too so that a difference can be located. Live databases and backup files are fingerprinted
 * the same way, from the same canonical encoding.
 */

import { NodeIdMap } from "./id-map.js";
import type { EncodedValue } from "./values.js";

/** Sums are kept modulo 2^52, so every intermediate value stays an exact double. */
const MOD = 2 ** 52;

const add = (a: number, b: number) => {
  const sum = a + b;
  return sum >= MOD ? sum - MOD : sum;
};

/**
 * A 52-bit hash of a string (exact in a double): two 32-bit multiply–xor lanes over the UTF-16 code
 * units with different multipliers, each finished with an avalanche step, the lanes mixed into each
 * other. Fast and well spread, which is what a fingerprint that looks for accidental differences
 * needs; it is not a cryptographic hash (the file's checksum is SHA-256).
 */
export function hash52(text: string): number {
  let a = 0x811c9dc5 ^ text.length;
  let b = 0x2545f491 ^ Math.imul(text.length, 0x9e3779b1);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
  a = Math.imul(a ^ (a >>> 13), 0xc2b2ae35);
  a ^= a >>> 16;
  b = Math.imul(b ^ (b >>> 16), 0x7feb352d);
  b = Math.imul(b ^ (b >>> 15), 0x846ca68b);
  b ^= b >>> 16;
  a = Math.imul(a ^ b, 0x27d4eb2f);
  a ^= a >>> 15;
  return (b >>> 0) * 2 ** 20 + (a >>> 12);
}

/**
 * The hash of a node: its labels (sorted) and its properties. `properties` must come from
 * encodeProperties, whose output is already canonical (keys inserted in sorted order, wrapper
 * bodies in a fixed order), so it is serialised as it is.
 */
export function nodeHash(sortedLabels: readonly string[], properties: Record<string, EncodedValue>): number {
  return hash52(`["n",${JSON.stringify(sortedLabels)},${JSON.stringify(properties)}]`);
}

/** Labels in the order a node's hash takes them. */
export function sortLabels(labels: readonly string[]): readonly string[] {
  return labels.length < 2 ? labels : [...labels].sort();
}

/** Stands for an end node that is unknown (not among the nodes). */
const UNKNOWN_END = 2 ** 52 - 1;

/**
 * The hash of a relationship: its type and properties (from encodeProperties) hashed as text, then
 * mixed with the hashes of its two end nodes (undefined when an end node is unknown) as numbers —
 * turning 52-bit numbers into text for every relationship was a measurable part of the fingerprint.
 */
export function relationshipHash(
  type: string,
  start: number | undefined,
  end: number | undefined,
  properties: Record<string, EncodedValue>,
): number {
  return mix52(relationshipInnerHash(type, properties), start ?? UNKNOWN_END, end ?? UNKNOWN_END);
}

/**
 * The part of a relationship's hash that does not depend on its end nodes: its type and properties
 * (from encodeProperties). {@link relationshipHash} mixes it with the end nodes' hashes.
 */
export function relationshipInnerHash(type: string, properties: Record<string, EncodedValue>): number {
  return hash52(`["r",${JSON.stringify(type)},${JSON.stringify(properties)}]`);
}

const TWO_32 = 2 ** 32;

/** Mixes one 32-bit word into a lane (multiply–rotate–multiply, as in MurmurHash3). */
function round(lane: number, word: number): number {
  let k = Math.imul(word, 0xcc9e2d51);
  k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
  const h = lane ^ k;
  return (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
}

/** An avalanche step: every input bit affects every output bit. */
function finish(h: number): number {
  let x = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return x ^ (x >>> 16);
}

/**
 * A 52-bit hash of three 52-bit hashes, in order (a relationship from a to b differs from one from
 * b to a): their six 32-bit halves go through two lanes with different seeds.
 */
export function mix52(a: number, b: number, c: number): number {
  let x = round(round(0x9747b28c, (a % TWO_32) | 0), Math.floor(a / TWO_32) | 0);
  let y = round(round(0x2545f491, Math.floor(a / TWO_32) | 0), (a % TWO_32) | 0);
  x = round(round(x, (b % TWO_32) | 0), Math.floor(b / TWO_32) | 0);
  y = round(round(y, Math.floor(b / TWO_32) | 0), (b % TWO_32) | 0);
  x = round(round(x, (c % TWO_32) | 0), Math.floor(c / TWO_32) | 0);
  y = round(round(y, Math.floor(c / TWO_32) | 0), (c % TWO_32) | 0);
  x = finish(x ^ 24);
  y = finish(y ^ Math.imul(x, 0x27d4eb2f));
  return (y >>> 0) * 2 ** 20 + (x >>> 12);
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

/**
 * What a {@link FingerprintBuilder} summed over some nodes, for adding into another builder (the
 * sums are additive): the total, per label and the counts. Plain data that crosses threads.
 */
export interface NodeSums {
  nodes: number;
  total: number;
  byLabel: [string, number][];
  labelCounts: [string, number][];
}

/** Accumulates a fingerprint from nodes, then relationships, with properties already encoded. */
export class FingerprintBuilder {
  private readonly nodeHashes = new NodeIdMap();
  private total = 0;
  private readonly byLabel = new Map<string, number>();
  private readonly byType = new Map<string, number>();
  private readonly labelCounts = new Map<string, number>();
  private readonly typeCounts = new Map<string, number>();
  private nodes = 0;
  private relationships = 0;
  /** Nodes added so far. */
  get nodeCount(): number {
    return this.nodes;
  }
  /** Relationships whose endpoint was never added as a node. */
  unknownEndpoints = 0;

  /** Adds a node; `properties` encoded with encodeProperties. */
  addNode(id: number | string, labels: readonly string[], properties: Record<string, EncodedValue>): void {
    const sortedLabels = sortLabels(labels);
    this.addNodeHash(id, sortedLabels, nodeHash(sortedLabels, properties));
  }

  /** Adds a node by its {@link nodeHash} (computed elsewhere); `sortedLabels` as {@link sortLabels} gives them. */
  addNodeHash(id: number | string, sortedLabels: readonly string[], h: number): void {
    this.nodeHashes.set(id, h);
    this.total = add(this.total, h);
    for (const label of sortedLabels) {
      this.byLabel.set(label, add(this.byLabel.get(label) ?? 0, h));
      this.labelCounts.set(label, (this.labelCounts.get(label) ?? 0) + 1);
    }
    if (sortedLabels.length === 0) this.byLabel.set("", add(this.byLabel.get("") ?? 0, h));
    this.nodes++;
  }

  /** The sums over the nodes added so far (see {@link NodeSums}). */
  nodeSums(): NodeSums {
    return {
      nodes: this.nodes,
      total: this.total,
      byLabel: [...this.byLabel],
      labelCounts: [...this.labelCounts],
    };
  }

  /**
   * Adds nodes another builder summed (`sums`), with their ids and hashes in the same order, so
   * that relationships between them can be added here.
   */
  addNodeSums(sums: NodeSums, ids: Float64Array, hashes: Float64Array): void {
    for (let i = 0; i < ids.length; i++) this.nodeHashes.set(ids[i]!, hashes[i]!);
    this.total = add(this.total, sums.total);
    for (const [label, sum] of sums.byLabel) this.byLabel.set(label, add(this.byLabel.get(label) ?? 0, sum));
    for (const [label, count] of sums.labelCounts)
      this.labelCounts.set(label, (this.labelCounts.get(label) ?? 0) + count);
    this.nodes += sums.nodes;
  }

  /** Adds a relationship between two nodes added before. */
  addRelationship(
    type: string,
    start: number | string,
    end: number | string,
    properties: Record<string, EncodedValue>,
  ): void {
    this.addRelationshipInner(type, start, end, relationshipInnerHash(type, properties));
  }

  /** Adds a relationship by its {@link relationshipInnerHash} (computed elsewhere, e.g. another thread). */
  addRelationshipInner(type: string, start: number | string, end: number | string, inner: number): void {
    const s = this.nodeHashes.get(start);
    const e = this.nodeHashes.get(end);
    if (s === undefined || e === undefined) this.unknownEndpoints++;
    const h = mix52(inner, s ?? UNKNOWN_END, e ?? UNKNOWN_END);
    this.total = add(this.total, h);
    this.byType.set(type, add(this.byType.get(type) ?? 0, h));
    this.typeCounts.set(type, (this.typeCounts.get(type) ?? 0) + 1);
    this.relationships++;
  }

  /** The finished fingerprint. */
  result(): Fingerprint {
    const hex = (v: number) => v.toString(16).padStart(13, "0");
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
