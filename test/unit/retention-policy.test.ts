/** Retention policies (restic's `forget` rules, in UTC) on hand-built timelines, and series. */
import { describe, expect, it } from "vitest";
import { listBackups, markPendingRestore } from "../../src/lifecycle/backup-index.js";
import {
  applyPolicy,
  isoWeek,
  parseCalendarDuration,
  type RetentionPolicy,
} from "../../src/lifecycle/policy.js";
import { planRetention, retentionCandidates } from "../../src/lifecycle/retention.js";
import { forgetBackups } from "../../src/operations/forget.js";
import { MemoryStorage } from "../../src/storage/memory.js";
import { withStorageLock } from "../../src/storage/with-lock.js";
import { buildDocument, chunks } from "../support/documents.js";

/** `YYYY-MM-DD HH:MM:SS` (UTC) → a dated item named by its time. */
const at = (text: string) => ({ name: text, date: new Date(`${text.replace(" ", "T")}Z`) });
const timeline = (...times: string[]) => times.map(at);

/** What the policy keeps, newest first, each with its reasons. */
function kept(times: string[], policy: RetentionPolicy): [string, string[]][] {
  return applyPolicy(timeline(...times), policy)
    .filter((d) => d.keep)
    .map((d) => [d.item.name, d.reasons]);
}
const keptNames = (times: string[], policy: RetentionPolicy) => kept(times, policy).map(([n]) => n);

