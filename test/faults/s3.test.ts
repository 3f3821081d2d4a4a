/**
 * Faults with the backups in S3: the connection to the S3 service cut part-way through an upload
 * and a read (the TCP proxy), the S3 server killed (SIGKILL) during a backup and during a replace
 * restore, wrong credentials and a missing bucket, and processes racing for the lock and for one
 * name. Checked every time: nothing published half, no unfinished multipart upload left
 * (ListMultipartUploads), no index entry lost, clear errors without secrets.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startS3Server } from "../../scripts/s3/server.mjs";
import { clearDatabase, loadSampleGraph } from "../../scripts/sample-graph/index.js";
import {
  BackupError,
  createBackup,
  FileSystemStorage,
  fingerprintDatabase,
  readIndex,
  recoverInterruptedRestore,
  restoreBackup,
  S3Storage,
  type S3StorageOptions,
  validateBackup,
} from "../../src/index.js";
import { buildDocument, chunks } from "../support/documents.js";
import { listUploads, removePrefix, s3Options, s3Service } from "../support/s3.js";
import { driverFor, testServers } from "../support/servers.js";
import { KillingStorage } from "./support/killing-storage.js";
import { startProxy } from "./support/proxy.js";
import { runScenario } from "./support/results.js";

const MiB = 1024 * 1024;
/** Small parts and few attempts, so faults hit part-way and fail fast. */
const FAST: Partial<S3StorageOptions> = {
  partSizeBytes: 5 * MiB,
  queueSize: 2,
  maxAttempts: 3,
  lockPollMs: 200,
};

async function expectOnlyValid(storage: S3Storage, expected: string[]): Promise<void> {
  const names = (await storage.list()).map((f) => f.name).sort();
  expect(names).toEqual([...expected].sort());
  for (const name of names) expect((await validateBackup({ storage, name })).valid).toBe(true);
}

/** After the fault: the lock is taken again (which aborts what a failed upload left) and nothing is unfinished. */
async function expectNoUnfinishedUpload(storage: S3Storage): Promise<void> {
  const lock = await storage.lock({ timeoutMs: 30_000 });
  await lock.release();
  expect(await listUploads(storage.prefix)).toEqual([]);
}

/** S3 has no in-place writer: the wrapper must not offer one either, so backups go through the spool. */
function spooled(storage: KillingStorage): KillingStorage {
  (storage as unknown as Record<string, unknown>).openWriter = undefined;
  return storage;
}

const server = testServers()[0]!;

