import neo4j, { type Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clearDatabase,
  detectCapabilities,
  expectedCounts,
  loadSampleGraph,
  type ServerCapabilities,
} from "../../scripts/sample-graph/index.js";
import { BackupError } from "../../src/errors.js";
import type { Logger } from "../../src/logger.js";
import { createBackup } from "../../src/operations/create-backup.js";
import { restoreBackup } from "../../src/operations/restore-backup.js";
import { MemoryStorage } from "../../src/storage/memory.js";
import { validateBackup } from "../../src/validate/validate-backup.js";
import { verifyBackup } from "../../src/verify/verify-backup.js";
import { driverFor, type TestServer, testServers } from "../support/servers.js";
import type { WorkerDriverData } from "../support/worker-driver.js";

const DRIVER_MODULE = new URL("../support/worker-driver.ts", import.meta.url);

/** A logger that keeps the messages it was given. */
function recordingLogger(): Logger & { messages: string[] } {
  const messages: string[] = [];
  const log = (_fields: unknown, message?: string) => {
    if (message) messages.push(message);
  };
  return { messages, info: log, warn: log, error: log, debug: log } as Logger & { messages: string[] };
}

/** The file without its first line (the metadata: times and durations differ between two backups). */
async function recordsOf(storage: MemoryStorage, name: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await storage.read(name)) chunks.push(Buffer.from(chunk));
  const text = Buffer.concat(chunks).toString("utf8");
  const lines = text.split("\n");
  // the statistics line holds the metadata checksum (times again): compared apart
  return lines.slice(1, -2).join("\n");
}

function driverData(server: TestServer): WorkerDriverData {
  return { uri: server.uri, username: server.username, password: server.password };
}

