/**
 * Prune and check on a real Neo4j and a folder: two snapshots around edits, retention forgets the
 * first, prune removes exactly its own chunks, and the second still restores and verifies equal;
 * check then finds a deleted chunk and names the snapshot.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clearDatabase,
  detectCapabilities,
  loadSampleGraph,
  type ServerCapabilities,
} from "../../scripts/sample-graph/index.js";
import { readManifest } from "../../src/codec/snapshot/read.js";
import { createBackup } from "../../src/operations/create-backup.js";
import { pruneChunks } from "../../src/operations/prune.js";
import { restoreBackup } from "../../src/operations/restore-backup.js";
import { collectChunks } from "../../src/storage/chunk-table.js";
import { FileSystemStorage } from "../../src/storage/filesystem.js";
import { checkSnapshots } from "../../src/validate/check-snapshots.js";
import { fingerprintDatabase } from "../../src/verify/verify-backup.js";
import { driverFor, testServers } from "../support/servers.js";

describe.each(testServers())("prune and check on Neo4j $version ($label)", (server) => {
  let driver: Driver;
  let capabilities: ServerCapabilities;
  let dir: string;

  beforeAll(async () => {
    driver = driverFor(server);
    capabilities = await detectCapabilities(driver);
    dir = mkdtempSync(join(tmpdir(), "neo4j-backup-prune-"));
  });
  afterAll(async () => {
    await driver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("prune after retention removes only the forgotten snapshot's chunks; the kept snapshot restores equal; check names a lost chunk's snapshot", async () => {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 21, nodes: 4000, capabilities });
    const storage = new FileSystemStorage({ directory: dir });
    const options = { driver, storage, snapshot: true, compression: "zstd" as const, keep: Infinity };
    const first = await createBackup({ ...options, reason: "first" });
    const session = driver.session();
    try {
      await session.run("MATCH (n) WITH n ORDER BY id(n) SKIP 40 LIMIT 3 SET n.edited = 'yes'");
      await session.run("CREATE (:Added {at: 1})");
    } finally {
      await session.close();
    }
    const expected = (await fingerprintDatabase(driver)).total;
    const second = await createBackup({ ...options, reason: "second" });
    const ids = async (name: string) => new Set((await readManifest(storage, name)).chunks.map((c) => c[0]));
    const firstIds = await ids(first.name);
    const secondIds = await ids(second.name);
    const onlyFirst = [...firstIds].filter((id) => !secondIds.has(id));
    expect(onlyFirst.length).toBeGreaterThan(0);

    // a third snapshot with keep: 2 forgets the first through retention (storage.remove)
    const third = await createBackup({ ...options, keep: 2, reason: "third" });
    expect(third.removed).toEqual([first.name]);
    const thirdIds = await ids(third.name);
    const dry = await pruneChunks({ storage, graceMs: 0, dryRun: true });
    const result = await pruneChunks({ storage, graceMs: 0 });
    expect(result).toEqual({ ...dry, dryRun: false });
    expect(result.removedChunks).toBe(onlyFirst.filter((id) => !thirdIds.has(id)).length);
    const left = new Set((await collectChunks(storage.listChunks())).map((c) => c.id));
    expect(left).toEqual(new Set([...secondIds, ...thirdIds]));

    expect(await checkSnapshots({ storage, readData: true })).toMatchObject({ ok: true, snapshots: 2 });
    await clearDatabase(driver);
    const restored = await restoreBackup({ driver, storage, name: second.name });
    expect(restored.verification?.equal, restored.verification?.differences.join("\n")).toBe(true);
    expect((await fingerprintDatabase(driver)).total).toBe(expected);

    const lost = [...secondIds].find((id) => !thirdIds.has(id))!;
    await storage.removeChunk(lost);
    const report = await checkSnapshots({ storage });
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({ chunk: lost, problem: "missing", snapshots: [second.name] }),
    ]);
  }, 300_000);
});
