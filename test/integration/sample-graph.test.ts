/**
 * The sample graph in a real Neo4j: loaded exactly, type samples read back exactly, nothing left
 * behind, and cleared completely. Each test starts from an empty database.
 */
import type { Driver } from "neo4j-driver";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  clearDatabase,
  countsByLabelAndType,
  detectCapabilities,
  equalValues,
  expectedCounts,
  loadSampleGraph,
  type ServerCapabilities,
  typeSampleProperties,
} from "../../scripts/sample-graph/index.js";
import { driverFor, testServers } from "../support/servers.js";

describe.each(testServers())("sample graph in Neo4j $version ($label)", (server) => {
  let driver: Driver;
  let capabilities: ServerCapabilities;

  beforeAll(async () => {
    driver = driverFor(server);
    capabilities = await detectCapabilities(driver);
  });

  afterAll(async () => {
    await driver?.close();
  });

  beforeEach(async () => {
    await clearDatabase(driver);
  });

  it("loads exactly the expected counts per label and type", async () => {
    const options = { seed: 3, nodes: 4000, capabilities, batchSize: 1000 };
    const expected = expectedCounts(options);

    const loaded = await loadSampleGraph(driver, options);

    expect({ ...loaded, ms: 0 }).toEqual({ ...expected, ms: 0 });
    expect(await countsByLabelAndType(driver)).toEqual(expected);
  });

  it("reports progress up to the totals", async () => {
    const seen: string[] = [];
    const options = { nodes: 300, special: false, batchSize: 100 };
    const expected = expectedCounts(options);

    await loadSampleGraph(driver, {
      ...options,
      onProgress: (p) => seen.push(`${p.phase} ${p.done}/${p.total}`),
    });

    expect(seen).toContain(`nodes ${expected.nodes}/${expected.nodes}`);
    expect(seen.at(-1)).toBe(`relationships ${expected.relationships}/${expected.relationships}`);
  });

  it("reads back every type-sample property exactly, on nodes and relationships", async () => {
    await loadSampleGraph(driver, { nodes: 0, capabilities });
    const expected = typeSampleProperties(capabilities);
    const session = driver.session();
    try {
      const { records } = await session.run(
        "MATCH (n:TypeSample) RETURN properties(n) AS p UNION ALL MATCH ()-[r:TYPE_SAMPLE]->() RETURN properties(r) AS p",
      );
      expect(records).toHaveLength(5);
      for (const record of records) {
        const actual: Record<string, unknown> = record.get("p");
        expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
        const different = Object.keys(expected).filter((key) => !equalValues(actual[key], expected[key]));
        expect(different).toEqual([]);
      }
    } finally {
      await session.close();
    }
  });

  it("sends vectors exactly over Bolt 6, and the server stores them only when it has vector storage", async () => {
    const protocol = await driver.getNegotiatedProtocolVersion();
    const withoutVectors = typeSampleProperties({});
    const vectors = Object.fromEntries(
      Object.entries(typeSampleProperties({ vector: true })).filter(([key]) => !(key in withoutVectors)),
    );
    expect(Object.keys(vectors).length).toBeGreaterThan(0);
    if (protocol.getMajor() < 6) {
      // Bolt 5 has no vector type: the capability must say so
      expect(capabilities.vector).toBe(false);
      return;
    }
    const session = driver.session();
    try {
      const { records } = await session.run("RETURN $vectors AS vectors", { vectors });
      expect(equalValues(records[0]!.get("vectors"), vectors)).toBe(true);
      // The key is one the vector type samples use, so the token a failed write leaves is no stranger.
      const write = session.run("CREATE (n:VectorProbe) SET n.vector_float32 = $v", {
        v: vectors.vector_float32,
      });
      if (capabilities.vector) await expect(write).resolves.toBeDefined();
      else
        await expect(write).rejects.toMatchObject({
          code: "Neo.ClientError.Data.DataUnsupportedByStoreFormat",
        });
    } finally {
      await session.close();
    }
  });

  it("leaves no helper index, label or property behind", async () => {
    await loadSampleGraph(driver, { nodes: 200 });
    const session = driver.session();
    try {
      const indexes = await session.run(
        "SHOW INDEXES YIELD type WHERE type <> 'LOOKUP' RETURN count(*) AS n",
      );
      expect(indexes.records[0]!.get("n").toNumber()).toBe(0);
      const labels = await session.run("CALL db.labels() YIELD label RETURN collect(label) AS labels");
      expect([...labels.records[0]!.get("labels")].sort()).toEqual(
        Object.keys(expectedCounts({ nodes: 200 }).labels).sort(),
      );
    } finally {
      await session.close();
    }
  });

  it("clearDatabase leaves no nodes, relationships, indexes or constraints", async () => {
    await loadSampleGraph(driver, { nodes: 500 });
    const session = driver.session();
    try {
      await session.run("CREATE INDEX sample_graph_test_index IF NOT EXISTS FOR (n:Function) ON (n.name)");
      await session.run(
        "CREATE CONSTRAINT sample_graph_test_constraint IF NOT EXISTS FOR (n:Session) REQUIRE n.session_id IS UNIQUE",
      );
    } finally {
      await session.close();
    }

    await clearDatabase(driver);

    expect(await countsByLabelAndType(driver)).toEqual({ nodes: 0, relationships: 0, labels: {}, types: {} });
    const check = driver.session();
    try {
      const indexes = await check.run("SHOW INDEXES YIELD type WHERE type <> 'LOOKUP' RETURN count(*) AS n");
      expect(indexes.records[0]!.get("n").toNumber()).toBe(0);
      const constraints = await check.run("SHOW CONSTRAINTS YIELD name RETURN count(*) AS n");
      expect(constraints.records[0]!.get("n").toNumber()).toBe(0);
    } finally {
      await check.close();
    }
  });
});