describe(`backups in S3 under faults (Neo4j ${server.version})`, () => {
  let driver: Driver;
  const prefixes: string[] = [];
  const fresh = (overrides: Partial<S3StorageOptions> = {}) => {
    const options = s3Options({ ...FAST, ...overrides });
    prefixes.push(options.prefix!);
    return options;
  };

  beforeAll(async () => {
    driver = driverFor(server);
    await clearDatabase(driver);
    // about 20 MB of backup: several parts, and more than the sockets buffer
    await loadSampleGraph(driver, { seed: 71, nodes: 30_000, special: false });
  });

  afterAll(async () => {
    await driver?.close();
    for (const prefix of prefixes) await removePrefix(prefix);
  });

  it("the connection cut during an upload and during a read: nothing half published, no unfinished upload", async () => {
    const service = s3Service();
    const trials = [
      "cut for good at 6 MiB of the upload",
      "cut and healed at 6 MiB of the upload",
      "cut and healed at 1 MiB of a restore's read",
    ];
    await runScenario("s3.connection-cut", server.version, trials.length, async (scenario) => {
      // one prefix and one previous backup for every trial (each backup reads the whole graph)
      const base = fresh();
      const direct = new S3Storage(base);
      const previous = await createBackup({ driver, storage: direct, reason: "previous" });
      const expected = [previous.name];
      for (const trial of trials) {
        await scenario.trial(trial, async () => {
          const proxy = await startProxy(service.endpoint!);
          try {
            const heal = trial.includes("healed");
            // healed trials have the default five attempts: the retries outlast the 100 ms cut
            const viaProxy = new S3Storage({
              ...base,
              endpoint: proxy.uri.replace("bolt:", "http:"),
              ...(heal ? { maxAttempts: 5 } : {}),
            });
            const cut = () => {
              proxy.cut();
              if (heal) setTimeout(() => proxy.heal(), 100);
            };
            if (trial.includes("restore")) {
              const read = { prefix: "neo4j_backup", nth: 1, afterBytes: MiB };
              const killing = spooled(new KillingStorage(viaProxy, { label: trial, read }, cut));
              const result = await restoreBackup({
                driver,
                storage: killing,
                name: previous.name,
                mode: "replace",
              });
              expect(result.verification?.equal).toBe(true);
              expected.push(result.safetyBackup!);
            } else {
              const write = { prefix: "neo4j_backup", afterBytes: 6 * MiB };
              const killing = spooled(new KillingStorage(viaProxy, { label: trial, write }, cut));
              const outcome = await createBackup({
                driver,
                storage: killing,
                reason: "cut",
                keep: Number.POSITIVE_INFINITY,
              }).catch((e) => e);
              if (heal) {
                expect(outcome instanceof Error ? outcome.message : "published").toBe("published");
                expected.push(outcome.name);
              } else {
                expect(outcome).toBeInstanceOf(BackupError);
                expect(outcome).toMatchObject({ code: "STORAGE", details: { reason: "UNAVAILABLE" } });
                proxy.heal();
              }
            }
            await expectOnlyValid(direct, expected);
            await expectNoUnfinishedUpload(direct);
          } finally {
            await proxy.close();
          }
        });
      }
      return undefined;
    });
  });

  it("the S3 server killed (SIGKILL) during a backup and during a replace restore, then restarted", async () => {
    await runScenario("s3.server-killed", server.version, 2, async (scenario) => {
      const s3 = await startS3Server();
      try {
        const { S3Client, CreateBucketCommand } = await import("@aws-sdk/client-s3");
        const admin = new S3Client({
          endpoint: s3.endpoint,
          region: s3.region,
          forcePathStyle: true,
          credentials: s3.credentials,
        });
        await admin.send(new CreateBucketCommand({ Bucket: "killed" }));
        admin.destroy();
        const own = {
          ...s3Service(),
          endpoint: s3.endpoint,
          credentials: s3.credentials,
          bucket: "killed",
          label: "own",
        };
        const options = s3Options(FAST, own);
        const storage = new S3Storage(options);
        const die = () => process.kill(s3.pid, "SIGKILL");

        // during a backup: killed with two parts of the upload sent
        const before = (await fingerprintDatabase(driver)).total;
        const previous = await createBackup({ driver, storage, reason: "previous" });
        await scenario.trial("killed during createBackup, mid-multipart", async () => {
          const killing = spooled(
            new KillingStorage(
              storage,
              { label: "backup", write: { prefix: "neo4j_backup", afterBytes: 11 * MiB } },
              die,
            ),
          );
          const error = await createBackup({ driver, storage: killing, reason: "killed" }).catch((e) => e);
          expect(error).toMatchObject({ code: "STORAGE", details: { reason: "UNAVAILABLE" } });
          expect(error.message).toContain(`s3://killed/${options.prefix}`);
          await s3.restart();
          expect((await fingerprintDatabase(driver)).total).toBe(before);
          await expectOnlyValid(storage, [previous.name]);
          await expectNoUnfinishedUpload(storage);
        });

        // during a replace restore: killed part-way through reading the backup to write it
        await scenario.trial("killed during a replace restore's read", async () => {
          await clearDatabase(driver);
          await loadSampleGraph(driver, { seed: 72, nodes: 1500, special: false });
          const printA = (await fingerprintDatabase(driver)).total;
          const restoring = spooled(
            new KillingStorage(
              storage,
              { label: "restore", read: { prefix: "neo4j_backup", nth: 2, afterBytes: MiB } },
              die,
            ),
          );
          const failed = await restoreBackup({
            driver,
            storage: restoring,
            name: previous.name,
            mode: "replace",
          }).catch((e) => e);
          expect(failed).toBeInstanceOf(BackupError);
          expect(failed.code).toBe("ROLLBACK_FAILED");
          expect(failed.message).toMatch(/safety_backup_\d{8}_\d{6}\.json/);
          await s3.restart();
          expect((await readIndex(storage)).pendingRestores).toMatchObject([{ name: previous.name }]);
          const recovered = await recoverInterruptedRestore({ driver, storage });
          expect(recovered?.outcome).toBe("previous-contents");
          expect((await fingerprintDatabase(driver)).total).toBe(printA);
          await expectNoUnfinishedUpload(storage);
        });
      } finally {
        await s3.stop();
      }
      return undefined;
    });
    // the database is back to a large graph for the tests after this one
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 71, nodes: 3000, special: false });
  });

  it("wrong credentials and a missing bucket: one clear error, never the secret, nothing written", async () => {
    await runScenario("s3.credentials", server.version, 2, async (scenario) => {
      const secret = "not-the-secret-key-1234567890";
      const wrong = new S3Storage(
        fresh({
          credentials: { accessKeyId: s3Service().credentials?.accessKeyId ?? "x", secretAccessKey: secret },
        }),
      );
      await scenario.trial("wrong credentials", async () => {
        const bad = await createBackup({ driver, storage: wrong, reason: "x" }).catch((e) => e);
        expect(bad).toMatchObject({ code: "STORAGE", details: { reason: "BAD_CREDENTIALS" } });
        expect(`${bad.message} ${JSON.stringify(bad.details)}`).not.toContain(secret);
      });
      await scenario.trial("a missing bucket", async () => {
        const missing = new S3Storage(fresh({ bucket: "no-such-bucket-neo4j-backup" }));
        const gone = await createBackup({ driver, storage: missing, reason: "x" }).catch((e) => e);
        expect(gone).toMatchObject({ code: "STORAGE", details: { reason: "NO_SUCH_BUCKET" } });
        expect(gone.message).toContain("the bucket no-such-bucket-neo4j-backup does not exist");
      });
      return undefined;
    });
  });
});

