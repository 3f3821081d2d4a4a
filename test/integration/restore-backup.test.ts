import type { Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clearDatabase,
  detectCapabilities,
  escapeName,
  expectedCounts,
  loadSampleGraph,
  type ServerCapabilities,
} from "../../scripts/sample-graph/index.js";
import { createBackup } from "../../src/operations/create-backup.js";
import { restoreBackup } from "../../src/operations/restore-backup.js";
import { MemoryStorage } from "../../src/storage/memory.js";
import { fingerprintDatabase, verifyBackup } from "../../src/verify/verify-backup.js";
import { buildDocument, chunks, sampleNodes, V1_DOCUMENT } from "../support/documents.js";
import { FaultyStorage } from "../support/faulty-storage.js";
import { driverFor, testServers } from "../support/servers.js";

/** The schema of a database as a sorted list of names, for before/after comparisons. */
async function schemaNames(driver: Driver): Promise<string[]> {
  const i = await driver.executeQuery("SHOW INDEXES YIELD name RETURN collect(name) AS n");
  const c = await driver.executeQuery("SHOW CONSTRAINTS YIELD name RETURN collect(name) AS n");
  return [...(i.records[0]!.get("n") as string[]), ...(c.records[0]!.get("n") as string[])].sort();
}

const servers = testServers();

