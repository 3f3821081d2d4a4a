/**
 * Snapshots under faults: kill -9 while a snapshot is written and while a prune removes chunks,
 * two processes taking snapshots and pruning one bucket at once, and a chunk deleted or changed
 * under a snapshot that is then restored. After each: every listed snapshot is whole, the only
 * debris is unreferenced chunks that the next prune removes, and nothing is written to a database
 * from a damaged snapshot.
 */
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearDatabase, loadSampleGraph } from "../../scripts/sample-graph/index.js";
import { readManifest } from "../../src/codec/snapshot/read.js";
import {
  type BackupStorage,
  checkSnapshots,
  countGraph,
  createBackup,
  FileSystemStorage,
  fingerprintDatabase,
  forgetBackups,
  listBackups,
  pruneChunks,
  restoreBackup,
  validateBackup,
} from "../../src/index.js";
import { collectChunks } from "../../src/storage/chunk-table.js";
import { runCrashWorker } from "../support/crash.js";
import { newS3Storage, removePrefix, s3Options } from "../support/s3.js";
import { driverFor, type TestServer, testServers } from "../support/servers.js";
import type { KillPoint } from "./support/killing-storage.js";
import { runScenario } from "./support/results.js";

const SNAPSHOT = JSON.stringify({ snapshot: true, compression: "zstd", keep: 1 });

const SNAPSHOT_POINTS: KillPoint[] = [
  { label: "mid-nodes", progress: { phase: "nodes", nodes: 4000 } },
  { label: "mid-relationships", progress: { phase: "relationships", relationships: 8000 } },
  { label: "first chunk stored", putChunk: { nth: 1, when: "after" } },
  { label: "many chunks stored", putChunk: { nth: 12, when: "before" } },
  { label: "writing the manifest", write: { prefix: "neo4j_backup", afterBytes: 1 } },
  { label: "published, index not yet written", writeIndex: { nth: 1, when: "before" } },
  { label: "checked, older snapshot being removed", remove: true },
];

const PRUNE_POINTS: KillPoint[] = [
  { label: "before the first removal", removeChunk: { nth: 1 } },
  { label: "part-way", removeChunk: { nth: 2 } },
];

/** Every chunk id the snapshots of `storage` reference. */
async function referenced(storage: FileSystemStorage | BackupStorage): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const file of await storage.list()) {
    if (!file.name.endsWith(".snapshot")) continue;
    for (const [id] of (await readManifest(storage, file.name)).chunks) ids.add(id);
  }
  return ids;
}

/** Every snapshot listed validates; returns their names. */
async function expectSnapshotsValid(storage: BackupStorage, label: string): Promise<string[]> {
  const names = (await storage.list()).map((f) => f.name).filter((n) => n.endsWith(".snapshot"));
  for (const name of names) {
    const report = await validateBackup({ storage, name });
    expect(report.valid, `${label}: ${name} ${JSON.stringify(report.problems)}`).toBe(true);
  }
  return names;
}

async function killAt(server: TestServer, mode: string, point: KillPoint, directory: string) {
  const run = await runCrashWorker(server, mode, point, { directory }, [], { CRASH_CODEC: SNAPSHOT });
  expect(run.out, point.label).toContain(`killed:${point.label}`);
  expect(run.signal, point.label).toBe("SIGKILL");
}

