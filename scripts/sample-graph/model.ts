/**
 * Shapes shared by the sample-graph generator and loader.
 */
import type { SampleCapabilities } from "./type-samples.js";

/** Parameters of a sample graph; the same options always describe the same graph. */
export interface SampleGraphOptions {
  /** PRNG seed (an integer; default 42). */
  seed?: number;
  /** Number of domain nodes (`Function`, `Template`, `Session`, `Pattern`). Special content comes on top. */
  nodes: number;
  /** Average domain relationships per domain node (default 3): `round(nodes × relationshipsPerNode)` in all. */
  relationshipsPerNode?: number;
  /**
   * Add the special content (default true): `TypeSample` nodes and `TYPE_SAMPLE` relationships with every
   * property type, odd shapes (multi-label and label-less nodes, self-loops, parallel and property-less
   * relationships) and names that need escaping. A fixed, small set, independent of `nodes`.
   */
  special?: boolean;
  /** Server features the special content may use (default: none). */
  capabilities?: SampleCapabilities;
}

/** One node to create. `key` numbers nodes 0…n-1 in generation order and is not stored. */
export interface SampleNode {
  readonly key: number;
  readonly labels: readonly string[];
  readonly properties: Record<string, unknown>;
}

/** One relationship to create, between the nodes with keys `start` and `end`. `key` is not stored. */
export interface SampleRelationship {
  readonly key: number;
  readonly type: string;
  readonly start: number;
  readonly end: number;
  readonly properties: Record<string, unknown>;
}

/** Node, relationship, per-label and per-type counts of a graph. */
export interface GraphCounts {
  nodes: number;
  relationships: number;
  /** Nodes carrying each label (a node with two labels counts once under each). */
  labels: Record<string, number>;
  /** Relationships of each type. */
  types: Record<string, number>;
}
