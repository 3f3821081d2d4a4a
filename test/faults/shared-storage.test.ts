/**
 * Two servers share one storage (a folder, then a bucket): a restore of A's backup into B — replace
 * mode and empty mode — is killed at every phase; then a command against A (create, status,
 * restore, auto-backup, a dashboard request, a scheduled run) must leave A's data, schema and
 * backups as they were and B's record in place; then a command against B recovers B: exactly its
 * previous contents (replace) or exactly the complete restore (empty).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearDatabase, loadSampleGraph } from "../../scripts/sample-graph/index.js";
import { startDashboard, TOKEN_HEADER } from "../../src/dashboard/index.js";
import {
  autoBackup,
  type BackupStorage,
  backupStatus,
  createBackup,
  type DatabaseIdentity,
  FileSystemStorage,
  fingerprintDatabase,
  listBackups,
  readDatabaseIdentity,
  readIndex,
  recoverInterruptedRestore,
  restoreBackup,
  type S3StorageOptions,
  scheduleBackups,
} from "../../src/index.js";
import { runCrashWorker } from "../support/crash.js";
import { newS3Storage, removePrefix, s3Options } from "../support/s3.js";
import { driverFor, testServers } from "../support/servers.js";
import type { KillPoint } from "./support/killing-storage.js";
import { runScenario } from "./support/results.js";
import { createSchema, SCHEMA_A, SCHEMA_B, schemaSignature } from "./support/schema.js";

/** One kill point per phase of a replace restore into B. */
const REPLACE_POINTS: KillPoint[] = [
  { label: "replace: validating the file", progress: { phase: "validating" } },
  { label: "replace: writing the safety backup", write: { prefix: "safety_backup", afterBytes: 16 * 1024 } },
  {
    label: "replace: marked, nothing cleared yet",
    writeIndex: { containing: '"pendingRestores": [\n    {', when: "after" },
  },
  { label: "replace: clearing", progress: { phase: "clearing" } },
  { label: "replace: nodes", progress: { phase: "nodes", nodes: 400 } },
  { label: "replace: relationships", progress: { phase: "relationships", relationships: 600 } },
  { label: "replace: schema", progress: { phase: "schema" } },
  { label: "replace: verifying", progress: { phase: "verifying" } },
  { label: "replace: verified, not yet recorded", progress: { phase: "done" } },
];

/** One kill point per writing phase of a restore into an empty B. */
const EMPTY_POINTS: KillPoint[] = [
  { label: "empty: nodes", progress: { phase: "nodes", nodes: 400 } },
  { label: "empty: relationships", progress: { phase: "relationships", relationships: 600 } },
  { label: "empty: schema", progress: { phase: "schema" } },
  { label: "empty: verifying", progress: { phase: "verifying" } },
];

const A_COMMANDS = ["create", "status", "restore", "auto-backup", "dashboard", "schedule"] as const;

const servers = testServers();

