/**
 * kill -9 during backups and replace restores, at many points. After every kill: no partial file is
 * listed, the previous backup is intact, the index agrees with the files, and the database is either
 * its previous contents or the complete restore — never a mix — once the next call into the library
 * has run.
 */
import { spawn } from "node:child_process";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearDatabase, loadSampleGraph } from "../../scripts/sample-graph/index.js";
import {
  backupStatus,
  createBackup,
  FileSystemStorage,
  fingerprintDatabase,
  listBackups,
  readIndex,
  recoverInterruptedRestore,
  validateBackup,
} from "../../src/index.js";
import { driverFor, type TestServer, testServers } from "../support/servers.js";
import type { KillPoint } from "./support/killing-storage.js";
import { record } from "./support/results.js";

const WORKER = fileURLToPath(new URL("./support/crash-worker.ts", import.meta.url));

function runWorker(
  server: TestServer,
  args: string[],
): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", WORKER, ...args], {
      env: {
        ...process.env,
        NEO4J_URI: server.uri,
        NEO4J_USERNAME: server.username,
        NEO4J_PASSWORD: server.password,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve({ code, signal, out }));
  });
}

const BACKUP_POINTS: KillPoint[] = [
  { label: "schema export", progress: { phase: "schema" } },
  { label: "first nodes", progress: { phase: "nodes", nodes: 5000 } },
  { label: "mid-nodes", progress: { phase: "nodes", nodes: 10000 } },
  { label: "start of relationships", progress: { phase: "relationships" } },
  { label: "mid-relationships", progress: { phase: "relationships", relationships: 20000 } },
  { label: "start of publication", progress: { phase: "publishing" } },
  { label: "writing the file, first 64 KB", write: { prefix: "neo4j_backup", afterBytes: 64 * 1024 } },
  { label: "writing the file, after 2 MB", write: { prefix: "neo4j_backup", afterBytes: 2 * 1024 * 1024 } },
  { label: "file complete, not yet published", publish: true },
  { label: "published, index not yet written", writeIndex: { nth: 1, when: "before" } },
  { label: "validating before clean-up", read: { prefix: "neo4j_backup", nth: 1, afterBytes: 512 * 1024 } },
  { label: "clean-up, before removing the old backup", remove: true },
  { label: "clean-up, old removed, index not rewritten", writeIndex: { nth: 2, when: "before" } },
];

const RESTORE_POINTS: KillPoint[] = [
  { label: "validating the file", progress: { phase: "validating" } },
  { label: "taking the safety backup", progress: { phase: "safety-backup" } },
  { label: "writing the safety backup", write: { prefix: "safety_backup", afterBytes: 32 * 1024 } },
  {
    label: "restore marked, nothing cleared yet",
    writeIndex: { containing: '"pendingRestore": {', when: "after" },
  },
  { label: "clearing the database", progress: { phase: "clearing" } },
  { label: "early nodes", progress: { phase: "nodes", nodes: 400 } },
  { label: "mid-nodes", progress: { phase: "nodes", nodes: 1400 } },
  { label: "mid-relationships", progress: { phase: "relationships", relationships: 1000 } },
  { label: "reading the file part-way", read: { prefix: "source", nth: 2, afterBytes: 256 * 1024 } },
  { label: "creating the schema", progress: { phase: "schema" } },
  { label: "verifying", progress: { phase: "verifying" } },
  { label: "verified, not yet recorded", progress: { phase: "done" } },
];

