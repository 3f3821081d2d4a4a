/**
 * The fault suite's report cannot hide a failure: every trial is recorded whatever its outcome, a
 * row with a failed, broken or missing trial says FAILED, and only a run with a row for every
 * scenario on every server counts as complete.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { buildRows, completeness, renderReport, type Stamp } from "../faults/support/report.js";
import type { ResultRecord } from "../faults/support/results.js";
import { SCENARIOS, type ScenarioId } from "../faults/support/scenarios.js";

const STAMP: Stamp = {
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

  it("a scenario run records every trial, whatever happens, and then fails the test", async () => {
    const folder = await mkdtemp(join(tmpdir(), "neo4j-backup-results-"));
    vi.resetModules();
    vi.doMock("node:url", async (original) => ({
      ...(await original<typeof import("node:url")>()),
      fileURLToPath: () => join(folder, "a", "b", "c", "results.ts"),
    }));
    try {
      const { runScenario, RESULTS_FILE } = await import("../faults/support/results.js");
      expect(RESULTS_FILE).toBe(join(folder, ".faults", "results.jsonl"));
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
      const records = (await readFile(RESULTS_FILE, "utf8"))
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      expect(records.map((r) => r.outcome ?? r.type)).toEqual(["start", "passed", "failed", "error", "end"]);
    } finally {
      vi.doUnmock("node:url");
      vi.resetModules();
      await rm(folder, { recursive: true, force: true });
    }
  });
});
