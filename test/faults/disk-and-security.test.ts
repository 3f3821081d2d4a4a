/**
 * A full disk under backups and restores, writers during a backup (with and without
 * requireConsistent), and secrets and permissions: nothing partial is published, the old backup
 * stays, the password appears nowhere.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import neo4j, { type Driver } from "neo4j-driver";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearDatabase, loadSampleGraph } from "../../scripts/sample-graph/index.js";
import {
  BackupError,
  backupStatus,
  createBackup,
  FileSystemStorage,
  fingerprintDatabase,
  listBackups,
  restoreBackup,
  validateBackup,
  verifyBackup,
} from "../../src/index.js";
import { FaultyStorage } from "../support/faulty-storage.js";
import { driverFor, testServers } from "../support/servers.js";
import { runScenario } from "./support/results.js";

/**
 * A small tmpfs: a real full disk. Mounting needs root (CI runs as root); where it is not
 * permitted the scenario fails with the reason instead of testing something else.
 */
function smallDisk(sizeKb: number): { path: string; release: () => void } {
  const path = mkdtempSync(join(tmpdir(), "neo4j-backup-disk-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeKb}k,mode=0755`, "tmpfs", path], {
      stdio: ["ignore", "ignore", "pipe"],
    });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? "").trim();
    throw new Error(
      `the full-disk scenario needs a ${sizeKb} KB tmpfs and could not mount one (${stderr || (error as Error).message}); run the fault suite as root`,
    );
  }
  return {
    path,
    release: () => {
      execFileSync("umount", [path], { stdio: "ignore" });
    },
  };
}

