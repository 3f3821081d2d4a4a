/**
 * Two servers share one storage (production A and staging B in one folder or one bucket, both
 * with a database called `neo4j`): retention, the latest backup, auto-backup, status, health and
 * metrics of each see only its own backups, and an interrupted restore into one is recovered only
 * through that one — with what it held saved first.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNeo4j } from "../../scripts/neo4j/server.mjs";
import { clearDatabase, loadSampleGraph } from "../../scripts/sample-graph/index.js";
import {
  autoBackup,
  type BackupStorage,
  backupStatus,
  checkBackupHealth,
  checkSnapshots,
  collectMetrics,
  createBackup,
  type DatabaseIdentity,
  FileSystemStorage,
  fingerprintDatabase,
  forgetBackups,
  latestBackupName,
  listBackups,
  pruneChunks,
  readDatabaseIdentity,
  readIndex,
  recoverInterruptedRestore,
  restoreBackup,
  shouldAutoBackup,
  validateBackup,
} from "../../src/index.js";
import { disposeCli, prepareCli, runCli, serverEnv } from "../support/cli-run.js";
import { runCrashWorker } from "../support/crash.js";
import { closedPort } from "../support/ports.js";
import { newS3Storage, removePrefix } from "../support/s3.js";
import { driverFor, type TestServer, testServers } from "../support/servers.js";

const servers = testServers();
const [serverA, serverB] = servers;

/** A metric's value for `database="neo4j"`, from Prometheus text. */
function metric(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  if (!line) throw new Error(`no ${name} in the metrics`);
  return Number(line.slice(line.lastIndexOf(" ") + 1));
}

