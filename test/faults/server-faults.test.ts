/**
 * The network and the server failing under a running backup or restore: a connection cut by a
 * proxy, a server stopped. A clear error every time, and the same guarantees as for a crash.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import neo4j, { type Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNeo4j } from "../../scripts/neo4j/server.mjs";
import { clearDatabase, loadSampleGraph } from "../../scripts/sample-graph/index.js";
import {
  BackupError,
  createBackup,
  FileSystemStorage,
  fingerprintDatabase,
  readIndex,
  recoverInterruptedRestore,
  restoreBackup,
  validateBackup,
} from "../../src/index.js";
import { driverFor, testServers } from "../support/servers.js";
import { type CuttableProxy, startProxy } from "./support/proxy.js";
import { runScenario } from "./support/results.js";

const PASSWORD = "neo4j-backup-test";

function quickDriver(uri: string, password = PASSWORD): Driver {
  return neo4j.driver(uri, neo4j.auth.basic("neo4j", password), {
    maxTransactionRetryTime: 2000,
    connectionAcquisitionTimeout: 5000,
    connectionTimeout: 3000,
  });
}

/** Runs `work` with a driver whose connections go through a proxy that can cut them. */
async function throughProxy(
  uri: string,
  password: string,
  work: (proxy: CuttableProxy, driver: Driver) => Promise<void>,
): Promise<void> {
  const proxy = await startProxy(uri);
  const viaProxy = quickDriver(proxy.uri, password);
  try {
    await work(proxy, viaProxy);
  } finally {
    await viaProxy.close();
    await proxy.close();
  }
}

async function expectOnlyValid(storage: FileSystemStorage, expected: string[]): Promise<void> {
  const names = (await storage.list()).map((f) => f.name).sort();
  expect(names).toEqual([...expected].sort());
  for (const name of names) expect((await validateBackup({ storage, name })).valid).toBe(true);
}