describe.each(testServers())("snapshots under faults on Neo4j $version ($label)", (server) => {
  let driver: Driver;
  let root: string;

  beforeAll(async () => {
    driver = driverFor(server);
    root = await mkdtemp(join(tmpdir(), "neo4j-backup-snapshot-faults-"));
  });
  afterAll(async () => {
    await driver?.close();
    await rm(root, { recursive: true, force: true });
  });

  it(`kill -9 during a snapshot at ${SNAPSHOT_POINTS.length} points: nothing partial, the earlier snapshot intact, only unreferenced chunks left, which prune removes`, async () => {
    await runScenario("snapshot.crash", server.version, SNAPSHOT_POINTS.length, async (scenario) => {
      await clearDatabase(driver);
      await loadSampleGraph(driver, { seed: 51, nodes: 8000, special: false });
      const template = join(root, "snapshot-template");
      const earlier = await createBackup({
        driver,
        storage: new FileSystemStorage({ directory: template }),
        reason: "earlier",
        snapshot: true,
        compression: "zstd",
      });
      // the graph changes all over, so the snapshot being killed stores many chunks of its own
      await driver.executeQuery("MATCH (n) WHERE id(n) % 20 = 0 SET n.changed = 1");
      let orphans = 0;
      for (const [i, point] of SNAPSHOT_POINTS.entries()) {
        await scenario.trial(point.label, async () => {
          const directory = join(root, `snapshot-${i}`);
          await cp(template, directory, { recursive: true, preserveTimestamps: true });
          await killAt(server, "backup", point, directory);
          const storage = new FileSystemStorage({ directory });
          const names = await expectSnapshotsValid(storage, point.label);
          expect(names.length, point.label).toBeGreaterThanOrEqual(1);
          if (!point.remove) expect(names, `${point.label}: the earlier snapshot`).toContain(earlier.name);
          // the debris: chunks no manifest references, and nothing else
          const refs = await referenced(storage);
          const stored = (await collectChunks(storage.listChunks())).map((c) => c.id);
          for (const id of refs) expect(stored, `${point.label}: referenced chunk ${id}`).toContain(id);
          const unreferenced = stored.filter((id) => !refs.has(id));
          orphans += unreferenced.length;
          const pruned = await pruneChunks({ storage, graceMs: 0 });
          expect(pruned.removedChunks, point.label).toBe(unreferenced.length);
          expect((await collectChunks(storage.listChunks())).length, point.label).toBe(refs.size);
          await expectSnapshotsValid(storage, `${point.label}, after prune`);
          // the next snapshot succeeds and is whole
          const next = await createBackup({
            driver,
            storage,
            reason: "next",
            snapshot: true,
            compression: "zstd",
          });
          expect((await validateBackup({ storage, name: next.name })).valid, point.label).toBe(true);
        });
      }
      return `${orphans} unreferenced chunks left by the kills, all removed by the next prune`;
    });
  }, 900_000);

  it(`kill -9 during a prune at ${PRUNE_POINTS.length} points: every remaining snapshot whole`, async () => {
    await runScenario("snapshot.prune-crash", server.version, PRUNE_POINTS.length, async (scenario) => {
      await clearDatabase(driver);
      await loadSampleGraph(driver, { seed: 52, nodes: 6000, special: false });
      const template = join(root, "prune-template");
      const storage0 = new FileSystemStorage({ directory: template });
      const first = await createBackup({
        driver,
        storage: storage0,
        reason: "1",
        snapshot: true,
        compression: "zstd",
        keep: Infinity,
      });
      for (const skip of [0, 3000]) {
        await driver.executeQuery(
          `MATCH (n) WITH n ORDER BY id(n) SKIP ${skip} LIMIT 300 SET n.round = ${skip}`,
        );
        await createBackup({
          driver,
          storage: storage0,
          reason: "n",
          snapshot: true,
          compression: "zstd",
          keep: Infinity,
        });
      }
      await storage0.remove(first.name);
      const print = (await fingerprintDatabase(driver)).total;
      for (const [i, point] of PRUNE_POINTS.entries()) {
        await scenario.trial(point.label, async () => {
          const directory = join(root, `prune-${i}`);
          await cp(template, directory, { recursive: true, preserveTimestamps: true });
          await killAt(server, "prune", point, directory);
          const storage = new FileSystemStorage({ directory });
          const names = (await expectSnapshotsValid(storage, point.label)).sort();
          expect(names.length, point.label).toBe(2);
          const refs = await referenced(storage);
          const pruned = await pruneChunks({ storage, graceMs: 0 });
          expect(pruned.missingChunks, point.label).toBe(0);
          expect((await collectChunks(storage.listChunks())).length, point.label).toBe(refs.size);
          await clearDatabase(driver);
          const restored = await restoreBackup({ driver, storage, name: names.at(-1)! });
          expect(restored.verification?.equal, point.label).toBe(true);
          expect((await fingerprintDatabase(driver)).total, point.label).toBe(print);
        });
      }
      return undefined;
    });
  }, 900_000);

  it("a chunk deleted or changed under a snapshot: restore refuses before writing, naming the chunk; check names it", async () => {
    await runScenario("snapshot.damaged-chunk", server.version, 2, async (scenario) => {
      await clearDatabase(driver);
      await loadSampleGraph(driver, { seed: 53, nodes: 4000, special: false });
      const storage = new FileSystemStorage({ directory: join(root, "damaged") });
      const snapshot = await createBackup({
        driver,
        storage,
        reason: "damaged",
        snapshot: true,
        compression: "zstd",
      });
      const manifest = await readManifest(storage, snapshot.name);
      const [victim] = manifest.chunks[Math.floor(manifest.chunks.length / 2)]!;
      const original = Buffer.from(await storage.readChunk(victim));
      await driver.executeQuery("CREATE (:OnlyHere {x: 1})");
      const counts = await countGraph(driver, undefined);
      const print = (await fingerprintDatabase(driver)).total;
      const damages: [string, () => Promise<void>][] = [
        ["deleted", () => storage.removeChunk(victim)],
        [
          "one byte flipped",
          async () => {
            const flipped = Buffer.from(original);
            const at = Math.floor(flipped.length / 2);
            flipped[at] = flipped[at]! ^ 0x40;
            await storage.removeChunk(victim);
            await storage.putChunk(victim, flipped);
          },
        ],
      ];
      for (const [label, damage] of damages) {
        await scenario.trial(label, async () => {
          await damage();
          await expect(
            restoreBackup({ driver, storage, name: snapshot.name, mode: "replace" }),
            label,
          ).rejects.toMatchObject({
            code: "VALIDATION_FAILED",
            message: expect.stringContaining(victim),
          });
          expect(await countGraph(driver, undefined), label).toEqual(counts);
          expect((await fingerprintDatabase(driver)).total, label).toBe(print);
          const check = await checkSnapshots({ storage, readData: true });
          expect(check.ok, label).toBe(false);
          expect(check.problems, label).toEqual([
            expect.objectContaining({ chunk: victim, snapshots: [snapshot.name] }),
          ]);
          await storage.removeChunk(victim);
          await storage.putChunk(victim, original);
        });
      }
      return undefined;
    });
  }, 600_000);
});