const WORKER = fileURLToPath(new URL("../support/s3-worker.mjs", import.meta.url));
const ENTRY = fileURLToPath(new URL("../../src/index.ts", import.meta.url));

function copyIn(
  options: S3StorageOptions,
  folder: string,
  name: string,
): Promise<{ ok: boolean; code?: string }> {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", WORKER, ENTRY, JSON.stringify(options), "copy", folder, name],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  return new Promise((resolve, reject) => {
    child.on("exit", () => {
      try {
        resolve(JSON.parse(out.trim().split("\n").at(-1)!));
      } catch (error) {
        reject(new Error(`worker printed ${out}: ${error}`));
      }
    });
  });
}

describe("processes racing for the S3 lock and for one name", () => {
  it("one name from three processes: exactly one copy; three names: all three in the index", async () => {
    const folder = await mkdtemp(join(tmpdir(), "neo4j-backup-race-"));
    const names = [
      "neo4j_backup_20250101_000001.json",
      "neo4j_backup_20250101_000002.json",
      "neo4j_backup_20250101_000003.json",
    ];
    const source = new FileSystemStorage({ directory: folder });
    for (const name of names) await source.write(name, chunks(buildDocument(), 4096));
    const rounds = 2;
    await runScenario("s3.race", "S3 only", rounds, async (scenario) => {
      try {
        for (let round = 0; round < rounds; round++) {
          await scenario.trial(`round ${round + 1}`, async () => {
            const same = s3Options({ lockPollMs: 100 });
            const outcomes = await Promise.all(names.map(() => copyIn(same, folder, names[0]!)));
            expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
            expect(outcomes.filter((o) => !o.ok).map((o) => o.code)).toEqual([
              "BACKUP_EXISTS",
              "BACKUP_EXISTS",
            ]);
            const one = new S3Storage(same);
            expect((await one.list()).map((b) => b.name)).toEqual([names[0]]);
            expect(JSON.parse((await one.readIndex())!).backups.map((e: { name: string }) => e.name)).toEqual(
              [names[0]],
            );
            expect(await listUploads(one.prefix)).toEqual([]);

            const each = s3Options({ lockPollMs: 100 });
            const all = await Promise.all(names.map((name) => copyIn(each, folder, name)));
            expect(all.every((o) => o.ok)).toBe(true);
            const three = new S3Storage(each);
            const indexed = JSON.parse((await three.readIndex())!).backups.map(
              (e: { name: string }) => e.name,
            );
            expect(indexed.sort()).toEqual(names);
            expect(await listUploads(three.prefix)).toEqual([]);
            await removePrefix(same.prefix!);
            await removePrefix(each.prefix!);
          });
        }
      } finally {
        await rm(folder, { recursive: true, force: true });
      }
      return undefined;
    });
  });
});
