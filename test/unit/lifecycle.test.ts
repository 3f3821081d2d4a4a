/** Pure lifecycle logic over MemoryStorage: index, retention, auto-backup decisions, health. */
import { describe, expect, it } from "vitest";
import {
  backupKind,
  getBackupInfo,
  listBackups,
  readIndex,
  recordBackup,
  recordRestore,
} from "../../src/lifecycle/backup-index.js";
import {
  DEFAULT_AUTO_BACKUP_THRESHOLDS,
  decideAutoBackup,
  findBaseline,
  resolveThresholds,
} from "../../src/lifecycle/change-decision.js";
import { judgeHealth } from "../../src/lifecycle/health.js";
import { retentionCandidates } from "../../src/lifecycle/retention.js";
import { MemoryStorage } from "../../src/storage/memory.js";
import { withStorageLock } from "../../src/storage/with-lock.js";
import { buildDocument, chunks, sampleNodes, sampleRelationships } from "../support/documents.js";

const T = DEFAULT_AUTO_BACKUP_THRESHOLDS;
const baseline = (nodes: number, relationships: number) => ({
  source: "backup" as const,
  name: "b_20250101_000000.json",
  at: "2025-01-01T00:00:00.000Z",
  nodes,
  relationships,
});

describe("auto-backup decision", () => {
  it("says yes when nothing was ever backed up", () => {
    const d = decideAutoBackup("neo4j", { nodes: 0, relationships: 0 }, null, T);
    expect(d).toMatchObject({ backup: true, changes: null });
    expect(d.reason).toMatch(/no previous backup/);
  });

  it("applies 50 nodes, 100 relationships and 10 % by default, counting deletions too", () => {
    expect(T).toEqual({ nodes: 50, relationships: 100, percent: 10 });
    const big = baseline(10_000, 30_000);
    expect(decideAutoBackup("db", { nodes: 10_049, relationships: 30_099 }, big, T).backup).toBe(false);
    expect(decideAutoBackup("db", { nodes: 10_050, relationships: 30_000 }, big, T)).toMatchObject({
      backup: true,
      changes: { nodes: 50, relationships: 0 },
    });
    expect(decideAutoBackup("db", { nodes: 10_000, relationships: 29_900 }, big, T).reason).toMatch(
      /-100 relationships/,
    );
    expect(decideAutoBackup("db", { nodes: 9_950, relationships: 30_000 }, big, T).backup).toBe(true);
    const small = baseline(100, 10);
    const pct = decideAutoBackup("db", { nodes: 110, relationships: 10 }, small, T);
    expect(pct).toMatchObject({ backup: true, changes: { nodesPercent: 10 } });
    expect(pct.reason).toMatch(/nodes changed by 10%/);
    expect(decideAutoBackup("db", { nodes: 109, relationships: 10 }, small, T)).toMatchObject({
      backup: false,
      reason: expect.stringMatching(/below the thresholds/),
    });
  });

  it("writes counts in its reasons as the status lines show them, with thousands separators", () => {
    const d = decideAutoBackup("db", { nodes: 192_540, relationships: 1_000 }, baseline(10_000, 0), {
      ...T,
      relationships: 2_500,
    });
    expect(d.reason).toMatch(/^\+182,540 nodes \(threshold 50\), nodes changed by/);
    const quiet = decideAutoBackup(
      "db",
      { nodes: 1_000_010, relationships: 1_200_000 },
      baseline(1_000_000, 1_201_200),
      { ...T, nodes: 1_000, relationships: 5_000 },
    );
    expect(quiet.reason).toMatch(/^\+10 nodes and -1,200 relationships since/);
  });

  it("takes configured thresholds and refuses nonsense ones", () => {
    const t = resolveThresholds({ nodes: 5 });
    expect(t).toEqual({ nodes: 5, relationships: 100, percent: 10 });
    expect(decideAutoBackup("db", { nodes: 1005, relationships: 0 }, baseline(1000, 0), t).backup).toBe(true);
    expect(() => resolveThresholds({ percent: 0 })).toThrow(/percent/);
    expect(() => resolveThresholds({ nodes: -1 })).toThrow(/nodes/);
  });
});

async function storageWith(names: string[], doc = buildDocument()): Promise<MemoryStorage> {
  const storage = new MemoryStorage();
  for (const name of names) await storage.write(name, chunks(doc, 4096));
  return storage;
}