describe("retention policy", () => {
  it("keep-daily keeps the newest backup of each day, several backups a day", () => {
    const times = [
      "2025-03-10 23:00:00",
      "2025-03-10 12:00:00",
      "2025-03-10 01:00:00",
      "2025-03-09 18:00:00",
      "2025-03-09 06:00:00",
      "2025-03-07 03:00:00",
    ];
    expect(kept(times, { keepDaily: 2 })).toEqual([
      ["2025-03-10 23:00:00", ["daily"]],
      ["2025-03-09 18:00:00", ["daily"]],
    ]);
    // days without a backup do not count: the third day with one is the 7th
    expect(keptNames(times, { keepDaily: 3 })).toEqual([
      "2025-03-10 23:00:00",
      "2025-03-09 18:00:00",
      "2025-03-07 03:00:00",
    ]);
  });

  it("a count larger than the history keeps one per bucket and the oldest backup too", () => {
    const times = [
      "2025-03-10 23:00:00",
      "2025-03-10 12:00:00",
      "2025-03-09 18:00:00",
      "2025-03-09 06:00:00",
    ];
    expect(kept(times, { keepDaily: 30 })).toEqual([
      ["2025-03-10 23:00:00", ["daily"]],
      ["2025-03-09 18:00:00", ["daily"]],
      ["2025-03-09 06:00:00", ["oldest daily"]],
    ]);
    expect(keptNames(times, { keepLast: 10 })).toEqual(times);
    // counts used up: no oldest
    expect(keptNames(times, { keepDaily: 2 })).toEqual(["2025-03-10 23:00:00", "2025-03-09 18:00:00"]);
  });

  it("month ends and the leap day, in UTC", () => {
    const times = [
      "2024-03-01 00:00:00",
      "2024-02-29 23:59:59",
      "2024-02-29 00:00:00",
      "2024-02-01 00:00:00",
      "2024-01-31 23:59:59",
      "2024-01-31 00:00:01",
    ];
    expect(keptNames(times, { keepMonthly: 3 })).toEqual([
      "2024-03-01 00:00:00",
      "2024-02-29 23:59:59",
      "2024-01-31 23:59:59",
    ]);
    expect(keptNames(times, { keepDaily: 4 })).toEqual([
      "2024-03-01 00:00:00",
      "2024-02-29 23:59:59",
      "2024-02-01 00:00:00",
      "2024-01-31 23:59:59",
    ]);
  });

  it("the year end: Dec 31 23:59:59 and Jan 1 00:00:00 are different days, months and years", () => {
    const times = ["2025-01-01 00:00:00", "2024-12-31 23:59:59", "2024-12-31 00:00:00"];
    for (const rule of ["keepDaily", "keepMonthly", "keepYearly"] as const) {
      expect(keptNames(times, { [rule]: 2 }), rule).toEqual(["2025-01-01 00:00:00", "2024-12-31 23:59:59"]);
    }
    expect(keptNames(times, { keepHourly: 2 })).toEqual(["2025-01-01 00:00:00", "2024-12-31 23:59:59"]);
    // the same ISO week (2025-W01): one weekly backup, the oldest kept as counts are left
    expect(kept(times, { keepWeekly: 1 })).toEqual([["2025-01-01 00:00:00", ["weekly"]]]);
  });

  it("ISO weeks across a year boundary", () => {
    expect(isoWeek(new Date("2024-12-30T00:00:00Z"))).toBe("2025-W01");
    expect(isoWeek(new Date("2024-12-29T23:59:59Z"))).toBe("2024-W52");
    expect(isoWeek(new Date("2021-01-03T12:00:00Z"))).toBe("2020-W53");
    expect(isoWeek(new Date("2021-01-04T00:00:00Z"))).toBe("2021-W01");
    expect(isoWeek(new Date("2026-12-31T00:00:00Z"))).toBe("2026-W53");
    const times = [
      "2025-01-05 10:00:00", // Sunday of 2025-W01
      "2024-12-30 10:00:00", // Monday of 2025-W01
      "2024-12-29 10:00:00", // Sunday of 2024-W52
      "2024-12-23 10:00:00", // Monday of 2024-W52
      "2024-12-22 10:00:00", // 2024-W51
    ];
    expect(keptNames(times, { keepWeekly: 3 })).toEqual([
      "2025-01-05 10:00:00",
      "2024-12-29 10:00:00",
      "2024-12-22 10:00:00",
    ]);
  });

  it("the example of docs/lifecycle.md: two days and two ISO weeks", () => {
    const times = [
      "2025-03-10 03:00:00",
      "2025-03-09 15:00:00",
      "2025-03-09 03:00:00",
      "2025-03-08 03:00:00",
    ];
    expect(kept(times, { keepDaily: 2, keepWeekly: 2 })).toEqual([
      ["2025-03-10 03:00:00", ["daily", "weekly"]],
      ["2025-03-09 15:00:00", ["daily", "weekly"]],
    ]);
  });

  it("keep-hourly buckets by the hour", () => {
    const times = [
      "2025-01-28 14:59:59",
      "2025-01-28 14:00:00",
      "2025-01-28 13:59:59",
      "2025-01-27 14:30:00",
    ];
    expect(keptNames(times, { keepHourly: 2 })).toEqual(["2025-01-28 14:59:59", "2025-01-28 13:59:59"]);
  });

  it("rules combine: a backup is kept when any rule keeps it, with every rule's reason", () => {
    const times = [
      "2025-03-03 02:00:00", // Monday
      "2025-03-02 02:00:00",
      "2025-03-01 02:00:00",
      "2025-02-28 02:00:00",
      "2025-02-14 02:00:00",
      "2025-01-31 02:00:00",
      "2024-12-31 02:00:00",
    ];
    expect(kept(times, { keepLast: 1, keepDaily: 2, keepWeekly: 2, keepMonthly: 3, keepYearly: 2 })).toEqual([
      ["2025-03-03 02:00:00", ["last", "daily", "weekly", "monthly", "yearly"]],
      ["2025-03-02 02:00:00", ["daily", "weekly"]],
      ["2025-02-28 02:00:00", ["monthly"]],
      ["2025-01-31 02:00:00", ["monthly"]],
      ["2024-12-31 02:00:00", ["yearly"]],
    ]);
  });

  it("unlimited counts keep one per bucket for all history", () => {
    const times = [
      "2025-03-03 02:00:00",
      "2025-03-03 01:00:00",
      "2025-02-01 02:00:00",
      "2024-01-01 02:00:00",
    ];
    for (const n of [-1, Number.POSITIVE_INFINITY]) {
      expect(keptNames(times, { keepMonthly: n })).toEqual([
        "2025-03-03 02:00:00",
        "2025-02-01 02:00:00",
        "2024-01-01 02:00:00",
      ]);
    }
  });

  it("keep-within keeps everything newer than the duration before the newest backup", () => {
    const times = [
      "2025-03-31 12:00:00",
      "2025-03-01 12:00:01",
      "2025-03-01 12:00:00",
      "2025-02-27 00:00:00",
    ];
    expect(kept(times, { keepWithin: "30d" })).toEqual([
      ["2025-03-31 12:00:00", ["within 30d"]],
      ["2025-03-01 12:00:01", ["within 30d"]],
    ]);
    // months are calendar months: Mar 31 minus one month is Mar 3 (Feb 31 rolls over), as in Go's AddDate
    expect(keptNames(times, { keepWithin: "1m" })).toEqual(["2025-03-31 12:00:00"]);
    expect(keptNames(times, { keepWithin: "1m1d12h" })).toEqual(["2025-03-31 12:00:00"]);
    expect(parseCalendarDuration("2y5m")).toEqual({ years: 2, months: 5, days: 0, hours: 0 });
    expect(parseCalendarDuration("12h")).toEqual({ years: 0, months: 0, days: 0, hours: 12 });
  });

  it("always keeps the newest backup", () => {
    const times = ["2025-03-03 02:00:00", "2025-03-02 02:00:00"];
    expect(kept(times, { keepWithin: "0d1h", keepLast: 0 })).toEqual([
      ["2025-03-03 02:00:00", ["within 0d1h"]],
    ]);
    expect(kept(["2025-03-03 02:00:00"], { keepMonthly: 1 })).toEqual([["2025-03-03 02:00:00", ["monthly"]]]);
  });

  it("refuses invalid policies with INVALID_OPTIONS", () => {
    for (const bad of [
      {},
      { keepLast: 0 },
      { keepDaily: 1.5 },
      { keepDaily: -2 },
      { keepWithin: "30" },
      { keepWithin: "0d" },
      { keepWithin: "3w" },
      { keepEvery: 3 },
    ]) {
      expect(() => applyPolicy([], bad as RetentionPolicy), JSON.stringify(bad)).toThrow(
        expect.objectContaining({ code: "INVALID_OPTIONS" }),
      );
    }
  });
});

