/**
 * The sample-graph generator: deterministic and counted without materialising.
 * (The database side is tested in test/integration/sample-graph.test.ts.)
 */
import neo4j from "neo4j-driver";
import { describe, expect, it } from "vitest";
import {
  equalValues,
  expectedCounts,
  type GraphCounts,
  type SampleGraphOptions,
  sampleNodeBatches,
  sampleRelationshipBatches,
  typeSampleProperties,
} from "../../scripts/sample-graph/index.js";

/** The first `count` batches of a generator, fully materialised. */
function firstBatches<T>(batches: Iterable<T[]>, count: number): T[][] {
  const taken: T[][] = [];
  for (const batch of batches) {
    taken.push(batch);
    if (taken.length === count) break;
  }
  return taken;
}

/** Counts a graph by walking the generators, the slow way `expectedCounts` must agree with. */
function countByWalking(options: SampleGraphOptions, batchSize: number): GraphCounts {
  const counts: GraphCounts = { nodes: 0, relationships: 0, labels: {}, types: {} };
  for (const batch of sampleNodeBatches(options, batchSize)) {
    for (const node of batch) {
      counts.nodes++;
      for (const label of node.labels) counts.labels[label] = (counts.labels[label] ?? 0) + 1;
    }
  }
  for (const batch of sampleRelationshipBatches(options, batchSize)) {
    for (const relationship of batch) {
      counts.relationships++;
      counts.types[relationship.type] = (counts.types[relationship.type] ?? 0) + 1;
    }
  }
  return counts;
}

describe("sample graph generation", () => {
  it("gives the same batches for the same options", () => {
    const options = { seed: 1234, nodes: 5000 };
    const first = firstBatches(sampleNodeBatches(options, 500), 3);
    const again = firstBatches(sampleNodeBatches(options, 500), 3);
    expect(equalValues(first, again)).toBe(true);
    const relationships = firstBatches(sampleRelationshipBatches(options, 500), 3);
    const relationshipsAgain = firstBatches(sampleRelationshipBatches(options, 500), 3);
    expect(equalValues(relationships, relationshipsAgain)).toBe(true);
  });

  it("derives every element from its key, whatever the batch size", () => {
    const options = { seed: 9, nodes: 700 };
    const small = [...sampleNodeBatches(options, 7)].flat();
    const large = [...sampleNodeBatches(options, 10_000)].flat();
    expect(small.map((node) => node.key)).toEqual(large.map((node) => node.key));
    expect(equalValues(small, large)).toBe(true);
  });

  it("gives a different graph for a different seed", () => {
    const [a] = firstBatches(sampleNodeBatches({ seed: 1, nodes: 100 }, 100), 1);
    const [b] = firstBatches(sampleNodeBatches({ seed: 2, nodes: 100 }, 100), 1);
    expect(equalValues(a, b)).toBe(false);
  });

  it("keeps one label set per node batch and one type per relationship batch", () => {
    const options = { nodes: 1000 };
    for (const batch of sampleNodeBatches(options, 64)) {
      expect(new Set(batch.map((node) => JSON.stringify(node.labels))).size).toBe(1);
    }
    for (const batch of sampleRelationshipBatches(options, 64)) {
      expect(new Set(batch.map((relationship) => relationship.type)).size).toBe(1);
    }
  });

  it.each([
    { nodes: 0 },
    { nodes: 1 },
    { nodes: 3, relationshipsPerNode: 1 },
    { nodes: 2500, seed: 5, relationshipsPerNode: 2.5 },
    { nodes: 999, special: false },
  ])("computes the counts of %o without walking the graph", (options) => {
    expect(expectedCounts(options)).toEqual(countByWalking(options, 100));
  });

  it("gives relationships whose endpoints are generated nodes", () => {
    const options = { nodes: 500 };
    const { nodes } = expectedCounts(options);
    for (const batch of sampleRelationshipBatches(options, 1000)) {
      for (const { start, end } of batch) {
        expect(start).toBeGreaterThanOrEqual(0);
        expect(start).toBeLessThan(nodes);
        expect(end).toBeGreaterThanOrEqual(0);
        expect(end).toBeLessThan(nodes);
      }
    }
  });

  it("rejects invalid options with a message naming the option", () => {
    expect(() => expectedCounts({ nodes: -1 })).toThrow(/nodes/);
    expect(() => expectedCounts({ nodes: 10, relationshipsPerNode: Number.NaN })).toThrow(
      /relationshipsPerNode/,
    );
    expect(() => sampleNodeBatches({ nodes: 10 }, 0).next()).toThrow(/batchSize/);
  });
});

describe("equalValues", () => {
  it("is type-exact", () => {
    expect(equalValues(neo4j.int(1), 1)).toBe(false);
    expect(equalValues(neo4j.int("9223372036854775807"), 9223372036854775807n)).toBe(true);
    expect(equalValues(Number.NaN, Number.NaN)).toBe(true);
    expect(equalValues(-0, 0)).toBe(false);
    expect(equalValues(new Int8Array([1]), new Uint8Array([1]))).toBe(false);
    expect(equalValues(new Int8Array([1]), [neo4j.int(1)])).toBe(false);
    expect(equalValues({ a: 1 }, { a: 1, b: 2 })).toBe(false);
  });

  it("compares temporal values by their type and every field", () => {
    const { DateTime } = neo4j.types;
    const zoned = new DateTime(2024, 1, 1, 0, 0, 0, 5, 3600, "Europe/Berlin");
    expect(equalValues(zoned, new DateTime(2024, 1, 1, 0, 0, 0, 5, 3600, "Europe/Berlin"))).toBe(true);
    expect(equalValues(zoned, new DateTime(2024, 1, 1, 0, 0, 0, 5, 3600))).toBe(false);
    expect(equalValues(zoned, new DateTime(2024, 1, 1, 0, 0, 0, 6, 3600, "Europe/Berlin"))).toBe(false);
    expect(
      equalValues(new neo4j.types.Date(2024, 1, 1), new neo4j.types.LocalDateTime(2024, 1, 1, 0, 0, 0, 0)),
    ).toBe(false);
  });

  it("holds for every type sample against a fresh copy", () => {
    expect(equalValues(typeSampleProperties({ vector: true }), typeSampleProperties({ vector: true }))).toBe(
      true,
    );
  });
});
