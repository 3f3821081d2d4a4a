/**
 * The fault suite's report cannot hide a failure: every trial is recorded whatever its outcome, a
 * row with a failed, broken or missing trial says FAILED, and only a run with a row for every
 * scenario on every server counts as complete.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import {
  buildRows,
  completeness,
  renderReport,
  type Stamp,
  uncommittedInputs,
} from "../faults/support/report.js";
import type { ResultRecord } from "../faults/support/results.js";
import { SCENARIOS, type ScenarioId } from "../faults/support/scenarios.js";

const STAMP: Stamp = {
  run: "20260101T000000Z-1-abcdef",
  date: "2026-01-01",
  commit: "abc123def456",
  srcTree: "0123456789ab",
  dirty: [],
  node: "v22",
};

function passingRun(id: ScenarioId, server: string, trials: number): ResultRecord[] {
  return [
    { type: "start", id, server, trials },
    ...Array.from({ length: trials }, (_, i) => ({
      type: "trial" as const,
      id,
      server,
      label: `t${i}`,
      outcome: "passed" as const,
    })),
    { type: "end", id, server },
  ];
}

/** Every scenario passing on two servers: a complete run. */
function completeRun(): ResultRecord[] {
  return Object.entries(SCENARIOS).flatMap(([id, s]) =>
    s.servers === "each"
      ? ["5.26.30", "2026.08.1"].flatMap((v) => passingRun(id as ScenarioId, v, 2))
      : passingRun(id as ScenarioId, s.servers === "own" ? "own 5.26" : "none", 2),
  );
}

