/**
 * The backup lifecycle against real servers: index, retention, auto-backup, the bundled initial
 * backup (including several instances starting at once), upgrades, status and health.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearDatabase, loadSampleGraph } from "../../scripts/sample-graph/index.js";
import {
  autoBackup,
  BackupError,
  backupBeforeUpgrade,
  backupStatus,
  checkBackupHealth,
  createBackup,
  createDistributionBackup,
  DISTRIBUTION_BACKUP_NAME,
  FileSystemStorage,
  fingerprintDatabase,
  getBackupInfo,
  INDEX_FILE_NAME,
  initializeDatabase,
  listBackups,
  MemoryStorage,
  readIndex,
  restoreBackup,
  rollbackUpgrade,
  shouldAutoBackup,
  validateBackup,
} from "../../src/index.js";
import { FaultyStorage } from "../support/faulty-storage.js";
import { driverFor, type TestServer, testServers } from "../support/servers.js";

const temps: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "neo4j-backup-lifecycle-"));
  temps.push(dir);
  return dir;
}

/** A clock that moves one second per call, so backups made in one test get distinct names. */
function ticking(start = Date.UTC(2026, 0, 1)): () => Date {
  let t = start;
  return () => {
    t += 1000;
    return new Date(t);
  };
}

async function addNodes(driver: Driver, n: number): Promise<void> {
  await driver.executeQuery("UNWIND range(1, $n) AS i CREATE (:Added {i: i})", { n });
}

/** Starts `count` processes that each call initializeDatabase at the same instant. */
async function startInstances(server: TestServer, directory: string, count: number) {
  const worker = fileURLToPath(new URL("../support/bootstrap-worker.ts", import.meta.url));
  const startAt = Date.now() + 2500;
  const runs = Array.from(
    { length: count },
    () =>
      new Promise<{ outcome: string; restored: boolean; nodes: number | null }>((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", worker, directory], {
          env: {
            ...process.env,
            NEO4J_URI: server.uri,
            NEO4J_USERNAME: server.username,
            NEO4J_PASSWORD: server.password,
            START_AT: String(startAt),
          },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        let err = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (err += d));
        child.on("exit", (code) =>
          code === 0 ? resolve(JSON.parse(out.trim())) : reject(new Error(`instance exited ${code}: ${err}`)),
        );
      }),
  );
  return Promise.all(runs);
}

