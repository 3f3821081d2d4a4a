/**
 * Streaming generation of the sample graph: batches of nodes and relationships derived from their keys.
 */
import { type DomainLayout, domainLayout, domainNode, domainRelationship } from "./domain.js";
import type { GraphCounts, SampleGraphOptions, SampleNode, SampleRelationship } from "./model.js";
import { SPECIAL_NODES, SPECIAL_RELATIONSHIPS } from "./special.js";
import type { SampleCapabilities } from "./type-samples.js";

/** Options with defaults applied and validated. */
interface ResolvedOptions {
  readonly layout: DomainLayout;
  readonly special: boolean;
  readonly capabilities: SampleCapabilities;
}

function resolve(options: SampleGraphOptions): ResolvedOptions {
  const { seed = 42, nodes, relationshipsPerNode = 3, special = true, capabilities = {} } = options;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`sample graph: seed must be an integer, got ${seed}`);
  if (!Number.isSafeInteger(nodes) || nodes < 0) {
    throw new RangeError(`sample graph: nodes must be a non-negative integer, got ${nodes}`);
  }
  if (!Number.isFinite(relationshipsPerNode) || relationshipsPerNode < 0) {
    throw new RangeError(
      `sample graph: relationshipsPerNode must be a finite number >= 0, got ${relationshipsPerNode}`,
    );
  }
  return { layout: domainLayout(seed >>> 0, nodes, relationshipsPerNode), special, capabilities };
}

function checkBatchSize(batchSize: number): void {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`sample graph: batchSize must be a positive integer, got ${batchSize}`);
  }
}

/** Groups consecutive items with the same key into batches of at most `batchSize`. */
function* groupBy<T>(items: Iterable<T>, keyOf: (item: T) => string, batchSize: number): Generator<T[]> {
  const open = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    let batch = open.get(key);
    if (!batch) {
      batch = [];
      open.set(key, batch);
    }
    batch.push(item);
    if (batch.length === batchSize) {
      yield batch;
      open.delete(key);
    }
  }
  yield* open.values();
}

/** Grouping key of a label set (JSON keeps distinct label lists distinct whatever the names hold). */
const labelsKey = (labels: readonly string[]): string => JSON.stringify(labels);

/**
 * The nodes of the sample graph in batches of at most `batchSize`, every batch holding nodes with one label
 * set (so a static `CREATE (n:Label)` fits it). Keys run from 0 in order: domain nodes (Function, Template,
 * Session, Pattern), then the special nodes. Only one batch is held at a time; deterministic for given options.
 */
export function* sampleNodeBatches(options: SampleGraphOptions, batchSize: number): Generator<SampleNode[]> {
  checkBatchSize(batchSize);
  const { layout, special, capabilities } = resolve(options);
  for (const range of Object.values(layout.kinds)) {
    for (let from = range.start; from < range.start + range.count; from += batchSize) {
      const to = Math.min(from + batchSize, range.start + range.count);
      const batch: SampleNode[] = new Array(to - from);
      for (let key = from; key < to; key++) batch[key - from] = domainNode(layout, range, key);
      yield batch;
    }
  }
  if (!special) return;
  const specials = SPECIAL_NODES.map((node, i) => ({
    key: layout.nodes + i,
    labels: node.labels,
    properties: node.properties(capabilities),
  }));
  yield* groupBy(specials, (node) => labelsKey(node.labels), batchSize);
}

/**
 * The relationships of the sample graph in batches of at most `batchSize`, every batch holding one
 * relationship type. `start` and `end` are node keys as numbered by {@link sampleNodeBatches}.
 */
export function* sampleRelationshipBatches(
  options: SampleGraphOptions,
  batchSize: number,
): Generator<SampleRelationship[]> {
  checkBatchSize(batchSize);
  const { layout, special, capabilities } = resolve(options);
  for (const range of Object.values(layout.types)) {
    for (let from = range.start; from < range.start + range.count; from += batchSize) {
      const to = Math.min(from + batchSize, range.start + range.count);
      const batch: SampleRelationship[] = new Array(to - from);
      for (let key = from; key < to; key++) batch[key - from] = domainRelationship(layout, range, key);
      yield batch;
    }
  }
  if (!special) return;
  const specials = SPECIAL_RELATIONSHIPS.map((relationship, i) => ({
    key: layout.relationships + i,
    type: relationship.type,
    start: layout.nodes + relationship.start,
    end: layout.nodes + relationship.end,
    properties: relationship.properties(capabilities),
  }));
  yield* groupBy(specials, (relationship) => relationship.type, batchSize);
}

function add(counts: Record<string, number>, name: string, n: number): void {
  if (n > 0) counts[name] = (counts[name] ?? 0) + n;
}

/**
 * The counts of the graph the options describe, computed arithmetically from the layout (constant time; the
 * special content is a fixed list). Labels and types with no elements are absent.
 */
export function expectedCounts(options: SampleGraphOptions): GraphCounts {
  const { layout, special } = resolve(options);
  const counts: GraphCounts = {
    nodes: layout.nodes,
    relationships: layout.relationships,
    labels: {},
    types: {},
  };
  for (const range of Object.values(layout.kinds)) add(counts.labels, range.name, range.count);
  for (const range of Object.values(layout.types)) add(counts.types, range.name, range.count);
  if (special) {
    counts.nodes += SPECIAL_NODES.length;
    counts.relationships += SPECIAL_RELATIONSHIPS.length;
    for (const node of SPECIAL_NODES) for (const label of node.labels) add(counts.labels, label, 1);
    for (const relationship of SPECIAL_RELATIONSHIPS) add(counts.types, relationship.type, 1);
  }
  return counts;
}