describe("the fault report", () => {
  it("of a complete, passing run: every row nothing lost, stamped with the commit", () => {
    const rows = buildRows(completeRun());
    expect(completeness(rows, ["5.26.30", "2026.08.1"])).toEqual({ complete: true, missing: [] });
    const report = renderReport(rows, STAMP, ["5.26.30", "2026.08.1"]);
    expect(report).toContain("commit `abc123def456` (src/ tree `0123456789ab`, no uncommitted changes)");
    expect(report).toContain("no row failed");
    expect(report.split("\n").filter((l) => l.startsWith("| ") && l.includes("**FAILED**"))).toEqual([]);
  });

  it("shows a failed trial, an error and trials that never ran as a FAILED row", () => {
    const records = completeRun();
    const at = records.findIndex((r) => r.type === "trial" && r.id === "crash.replace-restore");
    records[at] = {
      ...(records[at] as Extract<ResultRecord, { type: "trial" }>),
      outcome: "failed",
      message: "expected 'a mix' not to be 'a mix'",
    };
    records.push(
      { type: "start", id: "disk.full", server: "9.9.9", trials: 3 },
      {
        type: "trial",
        id: "disk.full",
        server: "9.9.9",
        label: "in place",
        outcome: "error",
        message: "boom",
      },
      { type: "end", id: "disk.full", server: "9.9.9", stopped: "server went away" },
    );
    const report = renderReport(buildRows(records), STAMP, ["5.26.30", "2026.08.1"]);
    const restoreRow = report
      .split("\n")
      .find((l) => l.includes("replace restore") && l.includes("5.26.30"))!;
    expect(restoreRow).toContain("**FAILED** 1/2: failed: t0 — expected 'a mix' not to be 'a mix'");
    const diskRow = report.split("\n").find((l) => l.includes("9.9.9"))!;
    expect(diskRow).toContain(
      "**FAILED** 3/3: error: in place — boom; 2 not run; stopped early: server went away",
    );
    expect(report).toContain("**2 rows FAILED**");
  });

  it("counts a scenario that never reached its end as failed, even when its recorded trials passed", () => {
    const records = passingRun("bad.fuzz", "none", 3).slice(0, -1);
    const [row] = buildRows(records);
    expect(renderReport([row!], STAMP, [])).toContain("**FAILED** 0/3: did not finish");
  });

  it("is incomplete when a scenario is missing on a server, and names what is missing", () => {
    const records = completeRun().filter((r) => !(r.id === "crash.backup" && r.server === "2026.08.1"));
    expect(completeness(buildRows(records), ["5.26.30", "2026.08.1"])).toEqual({
      complete: false,
      missing: ["crash.backup on 2026.08.1"],
    });
    const own = completeRun().filter((r) => r.id !== "server.stopped");
    expect(completeness(buildRows(own), ["5.26.30", "2026.08.1"]).missing).toEqual(["server.stopped"]);
  });

  it("keeps a failed attempt that a rerun passed: the row is FAILED and shows both attempts", () => {
    const records = completeRun();
    const rerun = passingRun("crash.backup", "5.26.30", 2);
    const failed: ResultRecord[] = [
      rerun[0]!,
      {
        ...(rerun[1] as Extract<ResultRecord, { type: "trial" }>),
        outcome: "failed",
        message: "lost a node",
      },
      rerun[2]!,
      rerun[3]!,
    ];
    // the first attempt fails, the retry passes
    const at = records.findIndex(
      (r) => r.type === "start" && r.id === "crash.backup" && r.server === "5.26.30",
    );
    records.splice(at, 0, ...failed);
    const rows = buildRows(records);
    const row = rows.find((r) => r.id === "crash.backup" && r.server === "5.26.30")!;
    expect(row.earlier).toHaveLength(1);
    expect(row.earlier[0]!.problems).toEqual([{ label: "t0", outcome: "failed", message: "lost a node" }]);
    expect(completeness(rows, ["5.26.30", "2026.08.1"]).complete).toBe(true);
    const report = renderReport(rows, STAMP, ["5.26.30", "2026.08.1"]);
    const line = report
      .split("\n")
      .find(
        (l) => l.startsWith("| ") && l.includes(SCENARIOS["crash.backup"].title) && l.includes("5.26.30"),
      )!;
    expect(line).toContain(
      "**FAILED** attempt 1 of 2: 1/2: failed: t0 — lost a node; attempt 2 of 2: nothing lost (2/2)",
    );
    expect(line).not.toMatch(/\| nothing lost/);
    expect(report).toContain("**1 rows FAILED**");
    expect(report).toContain("1 rows ran more than once (every attempt shown)");
  });

  it("keeps an attempt that stopped early before a rerun, with its trials that did not run", () => {
    const records: ResultRecord[] = [
      { type: "start", id: "disk.full", server: "5.26.30", trials: 3 },
      { type: "end", id: "disk.full", server: "5.26.30", stopped: "no tmpfs" },
      ...passingRun("disk.full", "5.26.30", 3),
    ];
    const [row] = buildRows(records);
    expect(row!.earlier).toEqual([
      { trials: 3, passed: 0, problems: [], notRun: 3, ended: true, stopped: "no tmpfs" },
    ]);
    expect(renderReport([row!], STAMP, ["5.26.30"])).toContain(
      "**FAILED** attempt 1 of 2: 3/3: 3 not run; stopped early: no tmpfs; attempt 2 of 2: nothing lost (3/3)",
    );
  });

  it("says nothing lost for a scenario that ran twice and passed both times", () => {
    const records = [...passingRun("bad.fuzz", "none", 2), ...passingRun("bad.fuzz", "none", 2)];
    const report = renderReport(buildRows(records), STAMP, []);
    expect(report).toContain("attempt 1 of 2: nothing lost (2/2); attempt 2 of 2: nothing lost (2/2)");
    expect(report).toContain("4 trials · 4 with nothing lost · no row failed");
  });

  it("stamps as uncommitted every changed path that decides what runs, the documentation aside", () => {
    const porcelain = [
      " M vitest.config.ts",
      " M package.json",
      "M  package-lock.json",
      " M tsconfig.json",
      "?? scripts/s3/new-helper.mjs",
      " D src/format/values.ts",
      "A  test/faults/new.test.ts",
      "R  test/old.ts -> test/support/moved.ts",
      '?? "test/fixtures/with space.json"',
      " M docs/reliability.md",
      " M docs/development.md",
      " M README.md",
      " M CHANGELOG.md",
      "",
    ].join("\n");
    expect(uncommittedInputs(porcelain)).toEqual([
      "vitest.config.ts",
      "package.json",
      "package-lock.json",
      "tsconfig.json",
      "scripts/s3/new-helper.mjs",
      "src/format/values.ts",
      "test/faults/new.test.ts",
      "test/old.ts",
      "test/support/moved.ts",
      "test/fixtures/with space.json",
    ]);
    expect(uncommittedInputs("")).toEqual([]);
    const report = renderReport([], { ...STAMP, dirty: uncommittedInputs(" M vitest.config.ts\n") }, []);
    expect(report).toContain("uncommitted changes in vitest.config.ts)");
  });

  it("a scenario run records every trial, whatever happens, and then fails the test", async () => {
    const folder = await mkdtemp(join(tmpdir(), "neo4j-backup-results-"));
    vi.resetModules();
    vi.doMock("node:url", async (original) => ({
      ...(await original<typeof import("node:url")>()),
      fileURLToPath: () => join(folder, "a", "b", "c", "results.ts"),
    }));
    vi.stubEnv("NEO4J_BACKUP_FAULT_RUN", "");
    try {
      const { beginRun, parseRecords, runScenario, RUNS_FOLDER } = await import(
        "../faults/support/results.js"
      );
      expect(RUNS_FOLDER).toBe(join(folder, ".faults", "runs"));
      const { file } = beginRun();
      const { expect: vitestExpect } = await import("vitest");
      const run = runScenario("bad.truncated", "5.26.30", 3, async (scenario) => {
        await scenario.trial("holds", async () => vitestExpect(1).toBe(1));
        await scenario.trial("does not hold", async () => vitestExpect(1).toBe(2));
        await scenario.trial("breaks", async () => {
          throw new TypeError("not an assertion");
        });
        return "notes";
      });
      await expect(run).rejects.toThrow(/\[does not hold\] expected 1 to be 2.*\(and 1 more failed trials\)/);
      const records = parseRecords(await readFile(file, "utf8"));
      expect(records.map((r) => (r.type === "trial" ? r.outcome : r.type))).toEqual([
        "start",
        "passed",
        "failed",
        "error",
        "end",
      ]);
    } finally {
      vi.doUnmock("node:url");
      vi.resetModules();
      vi.unstubAllEnvs();
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("a run that starts while another is recording neither deletes nor mixes into its records", async () => {
    const folder = await mkdtemp(join(tmpdir(), "neo4j-backup-results-"));
    vi.resetModules();
    vi.doMock("node:url", async (original) => ({
      ...(await original<typeof import("node:url")>()),
      fileURLToPath: () => join(folder, "a", "b", "c", "results.ts"),
    }));
    vi.stubEnv("NEO4J_BACKUP_FAULT_RUN", "");
    try {
      const { beginRun, parseRecords, startScenario, RUNS_FOLDER } = await import(
        "../faults/support/results.js"
      );
      // the first run records a trial…
      const first = beginRun();
      const a = startScenario("crash.backup", "5.26.30", 2);
      await a.trial("kill during the first batch", async () => undefined);
      // …a second suite starts in another process (its setup runs, then its own trials)…
      const second = beginRun();
      expect(second.runId).not.toBe(first.runId);
      expect(second.file).not.toBe(first.file);
      startScenario("bad.fuzz", "none", 1);
      // …and the first run's records are all still there, and only its own
      const firstRecords = parseRecords(await readFile(first.file, "utf8"));
      expect(firstRecords.map((r) => `${r.type} ${r.id}`)).toEqual([
        "start crash.backup",
        "trial crash.backup",
      ]);
      expect(parseRecords(await readFile(second.file, "utf8")).map((r) => `${r.type} ${r.id}`)).toEqual([
        "start bad.fuzz",
      ]);
      expect((await readdir(RUNS_FOLDER)).sort()).toEqual(
        [`${first.runId}.jsonl`, `${second.runId}.jsonl`].sort(),
      );
    } finally {
      vi.doUnmock("node:url");
      vi.resetModules();
      vi.unstubAllEnvs();
      await rm(folder, { recursive: true, force: true });
    }
  });
});