describe("snapshots and prunes of two processes on one bucket", () => {
  const server = testServers()[0]!;
  let driver: Driver;
  beforeAll(() => {
    driver = driverFor(server);
  });
  afterAll(async () => {
    await driver?.close();
  });

  it("one process takes snapshots while another prunes with no grace period: both finish, every snapshot whole, no orphan after the last prune", async () => {
    await runScenario("snapshot.concurrent", server.version, 1, async (scenario) => {
      await clearDatabase(driver);
      await loadSampleGraph(driver, { seed: 54, nodes: 4000, special: false });
      const bucket = newS3Storage();
      const options = s3Options({ prefix: bucket.prefix });
      try {
        await scenario.trial("three snapshots against three prunes", async () => {
          const none: KillPoint = { label: "none" };
          const keepAll = JSON.stringify({ snapshot: true, compression: "zstd", keep: 1000 });
          const writer = (async () => {
            for (let i = 0; i < 3; i++) {
              await driver.executeQuery(
                `MATCH (n) WITH n ORDER BY id(n) SKIP ${i * 1000} LIMIT 200 SET n.w = ${i}`,
              );
              const run = await runCrashWorker(server, "backup", none, { s3: options }, [], {
                CRASH_CODEC: keepAll,
              });
              expect(run.out, run.out).toContain("completed");
            }
          })();
          const pruner = (async () => {
            for (let i = 0; i < 3; i++) {
              const run = await runCrashWorker(server, "prune", none, { s3: options });
              expect(run.out, run.out).toContain("completed");
            }
          })();
          await Promise.all([writer, pruner]);
          const names = await expectSnapshotsValid(bucket, "concurrent");
          expect(names.length).toBe(3);
          const forgotten = await forgetBackups({ storage: bucket, policy: { keepLast: 1 } });
          expect(forgotten.removed.length).toBe(2);
          await pruneChunks({ storage: bucket, graceMs: 0 });
          const refs = await referenced(bucket);
          expect((await collectChunks(bucket.listChunks())).map((c) => c.id).sort()).toEqual(
            [...refs].sort(),
          );
          const check = await checkSnapshots({ storage: bucket, readData: true });
          expect(check.ok, JSON.stringify(check.problems)).toBe(true);
          expect((await listBackups(bucket)).length).toBe(1);
        });
        return undefined;
      } finally {
        await removePrefix(bucket.prefix);
      }
    });
  }, 600_000);
});
