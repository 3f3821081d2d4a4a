import type { Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearDatabase, escapeName } from "../../scripts/sample-graph/index.js";
import { createBackup } from "../../src/operations/create-backup.js";
import { MemoryStorage } from "../../src/storage/memory.js";
import { driverFor, testServers } from "../support/servers.js";

describe.each(testServers())("schema export on Neo4j $version ($label)", (server) => {
  let driver: Driver;
  beforeAll(() => {
    driver = driverFor(server);
  });
  afterAll(async () => {
    await clearDatabase(driver);
    await driver?.close();
  });

  it("exports every index kind and every constraint kind the edition supports, with names and options", async () => {
    await clearDatabase(driver);
    const odd = "idx `with` backtick & space";
    const statements = [
      "CREATE RANGE INDEX range_node FOR (n:Function) ON (n.category)",
      "CREATE RANGE INDEX range_rel FOR ()-[r:USES]-() ON (r.count)",
      "CREATE TEXT INDEX text_node FOR (n:Function) ON (n.description)",
      "CREATE TEXT INDEX text_rel FOR ()-[r:USES]-() ON (r.note)",
      "CREATE POINT INDEX point_node FOR (n:Place) ON (n.location)",
      "CREATE FULLTEXT INDEX fulltext_node FOR (n:Function|Template) ON EACH [n.name, n.description]",
      "CREATE FULLTEXT INDEX fulltext_rel FOR ()-[r:USES]-() ON EACH [r.note]",
      "CREATE VECTOR INDEX vector_node FOR (n:Function) ON (n.embedding) OPTIONS {indexConfig: {`vector.dimensions`: 4, `vector.similarity_function`: 'cosine'}}",
      `CREATE RANGE INDEX ${escapeName(odd)} FOR (n:${escapeName("Über Label")}) ON (n.${escapeName("a`b")})`,
      "CREATE CONSTRAINT unique_node FOR (n:Function) REQUIRE n.name IS UNIQUE",
      "CREATE CONSTRAINT unique_rel FOR ()-[r:CO_OCCURS_WITH]-() REQUIRE r.key IS UNIQUE",
    ];
    const enterprise = server.edition === "enterprise";
    if (enterprise) {
      statements.push(
        "CREATE CONSTRAINT exists_node FOR (n:Function) REQUIRE n.category IS NOT NULL",
        "CREATE CONSTRAINT exists_rel FOR ()-[r:USES]-() REQUIRE r.count IS NOT NULL",
        "CREATE CONSTRAINT key_node FOR (n:Template) REQUIRE (n.name, n.version) IS NODE KEY",
        "CREATE CONSTRAINT key_rel FOR ()-[r:MATCHES]-() REQUIRE r.key IS RELATIONSHIP KEY",
        "CREATE CONSTRAINT type_node FOR (n:Pattern) REQUIRE n.confidence IS :: FLOAT",
        "CREATE CONSTRAINT type_rel FOR ()-[r:MATCHES]-() REQUIRE r.score IS :: INTEGER",
      );
    }
    for (const statement of statements) await driver.executeQuery(statement);
    await driver.executeQuery("CALL db.awaitIndexes(300)");

    const { metadata } = await createBackup({ driver, storage: new MemoryStorage(), reason: "schema" });
    const indexes = new Map(metadata.schema.indexes.map((i) => [i.name, i]));
    const constraints = new Map(metadata.schema.constraints.map((c) => [c.name, c]));

    expect(indexes.get("range_node")).toMatchObject({
      type: "RANGE",
      entity_type: "NODE",
      labels_or_types: ["Function"],
      properties: ["category"],
    });
    expect(indexes.get("range_rel")).toMatchObject({
      type: "RANGE",
      entity_type: "RELATIONSHIP",
      labels_or_types: ["USES"],
    });
    expect(indexes.get("text_node")?.type).toBe("TEXT");
    expect(indexes.get("text_rel")?.entity_type).toBe("RELATIONSHIP");
    expect(indexes.get("point_node")?.type).toBe("POINT");
    expect(indexes.get("fulltext_node")).toMatchObject({
      type: "FULLTEXT",
      labels_or_types: ["Function", "Template"],
      properties: ["name", "description"],
    });
    expect(indexes.get("fulltext_rel")?.type).toBe("FULLTEXT");
    const vectorIndex = indexes.get("vector_node");
    expect(vectorIndex?.type).toBe("VECTOR");
    const vectorConfig = (vectorIndex!.options as { indexConfig: Record<string, unknown> }).indexConfig;
    expect(vectorConfig["vector.dimensions"]).toBe(4);
    expect(vectorConfig["vector.similarity_function"]).toMatch(/cosine/i);
    expect(indexes.get(odd)).toMatchObject({ labels_or_types: ["Über Label"], properties: ["a`b"] });
    expect(
      [...indexes.values()]
        .filter((i) => i.type === "LOOKUP")
        .map((i) => i.entity_type)
        .sort(),
    ).toEqual(["NODE", "RELATIONSHIP"]);
    // indexes owned by constraints are recreated by the constraint, so they are not exported
    expect(indexes.has("unique_node")).toBe(false);

    expect(constraints.get("unique_node")).toMatchObject({
      entity_type: "NODE",
      labels_or_types: ["Function"],
      properties: ["name"],
    });
    expect(constraints.get("unique_node")?.type).toMatch(/UNIQUENESS/);
    expect(constraints.get("unique_rel")).toMatchObject({
      entity_type: "RELATIONSHIP",
      labels_or_types: ["CO_OCCURS_WITH"],
    });
    if (enterprise) {
      for (const name of ["exists_node", "exists_rel", "key_node", "key_rel", "type_node", "type_rel"]) {
        expect(constraints.has(name), name).toBe(true);
      }
      expect(constraints.get("type_node")?.property_type).toBe("FLOAT");
    }
    expect(constraints.size).toBe(enterprise ? 8 : 2);
  });
});
