import fc from "fast-check";
import neo4j, { type Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clearDatabase,
  detectCapabilities,
  equalValues,
  expectedCounts,
  loadSampleGraph,
  type ServerCapabilities,
  typeSampleProperties,
} from "../../scripts/sample-graph/index.js";
import { BackupError } from "../../src/errors.js";
import { readBackupEvents } from "../../src/format/reader.js";
import type { NodeRecord } from "../../src/format/records.js";
import { decodeProperties } from "../../src/format/values.js";
import { createBackup } from "../../src/operations/create-backup.js";
import type { BackupStorage } from "../../src/storage/contract.js";
import { MemoryStorage } from "../../src/storage/memory.js";
import { validateBackup } from "../../src/validate/validate-backup.js";
import { FaultyStorage } from "../support/faulty-storage.js";
import { driverFor, testServers } from "../support/servers.js";

/** All node records of a stored backup, keyed by `_id`. */
async function readNodes(storage: BackupStorage, name: string): Promise<Map<number | string, NodeRecord>> {
  const nodes = new Map<number | string, NodeRecord>();
  for await (const event of readBackupEvents(await storage.read(name))) {
    if (event.kind === "node") {
      const record = event.value as NodeRecord;
      nodes.set(record._id, record);
    }
  }
  return nodes;
}