describe.runIf(servers.length >= 2)(
  `two servers sharing one storage (A: Neo4j ${serverA?.version}, B: Neo4j ${serverB?.version})`,
  () => {
    let a: Driver;
    let b: Driver;
    let idA: DatabaseIdentity;
    let idB: DatabaseIdentity;
    let root: string;
    const prefixes: string[] = [];

    beforeAll(async () => {
      await prepareCli();
      a = driverFor(serverA!);
      b = driverFor(serverB!);
      root = await mkdtemp(join(tmpdir(), "neo4j-backup-shared-"));
      idA = (await readDatabaseIdentity(a)).identity!;
      idB = (await readDatabaseIdentity(b)).identity!;
    });

    afterAll(async () => {
      await disposeCli();
      await a?.close();
      await b?.close();
      await rm(root, { recursive: true, force: true });
      for (const prefix of prefixes) await removePrefix(prefix);
    });

    /** A: 1,000 sample nodes; B: 300 others. */
    async function loadBoth(): Promise<void> {
      await clearDatabase(a);
      await loadSampleGraph(a, { seed: 101, nodes: 1000, special: false });
      await clearDatabase(b);
      await loadSampleGraph(b, { seed: 102, nodes: 300, special: false });
    }

    /**
     * Loads both databases, backs A up into a new folder and kills a replace restore of that backup
     * into B (production into staging) while it writes nodes.
     */
    async function killRestoreIntoB(folder: string) {
      await loadBoth();
      const directory = await mkdtemp(join(root, folder));
      const storage = new FileSystemStorage({ directory });
      const fromA = await createBackup({ driver: a, storage, reason: "A nightly" });
      const printA = (await fingerprintDatabase(a)).total;
      const printB = (await fingerprintDatabase(b)).total;
      const point = { label: "B: mid-nodes", progress: { phase: "nodes", nodes: 400 } };
      const run = await runCrashWorker(serverB!, "restore", point, { directory }, [fromA.name]);
      expect(run.out).toContain("killed:B: mid-nodes");
      return { directory, storage, fromA, printA, printB };
    }

    async function storageOf(kind: "folder" | "bucket"): Promise<BackupStorage> {
      if (kind === "folder") return new FileSystemStorage({ directory: await mkdtemp(join(root, "f-")) });
      const storage = newS3Storage({ lockPollMs: 200 });
      prefixes.push(storage.prefix);
      return storage;
    }

    it("the databases' identities differ although both are called neo4j", () => {
      expect(idA.name).toBe("neo4j");
      expect(idB.name).toBe("neo4j");
      expect(idA.id).toMatch(/^[0-9A-F]{16,}$/i);
      expect(idA.id).not.toBe(idB.id);
      expect(idA.address).not.toBe(idB.address);
    });

    describe.each(["folder", "bucket"] as const)("in one %s", (kind) => {
      it("retention, the latest backup, auto-backup, status, health and metrics of each database see only its own backups", async () => {
        await loadBoth();
        const storage = await storageOf(kind);
        const a1 = await createBackup({ driver: a, storage, reason: "A nightly" });
        const b1 = await createBackup({ driver: b, storage, reason: "B nightly" });
        // B's backup (default keep 1) does not remove A's only backup
        expect(b1.removed).toEqual([]);
        const a2 = await createBackup({ driver: a, storage, reason: "A nightly", keep: 1 });
        expect(a2.removed).toEqual([a1.name]);
        expect((await storage.list()).map((f) => f.name).sort()).toEqual([a2.name, b1.name].sort());
        const entries = await listBackups(storage);
        expect(entries.find((e) => e.name === a2.name)?.identity).toEqual(idA);
        expect(entries.find((e) => e.name === b1.name)?.identity).toEqual(idB);

        // the latest: each database's own, whichever is newer in the storage
        expect(await latestBackupName(storage, { identity: idA })).toBe(a2.name);
        expect(await latestBackupName(storage, { identity: idB })).toBe(b1.name);
        const dry = await restoreBackup({ driver: a, storage, mode: "replace", dryRun: true });
        expect(dry.name).toBe(a2.name);

        // auto-backup and status compare each database with its own backup
        expect(await shouldAutoBackup({ driver: a, storage })).toMatchObject({
          backup: false,
          baseline: { name: a2.name },
          changes: { nodes: 0, relationships: 0 },
        });
        expect(await shouldAutoBackup({ driver: b, storage })).toMatchObject({
          backup: false,
          baseline: { name: b1.name },
        });
        expect((await autoBackup({ driver: b, storage })).backup).toBeUndefined();
        const statusA = await backupStatus({ driver: a, storage });
        expect(statusA).toMatchObject({
          identity: idA,
          lastBackup: { name: a2.name },
          health: { healthy: true },
        });
        expect(statusA.recommendation.backup).toBe(false);
        const statusB = await backupStatus({ driver: b, storage });
        expect(statusB).toMatchObject({
          identity: idB,
          lastBackup: { name: b1.name },
          health: { healthy: true },
        });

        // health from the storage alone, by identity
        expect((await checkBackupHealth({ storage, identity: idA })).lastBackup?.name).toBe(a2.name);
        expect((await checkBackupHealth({ storage, identity: idB })).lastBackup?.name).toBe(b1.name);

        // metrics: each database's last backup and its own count of backups
        const metricsA = await collectMetrics({ storage, driver: a });
        const metricsB = await collectMetrics({ storage, driver: b });
        expect(metric(metricsA, "neo4j_backup_last_success_nodes")).toBe(a2.nodeCount);
        expect(metric(metricsB, "neo4j_backup_last_success_nodes")).toBe(b1.nodeCount);
        expect(metric(metricsA, "neo4j_backup_backups_kept")).toBe(1);
        expect(metric(metricsB, "neo4j_backup_backups_kept")).toBe(1);
        expect(metric(metricsA, "neo4j_backup_backup_recommended")).toBe(0);

        // restoring another database's backup stays possible, when it is named
        await expect(
          restoreBackup({ driver: b, storage, name: a2.name, mode: "replace" }),
        ).resolves.toMatchObject({
          verification: { equal: true },
        });
        expect((await fingerprintDatabase(b)).total).toBe((await fingerprintDatabase(a)).total);
      });
    });

    describe.each(["folder", "bucket"] as const)("snapshots in one %s", (kind) => {
      it("retention and forget of one database remove only its snapshots; prune keeps every chunk the other's snapshots need", async () => {
        await loadBoth();
        const storage = await storageOf(kind);
        const printB = (await fingerprintDatabase(b)).total;
        const a1 = await createBackup({
          driver: a,
          storage,
          reason: "A",
          snapshot: true,
          compression: "zstd",
        });
        const b1 = await createBackup({
          driver: b,
          storage,
          reason: "B",
          snapshot: true,
          compression: "zstd",
        });
        expect(b1.removed).toEqual([]);
        await a.executeQuery("MATCH (n) WITH n ORDER BY id(n) LIMIT 50 SET n.touched = true");
        const a2 = await createBackup({
          driver: a,
          storage,
          reason: "A",
          snapshot: true,
          compression: "zstd",
        });
        expect(a2.removed).toEqual([a1.name]);
        // a policy applied to every series of the storage keeps each database's newest
        const forgotten = await forgetBackups({ storage, policy: { keepLast: 1 } });
        expect(forgotten.removed).toEqual([]);
        const pruned = await pruneChunks({ storage, graceMs: 0 });
        expect(pruned.missingChunks).toBe(0);
        expect(pruned.removedChunks).toBeGreaterThan(0);
        const check = await checkSnapshots({ storage, readData: true });
        expect(check.ok, JSON.stringify(check.problems)).toBe(true);
        expect((await storage.list()).map((f) => f.name).sort()).toEqual([a2.name, b1.name].sort());
        await clearDatabase(b);
        const restored = await restoreBackup({ driver: b, storage, name: b1.name });
        expect(restored.verification?.equal).toBe(true);
        expect((await fingerprintDatabase(b)).total).toBe(printB);
      });
    });

    it("an interrupted restore into B: A's create, status, auto-backup and restore leave A and its backups alone; recovering B puts back its previous contents and saves what was written after", async () => {
      const { directory, storage, fromA, printA, printB } = await killRestoreIntoB("kill-");
      const [pending] = (await readIndex(storage)).pendingRestores;
      expect(pending).toMatchObject({ name: fromA.name, mode: "replace", target: idB });
      const halfB = (await fingerprintDatabase(b)).total;
      expect([printA, printB]).not.toContain(halfB);

      // everything against A: A's data and backups as they were, B untouched, the record kept
      const nextA = await createBackup({ driver: a, storage, reason: "A nightly", keep: 1 });
      // A's older backup is what B's unfinished restore reads: retention keeps it while the record lasts
      expect(nextA.removed).toEqual([]);
      const statusA = await backupStatus({ driver: a, storage });
      expect(statusA.health).toMatchObject({ healthy: true, pendingRestore: null });
      expect(statusA.health.notices.join(" ")).toContain(`into database neo4j at ${idB.address}`);
      expect((await autoBackup({ driver: a, storage })).backup).toBeUndefined();
      expect((await restoreBackup({ driver: a, storage, mode: "replace", dryRun: true })).name).toBe(
        nextA.name,
      );
      expect((await fingerprintDatabase(a)).total).toBe(printA);
      expect((await fingerprintDatabase(b)).total).toBe(halfB);
      expect((await readIndex(storage)).pendingRestores).toEqual([pending]);
      expect((await storage.list()).map((f) => f.name)).toContain(pending!.safetyBackup);

      // B's own status says so, and writes nothing
      const statusB = await backupStatus({ driver: b, storage });
      expect(statusB.health).toMatchObject({ healthy: false, pendingRestore: pending });
      expect((await fingerprintDatabase(b)).total).toBe(halfB);

      // the same through the command: each says what concerns it, in plain words
      const cli = (server: TestServer, args: string[]) =>
        runCli(["--dir", directory, ...args], { env: serverEnv(server) });
      const onA = await cli(serverA!, ["status"]);
      expect(onA.code, onA.stderr).toBe(0);
      expect(onA.stdout).toMatch(
        /Other databases in this storage:\n.*into database neo4j at .*did not finish; finish it with `neo4j-backup recover`/,
      );
      const onB = await cli(serverB!, ["status"]);
      expect(onB.code, onB.stderr).toBe(5);
      expect(onB.stdout).toContain(
        `Unfinished restore: ${fromA.name} was being restored here and did not finish.`,
      );
      const createA = await cli(serverA!, ["create", "--keep", "all"]);
      expect(createA.code, createA.stderr).toBe(0);
      expect(createA.stderr).toMatch(
        /into database neo4j at .*did not finish; .*this operation leaves it alone/,
      );
      const dry = await cli(serverB!, [
        "--json",
        "restore",
        "--file",
        fromA.name,
        "--mode",
        "replace",
        "--dry-run",
      ]);
      expect(JSON.parse(dry.stdout).origin).toMatch(
        new RegExp(
          `^database neo4j on server ${idA.address.replaceAll(".", "\\.")} .*another database than the target$`,
        ),
      );
      expect((await fingerprintDatabase(a)).total).toBe(printA);
      expect((await fingerprintDatabase(b)).total).toBe(halfB);

      // someone writes to B after the interruption; recovery saves it, then puts the previous contents back
      await b.executeQuery("CREATE (:WrittenAfterTheInterruption {note: 'keep me'})");
      const recover = await cli(serverB!, ["--json", "recover"]);
      expect(recover.code, recover.stderr).toBe(0);
      const { recovered, remaining } = JSON.parse(recover.stdout);
      expect(recovered).toMatchObject({ outcome: "previous-contents", restoredFrom: pending!.safetyBackup });
      expect(remaining).toEqual([]);
      expect((await fingerprintDatabase(b)).total).toBe(printB);
      expect((await fingerprintDatabase(a)).total).toBe(printA);
      expect((await readIndex(storage)).pendingRestores).toEqual([]);
      // with the record gone, A's next backup removes A's older ones again (and none of B's)
      const olderOfA = (await listBackups(storage))
        .filter((e) => e.kind === "backup" && e.identity?.id === idA.id)
        .map((e) => e.name);
      expect(olderOfA).toEqual(expect.arrayContaining([fromA.name, nextA.name]));
      const latestA = await createBackup({ driver: a, storage, reason: "A nightly", keep: 1 });
      expect(latestA.removed.sort()).toEqual(olderOfA.sort());
      const saved = await validateBackup({ storage, name: recovered.savedAs });
      expect(saved.valid).toBe(true);
      expect(saved.labelCounts).toMatchObject({ WrittenAfterTheInterruption: 1 });
      expect((await listBackups(storage)).find((e) => e.name === recovered.savedAs)).toMatchObject({
        kind: "safety",
        identity: idB,
      });
    });

    it("a pending record written without its target (an older index) is never recovered automatically; claimed, it is recovered with what is there saved", async () => {
      const { storage, printB } = await killRestoreIntoB("old-");
      // what an older version wrote: one record, no target, no mode
      const index = JSON.parse((await storage.readIndex())!);
      const { target: _target, mode: _mode, ...old } = index.pendingRestores[0];
      delete index.pendingRestores;
      index.pendingRestore = old;
      await storage.writeIndex(`${JSON.stringify(index, null, 2)}\n`);
      const halfB = (await fingerprintDatabase(b)).total;

      // neither B's own backup nor an explicit recovery without the claim touches B
      await createBackup({ driver: b, storage, reason: "B", keep: Number.POSITIVE_INFINITY });
      expect(await recoverInterruptedRestore({ driver: b, storage })).toBeUndefined();
      expect((await fingerprintDatabase(b)).total).toBe(halfB);
      const health = await checkBackupHealth({ storage, identity: idB });
      expect(health.problems.join(" ")).toMatch(/on a server the record does not name.*recover --claim/);

      const recovered = await recoverInterruptedRestore({ driver: b, storage, claimUnidentified: true });
      expect(recovered).toMatchObject({ outcome: "previous-contents", restoredFrom: old.safetyBackup });
      expect(recovered?.savedAs).toMatch(/^pre_recovery_backup_\d{8}_\d{6}/);
      expect((await fingerprintDatabase(b)).total).toBe(printB);
      expect((await readIndex(storage)).pendingRestores).toEqual([]);
    });

    it("a database replaced by a new one of the same name at the same address is another database: its old restore is not recovered into it, its old backups are not its own", async () => {
      const port = await closedPort();
      const directory = await mkdtemp(join(root, "recreated-"));
      const storage = new FileSystemStorage({ directory });
      const start = () => startNeo4j({ line: "5.26", boltPort: port, heap: "512m", pageCache: "128m" });
      const asTestServer = (neo: {
        uri: string;
        username: string;
        password: string;
        version: string;
      }): TestServer => ({
        label: "recreated",
        uri: neo.uri,
        username: neo.username,
        password: neo.password,
        version: neo.version,
        edition: "community",
      });
      // the first database: backed up, then a replace restore into it killed part-way
      const first = await start();
      let old: DatabaseIdentity;
      let oldBackup: string;
      try {
        const driver = driverFor(asTestServer(first));
        try {
          await loadSampleGraph(driver, { seed: 103, nodes: 600, special: false });
          old = (await readDatabaseIdentity(driver)).identity!;
          oldBackup = (await createBackup({ driver, storage, reason: "before" })).name;
        } finally {
          await driver.close();
        }
        const run = await runCrashWorker(
          asTestServer(first),
          "restore",
          { label: "mid-nodes", progress: { phase: "nodes", nodes: 400 } },
          { directory },
          [oldBackup],
        );
        expect(run.out).toContain("killed:mid-nodes");
      } finally {
        await first.stop();
      }
      // the same name at the same address, created anew
      const second = await start();
      try {
        const driver = driverFor(asTestServer(second));
        try {
          await loadSampleGraph(driver, { seed: 104, nodes: 50, special: false });
          const now = (await readDatabaseIdentity(driver)).identity!;
          expect([now.name, now.address]).toEqual([old!.name, old!.address]);
          expect(now.id).not.toBe(old!.id);
          const print = (await fingerprintDatabase(driver)).total;
          const pending = (await readIndex(storage)).pendingRestores;
          expect(pending).toMatchObject([{ name: oldBackup!, target: old! }]);

          const mine = await createBackup({ driver, storage, reason: "new database" });
          expect(mine.removed).toEqual([]);
          expect(await recoverInterruptedRestore({ driver, storage })).toBeUndefined();
          expect((await fingerprintDatabase(driver)).total).toBe(print);
          expect((await readIndex(storage)).pendingRestores).toEqual(pending);
          expect((await storage.list()).map((f) => f.name)).toContain(oldBackup!);
          expect(await latestBackupName(storage, { identity: now })).toBe(mine.name);
          const health = await checkBackupHealth({ storage, identity: now });
          expect(health).toMatchObject({ healthy: true, pendingRestore: null });
          expect(health.notices.join(" ")).toContain(`(id ${old!.id.slice(0, 12)}…)`);
        } finally {
          await driver.close();
        }
      } finally {
        await second.stop();
      }
    });
  },
);
