/**
 * A content fingerprint of a graph that does not depend on internal ids: each node hashes its
 * labels and properties; each relationship hashes its type and properties (its inner hash), mixed
 * with the hashes of its two endpoints; the fingerprint is the sum of all hashes (a multiset hash),
 * kept per label and per type too so that a difference can be located. Live databases and backup
 * files are fingerprinted the same way, from the same canonical encoding. Fingerprints are only
 * compared within one run, never stored, so the definition may change between versions.
 *
 * The parts that need only the record itself (node hashes, relationship inner hashes, the sums of
 * node hashes) can be computed apart — in a worker thread — and added with
 * {@link FingerprintBuilder.addNodeSums} and {@link FingerprintBuilder.addRelationshipHash}.
 */

import { NodeIdMap } from "./id-map.js";
import { canonicalJson } from "./records.js";
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

/** The hash of a node: its labels (sorted) and its properties (encoded with encodeProperties). */
export function nodeHash(sortedLabels: readonly string[], properties: Record<string, EncodedValue>): number {
  return hash52(`["n",${JSON.stringify(sortedLabels)},${canonicalJson(properties)}]`);
}

/** The inner hash of a relationship: its type and its properties (encoded with encodeProperties). */
export function relationshipInnerHash(type: string, properties: Record<string, EncodedValue>): number {
  return hash52(`["r",${JSON.stringify(type)},${canonicalJson(properties)}]`);
}

/** Stands for an unknown end node: no hash has it as its upper 32 bits (a hash is below 2^52). */
const UNKNOWN_WORD = 0xffffffff;
const TWO_32 = 2 ** 32;

/** One 32-bit word into a murmur3-style lane. */
function mixWord(lane: number, word: number): number {
  let k = Math.imul(word, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  const h = lane ^ k;
  return (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
}

/** A 52-bit number (or undefined: {@link UNKNOWN_WORD} twice) into a lane, low word first. */
function mixNumber(lane: number, value: number | undefined): number {
  if (value === undefined) return mixWord(mixWord(lane, UNKNOWN_WORD), UNKNOWN_WORD);
  const low = value % TWO_32;
  return mixWord(mixWord(lane, low | 0), ((value - low) / TWO_32) | 0);
}

/** murmur3's finalisation of a lane. */
function finishLane(lane: number): number {
  let h = lane ^ 24; // the input length in bytes: three numbers of two words
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * The hash of a relationship: its inner hash ({@link relationshipInnerHash}) mixed with the hashes of
 * its two end nodes (undefined when an end node is unknown), in order — a reversed relationship hashes
 * differently. Two murmur3 lanes with different seeds over the six 32-bit words of the three numbers
 * give 52 bits, exact in a double.
 */
export function mixRelationshipHash(
  inner: number,
  start: number | undefined,
  end: number | undefined,
): number {
  let a = 0x9747b28c;
  let b = 0x3c6ef372;
  a = mixNumber(mixNumber(mixNumber(a, inner), start), end);
  b = mixNumber(mixNumber(mixNumber(b, inner), start), end);
  return (finishLane(b) >>> 0) * 2 ** 20 + (finishLane(a) >>> 12);
}

/**
 * The hash of a relationship: its type, the hashes of its two end nodes (undefined when an end node
 * is unknown) and its properties — {@link mixRelationshipHash} of its inner hash and its end nodes'.
 */
export function relationshipHash(
  type: string,
  start: number | undefined,
  end: number | undefined,
  properties: Record<string, EncodedValue>,
): number {
  return mixRelationshipHash(relationshipInnerHash(type, properties), start, end);
}

/**
 * Sums of node hashes — overall, per label and the count per label — computed apart from a
 * {@link FingerprintBuilder} (over a batch of nodes) and added to it with
 * {@link FingerprintBuilder.addNodeSums}. Plain data, so it crosses threads.
 */
export interface NodeHashSums {
  /** Nodes summed. */
  nodes: number;
  /** Sum of their hashes modulo 2^52. */
  total: number;
  /** Per label: the sum of the hashes of its nodes and their count ("" sums unlabelled nodes, count 0). */
  byLabel: [label: string, sum: number, count: number][];
}

/** Accumulates {@link NodeHashSums}. */
export class NodeHashSummer {
  private nodes = 0;
  private total = 0;
  private readonly byLabel = new Map<string, [string, number, number]>();

  /** Adds the hash of a node with these labels (in any order, each label once). */
  add(labels: readonly string[], hash: number): void {
    this.total = add(this.total, hash);
    for (const label of labels) this.addTo(label, hash, 1);
    if (labels.length === 0) this.addTo("", hash, 0);
    this.nodes++;
  }

  private addTo(label: string, hash: number, count: number): void {
    const entry = this.byLabel.get(label);
    if (entry) {
      entry[1] = add(entry[1], hash);
      entry[2] += count;
    } else this.byLabel.set(label, [label, hash, count]);
  }

  /** The sums so far. */
  sums(): NodeHashSums {
    return { nodes: this.nodes, total: this.total, byLabel: [...this.byLabel.values()] };
  }
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
  private total = 0;
  private readonly byLabel = new Map<string, number>();
  private readonly byType = new Map<string, number>();
  private readonly labelCounts = new Map<string, number>();
  private readonly typeCounts = new Map<string, number>();
  private nodes = 0;
  private relationships = 0;
  /** Relationships whose endpoint was never added as a node. */
  unknownEndpoints = 0;

  /** Adds a node; `properties` encoded with encodeProperties. */
  addNode(id: number | string, labels: readonly string[], properties: Record<string, EncodedValue>): void {
    const sortedLabels = [...labels].sort();
    const h = nodeHash(sortedLabels, properties);
    this.setNodeHash(id, h);
    this.addNodeSums({
      nodes: 1,
      total: h,
      byLabel: sortedLabels.length ? sortedLabels.map((label) => [label, h, 1]) : [["", h, 0]],
    });
  }

  /** Records the hash of a node (its sums are added with {@link addNodeSums}); relationships look it up. */
  setNodeHash(id: number | string, hash: number): void {
    this.nodeHashes.set(id, hash);
  }

  /** Adds the sums of nodes hashed apart (see {@link NodeHashSummer}). */
  addNodeSums(sums: NodeHashSums): void {
    this.total = add(this.total, sums.total);
    for (const [label, sum, count] of sums.byLabel) {
      this.byLabel.set(label, add(this.byLabel.get(label) ?? 0, sum));
      if (count > 0) this.labelCounts.set(label, (this.labelCounts.get(label) ?? 0) + count);
    }
    this.nodes += sums.nodes;
  }

  /** Adds a relationship between two nodes added before. */
  addRelationship(
    type: string,
    start: number | string,
    end: number | string,
    properties: Record<string, EncodedValue>,
  ): void {
    this.addRelationshipHash(type, start, end, relationshipInnerHash(type, properties));
  }

  /** Adds a relationship by its inner hash ({@link relationshipInnerHash}), computed apart. */
  addRelationshipHash(type: string, start: number | string, end: number | string, inner: number): void {
    const s = this.nodeHashes.get(start);
    const e = this.nodeHashes.get(end);
    if (s === undefined || e === undefined) this.unknownEndpoints++;
    const h = mixRelationshipHash(inner, s, e);
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