describe.runIf(servers.length >= 2)("two servers sharing one storage: a restore into B killed", () => {
  const prefixes: string[] = [];
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "neo4j-backup-shared-faults-"));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
    for (const prefix of prefixes) await removePrefix(prefix);
  });

  // the folder with A = the first server, the bucket with the roles swapped: each server is B once
  const cases = [
    { kind: "folder" as const, a: servers[0]!, b: servers[1]! },
    { kind: "s3" as const, a: servers[1]!, b: servers[0]! },
  ];

  describe.each(cases)("in one $kind (B: Neo4j $b.version)", ({ kind, a: serverA, b: serverB }) => {
    let a: Driver;
    let b: Driver;
    let idA: DatabaseIdentity;

    beforeAll(async () => {
      a = driverFor(serverA);
      b = driverFor(serverB);
      idA = (await readDatabaseIdentity(a)).identity!;
      await clearDatabase(a);
      await loadSampleGraph(a, { seed: 111, nodes: 1000, special: false });
      await createSchema(a, SCHEMA_A);
    });

    afterAll(async () => {
      await a?.close();
      await b?.close();
    });

    /** A fresh storage of this kind, and where the worker finds it. */
    async function freshStorage(
      i: number,
    ): Promise<{ storage: BackupStorage; s3?: S3StorageOptions; directory?: string }> {
      if (kind === "folder") {
        const directory = join(root, `${serverB.label}-${i}`);
        return { storage: new FileSystemStorage({ directory }), directory };
      }
      const options = s3Options({ lockPollMs: 200 });
      prefixes.push(options.prefix!);
      return { storage: newS3Storage(options), s3: options };
    }

    /** B's contents before a replace restore: its own graph and schema. */
    async function loadB(): Promise<void> {
      await clearDatabase(b);
      await loadSampleGraph(b, { seed: 112, nodes: 600, special: false });
      await createSchema(b, SCHEMA_B);
    }

    /** The files of the storage with their sizes, and the records of unfinished restores. */
    async function snapshot(storage: BackupStorage) {
      const files = (await storage.list()).map((f) => `${f.name}:${f.size}`).sort();
      return { files, pending: (await readIndex(storage)).pendingRestores };
    }

    /** Runs one command against A; returns the A backup it made, if any. */
    async function commandAgainstA(command: (typeof A_COMMANDS)[number], storage: BackupStorage) {
      if (command === "create") return createBackup({ driver: a, storage, reason: "A nightly" });
      if (command === "status") {
        const status = await backupStatus({ driver: a, storage });
        expect(status.health.pendingRestore, "A's status: no restore into A").toBeNull();
        return undefined;
      }
      if (command === "restore") {
        const dry = await restoreBackup({ driver: a, storage, mode: "replace", dryRun: true });
        expect(dry.name, "the latest backup of A").toMatch(/^neo4j_backup_/);
        return undefined;
      }
      if (command === "auto-backup") return (await autoBackup({ driver: a, storage })).backup;
      if (command === "dashboard") {
        const dashboard = await startDashboard({ driver: a, storage });
        try {
          const response = await fetch(new URL("/api/status", dashboard.origin), {
            headers: { [TOKEN_HEADER]: dashboard.token },
          });
          expect(response.status).toBe(200);
          const body = (await response.json()) as { health: { pendingRestore: unknown; notices: string[] } };
          expect(body.health.pendingRestore).toBeNull();
        } finally {
          await dashboard.close();
        }
        return undefined;
      }
      const schedule = scheduleBackups({ driver: a, storage, schedule: "0 3 1 1 *", keep: 1 });
      try {
        const run = await schedule.runNow();
        expect(run.outcome, String(run.error)).toBe("backed-up");
        return run.backup;
      } finally {
        await schedule.stop();
      }
    }

    it(`a replace restore into B killed at ${REPLACE_POINTS.length} phases and an empty-mode one at ${EMPTY_POINTS.length}: commands against A leave A alone; B's recovery is exact`, async () => {
      const points = [...REPLACE_POINTS, ...EMPTY_POINTS];
      await runScenario(`shared.${kind}`, serverB.version, points.length, async (scenario) => {
        const printA = (await fingerprintDatabase(a)).total;
        const schemaA = await schemaSignature(a);
        await loadB();
        const printB = (await fingerprintDatabase(b)).total;
        const schemaB = await schemaSignature(b);
        const recorded = { replace: 0, empty: 0 };
        for (const [i, point] of points.entries()) {
          await scenario.trial(point.label, async () => {
            const empty = point.label.startsWith("empty:");
            if (empty) await clearDatabase(b);
            else if ((await fingerprintDatabase(b)).total !== printB) await loadB();
            const { storage, s3, directory } = await freshStorage(i);
            const fromA = await createBackup({ driver: a, storage, reason: "A nightly" });
            const run = await runCrashWorker(
              serverB,
              empty ? "restore-empty" : "restore",
              point,
              { directory, s3 },
              [fromA.name],
            );
            expect(run.out, point.label).toContain(`killed:${point.label}`);
            const before = await snapshot(storage);
            const printBAfterKill = (await fingerprintDatabase(b)).total;
            if (before.pending.length) recorded[empty ? "empty" : "replace"]++;

            // a command against A: A's data, schema and backups as they were; B and its record untouched
            const command = A_COMMANDS[i % A_COMMANDS.length]!;
            const made = await commandAgainstA(command, storage);
            expect(
              (await fingerprintDatabase(a)).total,
              `${point.label}, then ${command} on A: A's data`,
            ).toBe(printA);
            expect(await schemaSignature(a), `${point.label}, then ${command} on A: A's schema`).toEqual(
              schemaA,
            );
            expect((await fingerprintDatabase(b)).total, `${point.label}, then ${command} on A: B`).toBe(
              printBAfterKill,
            );
            const after = await snapshot(storage);
            expect(after.pending, `${point.label}, then ${command} on A: the record of B's restore`).toEqual(
              before.pending,
            );
            if (made) {
              // a new backup of A; retention (keep 1) removes A's previous one — unless the unfinished
              // restore into B needs it — and nothing else
              expect((await listBackups(storage)).find((e) => e.name === made.name)?.identity).toEqual(idA);
              const needed = before.pending.length > 0;
              expect(made.removed, `${point.label}: retention after ${command} on A`).toEqual(
                needed ? [] : [fromA.name],
              );
              const expected = needed
                ? before.files
                : before.files.filter((f) => !f.startsWith(`${fromA.name}:`));
              expect(after.files.filter((f) => !f.startsWith(`${made.name}:`))).toEqual(expected);
            } else {
              expect(after.files, `${point.label}, then ${command} on A: the storage's files`).toEqual(
                before.files,
              );
            }

            // a command against B recovers B: exactly its previous contents, or exactly the complete restore
            if (i % 2 === 0) await recoverInterruptedRestore({ driver: b, storage, lockTimeoutMs: 30_000 });
            else
              await createBackup({ driver: b, storage, reason: "B after", keep: Number.POSITIVE_INFINITY });
            const nowB = (await fingerprintDatabase(b)).total;
            if (empty) {
              expect(nowB, `${point.label}: B holds the complete restore`).toBe(printA);
              expect(await schemaSignature(b), `${point.label}: B's schema`).toEqual(schemaA);
            } else {
              expect(nowB, `${point.label}: B holds its previous contents`).toBe(printB);
              expect(await schemaSignature(b), `${point.label}: B's schema`).toEqual(schemaB);
            }
            expect((await readIndex(storage)).pendingRestores, point.label).toEqual([]);
            expect((await fingerprintDatabase(a)).total, `${point.label}: A after B's recovery`).toBe(printA);
          });
        }
        return `the record of the restore into B existed after ${recorded.replace} of ${REPLACE_POINTS.length} replace kills and ${recorded.empty} of ${EMPTY_POINTS.length} empty-mode kills; commands against A rotated through ${A_COMMANDS.join(", ")}`;
      });
    });
  });
});