describe.each(testServers())("connection lost on Neo4j $version ($label)", (server) => {
  let driver: Driver;
  let root: string;

  beforeAll(async () => {
    driver = driverFor(server);
    root = await mkdtemp(join(tmpdir(), "neo4j-backup-net-"));
  });

  afterAll(async () => {
    await driver?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("a connection cut during a backup: CONNECTION error, nothing published, the previous backup kept", async () => {
    const cutAt = [
      { label: "nodes", phase: "nodes", nodes: 5000, relationships: 0 },
      { label: "early relationships", phase: "relationships", nodes: 0, relationships: 5000 },
      { label: "late relationships", phase: "relationships", nodes: 0, relationships: 25_000 },
    ];
    await runScenario("network.backup", server.version, cutAt.length, async (scenario) => {
      await clearDatabase(driver);
      await loadSampleGraph(driver, { seed: 51, nodes: 12_000, special: false });
      for (const [i, at] of cutAt.entries()) {
        await scenario.trial(`cut at ${at.label}`, async () => {
          const storage = new FileSystemStorage({ directory: join(root, `backup-${i}`) });
          const previous = await createBackup({ driver, storage, reason: "previous" });
          await throughProxy(server.uri, server.password, async (proxy, viaProxy) => {
            const error = await createBackup({
              driver: viaProxy,
              storage,
              reason: "cut",
              onProgress: (p) => {
                if (p.phase === at.phase && p.nodes >= at.nodes && p.relationships >= at.relationships)
                  proxy.cut();
              },
            }).catch((e) => e);
            expect(error).toBeInstanceOf(BackupError);
            expect(error.code).toBe("CONNECTION");
            expect(error.message).toMatch(/connection/i);
            expect(error.message).not.toContain(server.password);
            await expectOnlyValid(storage, [previous.name]);
          });
        });
      }
      return undefined;
    });
  });

  it("a connection cut during a replace restore: a failed restore leaves exactly the previous contents once it is back, a restore that went through leaves the complete restore", async () => {
    const trials = [
      { label: "cut for good at nodes", phase: "nodes", count: 600, healAfterMs: null },
      { label: "cut for good at relationships", phase: "relationships", count: 600, healAfterMs: null },
      { label: "cut for 300 ms at nodes", phase: "nodes", count: 1000, healAfterMs: 300 },
      { label: "cut for 300 ms at relationships", phase: "relationships", count: 1200, healAfterMs: 300 },
    ];
    await runScenario("network.restore", server.version, trials.length, async (scenario) => {
      await clearDatabase(driver);
      await loadSampleGraph(driver, { seed: 52, nodes: 2000, special: false });
      const printB = (await fingerprintDatabase(driver)).total;
      const storage = new FileSystemStorage({ directory: join(root, "restore") });
      const source = await createBackup({ driver, storage, reason: "source", prefix: "source" });
      const ends: string[] = [];
      for (const trial of trials) {
        await scenario.trial(trial.label, async () => {
          await clearDatabase(driver);
          await loadSampleGraph(driver, { seed: 53, nodes: 1500, special: false });
          const printA = (await fingerprintDatabase(driver)).total;
          let cut = false;
          await throughProxy(server.uri, server.password, async (proxy, viaProxy) => {
            const outcome = await restoreBackup({
              driver: viaProxy,
              storage,
              name: source.name,
              mode: "replace",
              batchSize: 200,
              onProgress: (p) => {
                const n = p.phase === "nodes" ? p.nodes : p.relationships;
                if (!cut && p.phase === trial.phase && n >= trial.count) {
                  cut = true;
                  proxy.cut();
                  if (trial.healAfterMs !== null) setTimeout(() => proxy.heal(), trial.healAfterMs);
                }
              },
            }).catch((e) => e);
            expect(cut, trial.label).toBe(true);
            if (outcome instanceof Error) {
              expect(outcome, trial.label).toBeInstanceOf(BackupError);
              expect(["CONNECTION", "RESTORE_FAILED", "ROLLBACK_FAILED"], trial.label).toContain(
                (outcome as BackupError).code,
              );
              if ((outcome as BackupError).code === "ROLLBACK_FAILED")
                expect(outcome.message).toMatch(/safety_backup_/);
              expect(outcome.message).not.toContain(server.password);
            }
            proxy.heal();
            await recoverInterruptedRestore({ driver, storage });
            const now = (await fingerprintDatabase(driver)).total;
            // the documented outcome of each: a restore that failed is undone, one that returned is complete
            expect(
              now,
              `${trial.label}: ${outcome instanceof Error ? "previous contents" : "complete restore"}`,
            ).toBe(outcome instanceof Error ? printA : printB);
            expect((await readIndex(storage)).pendingRestores).toEqual([]);
            ends.push(
              `${trial.label}: ${outcome instanceof Error ? (outcome as BackupError).code : "restored"} → ${now === printA ? "previous" : "complete"}`,
            );
          });
        });
      }
      return ends.join("; ");
    });
  });
});

describe("server stopped (a server of its own)", () => {
  let root: string;
  let home: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "neo4j-backup-stop-"));
    home = join(root, "home");
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("stopped during a backup and during a replace restore: clear errors; after a restart nothing is lost", async () => {
    await runScenario("server.stopped", "own 5.26", 2, async (scenario) => {
      let neo = await startNeo4j({ line: "5.26", home, password: PASSWORD, heap: "512m", pageCache: "128m" });
      scenario.serverVersion(neo.version);
      let driver = quickDriver(neo.uri);
      const restart = async () => {
        await driver.close();
        neo = await startNeo4j({ line: "5.26", home, password: PASSWORD, heap: "512m", pageCache: "128m" });
        driver = quickDriver(neo.uri);
      };
      try {
        await scenario.trial("stopped during a backup", async () => {
          await loadSampleGraph(driver, { seed: 61, nodes: 12_000, special: false });
          const before = (await fingerprintDatabase(driver)).total;
          const storage = new FileSystemStorage({ directory: join(root, "backups") });
          const previous = await createBackup({ driver, storage, reason: "previous" });
          let stopping: Promise<void> | undefined;
          const error = await createBackup({
            driver,
            storage,
            reason: "stopped",
            onProgress: (p) => {
              if (!stopping && p.phase === "relationships" && p.relationships >= 5000) stopping = neo.stop();
            },
          }).catch((e) => e);
          await stopping;
          expect(error).toBeInstanceOf(BackupError);
          expect(error.code).toBe("CONNECTION");
          expect(error.message).not.toContain(PASSWORD);
          await restart();
          expect((await fingerprintDatabase(driver)).total).toBe(before);
          await expectOnlyValid(storage, [previous.name]);
        });
        await scenario.trial("stopped during a replace restore", async () => {
          const other = new FileSystemStorage({ directory: join(root, "other") });
          await clearDatabase(driver);
          await loadSampleGraph(driver, { seed: 62, nodes: 2000, special: false });
          const source = await createBackup({ driver, storage: other, reason: "source", prefix: "source" });
          await clearDatabase(driver);
          await loadSampleGraph(driver, { seed: 63, nodes: 1500, special: false });
          const printA = (await fingerprintDatabase(driver)).total;
          let stopping: Promise<void> | undefined;
          const failed = await restoreBackup({
            driver,
            storage: other,
            name: source.name,
            mode: "replace",
            batchSize: 200,
            onProgress: (p) => {
              if (!stopping && p.phase === "nodes" && p.nodes >= 800) stopping = neo.stop();
            },
          }).catch((e) => e);
          await stopping;
          expect(failed).toBeInstanceOf(BackupError);
          expect(failed.code).toBe("ROLLBACK_FAILED");
          expect(failed.message).toMatch(/safety_backup_\d{8}_\d{6}\.json/);
          expect(failed.message).not.toContain(PASSWORD);
          expect((await readIndex(other)).pendingRestores).toMatchObject([{ name: source.name }]);
          await restart();
          const recovered = await recoverInterruptedRestore({ driver, storage: other });
          expect(recovered?.outcome).toBe("previous-contents");
          expect((await fingerprintDatabase(driver)).total).toBe(printA);
        });
      } finally {
        await driver.close();
        await neo.stop();
      }
      return undefined;
    });
  });
});