describe.each(testServers())("backup lifecycle on Neo4j $version ($label)", (server) => {
  let driver: Driver;

  beforeAll(() => {
    driver = driverFor(server);
  });

  afterAll(async () => {
    await driver?.close();
    for (const dir of temps.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it("keeps the most recent backup by default, indexes it, and removes older ones only after validating", async () => {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 1, nodes: 300, special: false });
    const storage = new FileSystemStorage({ directory: await tempDir() });
    const now = ticking();
    const first = await createBackup({ driver, storage, reason: "first", now });
    const second = await createBackup({ driver, storage, reason: "second", now });
    expect(second.removed).toEqual([first.name]);
    expect((await storage.list()).map((f) => f.name)).toEqual([second.name]);
    const entries = await listBackups(storage);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      name: second.name,
      kind: "backup",
      reason: "second",
      nodeCount: second.nodeCount,
      relationshipCount: second.relationshipCount,
      size: second.bytes,
      checksum: second.checksum,
      durationMs: expect.any(Number),
      server: { version: server.version, edition: server.edition },
      valid: true,
    });
    // keep: 2
    const third = await createBackup({ driver, storage, reason: "third", now, keep: 2 });
    expect(third.removed).toEqual([]);
    const fourth = await createBackup({ driver, storage, reason: "fourth", now, keep: 2 });
    expect(fourth.removed).toEqual([second.name]);
    expect((await listBackups(storage)).map((e) => e.name)).toEqual([fourth.name, third.name]);
    expect(await getBackupInfo(storage, third.name)).toMatchObject({ reason: "third" });
    // the index file sits beside the backups and is rebuilt when lost
    expect(await readdir(storage.directory)).toContain(INDEX_FILE_NAME);
    await storage.writeIndex("garbage");
    expect((await listBackups(storage)).map((e) => [e.name, e.checksum])).toEqual([
      [fourth.name, fourth.checksum],
      [third.name, third.checksum],
    ]);
  });

  it("a failed new backup keeps the old one, and an invalid new one is taken back", async () => {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 2, nodes: 200, special: false });
    const inner = new FileSystemStorage({ directory: await tempDir() });
    const storage = new FaultyStorage(inner, {});
    const now = ticking();
    const good = await createBackup({ driver, storage, reason: "good", now });
    storage.faults = { failWriteAfterBytes: 5000 };
    await expect(createBackup({ driver, storage, reason: "fails", now })).rejects.toMatchObject({
      code: "STORAGE",
    });
    expect((await inner.list()).map((f) => f.name)).toEqual([good.name]);
    // the file is published intact but reads back corrupted: validation before clean-up catches it
    storage.faults = { flipReadByteAt: 3000 };
    const error = await createBackup({ driver, storage, reason: "corrupt", now }).catch((e) => e);
    expect(error).toBeInstanceOf(BackupError);
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.message).toMatch(/older backups were kept/);
    storage.faults = {};
    expect((await listBackups(storage)).map((e) => e.name)).toEqual([good.name]);
    expect(await inner.list()).toHaveLength(1);
  });

  it("shouldAutoBackup: yes without a backup, then only past 50 nodes, 100 relationships or 10 %", async () => {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 3, nodes: 1000, special: false });
    const storage = new MemoryStorage();
    const first = await shouldAutoBackup({ driver, storage });
    expect(first).toMatchObject({ backup: true, baseline: null });
    const made = await autoBackup({ driver, storage, now: ticking() });
    expect(made.backup?.metadata.reason).toMatch(/^Auto-backup: database .* has no previous backup/);
    expect(await shouldAutoBackup({ driver, storage })).toMatchObject({
      backup: false,
      changes: { nodes: 0, relationships: 0 },
    });
    expect(await autoBackup({ driver, storage })).not.toHaveProperty("backup");
    await addNodes(driver, 49);
    expect((await shouldAutoBackup({ driver, storage })).backup).toBe(false);
    await addNodes(driver, 1);
    const fifty = await shouldAutoBackup({ driver, storage });
    expect(fifty).toMatchObject({ backup: true, changes: { nodes: 50 } });
    expect(fifty.reason).toMatch(/\+50 nodes/);
    // deletions count as change too
    await driver.executeQuery("MATCH (n:Added) DETACH DELETE n");
    await driver.executeQuery("MATCH ()-[r]->() WITH r LIMIT 100 DELETE r");
    const deleted = await shouldAutoBackup({ driver, storage });
    expect(deleted).toMatchObject({ backup: true, changes: { nodes: 0, relationships: -100 } });
    // configured thresholds
    expect(
      (await shouldAutoBackup({ driver, storage, thresholds: { relationships: 1000, percent: 50 } })).backup,
    ).toBe(false);
    const second = await autoBackup({ driver, storage, now: ticking(Date.UTC(2026, 1, 1)) });
    expect(second.backup?.removed).toEqual([made.backup!.name]);
  });

  it("status reports counts, the last backup, changes, a recommendation and the thresholds; health flags age", async () => {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 4, nodes: 400, special: false });
    const storage = new MemoryStorage();
    const none = await backupStatus({ driver, storage });
    expect(none).toMatchObject({ lastBackup: null, recommendation: { backup: true } });
    expect(none.health.problems[0]).toMatch(/no backup/);
    const backup = await createBackup({ driver, storage, reason: "status" });
    await addNodes(driver, 60);
    const status = await backupStatus({ driver, storage });
    expect(status).toMatchObject({
      current: { nodes: backup.nodeCount + 60, relationships: backup.relationshipCount },
      lastBackup: { name: backup.name, nodeCount: backup.nodeCount },
      recommendation: {
        backup: true,
        changes: { nodes: 60, relationships: 0 },
        thresholds: { nodes: 50, relationships: 100, percent: 10 },
      },
      health: { healthy: true },
    });
    expect(status.lastBackupAgeMs).toBeGreaterThanOrEqual(0);
    const later = () => new Date(Date.now() + 8 * 86_400_000);
    const health = await checkBackupHealth({ storage, now: later });
    expect(health.healthy).toBe(false);
    expect(health.problems[0]).toMatch(/8 days old/);
    expect((await checkBackupHealth({ storage, now: later, maxAgeDays: 10 })).healthy).toBe(true);
  });

  it("initializeDatabase restores the bundled backup into an empty database once, and never over data", async () => {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 5, nodes: 300, special: false });
    const bundle = await fingerprintDatabase(driver);
    const storage = new FileSystemStorage({ directory: await tempDir() });
    const made = await createDistributionBackup({ driver, storage });
    expect(made.name).toBe(DISTRIBUTION_BACKUP_NAME);
    await expect(createDistributionBackup({ driver, storage })).rejects.toMatchObject({
      code: "BACKUP_EXISTS",
    });

    expect(await initializeDatabase({ driver, storage })).toMatchObject({
      restored: false,
      outcome: "not-empty",
    });
    await clearDatabase(driver);
    expect(
      await initializeDatabase({ driver, storage, confirm: ({ nodeCount }) => nodeCount === -1 }),
    ).toMatchObject({ restored: false, outcome: "declined" });
    let asked: unknown;
    const restored = await initializeDatabase({
      driver,
      storage,
      confirm: (about) => {
        asked = about;
        return true;
      },
    });
    expect(asked).toMatchObject({ name: DISTRIBUTION_BACKUP_NAME, nodeCount: made.nodeCount });
    expect(restored).toMatchObject({ restored: true, outcome: "restored" });
    expect((await fingerprintDatabase(driver)).total).toBe(bundle.total);
    expect(await initializeDatabase({ driver, storage })).toMatchObject({ outcome: "not-empty" });
    await clearDatabase(driver);
    expect(await initializeDatabase({ driver, storage })).toMatchObject({ outcome: "already-initialized" });
    const empty = new FileSystemStorage({ directory: await tempDir() });
    expect(await initializeDatabase({ driver, storage: empty })).toMatchObject({
      outcome: "no-bundled-backup",
    });
    // retention never removes the distribution backup
    await loadSampleGraph(driver, { seed: 6, nodes: 50, special: false });
    const now = ticking();
    await createBackup({ driver, storage, reason: "a", now });
    await createBackup({ driver, storage, reason: "b", now });
    expect((await storage.list()).map((f) => f.name)).toContain(DISTRIBUTION_BACKUP_NAME);
    // replacing it: the new content validated first, then moved into place
    const replaced = await createDistributionBackup({ driver, storage, replace: true, reason: "v2" });
    const nodesNow = (await driver.executeQuery("MATCH (n) RETURN count(n) AS c")).records[0]!.get("c");
    expect(replaced.nodeCount).toBe(Number(nodesNow));
    const info = await getBackupInfo(storage, DISTRIBUTION_BACKUP_NAME);
    expect(info).toMatchObject({
      kind: "distribution",
      reason: "v2",
      valid: true,
      nodeCount: replaced.nodeCount,
    });
    expect(
      (await storage.list()).map((f) => f.name).filter((n) => n.startsWith("initial_backup_next")),
    ).toEqual([]);
    // a storage that cannot replace a file atomically is refused before anything is read or written
    const before = await storage.stat(DISTRIBUTION_BACKUP_NAME);
    const refused = await createDistributionBackup({
      driver,
      storage: new FaultyStorage(storage, {}),
      replace: true,
    }).catch((e) => e);
    expect(refused).toMatchObject({ code: "INVALID_OPTIONS", message: expect.stringMatching(/replace/) });
    expect(await storage.stat(DISTRIBUTION_BACKUP_NAME)).toEqual(before);
  });

  it("several instances starting at once (separate processes): exactly one restores", async () => {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 7, nodes: 2000, special: false });
    const bundle = await fingerprintDatabase(driver);
    const directory = await tempDir();
    const storage = new FileSystemStorage({ directory });
    await createDistributionBackup({ driver, storage });
    await clearDatabase(driver);
    const results = await startInstances(server, directory, 4);
    expect(results.filter((r) => r.restored)).toHaveLength(1);
    expect(results.filter((r) => !r.restored).map((r) => r.outcome)).toEqual([
      "not-empty",
      "not-empty",
      "not-empty",
    ]);
    expect(await fingerprintDatabase(driver)).toEqual(bundle);
    const index = await readIndex(storage);
    expect(index.restores.map((r) => [r.name, r.initial])).toEqual([[DISTRIBUTION_BACKUP_NAME, true]]);
    expect(index.pendingRestores).toEqual([]);
  });

  it("backs up before an upgrade and rolls back to it after a failed migration", async () => {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 8, nodes: 300, special: false });
    const before = await fingerprintDatabase(driver);
    const storage = new FileSystemStorage({ directory: await tempDir() });
    const backup = await backupBeforeUpgrade({ driver, storage, version: "2.0.0" });
    expect(backup.metadata.reason).toBe("Pre-upgrade backup before v2.0.0");
    expect(backup.name).toMatch(/^pre_upgrade_backup_\d{8}_\d{6}\.json$/);
    expect((await getBackupInfo(storage, backup.name)).kind).toBe("pre-upgrade");
    // in the series pre-upgrade: the retention of other series never removes it
    expect(backup.metadata.series).toBe("pre-upgrade");
    expect((await getBackupInfo(storage, backup.name)).series).toBe("pre-upgrade");
    // a migration that half-happened
    await driver.executeQuery("MATCH (n:Function) SET n.migrated = true");
    await driver.executeQuery("MATCH (n:Session) DETACH DELETE n");
    expect((await fingerprintDatabase(driver)).total).not.toBe(before.total);
    const rolled = await rollbackUpgrade({ driver, storage, backup });
    expect(rolled.safetyBackup).toMatch(/^safety_backup_/);
    expect((await fingerprintDatabase(driver)).total).toBe(before.total);
    // a pre-upgrade backup that cannot be written stops the upgrade
    const failing = new FaultyStorage(new MemoryStorage(), { failWriteAfterBytes: 1000 });
    await expect(backupBeforeUpgrade({ driver, storage: failing, version: "3.0.0" })).rejects.toMatchObject({
      code: "STORAGE",
    });
    await expect(backupBeforeUpgrade({ driver, storage, version: " " })).rejects.toMatchObject({
      code: "INVALID_OPTIONS",
    });
  });

  it("a backup waits for a restore on the same storage instead of capturing a half-restored database", async () => {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 9, nodes: 1500, special: false });
    const storage = new MemoryStorage();
    const source = await createBackup({ driver, storage, reason: "source", now: ticking() });
    let backupStartedDuringRestore = false;
    let restoring = true;
    const restore = restoreBackup({
      driver,
      storage,
      name: source.name,
      mode: "replace",
      batchSize: 200,
    }).finally(() => (restoring = false));
    await new Promise((r) => setTimeout(r, 200));
    const backup = createBackup({
      driver,
      storage,
      reason: "during restore",
      keep: Number.POSITIVE_INFINITY,
      onProgress: () => {
        if (restoring) backupStartedDuringRestore = true;
      },
    });
    const [restored, taken] = await Promise.all([restore, backup]);
    expect(backupStartedDuringRestore).toBe(false);
    expect(taken.nodeCount).toBe(restored.nodeCount);
    // ids differ after a restore; the id-independent fingerprints must match
    const print = async (name: string) =>
      (await validateBackup({ storage, name, fingerprint: true })).fingerprint!.total;
    expect(await print(taken.name)).toBe(await print(source.name));
  });
});
