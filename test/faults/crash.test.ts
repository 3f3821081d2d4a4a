/**
 * kill -9 during backups, replace restores, restores into an empty database and the replacement of
 * the distribution backup, at many points. After every kill: no partial file is listed, the
 * previous backup is intact, the raw index differs from the files by at most the step that was cut,
 * and — once the next call into the library has run — the database holds its previous contents or
 * the complete restore, data and schema alike: never a mix.
 */
import { cp, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearDatabase, loadSampleGraph } from "../../scripts/sample-graph/index.js";
import {
  backupStatus,
  createBackup,
  createDistributionBackup,
  DISTRIBUTION_BACKUP_NAME,
  FileSystemStorage,
  fingerprintDatabase,
  listBackups,
  readIndex,
  recoverInterruptedRestore,
  validateBackup,
} from "../../src/index.js";
import { runCrashWorker } from "../support/crash.js";
import { driverFor, type TestServer, testServers } from "../support/servers.js";
import type { KillPoint } from "./support/killing-storage.js";
import { runScenario } from "./support/results.js";
import {
  createSchema,
  SCHEMA_A,
  SCHEMA_B,
  schemaNames,
  schemaNamesInFile,
  schemaSignature,
} from "./support/schema.js";

/** Runs the worker and checks that it died where it was meant to. */
async function killAt(server: TestServer, mode: string, point: KillPoint, ...args: string[]): Promise<void> {
  const [directory, ...rest] = args;
  const run = await runCrashWorker(server, mode, point, { directory }, rest);
  expect(run.out, point.label).toContain(`killed:${point.label}`);
  expect(run.signal, point.label).toBe("SIGKILL");
}

/** The raw index document, as stored (not reconciled with the files). */
async function rawIndex(
  storage: FileSystemStorage,
): Promise<{ name: string; size: number; checksum: string | null; valid: boolean }[]> {
  const text = await storage.readIndex();
  return text === undefined ? [] : JSON.parse(text).backups;
}

/** Hidden temporary files in a folder, with their sizes. */
async function temporaryFiles(directory: string): Promise<{ name: string; size: number }[]> {
  const names = (await readdir(directory)).filter((n) => n.endsWith(".tmp"));
  return Promise.all(names.map(async (name) => ({ name, size: (await stat(join(directory, name))).size })));
}