describe.each(testServers())("crash safety on Neo4j $version ($label)", (server) => {
  let driver: Driver;
  let root: string;

  beforeAll(async () => {
    driver = driverFor(server);
    root = await mkdtemp(join(tmpdir(), "neo4j-backup-crash-"));
  });

  afterAll(async () => {
    await driver?.close();
    await rm(root, { recursive: true, force: true });
  });

  /** Loads the graph of `seed` and backs it up (prefix `source`) into a template folder. */
  async function sourceTemplate(seed: number, folder: string) {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed, nodes: 2000, special: false });
    const print = await fingerprintDatabase(driver);
    const template = join(root, folder);
    const storage = new FileSystemStorage({ directory: template });
    const { name } = await createBackup({ driver, storage, reason: "source", prefix: "source" });
    return { print, template, sourceName: name };
  }

  it(`kill -9 during a backup at ${BACKUP_POINTS.length} points: no partial file, the previous backup intact, the index consistent`, async () => {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 31, nodes: 12_000, special: false });
    const template = join(root, "backup-template");
    const previous = await createBackup({
      driver,
      storage: new FileSystemStorage({ directory: template }),
      reason: "previous",
    });
    let passed = 0;
    const notes: string[] = [];
    for (const [i, point] of BACKUP_POINTS.entries()) {
      const directory = join(root, `backup-${i}`);
      await cp(template, directory, { recursive: true });
      const run = await runWorker(server, ["backup", JSON.stringify(point), directory]);
      expect(run.out, point.label).toContain(`killed:${point.label}`);
      expect(run.signal, point.label).toBe("SIGKILL");
      const storage = new FileSystemStorage({ directory });
      const files = (await storage.list()).map((f) => f.name).sort();
      // every listed file is complete and valid
      for (const name of files)
        expect((await validateBackup({ storage, name })).valid, `${point.label}: ${name}`).toBe(true);
      // the previous backup is there, unless a newer complete one replaced it
      if (!files.includes(previous.name)) expect(files.length, point.label).toBe(1);
      expect(files.length, point.label).toBeGreaterThanOrEqual(1);
      // the index (reconciled) names exactly the files
      expect((await listBackups(storage)).map((e) => e.name).sort(), point.label).toEqual(files);
      // the store is usable: the dead process's lock is taken over
      const next = await createBackup({ driver, storage, reason: "after crash", lockTimeoutMs: 30_000 });
      expect(
        (await storage.list()).map((f) => f.name),
        point.label,
      ).toEqual([next.name]);
      notes.push(files.includes(previous.name) ? "old" : "new");
      passed++;
    }
    record({
      area: "crash",
      scenario:
        "kill -9 during createBackup (schema, nodes, relationships, publication, index, validation, clean-up)",
      server: server.version,
      trials: BACKUP_POINTS.length,
      passed,
      checked:
        "only complete valid files listed; previous backup kept until a newer valid one exists; index = files; next backup succeeds",
      notes: `kept ${notes.filter((n) => n === "old").length}× the previous backup, ${notes.filter((n) => n === "new").length}× the new complete one`,
    });
  });

  it(`kill -9 during a replace restore at ${RESTORE_POINTS.length} points: the next call restores the previous contents or completes — never a mix`, async () => {
    // B: the backup being restored; A: what the database holds before
    const { print: printB, template, sourceName } = await sourceTemplate(41, "restore-template");
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 42, nodes: 1500, special: false });
    await driver.executeQuery("MATCH (n:Function) WITH n LIMIT 10 SET n.only_in_a = true");
    const printA = await fingerprintDatabase(driver);
    expect(printA.total).not.toBe(printB.total);

    const entryPoints = ["recoverInterruptedRestore", "backupStatus", "createBackup"] as const;
    const ended = { previous: 0, complete: 0 };
    let passed = 0;
    for (const [i, point] of RESTORE_POINTS.entries()) {
      // the database holds A again before every trial
      if ((await fingerprintDatabase(driver)).total !== printA.total) {
        await clearDatabase(driver);
        await loadSampleGraph(driver, { seed: 42, nodes: 1500, special: false });
        await driver.executeQuery("MATCH (n:Function) WITH n LIMIT 10 SET n.only_in_a = true");
      }
      const directory = join(root, `restore-${i}`);
      await cp(template, directory, { recursive: true });
      const run = await runWorker(server, ["restore", JSON.stringify(point), directory, sourceName]);
      expect(run.out, point.label).toContain(`killed:${point.label}`);
      const storage = new FileSystemStorage({ directory });
      const entry = entryPoints[i % entryPoints.length]!;
      if (entry === "recoverInterruptedRestore")
        await recoverInterruptedRestore({ driver, storage, lockTimeoutMs: 30_000 });
      else if (entry === "backupStatus") await backupStatus({ driver, storage });
      else {
        const backup = await createBackup({
          driver,
          storage,
          reason: "after crash",
          keep: Number.POSITIVE_INFINITY,
        });
        const inFile = (await validateBackup({ storage, name: backup.name, fingerprint: true })).fingerprint!
          .total;
        expect([printA.total, printB.total], `${point.label}: the next backup`).toContain(inFile);
      }
      const now = (await fingerprintDatabase(driver)).total;
      expect([printA.total, printB.total], `${point.label} (then ${entry})`).toContain(now);
      expect((await readIndex(storage)).pendingRestore ?? null, point.label).toBeNull();
      if (now === printA.total) ended.previous++;
      else ended.complete++;
      passed++;
    }
    record({
      area: "crash",
      scenario:
        "kill -9 during a replace restore (validation, safety backup, marker, clearing, nodes, relationships, schema, verification)",
      server: server.version,
      trials: RESTORE_POINTS.length,
      passed,
      checked:
        "after the next call (recoverInterruptedRestore, backupStatus or createBackup): fingerprint = previous contents or complete restore; no pending restore left",
      notes: `${ended.previous}× previous contents, ${ended.complete}× complete restore`,
    });
  });

  it("kill -9 during a restore into an empty database: the next call completes it", async () => {
    const { print, template, sourceName } = await sourceTemplate(43, "empty-template");
    const printB = print.total;
    const points: KillPoint[] = [
      { label: "empty: early nodes", progress: { phase: "nodes", nodes: 400 } },
      { label: "empty: mid-relationships", progress: { phase: "relationships", relationships: 1000 } },
      { label: "empty: creating the schema", progress: { phase: "schema" } },
      { label: "empty: verifying", progress: { phase: "verifying" } },
    ];
    let passed = 0;
    for (const [i, point] of points.entries()) {
      await clearDatabase(driver);
      const directory = join(root, `empty-${i}`);
      await cp(template, directory, { recursive: true });
      const run = await runWorker(server, ["restore-empty", JSON.stringify(point), directory, sourceName]);
      expect(run.out, point.label).toContain(`killed:${point.label}`);
      const storage = new FileSystemStorage({ directory });
      const recovered = await recoverInterruptedRestore({ driver, storage });
      expect(recovered?.outcome, point.label).toBe("completed");
      expect((await fingerprintDatabase(driver)).total, point.label).toBe(printB);
      expect((await readIndex(storage)).pendingRestore ?? null, point.label).toBeNull();
      passed++;
    }
    record({
      area: "crash",
      scenario:
        "kill -9 during a restore into an empty database (nodes, relationships, schema, verification)",
      server: server.version,
      trials: points.length,
      passed,
      checked: "the next call completes the restore: fingerprint = the backup's; no pending restore left",
    });
  });
});