describe("backup index", () => {
  it("is rebuilt from the files when missing or damaged, newest first", async () => {
    const storage = await storageWith([
      "b_20250101_000000.json",
      "b_20250301_000000.json",
      "initial_backup.json",
    ]);
    const fresh = await listBackups(storage);
    // all three come from the same document (same metadata datetime): the name breaks ties
    expect(fresh.map((e) => e.name)).toEqual([
      "initial_backup.json",
      "b_20250301_000000.json",
      "b_20250101_000000.json",
    ]);
    expect(fresh[0]).toMatchObject({
      kind: "distribution",
      nodeCount: sampleNodes.length,
      relationshipCount: sampleRelationships.length,
      reason: "test",
      server: { version: "5.26.0", edition: "community" },
      valid: true,
      checksum: expect.stringMatching(/^sha256:/),
    });
    expect(JSON.parse((await storage.readIndex())!).backups).toHaveLength(3);
    await storage.writeIndex("{ not json");
    expect((await listBackups(storage)).map((e) => e.name)).toEqual(fresh.map((e) => e.name));
    expect(JSON.parse((await storage.readIndex())!).format).toBe("neo4j-backup-index");
  });

  it("drops entries whose file is gone, and marks files that fail validation", async () => {
    const storage = await storageWith(["b_20250101_000000.json"]);
    await storage.write(
      "b_20250102_000000.json",
      chunks(buildDocument().replace("readBlocking", "readBlockinG")),
    );
    await listBackups(storage);
    await storage.remove("b_20250101_000000.json");
    const entries = await listBackups(storage);
    expect(entries.map((e) => [e.name, e.valid])).toEqual([["b_20250102_000000.json", false]]);
    await expect(getBackupInfo(storage, "b_20250101_000000.json")).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("is not rewritten by a reader while another operation holds the lock", async () => {
    const storage = await storageWith(["b_20250101_000000.json"]);
    const lock = await storage.lock();
    const index = await readIndex(storage);
    expect(index.backups).toHaveLength(1);
    expect(await storage.readIndex()).toBeUndefined();
    await lock.release();
  });

  it("records restores; the baseline is the later of the last backup and the last restore", async () => {
    const storage = await storageWith(["b_20250101_000000.json"]);
    await withStorageLock(storage, () =>
      recordRestore(storage, {
        name: "initial_backup.json",
        database: "neo4j",
        mode: "empty",
        restoredAt: "2030-01-01T00:00:00.000Z",
        nodeCount: 7,
        relationshipCount: 9,
        durationMs: 5,
        initial: true,
        safetyBackup: null,
      }),
    );
    const index = await readIndex(storage);
    expect(findBaseline(index, { database: "neo4j" })).toMatchObject({
      source: "restore",
      nodes: 7,
      relationships: 9,
    });
    expect(findBaseline(index, { database: "other" })).toBeNull();
    index.restores = [];
    expect(findBaseline(index, { database: "neo4j" })).toMatchObject({
      source: "backup",
      name: "b_20250101_000000.json",
    });
  });
});

describe("recording a backup", () => {
  it("trusts the entry of a backup it just made instead of reading the file again", async () => {
    let reads = 0;
    const storage = new (class extends MemoryStorage {
      override async read(name: string) {
        reads++;
        return super.read(name);
      }
    })();
    await storage.write("b_20250101_000000.json", chunks(buildDocument(), 4096));
    const entry = { ...(await listBackups(storage))[0]!, reason: "made here" };
    reads = 0;
    await storage.write("b_20250102_000000.json", chunks(buildDocument(), 4096));
    await withStorageLock(storage, () =>
      recordBackup(storage, {
        ...entry,
        name: "b_20250102_000000.json",
        created: "2030-01-02T00:00:00.000Z",
      }),
    );
    expect(reads).toBe(0);
    expect((await listBackups(storage)).map((e) => [e.name, e.reason])).toEqual([
      ["b_20250102_000000.json", "made here"],
      ["b_20250101_000000.json", "test"],
    ]);
  });
});

describe("retention", () => {
  const A = { id: "A".repeat(64), created: "2025-01-01T00:00:00Z", name: "neo4j", address: "a:7687" };
  const B = { id: "B".repeat(64), created: "2025-01-01T00:00:00Z", name: "neo4j", address: "b:7687" };
  const of = (identity: typeof A | null, ...names: string[]) => names.map((name) => ({ name, identity }));

  it("keeps the newest N of the new backup's prefix, never the distribution backup or other prefixes", () => {
    const entries = of(
      A,
      "b_20250101_000000.json",
      "b_20250102_000000.json",
      "b_20250102_000000_2.json",
      "b_20250103_000000.json",
      "b_20250104_000000.json",
      "safety_backup_20250101_000000.json",
      "initial_backup.json",
    );
    expect(retentionCandidates(entries, "b_20250103_000000.json", 1)).toEqual([
      "b_20250102_000000_2.json",
      "b_20250102_000000.json",
      "b_20250101_000000.json",
    ]);
    expect(retentionCandidates(entries, "b_20250103_000000.json", 3)).toEqual(["b_20250101_000000.json"]);
    expect(retentionCandidates(entries, "b_20250103_000000.json", Number.POSITIVE_INFINITY)).toEqual([]);
    expect(retentionCandidates(entries, "initial_backup.json", 1)).toEqual([]);
    expect(() => retentionCandidates(entries, "b_20250103_000000.json", 0)).toThrow(
      expect.objectContaining({ code: "INVALID_OPTIONS" }),
    );
  });

  it("removes only backups of the new backup's database: never another server's database of the same name", () => {
    const entries = [
      ...of(A, "b_20250101_000000.json", "b_20250103_000000.json"),
      ...of(B, "b_20250102_000000.json", "b_20250104_000000.json"),
    ];
    expect(retentionCandidates(entries, "b_20250103_000000.json", 1)).toEqual(["b_20250101_000000.json"]);
    expect(retentionCandidates(entries, "b_20250104_000000.json", 1)).toEqual(["b_20250102_000000.json"]);
  });

  it("never removes backups whose database is unknown, nor any when the new backup's is unknown", () => {
    const entries = [...of(null, "b_20250101_000000.json"), ...of(A, "b_20250102_000000.json")];
    expect(retentionCandidates(entries, "b_20250102_000000.json", 1)).toEqual([]);
    const unknownNewest = [...of(A, "b_20250101_000000.json"), ...of(null, "b_20250102_000000.json")];
    expect(retentionCandidates(unknownNewest, "b_20250102_000000.json", 1)).toEqual([]);
  });

  it("tells databases apart by id and creation date, not by name or address", () => {
    const moved = { ...A, address: "elsewhere:7687", name: "renamed" };
    const recreated = { ...A, created: "2026-01-01T00:00:00Z" };
    const entries = [
      ...of(A, "b_20250101_000000.json"),
      ...of(recreated, "b_20250102_000000.json"),
      ...of(moved, "b_20250103_000000.json"),
    ];
    expect(retentionCandidates(entries, "b_20250103_000000.json", 1)).toEqual(["b_20250101_000000.json"]);
  });

  it("names kinds from file names", () => {
    expect(backupKind("initial_backup.json")).toBe("distribution");
    expect(backupKind("safety_backup_20250101_000000.json")).toBe("safety");
    expect(backupKind("pre_recovery_backup_20250101_000000.json")).toBe("safety");
    expect(backupKind("pre_upgrade_backup_20250101_000000.json")).toBe("pre-upgrade");
    expect(backupKind("ign_scripts_db_backup_20250101_000000.json")).toBe("backup");
  });
});

describe("health", () => {
  it("flags no backup, an old backup, an invalid newest backup and an unfinished restore", async () => {
    const storage = await storageWith(["b_20250101_000000.json"]);
    const index = await readIndex(storage);
    const created = Date.parse(index.backups[0]!.created);
    expect(judgeHealth(index, { database: "neo4j" }, 7, new Date(created + 6 * 86_400_000))).toMatchObject({
      healthy: true,
      problems: [],
    });
    const old = judgeHealth(index, { database: "neo4j" }, 7, new Date(created + 8 * 86_400_000));
    expect(old.healthy).toBe(false);
    expect(old.problems[0]).toMatch(/8 days old \(limit 7 days\)/);
    expect(judgeHealth(index, { database: "other" }, 7, new Date(created)).problems).toEqual([
      "no backup of database other",
    ]);
    index.backups[0]!.valid = false;
    index.pendingRestores = [
      {
        name: "x_20250101_000000.json",
        database: "neo4j",
        safetyBackup: "safety_backup_20250101_000000.json",
        started: "2025-01-01T00:00:00.000Z",
        pid: 1,
        host: "h",
      },
    ];
    const bad = judgeHealth(index, {}, 7, new Date(created));
    expect(bad.problems).toHaveLength(2);
    expect(bad.problems.join(" ")).toMatch(/does not pass validation.*did not finish/);
  });

  it("ages the newest valid backup of a job: a newer invalid file or safety backup does not renew it", async () => {
    const names = ["b_20250101_000000.json", "safety_backup_20250109_000000.json", "b_20250110_000000.json"];
    const index = await readIndex(await storageWith(names));
    const entry = (name: string) => index.backups.find((e) => e.name === name)!;
    Object.assign(entry("b_20250101_000000.json"), { created: "2025-01-01T00:00:00.000Z", valid: true });
    Object.assign(entry("safety_backup_20250109_000000.json"), { created: "2025-01-09T00:00:00.000Z" });
    Object.assign(entry("b_20250110_000000.json"), { created: "2025-01-10T00:00:00.000Z", valid: false });
    index.backups.sort((a, b) => (a.created < b.created ? 1 : -1));
    expect(entry("safety_backup_20250109_000000.json")).toMatchObject({ kind: "safety", valid: true });
    const health = judgeHealth(index, {}, 7, new Date("2025-01-11T00:00:00.000Z"));
    expect(health.lastBackup?.name).toBe("b_20250110_000000.json");
    expect(health.lastSuccess?.name).toBe("b_20250101_000000.json");
    expect(health.ageDays).toBe(10);
    expect(health.problems).toEqual([
      "the newest valid backup b_20250101_000000.json is 10 days old (limit 7 days)",
      "the newest backup b_20250110_000000.json does not pass validation",
    ]);
    // a safety backup newer than the invalid file does not hide it
    entry("safety_backup_20250109_000000.json").created = "2025-01-10T12:00:00.000Z";
    index.backups.sort((a, b) => (a.created < b.created ? 1 : -1));
    const hidden = judgeHealth(index, {}, 7, new Date("2025-01-11T00:00:00.000Z"));
    expect(hidden.lastBackup?.name).toBe("safety_backup_20250109_000000.json");
    expect(hidden.problems).toContain("the newest backup b_20250110_000000.json does not pass validation");
    // with the newest file valid again, it is the last success and young
    entry("b_20250110_000000.json").valid = true;
    const fine = judgeHealth(index, {}, 7, new Date("2025-01-11T00:00:00.000Z"));
    expect([fine.healthy, fine.lastSuccess?.name, fine.ageDays]).toEqual([true, "b_20250110_000000.json", 1]);
  });

  it("judges one database of a shared storage: its own backups, its own unfinished restore; another's is a notice", async () => {
    const A = { id: "A".repeat(64), created: "2025-01-01T00:00:00Z", name: "neo4j", address: "a:7687" };
    const B = { id: "B".repeat(64), created: "2025-01-01T00:00:00Z", name: "neo4j", address: "b:7687" };
    const storage = await storageWith(["b_20250101_000000.json", "b_20250102_000000.json"]);
    const index = await readIndex(storage);
    const [newer, older] = index.backups;
    newer!.identity = B;
    older!.identity = A;
    const now = new Date(Date.parse(newer!.created));
    const pendingIntoB = {
      name: newer!.name,
      database: "neo4j",
      safetyBackup: "safety_backup_20250103_000000.json",
      started: "2025-01-03T00:00:00.000Z",
      pid: 1,
      host: "h",
      mode: "replace" as const,
      target: B,
    };
    index.pendingRestores = [pendingIntoB];
    const a = judgeHealth(index, { identity: A }, 7, now);
    expect(a.lastBackup?.name).toBe(older!.name);
    expect(a).toMatchObject({ healthy: true, problems: [], pendingRestore: null });
    expect(a.notices).toHaveLength(1);
    expect(a.notices[0]).toMatch(
      /into database neo4j at b:7687 \(id BBBBBBBBBBBB…\).*did not finish; finish it with `neo4j-backup recover`/,
    );
    const b = judgeHealth(index, { identity: B }, 7, now);
    expect(b.lastBackup?.name).toBe(newer!.name);
    expect(b).toMatchObject({ healthy: false, pendingRestore: pendingIntoB, notices: [] });
    expect(b.problems[0]).toMatch(/into database neo4j at b:7687/);
    const unknown = { ...pendingIntoB, target: undefined };
    index.pendingRestores = [unknown];
    // a record without its target may be any database of that name: a problem for each, not a notice
    expect(judgeHealth(index, { identity: A }, 7, now).problems[0]).toMatch(/recover --claim/);
    expect(judgeHealth(index, { identity: { ...A, name: "other" } }, 7, now).notices).toHaveLength(1);
  });
});