describe.each(testServers())("disk, writers and secrets on Neo4j $version ($label)", (server) => {
  let driver: Driver;
  let root: string;

  beforeAll(async () => {
    driver = driverFor(server);
    root = await mkdtemp(join(tmpdir(), "neo4j-backup-disk-test-"));
  });

  afterAll(async () => {
    await driver?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("a full disk under a backup written in place, its spool and a restore's safety backup: clear errors, nothing partial, the old backup kept", async () => {
    await runScenario("disk.full", server.version, 3, async (scenario) => {
      await clearDatabase(driver);
      await loadSampleGraph(driver, { seed: 81, nodes: 200, special: false });
      const disk = smallDisk(1024);
      const spoolDisk = smallDisk(256);
      try {
        const directory = join(disk.path, "backups");
        const storage = new FileSystemStorage({ directory });
        // nothing may go through a spool where the backup is written in place: a spool folder that
        // stays empty shows it
        const unusedSpool = join(root, "unused-spool");
        mkdirSync(unusedSpool, { recursive: true });
        const previous = await createBackup({ driver, storage, reason: "previous" });
        await loadSampleGraph(driver, { seed: 82, nodes: 6000, special: false });
        const printA = (await fingerprintDatabase(driver)).total;

        await scenario.trial("the backup written in place does not fit", async () => {
          expect(typeof storage.openWriter, "FileSystemStorage writes in place").toBe("function");
          const full = await createBackup({
            driver,
            storage,
            reason: "too big",
            spoolDirectory: unusedSpool,
          }).catch((e) => e);
          expect(full).toBeInstanceOf(BackupError);
          expect(full.code).toBe("STORAGE");
          expect(full.message).toMatch(/ENOSPC|no space/i);
          expect(full.message).toContain(directory);
          expect(full.message).not.toMatch(/spool/);
          expect(await readdir(unusedSpool), "no spool was used").toEqual([]);
          expect((await readdir(directory)).filter((n) => n.endsWith(".tmp"))).toEqual([]);
          expect((await listBackups(storage)).map((e) => e.name)).toEqual([previous.name]);
          expect((await validateBackup({ storage, name: previous.name })).valid).toBe(true);
        });

        await scenario.trial("the spool does not fit", async () => {
          // the spool serves storages that cannot be written in place: the wrapper hides the writer
          const spooled = await createBackup({
            driver,
            storage: new FaultyStorage(storage, {}),
            reason: "spool full",
            spoolDirectory: spoolDisk.path,
          }).catch((e) => e);
          expect(spooled).toBeInstanceOf(BackupError);
          expect(spooled.code).toBe("STORAGE");
          expect(spooled.message).toMatch(/spool|temporary/i);
          expect(spooled.message).toMatch(/ENOSPC|no space/i);
          expect(await readdir(spoolDisk.path), "the spool file is removed").toEqual([]);
          expect((await listBackups(storage)).map((e) => e.name)).toEqual([previous.name]);
        });

        await scenario.trial(
          "a replace restore's safety backup does not fit: nothing is cleared",
          async () => {
            const restore = await restoreBackup({
              driver,
              storage,
              name: previous.name,
              mode: "replace",
            }).catch((e) => e);
            expect(restore).toBeInstanceOf(BackupError);
            expect(restore.code).toBe("STORAGE");
            expect((await fingerprintDatabase(driver)).total).toBe(printA);
            expect((await listBackups(storage)).map((e) => e.name)).toEqual([previous.name]);
            expect((await readdir(directory)).filter((n) => n.endsWith(".tmp"))).toEqual([]);
          },
        );
      } finally {
        disk.release();
        spoolDisk.release();
      }
      return undefined;
    });
  });

  /** Fires creates, deletes and updates once the backup has read 5,000 nodes or relationships. */
  function writersAt(phase: "nodes" | "relationships") {
    let writes: Promise<unknown> | undefined;
    return {
      onProgress: (p: { phase: string; nodes: number; relationships: number }) => {
        if (!writes && p.phase === phase && (p.nodes >= 5000 || p.relationships >= 5000)) {
          writes = Promise.all([
            driver.executeQuery(
              "UNWIND range(1, 300) AS i MATCH (f:Function) WITH f, i LIMIT 300 CREATE (f)-[:USES]->(:Late {i: i})",
            ),
            driver.executeQuery("MATCH (n:Session) WITH n LIMIT 50 DETACH DELETE n"),
            driver.executeQuery("MATCH (n:Template) WITH n LIMIT 100 SET n.touched = true"),
          ]);
        }
      },
      done: async () => {
        expect(writes, "the writes were started").toBeDefined();
        await writes;
      },
    };
  }

  it("writers during a backup: the file records the change and restores cleanly", async () => {
    const trials = 3;
    await runScenario("concurrency.writers", server.version, trials, async (scenario) => {
      for (let t = 0; t < trials; t++) {
        const phase = t === 1 ? "relationships" : "nodes";
        await scenario.trial(`writes while ${phase} are read (seed ${90 + t})`, async () => {
          await clearDatabase(driver);
          await loadSampleGraph(driver, { seed: 90 + t, nodes: 12_000, special: false });
          const storage = new FileSystemStorage({ directory: join(root, `writers-${t}`) });
          const writers = writersAt(phase);
          const backup = await createBackup({
            driver,
            storage,
            reason: "with writers",
            onProgress: writers.onProgress,
          });
          await writers.done();
          expect(backup.changedDuringBackup).toBe(true);
          expect((await validateBackup({ storage, name: backup.name })).valid).toBe(true);
          await clearDatabase(driver);
          const restored = await restoreBackup({ driver, storage, name: backup.name });
          expect(restored.verification?.equal).toBe(true);
        });
      }
      return undefined;
    });
  });

  it("requireConsistent: writes during the backup fail it with INCONSISTENT and publish nothing; without writes it publishes", async () => {
    await runScenario("concurrency.require-consistent", server.version, 3, async (scenario) => {
      await clearDatabase(driver);
      await loadSampleGraph(driver, { seed: 97, nodes: 12_000, special: false });
      const directory = join(root, "consistent");
      const storage = new FileSystemStorage({ directory });
      const previous = await createBackup({ driver, storage, reason: "previous" });
      for (const phase of ["nodes", "relationships"] as const) {
        await scenario.trial(`writes while ${phase} are read`, async () => {
          const index = await storage.readIndex();
          const writers = writersAt(phase);
          const error = await createBackup({
            driver,
            storage,
            reason: "must be consistent",
            requireConsistent: true,
            onProgress: writers.onProgress,
          }).catch((e) => e);
          await writers.done();
          expect(error).toBeInstanceOf(BackupError);
          expect(error.code).toBe("INCONSISTENT");
          expect(error.message).toMatch(/changed while it was backed up.*; nothing was published/);
          expect((await storage.list()).map((f) => f.name)).toEqual([previous.name]);
          expect((await readdir(directory)).filter((n) => n.endsWith(".tmp"))).toEqual([]);
          expect(await storage.readIndex(), "the index is unchanged").toBe(index);
        });
      }
      await scenario.trial("no writes: a point-in-time copy is published", async () => {
        const backup = await createBackup({ driver, storage, reason: "consistent", requireConsistent: true });
        expect(backup.changedDuringBackup).toBe(false);
        expect(backup.metadata.consistency.changed_during_backup).toBe(false);
        expect((await storage.list()).map((f) => f.name)).toEqual([backup.name]);
        expect((await validateBackup({ storage, name: backup.name })).valid).toBe(true);
      });
      return undefined;
    });
  });

  it("the password appears in no file, index, log or error; files 0640, folders 0750; bolt+s URIs go to the driver as given", async () => {
    await runScenario("security.secrets", server.version, 1, async (scenario) => {
      const texts = await scenario.trial("one pass through every operation", secretsTrial);
      return texts === undefined ? undefined : `the password was looked for in ${texts} texts`;
    });
  });

  /** Returns how many texts were searched for the password. */
  async function secretsTrial(): Promise<number> {
    const password = `Pw-${Math.random().toString(36).slice(2)}-Zq9!`;
    const user = "backup_probe";
    await driver.executeQuery(`DROP USER ${user} IF EXISTS`, {}, { database: "system" });
    await driver.executeQuery(
      `CREATE USER ${user} SET PASSWORD $password CHANGE NOT REQUIRED`,
      { password },
      { database: "system" },
    );
    const logFile = join(root, "log.ndjson");
    const logger = pino({ level: "trace" }, pino.destination({ dest: logFile, sync: true }));
    const probe = neo4j.driver(server.uri, neo4j.auth.basic(user, password));
    const errors: unknown[] = [];
    const directory = join(root, "secure", "fullbackup");
    const storage = new FileSystemStorage({ directory });
    try {
      await clearDatabase(driver);
      await loadSampleGraph(driver, { seed: 95, nodes: 300, special: false });
      const backup = await createBackup({ driver: probe, storage, reason: "secrets", logger });
      await restoreBackup({ driver: probe, storage, name: backup.name, mode: "replace", logger });
      await backupStatus({ driver: probe, storage, logger });
      await verifyBackup({ driver: probe, storage, name: backup.name });
      const wrong = neo4j.driver(server.uri, neo4j.auth.basic(user, `${password}-wrong`));
      errors.push(await createBackup({ driver: wrong, storage, reason: "wrong", logger }).catch((e) => e));
      await wrong.close();
      const tls = neo4j.driver(server.uri.replace(/^bolt:/, "bolt+s:"), neo4j.auth.basic(user, password), {
        connectionTimeout: 3000,
        maxTransactionRetryTime: 1000,
      });
      errors.push(await createBackup({ driver: tls, storage, reason: "tls", logger }).catch((e) => e));
      await tls.close();
      expect((errors[0] as BackupError).code).toBe("AUTHENTICATION");
      expect((errors[1] as BackupError).code).toBe("CONNECTION");

      const everything: string[] = [await readFile(logFile, "utf8")];
      for (const name of await readdir(directory))
        everything.push(await readFile(join(directory, name), "utf8"));
      for (const e of errors) {
        let cur: unknown = e;
        while (cur instanceof Error) {
          everything.push(cur.message, cur.stack ?? "", JSON.stringify((cur as BackupError).details ?? null));
          cur = cur.cause;
        }
      }
      const joined = everything.join("\n");
      expect(joined.length).toBeGreaterThan(1000);
      expect(joined.includes(password)).toBe(false);
      expect((await stat(directory)).mode & 0o777).toBe(0o750);
      for (const name of await readdir(directory)) {
        if (name.startsWith(".")) continue;
        expect((await stat(join(directory, name))).mode & 0o777, name).toBe(0o640);
      }
      return everything.length;
    } finally {
      await probe.close();
      await driver.executeQuery(`DROP USER ${user} IF EXISTS`, {}, { database: "system" });
      mkdirSync(root, { recursive: true });
    }
  }
});