/** The raw index lists exactly the files, each entry with the file's size and checksum, all valid. */
async function expectIndexEqualsFiles(storage: FileSystemStorage, label: string): Promise<void> {
  const entries = await rawIndex(storage);
  const files = await storage.list();
  expect(entries.map((e) => e.name).sort(), `${label}: raw index`).toEqual(files.map((f) => f.name).sort());
  for (const entry of entries) {
    const file = files.find((f) => f.name === entry.name)!;
    expect(entry.size, `${label}: ${entry.name} size`).toBe(file.size);
    const report = await validateBackup({ storage, name: entry.name });
    expect([entry.valid, entry.checksum], `${label}: ${entry.name}`).toEqual([true, report.checksum]);
  }
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

/** Kill points of a parallel backup (two read workers): the reading differs, the writing is the same. */
const PARALLEL_POINTS: KillPoint[] = [
  { label: "parallel: first nodes", progress: { phase: "nodes", nodes: 5000 } },
  { label: "parallel: mid-relationships", progress: { phase: "relationships", relationships: 10000 } },
  {
    label: "parallel: writing the file, first 64 KB",
    write: { prefix: "neo4j_backup", afterBytes: 64 * 1024 },
  },
  { label: "parallel: file complete, not yet published", publish: true },
  {
    label: "parallel: reading back before clean-up",
    read: { prefix: "neo4j_backup", nth: 1, afterBytes: 512 * 1024 },
  },
  { label: "parallel: clean-up, before removing the old backup", remove: true },
];

/** The first kill point at which retention may have removed the previous backup. */
const REMOVAL_POINT = BACKUP_POINTS.findIndex((p) => p.remove);

/** Kill points of a replace restore whose safety backup and verification read on two worker threads. */
const PARALLEL_RESTORE_POINTS: KillPoint[] = [
  {
    label: "parallel: safety backup, workers reading",
    log: { message: "backup reads on worker threads", delayMs: 30 },
  },
  { label: "parallel: writing the safety backup", write: { prefix: "safety_backup", afterBytes: 32 * 1024 } },
  { label: "parallel: mid-relationships", progress: { phase: "relationships", relationships: 1000 } },
  {
    label: "parallel: verifying, workers reading",
    log: { message: "fingerprint reads on worker threads", delayMs: 30 },
  },
];

const RESTORE_POINTS: KillPoint[] = [
  { label: "validating the file", progress: { phase: "validating" } },
  { label: "taking the safety backup", progress: { phase: "safety-backup" } },
  { label: "writing the safety backup", write: { prefix: "safety_backup", afterBytes: 32 * 1024 } },
  {
    label: "restore marked, nothing cleared yet",
    writeIndex: { containing: '"pendingRestores": [\n    {', when: "after" },
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

const EMPTY_POINTS: KillPoint[] = [
  { label: "empty: early nodes", progress: { phase: "nodes", nodes: 400 } },
  { label: "empty: mid-relationships", progress: { phase: "relationships", relationships: 1000 } },
  { label: "empty: creating the schema", progress: { phase: "schema" } },
  { label: "empty: verifying", progress: { phase: "verifying" } },
];

const DISTRIBUTION_POINTS: KillPoint[] = [
  { label: "writing the new backup", write: { prefix: "initial_backup_next", afterBytes: 256 * 1024 } },
  {
    label: "validating the new backup",
    read: { prefix: "initial_backup_next", nth: 1, afterBytes: 128 * 1024 },
  },
  { label: "validated, not yet put in place", replace: { when: "before" } },
  { label: "putting it in place, part-way", replace: { when: "during", afterBytes: 256 * 1024 } },
  { label: "written in place, not yet renamed over the old one", replace: { when: "content-taken" } },
  { label: "in place, side file not yet removed", replace: { when: "after" } },
  { label: "side file removed, index not yet written", writeIndex: { nth: 2, when: "before" } },
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

  /** Loads the graph of `seed` with `schema` and backs it up (prefix `source`) into a template folder. */
  async function sourceTemplate(seed: number, folder: string, schema: string[]) {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed, nodes: 2000, special: false });
    await createSchema(driver, schema);
    const print = await fingerprintDatabase(driver);
    const signature = await schemaSignature(driver);
    const template = join(root, folder);
    const storage = new FileSystemStorage({ directory: template });
    const { name } = await createBackup({ driver, storage, reason: "source", prefix: "source" });
    return { print, signature, template, sourceName: name };
  }

  /** The database before a restore: graph A with schema A. */
  async function loadA(): Promise<void> {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 42, nodes: 1500, special: false });
    await driver.executeQuery("MATCH (n:Function) WITH n LIMIT 10 SET n.only_in_a = true");
    await createSchema(driver, SCHEMA_A);
  }

  it(`kill -9 during a backup at ${BACKUP_POINTS.length} points: no partial file, the previous backup intact, the index as consistent as the step cut allows`, async () => {
    await runScenario("crash.backup", server.version, BACKUP_POINTS.length, async (scenario) => {
      await clearDatabase(driver);
      await loadSampleGraph(driver, { seed: 31, nodes: 12_000, special: false });
      await createSchema(driver, SCHEMA_A);
      const names = await schemaNames(driver);
      const template = join(root, "backup-template");
      const previous = await createBackup({
        driver,
        storage: new FileSystemStorage({ directory: template }),
        reason: "previous",
      });
      const kept = { old: 0, new: 0 };
      const lag: string[] = [];
      let largestTemp = 0;
      for (const [i, point] of BACKUP_POINTS.entries()) {
        await scenario.trial(point.label, async () => {
          const directory = join(root, `backup-${i}`);
          await cp(template, directory, { recursive: true, preserveTimestamps: true });
          await killAt(server, "backup", point, directory);
          const storage = new FileSystemStorage({ directory });
          const files = (await storage.list()).map((f) => f.name).sort();
          // every listed file is complete and valid, with the database's schema
          for (const name of files) {
            const report = await validateBackup({ storage, name });
            expect(report.valid, `${point.label}: ${name}`).toBe(true);
            expect(schemaNamesInFile(report.metadata), `${point.label}: schema in ${name}`).toEqual(names);
          }
          // the previous backup is there until retention's removal step, which comes only after the
          // new backup was published and validated; after it, only the newer complete one replaced it
          if (i < REMOVAL_POINT)
            expect(files, `${point.label}: the previous backup`).toContain(previous.name);
          if (!files.includes(previous.name)) expect(files.length, point.label).toBe(1);
          expect(files.length, point.label).toBeGreaterThanOrEqual(1);
          // the raw index as the kill left it: at most the cut step is missing from it
          const raw = (await rawIndex(storage)).map((e) => e.name);
          const unlisted = files.filter((f) => !raw.includes(f));
          const gone = raw.filter((n) => !files.includes(n));
          expect(unlisted, `${point.label}: files the raw index does not list`).not.toContain(previous.name);
          expect(
            gone.filter((n) => n !== previous.name),
            `${point.label}: raw index entries without a file`,
          ).toEqual([]);
          expect(unlisted.length + gone.length, `${point.label}: raw index differences`).toBeLessThanOrEqual(
            1,
          );
          if (unlisted.length) lag.push(`${point.label}: the new backup not yet listed`);
          if (gone.length) lag.push(`${point.label}: the removed backup still listed`);
          largestTemp = Math.max(largestTemp, ...(await temporaryFiles(directory)).map((t) => t.size));
          // the next reader repairs the stored index (the dead process's lock is taken over)
          await listBackups(storage);
          await expectIndexEqualsFiles(storage, `${point.label}, after the next reader`);
          // the store is usable: the next backup succeeds, and nothing temporary is left
          const next = await createBackup({ driver, storage, reason: "after crash", lockTimeoutMs: 30_000 });
          expect(
            (await storage.list()).map((f) => f.name),
            point.label,
          ).toEqual([next.name]);
          expect(
            await temporaryFiles(directory),
            `${point.label}: temporary files after the next backup`,
          ).toEqual([]);
          await expectIndexEqualsFiles(storage, `${point.label}, after the next backup`);
          kept[files.includes(previous.name) ? "old" : "new"]++;
        });
      }
      return `kept ${kept.old}× the previous backup, ${kept.new}× the new complete one; raw index behind the files in ${lag.length} trials (${lag.join("; ")}); the killed writer's temporary file held up to ${(largestTemp / 1e6).toFixed(1)} MB until the next backup removed it`;
    });
  });

  it(`kill -9 during a parallel backup at ${PARALLEL_POINTS.length} points, and a read worker thread exiting: no partial file, the previous backup intact`, async () => {
    await runScenario(
      "crash.parallel-backup",
      server.version,
      PARALLEL_POINTS.length + 1,
      async (scenario) => {
        await clearDatabase(driver);
        await loadSampleGraph(driver, { seed: 33, nodes: 6_000, special: false });
        const template = join(root, "parallel-template");
        const previous = await createBackup({
          driver,
          storage: new FileSystemStorage({ directory: template }),
          reason: "previous",
        });
        const parallel = { threads: 2, rangeSize: 500 };
        /** Every listed file valid, the previous one among them, nothing temporary left after the next backup. */
        const expectIntact = async (directory: string, label: string, previousKept: boolean) => {
          const storage = new FileSystemStorage({ directory });
          const files = (await storage.list()).map((f) => f.name).sort();
          for (const name of files) {
            expect((await validateBackup({ storage, name })).valid, `${label}: ${name}`).toBe(true);
          }
          if (previousKept) expect(files, `${label}: the previous backup`).toContain(previous.name);
          if (!files.includes(previous.name)) expect(files.length, label).toBe(1);
          await listBackups(storage);
          await expectIndexEqualsFiles(storage, `${label}, after the next reader`);
          const next = await createBackup({ driver, storage, reason: "after crash", lockTimeoutMs: 30_000 });
          expect(
            (await storage.list()).map((f) => f.name),
            label,
          ).toEqual([next.name]);
          expect(await temporaryFiles(directory), `${label}: temporary files after the next backup`).toEqual(
            [],
          );
        };
        for (const [i, point] of PARALLEL_POINTS.entries()) {
          await scenario.trial(point.label, async () => {
            const directory = join(root, `parallel-${i}`);
            await cp(template, directory, { recursive: true, preserveTimestamps: true });
            const run = await runCrashWorker(server, "backup", point, { directory }, [], {
              CRASH_PARALLEL: JSON.stringify(parallel),
            });
            expect(run.out, point.label).toContain(`killed:${point.label}`);
            expect(run.signal, point.label).toBe("SIGKILL");
            await expectIntact(directory, point.label, !point.remove);
          });
        }
        const label = "a read worker thread exits in the middle of the relationships";
        await scenario.trial(label, async () => {
          const directory = join(root, "parallel-worker-exit");
          await cp(template, directory, { recursive: true, preserveTimestamps: true });
          // 12 node ranges and 36 relationship ranges of 500 over two workers: the 20th range of one
          // is a relationship range
          const run = await runCrashWorker(server, "backup", { label }, { directory }, [], {
            CRASH_PARALLEL: JSON.stringify({ ...parallel, exitAfterRanges: 20 }),
          });
          expect(run.out, label).toMatch(
            /failed:a read worker thread stopped before the graph was read \(exit code 70\); nothing was published/,
          );
          const storage = new FileSystemStorage({ directory });
          expect(
            (await storage.list()).map((f) => f.name),
            label,
          ).toEqual([previous.name]);
          await expectIntact(directory, label, true);
        });
        return "every listed file valid; the previous backup kept where retention had not started; a worker thread's exit failed the backup with WORKER_FAILED and published nothing";
      },
    );
  });

  it(`kill -9 during a replace restore at ${RESTORE_POINTS.length} points: the next call puts back exactly the previous contents — data and schema`, async () => {
    await runScenario("crash.replace-restore", server.version, RESTORE_POINTS.length, async (scenario) => {
      // B: the backup being restored; A: what the database holds before
      const b = await sourceTemplate(41, "restore-template", SCHEMA_B);
      await loadA();
      const printA = await fingerprintDatabase(driver);
      const signatureA = await schemaSignature(driver);
      expect(printA.total).not.toBe(b.print.total);
      expect(signatureA).not.toEqual(b.signature);

      const entryPoints = ["recoverInterruptedRestore", "backupStatus", "createBackup"] as const;
      const ended = { recovered: 0, reported: 0 };
      for (const [i, point] of RESTORE_POINTS.entries()) {
        await scenario.trial(point.label, async () => {
          // the database holds A again before every trial
          const current = await fingerprintDatabase(driver);
          if (current.total !== printA.total || !equal(await schemaSignature(driver), signatureA))
            await loadA();
          const directory = join(root, `restore-${i}`);
          await cp(b.template, directory, { recursive: true, preserveTimestamps: true });
          const run = await runCrashWorker(server, "restore", point, { directory }, [b.sourceName]);
          expect(run.out, point.label).toContain(`killed:${point.label}`);
          const storage = new FileSystemStorage({ directory });
          const entry = entryPoints[i % entryPoints.length]!;
          let inNextBackup: { print: string; names: string[] } | undefined;
          if (entry === "recoverInterruptedRestore")
            await recoverInterruptedRestore({ driver, storage, lockTimeoutMs: 30_000 });
          else if (entry === "backupStatus") {
            // a status writes nothing: it reports the unfinished restore (if the kill left one)
            const pending = (await readIndex(storage)).pendingRestores;
            const status = await backupStatus({ driver, storage });
            expect(status.health.pendingRestore, point.label).toEqual(pending[0] ?? null);
            await recoverInterruptedRestore({ driver, storage, lockTimeoutMs: 30_000 });
          } else {
            const backup = await createBackup({
              driver,
              storage,
              reason: "after crash",
              keep: Number.POSITIVE_INFINITY,
            });
            const report = await validateBackup({ storage, name: backup.name, fingerprint: true });
            inNextBackup = { print: report.fingerprint!.total, names: schemaNamesInFile(report.metadata) };
          }
          // before the record, nothing was written; from it on, recovery puts back the safety backup
          const now = (await fingerprintDatabase(driver)).total;
          expect(now, `${point.label} (then ${entry}): the previous data`).toBe(printA.total);
          expect(
            await schemaSignature(driver),
            `${point.label} (then ${entry}): the previous schema`,
          ).toEqual(signatureA);
          if (inNextBackup) {
            expect(inNextBackup.print, `${point.label}: the next backup's data`).toBe(now);
            expect(inNextBackup.names, `${point.label}: the next backup's schema`).toEqual(
              await schemaNames(driver),
            );
          }
          expect((await readIndex(storage)).pendingRestores, point.label).toEqual([]);
          ended[entry === "backupStatus" ? "reported" : "recovered"]++;
        });
      }
      return `previous contents in every trial: ${ended.recovered}× put back by the next writing call, ${ended.reported}× after backupStatus reported the unfinished restore and recoverInterruptedRestore put them back`;
    });
  });

  it(`kill -9 during a parallel replace restore at ${PARALLEL_RESTORE_POINTS.length} points, and a read worker exiting in its verification: the previous contents come back`, async () => {
    const trials = PARALLEL_RESTORE_POINTS.length + 1;
    await runScenario("crash.parallel-restore", server.version, trials, async (scenario) => {
      const b = await sourceTemplate(47, "parallel-restore-template", SCHEMA_B);
      await loadA();
      const printA = await fingerprintDatabase(driver);
      const signatureA = await schemaSignature(driver);
      const parallel = JSON.stringify({ threads: 2, rangeSize: 100 });
      for (const [i, point] of PARALLEL_RESTORE_POINTS.entries()) {
        await scenario.trial(point.label, async () => {
          const current = await fingerprintDatabase(driver);
          if (current.total !== printA.total || !equal(await schemaSignature(driver), signatureA))
            await loadA();
          const directory = join(root, `parallel-restore-${i}`);
          await cp(b.template, directory, { recursive: true, preserveTimestamps: true });
          const run = await runCrashWorker(server, "restore", point, { directory }, [b.sourceName], {
            CRASH_PARALLEL: parallel,
          });
          expect(run.out, point.label).toContain(`killed:${point.label}`);
          expect(run.signal, point.label).toBe("SIGKILL");
          const storage = new FileSystemStorage({ directory });
          await recoverInterruptedRestore({ driver, storage, lockTimeoutMs: 30_000 });
          expect((await fingerprintDatabase(driver)).total, `${point.label}: the previous data`).toBe(
            printA.total,
          );
          expect(await schemaSignature(driver), `${point.label}: the previous schema`).toEqual(signatureA);
          expect((await readIndex(storage)).pendingRestores, point.label).toEqual([]);
        });
      }
      const label = "a read worker thread exits while the restored database is read back";
      await scenario.trial(label, async () => {
        await clearDatabase(driver);
        const directory = join(root, "parallel-restore-worker-exit");
        await cp(b.template, directory, { recursive: true, preserveTimestamps: true });
        // an empty-mode restore: the only read workers are the verification's
        const run = await runCrashWorker(server, "restore-empty", { label }, { directory }, [b.sourceName], {
          CRASH_PARALLEL: JSON.stringify({ threads: 2, rangeSize: 100, exitAfterRanges: 5 }),
        });
        expect(run.out, label).toMatch(
          /failed:.*a read worker thread stopped before the graph was read \(exit code 70\)/,
        );
        // the unverified restore was taken back: the target is empty again, nothing pending
        const storage = new FileSystemStorage({ directory });
        expect((await fingerprintDatabase(driver)).nodes, label).toBe(0);
        expect((await readIndex(storage)).pendingRestores, label).toEqual([]);
      });
      return "previous data and schema after every kill (put back by recoverInterruptedRestore); a worker's exit in the verification failed the restore, which took its data back (the target empty again)";
    });
  });

  it("kill -9 during a restore into an empty database: the next call completes it, schema included", async () => {
    await runScenario("crash.empty-restore", server.version, EMPTY_POINTS.length, async (scenario) => {
      const b = await sourceTemplate(43, "empty-template", SCHEMA_B);
      for (const [i, point] of EMPTY_POINTS.entries()) {
        await scenario.trial(point.label, async () => {
          await clearDatabase(driver);
          const directory = join(root, `empty-${i}`);
          await cp(b.template, directory, { recursive: true, preserveTimestamps: true });
          const run = await runCrashWorker(server, "restore-empty", point, { directory }, [b.sourceName]);
          expect(run.out, point.label).toContain(`killed:${point.label}`);
          const storage = new FileSystemStorage({ directory });
          const recovered = await recoverInterruptedRestore({ driver, storage });
          expect(recovered?.outcome, point.label).toBe("completed");
          expect((await fingerprintDatabase(driver)).total, point.label).toBe(b.print.total);
          expect(await schemaSignature(driver), `${point.label}: schema`).toEqual(b.signature);
          expect((await readIndex(storage)).pendingRestores, point.label).toEqual([]);
        });
      }
      return undefined;
    });
  });

  it(`kill -9 while the distribution backup is replaced, at ${DISTRIBUTION_POINTS.length} points: initial_backup.json is always the old or the new one`, async () => {
    await runScenario("crash.distribution", server.version, DISTRIBUTION_POINTS.length, async (scenario) => {
      await clearDatabase(driver);
      await loadSampleGraph(driver, { seed: 44, nodes: 3000, special: false });
      const template = join(root, "distribution-template");
      const templateStorage = new FileSystemStorage({ directory: template });
      await createDistributionBackup({ driver, storage: templateStorage, reason: "v1" });
      const oldPrint = (
        await validateBackup({ storage: templateStorage, name: DISTRIBUTION_BACKUP_NAME, fingerprint: true })
      ).fingerprint!.total;
      await clearDatabase(driver);
      await loadSampleGraph(driver, { seed: 45, nodes: 3000, special: false });
      const newPrint = (await fingerprintDatabase(driver)).total;
      expect(newPrint).not.toBe(oldPrint);
      const inPlace = { old: 0, new: 0 };
      for (const [i, point] of DISTRIBUTION_POINTS.entries()) {
        await scenario.trial(point.label, async () => {
          const directory = join(root, `distribution-${i}`);
          await cp(template, directory, { recursive: true, preserveTimestamps: true });
          await killAt(server, "distribution", point, directory);
          const storage = new FileSystemStorage({ directory });
          // never neither: the old file or the complete new one
          const report = await validateBackup({ storage, name: DISTRIBUTION_BACKUP_NAME, fingerprint: true });
          expect(report.valid, point.label).toBe(true);
          const found = report.fingerprint!.total;
          expect(
            [oldPrint, newPrint],
            `${point.label}: ${DISTRIBUTION_BACKUP_NAME} holds the old or the new content`,
          ).toContain(found);
          inPlace[found === oldPrint ? "old" : "new"]++;
          // the next call removes what the kill left and puts the new backup in place
          await createDistributionBackup({
            driver,
            storage,
            replace: true,
            reason: "v2",
            lockTimeoutMs: 30_000,
          });
          expect(
            (await storage.list()).map((f) => f.name),
            point.label,
          ).toEqual([DISTRIBUTION_BACKUP_NAME]);
          expect(await temporaryFiles(directory), `${point.label}: temporary files`).toEqual([]);
          const after = await validateBackup({ storage, name: DISTRIBUTION_BACKUP_NAME, fingerprint: true });
          expect(after.fingerprint!.total, `${point.label}: after the next call`).toBe(newPrint);
          await expectIndexEqualsFiles(storage, `${point.label}, after the next call`);
        });
      }
      return `found the old file in place ${inPlace.old}×, the new one ${inPlace.new}×`;
    });
  });
});

function equal(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