describe.each(servers)("restoreBackup on Neo4j $version ($label)", (server) => {
  let driver: Driver;
  let capabilities: ServerCapabilities;
  beforeAll(async () => {
    driver = driverFor(server);
    capabilities = await detectCapabilities(driver);
  });
  afterAll(async () => {
    await driver?.close();
  });

  async function sampleBackup(
    nodes = 1500,
  ): Promise<{ storage: MemoryStorage; name: string; fingerprint: string }> {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 11, nodes, capabilities });
    await driver.executeQuery(
      `CREATE INDEX ${escapeName("odd `index` name")} FOR (n:Function) ON (n.category)`,
    );
    await driver.executeQuery("CREATE CONSTRAINT fn_name FOR (n:Function) REQUIRE n.name IS UNIQUE");
    const storage = new MemoryStorage();
    const { name } = await createBackup({ driver, storage, reason: "restore test" });
    return { storage, name, fingerprint: (await fingerprintDatabase(driver)).total };
  }

  it("restores the sample graph into an emptied database, exactly, with its schema", async () => {
    const { storage, name, fingerprint } = await sampleBackup();
    const schemaBefore = await schemaNames(driver);
    await clearDatabase(driver);
    await driver.executeQuery(`DROP CONSTRAINT fn_name IF EXISTS`);
    const result = await restoreBackup({ driver, storage, name });
    expect(result.verification?.equal, result.verification?.differences.join("\n")).toBe(true);
    expect((await fingerprintDatabase(driver)).total).toBe(fingerprint);
    expect(await schemaNames(driver)).toEqual(schemaBefore);
    const expected = expectedCounts({ seed: 11, nodes: 1500, capabilities });
    expect(result).toMatchObject({
      nodeCount: expected.nodes,
      relationshipCount: expected.relationships,
      mode: "empty",
    });
  });

  it("refuses a target that holds data in empty mode, and changes nothing", async () => {
    const { storage, name, fingerprint } = await sampleBackup(200);
    await expect(restoreBackup({ driver, storage, name })).rejects.toMatchObject({
      code: "TARGET_NOT_EMPTY",
    });
    expect((await fingerprintDatabase(driver)).total).toBe(fingerprint);
  });

  it("replaces different data and takes a safety backup first", async () => {
    const { storage, name, fingerprint } = await sampleBackup(800);
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 99, nodes: 300, special: false });
    const result = await restoreBackup({ driver, storage, name, mode: "replace" });
    expect(result.verification?.equal).toBe(true);
    expect((await fingerprintDatabase(driver)).total).toBe(fingerprint);
    expect(result.safetyBackup).toMatch(/^safety_backup_/);
    expect(await storage.stat(result.safetyBackup!)).toBeDefined();
  });

  it("puts the previous contents back when a replace restore is aborted", async () => {
    const { storage, name } = await sampleBackup(3000);
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 5, nodes: 500, special: false });
    const before = await fingerprintDatabase(driver);
    const schemaBefore = await schemaNames(driver);
    const controller = new AbortController();
    const error = await restoreBackup({
      driver,
      storage,
      name,
      mode: "replace",
      batchSize: 500,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === "nodes" && p.nodes >= 1000) controller.abort();
      },
    }).catch((e) => e);
    expect(error.code).toBe("ABORTED");
    expect(error.details).toMatchObject({ rolledBack: true });
    expect((await fingerprintDatabase(driver)).total).toBe(before.total);
    expect(await schemaNames(driver)).toEqual(schemaBefore);
  });

  it("puts the previous contents back after a failure in the middle of a replace restore", async () => {
    const { storage, name } = await sampleBackup(3000);
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 5, nodes: 500, special: false });
    const before = await fingerprintDatabase(driver);
    // the first read (validation) succeeds; the second (writing) fails part-way
    const flaky = new FaultyStorage(storage, { only: name, fromRead: 2, failReadAfterBytes: 200_000 });
    const error = await restoreBackup({
      driver,
      storage: flaky,
      name,
      mode: "replace",
      batchSize: 200,
    }).catch((e) => e);
    expect(error.code, error.message).toBe("RESTORE_FAILED");
    expect(String(error.message)).toMatch(/injected read failure/);
    expect((await fingerprintDatabase(driver)).total).toBe(before.total);
  });

  it("refuses an invalid file before writing anything", async () => {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 3, nodes: 100, special: false });
    const before = await fingerprintDatabase(driver);
    const storage = new MemoryStorage();
    await storage.write("bad_20250101_000000.json", chunks(buildDocument().replace("0.85", "0.86")));
    const error = await restoreBackup({
      driver,
      storage,
      name: "bad_20250101_000000.json",
      mode: "replace",
    }).catch((e) => e);
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(String(error.message)).toMatch(/checksum/);
    expect((await fingerprintDatabase(driver)).total).toBe(before.total);
    expect((await storage.list()).map((s) => s.name)).toEqual(["bad_20250101_000000.json"]);
  });

  it("refuses dangling relationships unless told to skip them, and reports how many it skipped", async () => {
    await clearDatabase(driver);
    const storage = new MemoryStorage();
    const rels = [{ _id: 0, _type: "USES", _start_id: 0, _end_id: 42, properties: {} }];
    await storage.write("dangling_20250101_000000.json", chunks(buildDocument(sampleNodes, rels)));
    await expect(
      restoreBackup({ driver, storage, name: "dangling_20250101_000000.json" }),
    ).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
    });
    expect((await fingerprintDatabase(driver)).nodes).toBe(0);
    const result = await restoreBackup({
      driver,
      storage,
      name: "dangling_20250101_000000.json",
      allowDanglingRelationships: true,
    });
    expect(result).toMatchObject({ nodeCount: 3, relationshipCount: 0, skippedRelationships: 1 });
  });

  it("reports what the target cannot hold before writing anything", async () => {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 3, nodes: 50, special: false });
    const before = await fingerprintDatabase(driver);
    const storage = new MemoryStorage();
    const nodes = [
      ...sampleNodes,
      { _id: 8, _labels: ["Emb"], properties: { v: { $vector: { type: "FLOAT32", values: [1, 2] } } } },
    ];
    const document = buildDocument(nodes, [], (m) => {
      m.schema.constraints.push({
        name: "must_have_name",
        type: "NODE_PROPERTY_EXISTENCE",
        entity_type: "NODE",
        labels_or_types: ["Function"],
        properties: ["name"],
        property_type: null,
        options: null,
        create_statement: null,
      });
    });
    await storage.write("ent_20250101_000000.json", chunks(document));
    const outcome = await restoreBackup({
      driver,
      storage,
      name: "ent_20250101_000000.json",
      mode: "replace",
    }).catch((e) => e);
    const community = server.edition !== "enterprise";
    if (!community && capabilities.vector) {
      expect(outcome.verification?.equal).toBe(true); // this target can hold everything in the file
      return;
    }
    expect(outcome.code).toBe("UNSUPPORTED_TARGET");
    const message = String(outcome.message);
    if (community) expect(message).toMatch(/must_have_name.*Enterprise/);
    if (!capabilities.vector) expect(message).toMatch(/VECTOR/);
    expect((await fingerprintDatabase(driver)).total).toBe(before.total);
    expect((await storage.list()).length).toBe(1);
  });

  it("verifyBackup names what differs after the database changed", async () => {
    const { storage, name } = await sampleBackup(300);
    const same = await verifyBackup({ driver, storage, name });
    expect(same).toMatchObject({ equal: true, differences: [] });
    await driver.executeQuery("MATCH (n:Pattern) WITH n LIMIT 1 SET n.confidence = 0.123456");
    const changed = await verifyBackup({ driver, storage, name });
    expect(changed.equal).toBe(false);
    expect(changed.differences).toContain('content of nodes with label "Pattern" differs');
    await driver.executeQuery("MATCH (n:Template) WITH n LIMIT 1 DETACH DELETE n");
    const fewer = await verifyBackup({ driver, storage, name });
    expect(fewer.differences.some((d) => d.startsWith('nodes with label "Template"'))).toBe(true);
  });

  it("restores a version-1 file with best-effort types", async () => {
    await clearDatabase(driver);
    const storage = new MemoryStorage();
    await storage.write("ign_scripts_db_backup_20250128_143022.json", chunks(V1_DOCUMENT));
    const result = await restoreBackup({
      driver,
      storage,
      name: "ign_scripts_db_backup_20250128_143022.json",
    });
    expect(result.verification?.equal).toBe(true);
    const { records } = await driver.executeQuery(
      "MATCH (a:Function {name: 'system.tag.readBlocking'})-[r:CO_OCCURS_WITH]->(b) RETURN a.usage_count AS u, r.confidence AS c, r.created_at AS t, b.tags AS tags",
    );
    expect(records).toHaveLength(1);
    expect(records[0]!.get("u").toString()).toBe("142");
    expect(records[0]!.get("c")).toBe(0.85);
    expect(records[0]!.get("t")).toBe("2025-01-28T14:30:22");
    expect(records[0]!.get("tags")).toEqual(["a", "b"]);
  });
});

