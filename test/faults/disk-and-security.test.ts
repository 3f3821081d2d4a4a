/**
 * A full disk under backups and restores, writers during a backup, and secrets and permissions:
 * nothing partial is published, the old backup stays, the password appears nowhere.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
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
import { record } from "./support/results.js";

/** A small tmpfs (a real full disk), or undefined where mounting is not permitted. */
function smallDisk(sizeKb: number): { path: string; release: () => void } | undefined {
  const path = mkdtempSync(join(tmpdir(), "neo4j-backup-disk-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeKb}k,mode=0755`, "tmpfs", path], {
      stdio: "ignore",
    });
    return {
      path,
      release: () => {
        execFileSync("umount", [path], { stdio: "ignore" });
      },
    };
  } catch {
    return undefined;
  }
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

  it("a full disk under a backup, its spool and a restore's safety backup: clear errors, nothing partial, the old backup kept", async () => {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 81, nodes: 200, special: false });
    const disk = smallDisk(1024);
    const spoolDisk = smallDisk(256);
    const how = disk && spoolDisk ? "a 1 MB tmpfs" : "an injected ENOSPC";
    const directory = disk ? join(disk.path, "backups") : join(root, "backups");
    const real = new FileSystemStorage({ directory });
    const storage = disk ? real : new FaultyStorage(real, {});
    let passed = 0;
    try {
      const previous = await createBackup({ driver, storage, reason: "previous" });
      await loadSampleGraph(driver, { seed: 82, nodes: 6000, special: false });
      const printA = (await fingerprintDatabase(driver)).total;
      if (storage instanceof FaultyStorage) storage.faults = { failWriteAfterBytes: 1024 * 1024 };

      // 1. the backup does not fit
      const full = await createBackup({ driver, storage, reason: "too big" }).catch((e) => e);
      expect(full).toBeInstanceOf(BackupError);
      expect(full.code).toBe("STORAGE");
      expect(full.message).toMatch(disk ? /ENOSPC|no space/i : /disk full/);
      expect((await readdir(directory)).filter((n) => n.endsWith(".tmp"))).toEqual([]);
      expect((await listBackups(storage)).map((e) => e.name)).toEqual([previous.name]);
      expect((await validateBackup({ storage, name: previous.name })).valid).toBe(true);
      passed++;

      // 2. the record spool does not fit (a small temp folder); the spool serves storages that
      // cannot be written in place — the wrapper hides FileSystemStorage's in-place writer
      // without a small disk: a spool folder that cannot be written (its parent is a file)
      if (!spoolDisk) await writeFile(join(root, "a-file"), "");
      const spoolDir = spoolDisk ? spoolDisk.path : join(root, "a-file", "spool");
      const spooled = await createBackup({
        driver,
        storage: new FaultyStorage(real, {}),
        reason: "spool full",
        spoolDirectory: spoolDir,
      }).catch((e) => e);
      expect(spooled).toBeInstanceOf(BackupError);
      expect(spooled.code).toBe("STORAGE");
      expect(spooled.message).toMatch(/spool|temporary/i);
      expect((await listBackups(real)).map((e) => e.name)).toEqual([previous.name]);
      passed++;

      // 3. a replace restore whose safety backup does not fit: nothing is cleared
      const restore = await restoreBackup({ driver, storage, name: previous.name, mode: "replace" }).catch(
        (e) => e,
      );
      expect(restore).toBeInstanceOf(BackupError);
      expect(restore.code).toBe("STORAGE");
      expect((await fingerprintDatabase(driver)).total).toBe(printA);
      expect((await listBackups(storage)).map((e) => e.name)).toEqual([previous.name]);
      passed++;
    } finally {
      disk?.release();
      spoolDisk?.release();
      record({
        area: "disk",
        scenario: `disk full (${how}) during a backup, during its spool, and during a replace restore's safety backup`,
        server: server.version,
        trials: 3,
        passed,
        checked:
          "STORAGE error naming the cause; no file or temporary file left; previous backup listed and valid; database untouched",
      });
    }
  });

  it("writers during a backup: the file records the change and restores cleanly", async () => {
    let passed = 0;
    const trials = 3;
    for (let t = 0; t < trials; t++) {
      await clearDatabase(driver);
      await loadSampleGraph(driver, { seed: 90 + t, nodes: 12_000, special: false });
      const storage = new FileSystemStorage({ directory: join(root, `writers-${t}`) });
      let writes: Promise<unknown> | undefined;
      const backup = await createBackup({
        driver,
        storage,
        reason: "with writers",
        onProgress: (p) => {
          if (
            !writes &&
            p.phase === (t === 1 ? "relationships" : "nodes") &&
            (p.nodes >= 5000 || p.relationships >= 5000)
          ) {
            writes = Promise.all([
              driver.executeQuery(
                "UNWIND range(1, 300) AS i MATCH (f:Function) WITH f, i LIMIT 300 CREATE (f)-[:USES]->(:Late {i: i})",
              ),
              driver.executeQuery("MATCH (n:Session) WITH n LIMIT 50 DETACH DELETE n"),
              driver.executeQuery("MATCH (n:Template) WITH n LIMIT 100 SET n.touched = true"),
            ]);
          }
        },
      });
      await writes;
      expect(backup.changedDuringBackup).toBe(true);
      expect((await validateBackup({ storage, name: backup.name })).valid).toBe(true);
      await clearDatabase(driver);
      const restored = await restoreBackup({ driver, storage, name: backup.name });
      expect(restored.verification?.equal).toBe(true);
      passed++;
    }
    record({
      area: "concurrency",
      scenario: "creates, deletes and updates committed while a backup reads nodes or relationships",
      server: server.version,
      trials,
      passed,
      checked:
        "metadata records the change; the file validates (referentially intact); it restores and verifies into an empty database",
    });
  });

  it("the password appears in no file, index, log or error; files 0640, folders 0750; bolt+s URIs go to the driver as given", async () => {
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
      record({
        area: "security",
        scenario:
          "a distinctive password through backup, replace restore, status, verify, a wrong password and a bolt+s URI",
        server: server.version,
        trials: 1,
        passed: 1,
        checked: `password absent from ${everything.length} texts (backup files, index, trace log, error messages, stacks, causes); files 0640, folder 0750; AUTHENTICATION and CONNECTION errors`,
      });
    } finally {
      await probe.close();
      await driver.executeQuery(`DROP USER ${user} IF EXISTS`, {}, { database: "system" });
      mkdirSync(root, { recursive: true });
    }
  });
});