describe.each(testServers())("createBackup on Neo4j $version ($label)", (server) => {
  let driver: Driver;
  let capabilities: ServerCapabilities;

  beforeAll(async () => {
    driver = driverFor(server);
    capabilities = await detectCapabilities(driver);
  });

  afterAll(async () => {
    await driver?.close();
  });

  it("backs up the sample graph completely, and the file validates", async () => {
    await clearDatabase(driver);
    const options = { seed: 7, nodes: 2000, capabilities };
    await loadSampleGraph(driver, options);
    const expected = expectedCounts(options);
    const storage = new MemoryStorage();

    const result = await createBackup({ driver, storage, reason: "integration test" });

    expect(result).toMatchObject({
      nodeCount: expected.nodes,
      relationshipCount: expected.relationships,
      changedDuringBackup: false,
      skippedRelationships: 0,
    });
    expect(result.name).toMatch(/^neo4j_backup_\d{8}_\d{6}\.json$/);
    const report = await validateBackup({ storage, name: result.name });
    expect(report.problems).toEqual([]);
    expect(report.layout).toBe("lines");
    expect(report.labelCounts).toEqual(expected.labels);
    expect(report.relationshipTypeCounts).toEqual(expected.types);
    expect(report.checksum).toBe(result.checksum);
    expect(result.metadata).toMatchObject({
      format: "neo4j-backup",
      format_version: 2,
      reason: "integration test",
      backup_type: "full",
      database: "neo4j",
      server: { version: server.version, edition: server.edition },
    });
  });

  it("stores every property type exactly (type samples)", async () => {
    await clearDatabase(driver);
    const props = typeSampleProperties(capabilities);
    await driver.executeQuery("CREATE (n:TypeProbe) SET n = $props", { props });
    const storage = new MemoryStorage();
    const { name } = await createBackup({ driver, storage, reason: "types" });
    const [record] = [...(await readNodes(storage, name)).values()];
    const decoded = decodeProperties(record!.properties);
    const { records } = await driver.executeQuery("MATCH (n:TypeProbe) RETURN properties(n) AS p");
    const live = records[0]!.get("p") as Record<string, unknown>;
    expect(Object.keys(decoded).sort()).toEqual(Object.keys(props).sort());
    for (const key of Object.keys(props)) {
      expect(equalValues(decoded[key], live[key]), `property ${key}`).toBe(true);
      expect(equalValues(decoded[key], props[key]), `property ${key} against what was written`).toBe(true);
    }
  });

  it("round-trips generated values of every type exactly (property-based)", async () => {
    const scalar = fc.oneof(
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((b) => neo4j.int(b.toString())),
      fc.double(),
      fc.string({ unit: "grapheme" }),
      fc.boolean(),
      fc
        .integer({ min: 0, max: 86399 })
        .map(
          (s) => new neo4j.types.LocalTime(Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60, s * 7919),
        ),
      fc
        .tuple(
          fc.integer({ min: -9999, max: 9999 }),
          fc.integer({ min: 1, max: 12 }),
          fc.integer({ min: 1, max: 28 }),
        )
        .map(([y, m, d]) => new neo4j.types.Date(y, m, d)),
      fc
        .tuple(
          fc.integer({ min: 1900, max: 2100 }),
          fc.integer({ min: 0, max: 999_999_999 }),
          fc.integer({ min: -64800, max: 64800 }),
        )
        .map(([y, ns, off]) => new neo4j.types.DateTime(y, 3, 15, 12, 30, 45, ns, off - (off % 60))),
      fc
        .tuple(
          fc.integer({ min: -1000, max: 1000 }),
          fc.integer({ min: -1000, max: 1000 }),
          fc.integer({ min: -1e6, max: 1e6 }),
          fc.integer({ min: 0, max: 999_999_999 }),
        )
        .map(([mo, d, s, ns]) => new neo4j.types.Duration(mo, d, s, ns)),
      fc
        .tuple(
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          fc.double({ noNaN: true, noDefaultInfinity: true }),
        )
        .map(([x, y]) => new neo4j.types.Point(7203, x, y)),
      fc.uint8Array({ maxLength: 64 }).map((a) => new Int8Array(a.buffer, a.byteOffset, a.length)),
    );
    const value = fc.oneof(
      scalar,
      fc.array(fc.double(), { maxLength: 5 }),
      fc.array(fc.string(), { maxLength: 5 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(value, { minLength: 1, maxLength: 12 }), async (values) => {
        await clearDatabase(driver);
        const props = Object.fromEntries(values.map((v, i) => [`p${i}`, v]));
        await driver.executeQuery("CREATE (n:Gen) SET n = $props", { props });
        const storage = new MemoryStorage();
        const { name } = await createBackup({ driver, storage, reason: "property-based" });
        const [record] = [...(await readNodes(storage, name)).values()];
        const decoded = decodeProperties(record!.properties);
        const { records } = await driver.executeQuery("MATCH (n:Gen) RETURN properties(n) AS p");
        const live = records[0]!.get("p") as Record<string, unknown>;
        for (const key of Object.keys(live)) {
          if (!equalValues(decoded[key], live[key])) {
            throw new Error(`${key}: file ${String(decoded[key])} != live ${String(live[key])}`);
          }
        }
        return Object.keys(decoded).length === Object.keys(live).length;
      }),
      { numRuns: 25 },
    );
  });

  it("publishes nothing when aborted", async () => {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { nodes: 20_000, special: false });
    const storage = new MemoryStorage();
    const controller = new AbortController();
    const promise = createBackup({
      driver,
      storage,
      reason: "abort",
      signal: controller.signal,
      onProgress: (p) => {
        if (p.nodes >= 5000) controller.abort();
      },
    });
    await expect(promise).rejects.toMatchObject({ code: "ABORTED" });
    expect(await storage.list()).toEqual([]);
  });

  it("an abort as the nodes are about to be read leaves the driver ready for the next backup", async () => {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { nodes: 6000, special: false });
    const storage = new MemoryStorage();
    const controller = new AbortController();
    const promise = createBackup({
      driver,
      storage,
      reason: "abort",
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === "nodes") controller.abort();
      },
    });
    await expect(promise).rejects.toMatchObject({ code: "ABORTED" });
    const next = await createBackup({ driver, storage, reason: "after the abort" });
    expect(next.nodeCount).toBeGreaterThan(0);
  });

  it("publishes nothing when the storage fails mid-write, and says so", async () => {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { nodes: 500, special: false });
    const memory = new MemoryStorage();
    const failing = new FaultyStorage(memory, { failWriteAfterBytes: 10_000 });
    await expect(createBackup({ driver, storage: failing, reason: "fail" })).rejects.toMatchObject({
      code: "STORAGE",
    });
    expect(await memory.list()).toEqual([]);
  });

  it("stays referentially intact and records the change when the graph is written during the backup", async () => {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { nodes: 20_000, special: false });
    const storage = new MemoryStorage();
    let writes: Promise<unknown> | undefined;
    const result = await createBackup({
      driver,
      storage,
      reason: "concurrent",
      onProgress: (p) => {
        if (p.phase === "nodes" && p.nodes >= 5000 && !writes) {
          // new nodes linked to existing ones, committed while the node scan is running
          writes = driver.executeQuery(
            "UNWIND range(1, 200) AS i MATCH (f:Function) WITH f, i LIMIT 200 CREATE (f)-[:USES]->(:Late {i: i})",
          );
        }
      },
    });
    await writes;
    expect(result.changedDuringBackup).toBe(true);
    const report = await validateBackup({ storage, name: result.name });
    expect(report.problems).toEqual([]);
    expect(report.danglingRelationships).toBe(0);
  });

  it("refuses a driver that loses integer precision", async () => {
    const lossy = neo4j.driver(server.uri, neo4j.auth.basic(server.username, server.password), {
      disableLosslessIntegers: true,
    });
    try {
      await expect(
        createBackup({ driver: lossy, storage: new MemoryStorage(), reason: "x" }),
      ).rejects.toMatchObject({
        code: "DRIVER_CONFIG",
      });
    } finally {
      await lossy.close();
    }
  });

  it("reports refused credentials without the password", async () => {
    const secret = "not-the-password-Zq9";
    const bad = neo4j.driver(server.uri, neo4j.auth.basic(server.username, secret));
    try {
      const error = await createBackup({ driver: bad, storage: new MemoryStorage(), reason: "x" }).catch(
        (e) => e,
      );
      expect(error).toBeInstanceOf(BackupError);
      expect(error.code).toBe("AUTHENTICATION");
      expect(String(error.message)).not.toContain(secret);
    } finally {
      await bad.close();
    }
  });
});