describe.runIf(servers.length >= 2)("restore across versions", () => {
  it.each([
    [0, 1],
    [1, 0],
  ])("a backup from server %i restores into server %i", async (from, to) => {
    const source = driverFor(servers[from]!);
    const target = driverFor(servers[to]!);
    try {
      const capabilities = { vector: false };
      await clearDatabase(source);
      await loadSampleGraph(source, { seed: 21, nodes: 700, capabilities });
      await source.executeQuery("CREATE TEXT INDEX fn_text FOR (n:Function) ON (n.description)");
      // index settings travel, and the verification compares them (a newer server adds settings)
      await source.executeQuery(
        "CREATE POINT INDEX place_location FOR (n:Place) ON (n.location) OPTIONS {indexConfig: {`spatial.cartesian.min`: [-10.0, -10.0], `spatial.cartesian.max`: [10.0, 10.0]}}",
      );
      // 5.26 does not know the vector settings of calendar releases (vector.quantization.type,
      // vector.default_search_expansion_factor) and refuses to create such an index: that way round
      // has no vector index
      if (servers[from]!.version.startsWith("5.") && !servers[to]!.version.startsWith("5."))
        await source.executeQuery(
          "CREATE VECTOR INDEX fn_embedding FOR (n:Function) ON (n.embedding) OPTIONS {indexConfig: {`vector.dimensions`: 4, `vector.similarity_function`: 'euclidean'}}",
        );
      const storage = new MemoryStorage();
      const { name } = await createBackup({ driver: source, storage, reason: "cross-version" });
      const fingerprint = (await fingerprintDatabase(source)).total;
      await clearDatabase(target);
      const result = await restoreBackup({
        driver: target,
        storage,
        name,
        mode: "replace",
        safetyBackup: false,
      });
      expect(result.verification?.equal, result.verification?.differences.join("\n")).toBe(true);
      expect((await fingerprintDatabase(target)).total).toBe(fingerprint);
    } finally {
      await source.close();
      await target.close();
    }
  });
});
