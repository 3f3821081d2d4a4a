/**
 * Compressed and encrypted backups under faults: kill -9 during a zstd+age backup and a zstd+age
 * replace restore, bit flips in ciphertext and in compressed data, wrong keys — caught before any
 * write — and the passphrase and identities in no file, index, log or error.
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Driver } from "neo4j-driver";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearDatabase, loadSampleGraph } from "../../scripts/sample-graph/index.js";
import {
  type BackupError,
  backupStatus,
  createBackup,
  type DecryptionOptions,
  FileSystemStorage,
  fingerprintDatabase,
  listBackups,
  readIndex,
  recoverInterruptedRestore,
  restoreBackup,
  validateBackup,
  verifyBackup,
} from "../../src/index.js";
import { runCrashWorker } from "../support/crash.js";
import { driverFor, testServers } from "../support/servers.js";
import type { KillPoint } from "./support/killing-storage.js";
import { runScenario } from "./support/results.js";

/** A fresh identity pair from age-encryption (the same keys age-keygen makes). */
async function keyPair(): Promise<{ identity: string; recipient: string }> {
  const age = await import("age-encryption");
  const identity = await age.generateIdentity();
  return { identity, recipient: await age.identityToRecipient(identity) };
}

describe.each(testServers())(
  "compressed and encrypted backups under faults on Neo4j $version ($label)",
  (server) => {
    let driver: Driver;
    let root: string;
    let keys: { identity: string; recipient: string };

    beforeAll(async () => {
      driver = driverFor(server);
      root = await mkdtemp(join(tmpdir(), "neo4j-backup-codec-faults-"));
      keys = await keyPair();
    });
    afterAll(async () => {
      await driver?.close();
      await rm(root, { recursive: true, force: true });
    });

    it("kill -9 during a zstd+age backup: no partial file, the previous backup intact and readable", async () => {
      await runScenario("codecs.kill-backup", server.version, 6, async (scenario) => {
        await clearDatabase(driver);
        await loadSampleGraph(driver, { seed: 61, nodes: 12_000, special: false });
        const codec = {
          compression: "zstd",
          encryption: { recipients: [keys.recipient] },
          decryption: { identities: [keys.identity] },
        };
        const template = join(root, "backup-template");
        const previous = await createBackup({
          ...(codec as object),
          driver,
          storage: new FileSystemStorage({ directory: template }),
          reason: "previous",
        } as Parameters<typeof createBackup>[0]);
        const points: KillPoint[] = [
          { label: "zstd+age: mid-nodes", progress: { phase: "nodes", nodes: 10000 } },
          {
            label: "zstd+age: mid-relationships",
            progress: { phase: "relationships", relationships: 20000 },
          },
          {
            label: "zstd+age: writing the file, first 64 KB",
            write: { prefix: "neo4j_backup", afterBytes: 64 * 1024 },
          },
          { label: "zstd+age: file complete, not yet published", publish: true },
          {
            label: "zstd+age: validating before clean-up",
            read: { prefix: "neo4j_backup", nth: 1, afterBytes: 64 * 1024 },
          },
          { label: "zstd+age: clean-up, before removing the old backup", remove: true },
        ];
        for (const [i, point] of points.entries()) {
          await scenario.trial(point.label, async () => {
            const directory = join(root, `backup-${i}`);
            await cp(template, directory, { recursive: true });
            const run = await runCrashWorker(server, "backup", point, { directory }, [], {
              CRASH_CODEC: JSON.stringify(codec),
            });
            expect(run.out, point.label).toContain(`killed:${point.label}`);
            const storage = new FileSystemStorage({ directory });
            const files = (await storage.list()).map((f) => f.name).sort();
            for (const name of files) {
              expect(name, point.label).toMatch(/\.json\.zst\.age$/);
              const report = await validateBackup({ storage, name, decryption: codec.decryption });
              expect(report.valid, `${point.label}: ${name}`).toBe(true);
            }
            if (!files.includes(previous.name)) expect(files.length, point.label).toBe(1);
          });
        }
        return undefined;
      });
    });

    it("kill -9 during a zstd+age replace restore: the next call with the identity puts back exactly the previous contents", async () => {
      await runScenario("codecs.kill-restore", server.version, 5, async (scenario) => {
        const codec = {
          compression: "zstd",
          encryption: { recipients: [keys.recipient] },
          decryption: { identities: [keys.identity] },
        };
        await clearDatabase(driver);
        await loadSampleGraph(driver, { seed: 62, nodes: 2000, special: false });
        const printB = (await fingerprintDatabase(driver)).total;
        const template = join(root, "restore-template");
        const source = await createBackup({
          ...(codec as object),
          driver,
          storage: new FileSystemStorage({ directory: template }),
          reason: "source",
          prefix: "source",
        } as Parameters<typeof createBackup>[0]);
        const loadA = async () => {
          await clearDatabase(driver);
          await loadSampleGraph(driver, { seed: 63, nodes: 1500, special: false });
        };
        await loadA();
        const printA = (await fingerprintDatabase(driver)).total;
        const points: KillPoint[] = [
          { label: "zstd+age: validating the file", progress: { phase: "validating" } },
          {
            label: "zstd+age: writing the safety backup",
            write: { prefix: "safety_backup", afterBytes: 16 * 1024 },
          },
          { label: "zstd+age: mid-nodes", progress: { phase: "nodes", nodes: 1400 } },
          { label: "zstd+age: mid-relationships", progress: { phase: "relationships", relationships: 1000 } },
          { label: "zstd+age: verifying", progress: { phase: "verifying" } },
        ];
        for (const [i, point] of points.entries()) {
          await scenario.trial(point.label, async () => {
            if ((await fingerprintDatabase(driver)).total !== printA) await loadA();
            const directory = join(root, `restore-${i}`);
            await cp(template, directory, { recursive: true });
            const run = await runCrashWorker(server, "restore", point, { directory }, [source.name], {
              CRASH_CODEC: JSON.stringify(codec),
            });
            expect(run.out, point.label).toContain(`killed:${point.label}`);
            const storage = new FileSystemStorage({ directory });
            await recoverInterruptedRestore({
              driver,
              storage,
              decryption: codec.decryption,
              lockTimeoutMs: 30_000,
            });
            expect((await fingerprintDatabase(driver)).total, `${point.label}: the previous contents`).toBe(
              printA,
            );
            expect(printB).not.toBe(printA);
            expect((await readIndex(storage)).pendingRestores, point.label).toEqual([]);
          });
        }
        return undefined;
      });
    });

    it("bit flips in ciphertext and in compressed data, and wrong keys, are refused before any write", async () => {
      await runScenario("codecs.damage", server.version, 9, async (scenario) => {
        await clearDatabase(driver);
        await loadSampleGraph(driver, { seed: 64, nodes: 800, special: false });
        const storage = new FileSystemStorage({ directory: join(root, "damage") });
        const encrypted = await createBackup({
          driver,
          storage,
          reason: "damage",
          prefix: "enc",
          compression: "zstd",
          encryption: { recipients: [keys.recipient] },
        });
        const gz = await createBackup({
          driver,
          storage,
          reason: "damage",
          prefix: "gz",
          compression: "gzip",
        });
        await driver.executeQuery("CREATE (:Marker {keep: true})");
        const before = (await fingerprintDatabase(driver)).total;
        const decryption = { identities: [keys.identity] };
        for (const name of [encrypted.name, gz.name]) {
          const path = join(storage.directory, name);
          const good = await readFile(path);
          for (const at of [0.1, 0.5, 0.9]) {
            await scenario.trial(
              `${name.endsWith(".age") ? "age" : "gzip"}: a bit flipped at ${at * 100} %`,
              async () => {
                const bad = Buffer.from(good);
                const i = Math.floor(bad.length * at);
                bad[i] = bad[i]! ^ 0x04;
                await rm(path);
                await writeFile(path, bad);
                const error = (await restoreBackup({
                  driver,
                  storage,
                  name,
                  mode: "replace",
                  decryption,
                }).catch((e) => e)) as BackupError;
                expect(error.code, `${name} at ${at}`).toBe("VALIDATION_FAILED");
                expect((await fingerprintDatabase(driver)).total, `${name} at ${at}`).toBe(before);
              },
            );
          }
          await rm(path);
          await writeFile(path, good);
        }
        const other = await keyPair();
        const wrongKeys: [string, DecryptionOptions][] = [
          ["another's identity", { identities: [other.identity] }],
          ["a wrong passphrase", { passphrase: "not the key" }],
          ["no key", {}],
        ];
        for (const [label, keysGiven] of wrongKeys) {
          await scenario.trial(label, async () => {
            const error = (await restoreBackup({
              driver,
              storage,
              name: encrypted.name,
              mode: "replace",
              decryption: keysGiven,
            }).catch((e) => e)) as BackupError;
            expect(["DECRYPTION_FAILED", "KEY_REQUIRED"]).toContain(error.code);
            expect(error.message.split("\n")).toHaveLength(1);
            expect(error.message).toContain(encrypted.name);
            expect((await fingerprintDatabase(driver)).total).toBe(before);
          });
        }
        // nothing was taken or written: no safety backup
        expect((await storage.list()).map((f) => f.name).filter((n) => n.startsWith("safety"))).toEqual([]);
        return undefined;
      });
    });

    it("the passphrase and identities appear in no file, index, log or error", async () => {
      await runScenario("security.codec-secrets", server.version, 1, async (scenario) => {
        let notes: string | undefined;
        await scenario.trial("every path a key takes", async () => {
          const passphrase = `Pp-${Math.random().toString(36).slice(2)}-secret`;
          const logFile = join(root, "codec-log.ndjson");
          const logger = pino({ level: "trace" }, pino.destination({ dest: logFile, sync: true }));
          const directory = join(root, "secrets");
          const storage = new FileSystemStorage({ directory });
          await clearDatabase(driver);
          await loadSampleGraph(driver, { seed: 65, nodes: 300, special: false });
          const errors: unknown[] = [];
          const withPass = await createBackup({
            driver,
            storage,
            reason: "secrets",
            compression: "gzip",
            encryption: { passphrase },
            logger,
          });
          const withKey = await createBackup({
            driver,
            storage,
            reason: "secrets",
            prefix: "keyed",
            encryption: { recipients: [keys.recipient] },
            logger,
          });
          await restoreBackup({
            driver,
            storage,
            name: withPass.name,
            mode: "replace",
            decryption: { passphrase },
            logger,
          });
          await restoreBackup({
            driver,
            storage,
            name: withKey.name,
            mode: "replace",
            decryption: { identities: [keys.identity] },
            logger,
          });
          await backupStatus({
            driver,
            storage,
            logger,
            decryption: { passphrase, identities: [keys.identity] },
          });
          await verifyBackup({
            driver,
            storage,
            name: withKey.name,
            decryption: { identities: [keys.identity] },
          });
          await listBackups(storage, { logger, decryption: { passphrase } });
          errors.push(
            await restoreBackup({
              driver,
              storage,
              name: withPass.name,
              decryption: { passphrase: `${passphrase}x` },
            }).catch((e) => e),
            await validateBackup({
              storage,
              name: withKey.name,
              decryption: { identities: [(await keyPair()).identity] },
            }).catch((e) => e),
            await createBackup({
              driver,
              storage,
              reason: "bad",
              encryption: { recipients: [keys.identity] },
            }).catch((e) => e),
          );
          expect(errors.every((e) => e instanceof Error)).toBe(true);
          const texts: string[] = [await readFile(logFile, "utf8")];
          for (const name of await readdir(directory))
            texts.push((await readFile(join(directory, name))).toString("latin1"));
          for (const e of errors) {
            let cur: unknown = e;
            while (cur instanceof Error) {
              texts.push(cur.message, cur.stack ?? "", JSON.stringify((cur as BackupError).details ?? null));
              cur = cur.cause;
            }
          }
          const joined = texts.join("\n");
          expect(joined.length).toBeGreaterThan(1000);
          expect(joined.includes(passphrase)).toBe(false);
          expect(joined.includes(keys.identity)).toBe(false);
          expect(joined.includes(keys.identity.slice(16, 40))).toBe(false);
          notes = `${texts.length} texts searched`;
        });
        return notes;
      });
    });
  },
);