describe.each(testServers())("parallel backup on Neo4j $version ($label)", (server) => {
  let driver: Driver;
  let capabilities: ServerCapabilities;

  beforeAll(async () => {
    driver = driverFor(server);
    capabilities = await detectCapabilities(driver);
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 11, nodes: 1500, capabilities });
  });

  afterAll(async () => {
    await driver?.close();
  });

  it("reads on worker threads and writes the same records as one thread, in the same order", async () => {
    const expected = expectedCounts({ seed: 11, nodes: 1500, capabilities });
    const storage = new MemoryStorage();
    const one = await createBackup({ driver, storage, reason: "one thread", keep: Number.POSITIVE_INFINITY });
    const logger = recordingLogger();
    const parallel = await createBackup({
      driver,
      storage,
      reason: "parallel",
      keep: Number.POSITIVE_INFINITY,
      logger,
      parallel: { driverModule: DRIVER_MODULE, driverData: driverData(server), threads: 3, rangeSize: 97 },
    });

    expect(logger.messages).toContain("backup reads on worker threads");
    expect(parallel).toMatchObject({
      nodeCount: expected.nodes,
      relationshipCount: expected.relationships,
      skippedRelationships: 0,
      checksum: one.checksum,
    });
    expect(await recordsOf(storage, parallel.name)).toBe(await recordsOf(storage, one.name));
    const report = await validateBackup({ storage, name: parallel.name });
    expect(report.problems).toEqual([]);
    expect(report.labelCounts).toEqual(expected.labels);
    expect(report.relationshipTypeCounts).toEqual(expected.types);
  });

  it("a parallel snapshot and a parallel zstd file hold the same records as one thread's", async () => {
    const storage = new MemoryStorage();
    const parallel = {
      driverModule: DRIVER_MODULE,
      driverData: driverData(server),
      threads: 2,
      rangeSize: 300,
    };
    const keep = Number.POSITIVE_INFINITY;
    const one = await createBackup({ driver, storage, reason: "one thread", keep });
    const snapshot = await createBackup({
      driver,
      storage,
      reason: "snapshot",
      keep,
      snapshot: true,
      parallel,
    });
    const zstd = await createBackup({ driver, storage, reason: "zstd", keep, compression: "zstd", parallel });
    expect(snapshot.name).toMatch(/\.snapshot$/);
    expect(zstd.name).toMatch(/\.json\.zst$/);
    for (const made of [snapshot, zstd]) {
      expect(made.checksum, made.name).toBe(one.checksum);
      expect((await validateBackup({ storage, name: made.name })).problems, made.name).toEqual([]);
    }
  });

  it("verifies on worker threads with the fingerprint of one thread, and finds a changed property", async () => {
    const storage = new MemoryStorage();
    const { name } = await createBackup({ driver, storage, reason: "to verify" });
    const parallel = {
      driverModule: DRIVER_MODULE,
      driverData: driverData(server),
      threads: 2,
      rangeSize: 128,
    };
    const logger = recordingLogger();
    const one = await verifyBackup({ driver, storage, name });
    const two = await verifyBackup({ driver, storage, name, parallel, logger });
    expect(logger.messages).toContain("fingerprint reads on worker threads");
    expect(two.equal).toBe(true);
    expect(two.database).toEqual(one.database);

    const changed = await driver.executeQuery(
      "MATCH (n:Function) WITH n ORDER BY id(n) DESC LIMIT 1 SET n.parallel_probe = 1 RETURN id(n) AS id",
    );
    try {
      const [serial, onWorkers] = [
        await verifyBackup({ driver, storage, name }),
        await verifyBackup({ driver, storage, name, parallel }),
      ];
      expect(onWorkers.equal).toBe(false);
      expect(onWorkers.database).toEqual(serial.database);
      expect(onWorkers.differences).toEqual(serial.differences);
      expect(onWorkers.firstDifference).toEqual(serial.firstDifference);
      expect(onWorkers.firstDifference?.kind).toBe("node");
      expect(changed.records).toHaveLength(1);
    } finally {
      await driver.executeQuery("MATCH (n) WHERE n.parallel_probe IS NOT NULL REMOVE n.parallel_probe");
    }
  });

  it("a replace restore with parallel takes its safety backup and verifies on worker threads", async () => {
    const storage = new MemoryStorage();
    const { name } = await createBackup({
      driver,
      storage,
      reason: "to restore",
      keep: Number.POSITIVE_INFINITY,
    });
    const logger = recordingLogger();
    const restored = await restoreBackup({
      driver,
      storage,
      name,
      mode: "replace",
      logger,
      parallel: { driverModule: DRIVER_MODULE, driverData: driverData(server), threads: 2, rangeSize: 256 },
    });
    expect(restored.verification?.equal).toBe(true);
    expect(logger.messages).toContain("backup reads on worker threads");
    expect(logger.messages).toContain("fingerprint reads on worker threads");
    const safety = await validateBackup({ storage, name: restored.safetyBackup! });
    expect(safety.problems).toEqual([]);
  });

  it("says which driver module could not be loaded, and publishes nothing", async () => {
    const storage = new MemoryStorage();
    const missing = new URL("../support/no-such-driver.mjs", import.meta.url);
    const failure = await createBackup({
      driver,
      storage,
      reason: "missing module",
      parallel: { driverModule: missing, driverData: driverData(server), rangeSize: 100 },
    }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(BackupError);
    expect((failure as BackupError).code).toBe("INVALID_OPTIONS");
    expect((failure as BackupError).message).toContain(
      `parallel.driverModule ${missing.href} could not be loaded`,
    );
    expect(await storage.list()).toEqual([]);
  });

  it("stops its workers and their reads when aborted, and publishes nothing", async () => {
    const storage = new MemoryStorage();
    const controller = new AbortController();
    const failure = await createBackup({
      driver,
      storage,
      reason: "aborted",
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.phase === "relationships") controller.abort();
      },
      parallel: { driverModule: DRIVER_MODULE, driverData: driverData(server), threads: 2, rangeSize: 50 },
    }).catch((error: unknown) => error);

    expect((failure as BackupError).code).toBe("ABORTED");
    expect(await storage.list()).toEqual([]);
    // the workers' read transactions end with them: only the query asking is left
    const session = driver.session({ database: "neo4j" });
    try {
      let open = Number.POSITIVE_INFINITY;
      for (let attempt = 0; attempt < 50 && open > 1; attempt++) {
        const result = await session.run("SHOW TRANSACTIONS YIELD transactionId RETURN count(*) AS open");
        open = neo4j.integer.toNumber(result.records[0]!.get("open"));
        if (open > 1) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(open).toBe(1);
    } finally {
      await session.close();
    }
  });
});

// two servers in one run (CI runs both lines): a worker driver made for the other one
describe.runIf(testServers().length > 1)("parallel backup with a driver module for another server", () => {
  it("is refused before anything is written, naming both databases", async () => {
    const [server, other] = testServers() as [TestServer, TestServer];
    const driver = driverFor(server);
    try {
      const storage = new MemoryStorage();
      const failure = await createBackup({
        driver,
        storage,
        reason: "misconfigured",
        parallel: { driverModule: DRIVER_MODULE, driverData: driverData(other), threads: 2, rangeSize: 100 },
      }).catch((error: unknown) => error);

      expect(failure).toBeInstanceOf(BackupError);
      expect((failure as BackupError).code).toBe("INVALID_OPTIONS");
      expect((failure as BackupError).message).toMatch(
        /a worker's driver reaches database neo4j \(id [0-9a-f-]+\), not neo4j \(id [0-9a-f-]+\)/i,
      );
      expect(await storage.list()).toEqual([]);
    } finally {
      await driver.close();
    }
  });
});