describe("series and groups", () => {
  const A = { id: "A".repeat(64), created: "2025-01-01T00:00:00Z", name: "neo4j", address: "a:7687" };
  const B = { id: "B".repeat(64), created: "2025-01-01T00:00:00Z", name: "neo4j", address: "b:7687" };
  const entry = (identity: typeof A | null, name: string, series?: string) => ({
    name,
    identity,
    ...(series ? { series } : {}),
  });

  const entries = [
    entry(A, "nb_20250310_030000.json", "nightly"),
    entry(A, "nb_20250309_030000.json", "nightly"),
    entry(A, "nb_20250308_030000.json", "nightly"),
    entry(A, "nb_20250310_120000.json", "pre-deploy"),
    entry(A, "nb_20250310_110000.json", "pre-deploy"),
    entry(A, "nb_20250301_000000.json"),
    entry(A, "nb_20250201_000000.json"),
    entry(B, "nb_20250310_130000.json", "pre-deploy"),
    entry(B, "nb_20250101_000000.json", "pre-deploy"),
    entry(null, "nb_20240101_000000.json.age"),
    entry(A, "safety_backup_20240101_000000.json"),
    entry(A, "initial_backup.json"),
    entry(A, "pre_upgrade_backup_20240101_000000.json"),
    entry(A, "pre_upgrade_backup_20240201_000000.json", "pre-upgrade"),
  ];

  it("a new backup's retention removes only its own series of its own database", () => {
    expect(retentionCandidates(entries, "nb_20250310_120000.json", { keepLast: 1 })).toEqual([
      "nb_20250310_110000.json",
    ]);
    expect(retentionCandidates(entries, "nb_20250310_030000.json", 1)).toEqual([
      "nb_20250309_030000.json",
      "nb_20250308_030000.json",
    ]);
    // backups without a series form the series "" of their prefix, as before series existed
    expect(retentionCandidates(entries, "nb_20250301_000000.json", 1)).toEqual(["nb_20250201_000000.json"]);
    // another server's database with the same name and series: only its own
    expect(retentionCandidates(entries, "nb_20250310_130000.json", 1)).toEqual(["nb_20250101_000000.json"]);
    // pre-upgrade backups written before series existed are in the series pre-upgrade
    const preUpgrade = entries.map((e) => ({
      ...e,
      kind: e.name.startsWith("pre_upgrade") ? ("pre-upgrade" as const) : ("backup" as const),
    }));
    expect(retentionCandidates(preUpgrade, "pre_upgrade_backup_20240201_000000.json", 1)).toEqual([
      "pre_upgrade_backup_20240101_000000.json",
    ]);
  });

  it("never removes a backup newer than the new one", () => {
    expect(retentionCandidates(entries, "nb_20250309_030000.json", 1)).toEqual(["nb_20250308_030000.json"]);
  });

  it("forget plans each group apart and never touches unknown, safety or distribution backups", () => {
    const groups = planRetention(entries, { keepLast: 1 });
    const summary = groups.map((g) => [
      g.identity.address,
      g.prefix,
      g.series,
      g.kept.map((k) => k.name),
      g.removed.map((r) => r.name),
    ]);
    expect(summary).toEqual([
      [
        "a:7687",
        "nb",
        "nightly",
        ["nb_20250310_030000.json"],
        ["nb_20250309_030000.json", "nb_20250308_030000.json"],
      ],
      ["a:7687", "nb", "pre-deploy", ["nb_20250310_120000.json"], ["nb_20250310_110000.json"]],
      ["a:7687", "nb", "", ["nb_20250301_000000.json"], ["nb_20250201_000000.json"]],
      ["b:7687", "nb", "pre-deploy", ["nb_20250310_130000.json"], ["nb_20250101_000000.json"]],
      [
        "a:7687",
        "pre_upgrade_backup",
        "pre-upgrade",
        ["pre_upgrade_backup_20240201_000000.json"],
        ["pre_upgrade_backup_20240101_000000.json"],
      ],
    ]);
    const nightly = planRetention(entries, { keepLast: 1 }, { series: "nightly" });
    expect(nightly.map((g) => g.series)).toEqual(["nightly"]);
    const onlyB = planRetention(entries, { keepLast: 1 }, { identity: B });
    expect(onlyB.map((g) => g.identity.address)).toEqual(["b:7687"]);
    const protectedOne = planRetention(
      entries,
      { keepLast: 1 },
      {
        series: "nightly",
        protect: new Set(["nb_20250308_030000.json"]),
      },
    );
    expect(protectedOne[0]!.kept.map((k) => [k.name, k.reasons])).toEqual([
      ["nb_20250310_030000.json", ["last"]],
      ["nb_20250308_030000.json", ["protected"]],
    ]);
  });

  it("keeps a pinned backup with the reason pinned, whatever the policy", () => {
    const groups = planRetention(
      entries,
      { keepLast: 1 },
      { series: "nightly", pinned: new Set(["nb_20250309_030000.json"]) },
    );
    expect(groups[0]!.kept.map((k) => [k.name, k.reasons])).toEqual([
      ["nb_20250310_030000.json", ["last"]],
      ["nb_20250309_030000.json", ["pinned"]],
    ]);
    expect(groups[0]!.removed.map((r) => r.name)).toEqual(["nb_20250308_030000.json"]);
  });

  it("forgetBackups validates before reading anything", async () => {
    const storage = new MemoryStorage();
    await expect(forgetBackups({ storage, policy: {} })).rejects.toMatchObject({ code: "INVALID_OPTIONS" });
    await expect(
      forgetBackups({ storage, policy: { keepLast: 1 }, series: "no spaces" }),
    ).rejects.toMatchObject({ code: "INVALID_OPTIONS", message: expect.stringContaining("series") });
    expect(await forgetBackups({ storage, policy: { keepLast: 1 }, dryRun: true })).toEqual({
      dryRun: true,
      groups: [],
      removed: [],
    });
  });

  it("forgetBackups reads each file's series, removes per group, and keeps what a pending restore needs", async () => {
    const storage = new MemoryStorage();
    const identity = { id: "C".repeat(64), created: "2025-01-01T00:00:00Z", address: "c:7687" };
    const doc = (series?: string) =>
      buildDocument(undefined, undefined, (m) => {
        m.database_identity = identity;
        if (series) m.series = series;
      });
    const files: [string, string | undefined][] = [
      ["nb_20250310_030000.json", "nightly"],
      ["nb_20250309_030000.json", "nightly"],
      ["nb_20250308_030000.json", "nightly"],
      ["nb_20250307_030000.json", "nightly"],
      ["nb_20250310_120000.json", "pre-deploy"],
      ["nb_20250301_000000.json", undefined],
      ["safety_backup_20250101_000000.json", undefined],
    ];
    for (const [name, series] of files) await storage.write(name, chunks(doc(series), 4096));
    await withStorageLock(storage, () =>
      markPendingRestore(storage, {
        name: "nb_20250307_030000.json",
        database: "neo4j",
        safetyBackup: null,
        started: "2025-03-10T00:00:00Z",
        pid: 1,
        host: "h",
      }),
    );
    const dry = await forgetBackups({ storage, policy: { keepLast: 1 }, dryRun: true });
    expect(dry.removed).toEqual([]);
    expect((await storage.list()).length).toBe(files.length);
    const done = await forgetBackups({ storage, policy: { keepLast: 1 }, series: "nightly" });
    expect(done.groups).toHaveLength(1);
    expect(done.groups[0]!.kept.map((k) => [k.name, k.reasons])).toEqual([
      ["nb_20250310_030000.json", ["last"]],
      ["nb_20250307_030000.json", ["protected"]],
    ]);
    expect(done.removed).toEqual(["nb_20250309_030000.json", "nb_20250308_030000.json"]);
    expect((await listBackups(storage)).map((e) => [e.name, e.series ?? ""])).toEqual(
      expect.arrayContaining([
        ["nb_20250310_120000.json", "pre-deploy"],
        ["nb_20250301_000000.json", ""],
        ["safety_backup_20250101_000000.json", ""],
      ]),
    );
    expect((await storage.list()).map((f) => f.name).sort()).toEqual(
      files
        .map(([n]) => n)
        .filter((n) => n !== "nb_20250309_030000.json" && n !== "nb_20250308_030000.json")
        .sort(),
    );
  });
});
