/**
 * The snapshot benchmark's figures when the full backups were taken only some days
 * (`--full-every`): each day's share divides by the latest full backup before it, and the time
 * medians compare the days that ran all three backups. And its chart draws every model.
 */
import { describe, expect, it } from "vitest";
import type { Run } from "../../bench/common.js";
import { renderSnapshotChart } from "../../bench/snapshot-chart.js";
import {
  figures,
  fullBytesOn,
  type ModelResult,
  type SnapshotBenchResult,
} from "../../bench/snapshot-results.js";

const run = (ms: number, bytes = 0): Run => ({ mode: "backup", ms, peakRssMb: 100, bytes });
const change = { updated: 1, deleted: 1, created: 1, relationshipsDeleted: 1, relationshipsCreated: 3 };

function day(n: number, added: number, full?: number) {
  return {
    day: n,
    ...(n > 1 ? { change } : {}),
    snapshot: {
      ...run(10 + n),
      snapshot: { logicalBytes: 1000, storedBytes: 0, addedBytes: added, chunks: 1, addedChunks: 1 },
    },
    snapshotStoreBytes: 1000 + added * n,
    ...(full ? { full: run(20, full), plain: run(30) } : { plainFromSnapshotMs: 5 }),
    restic: { ms: 7, addedBytes: added * 2, repositoryBytes: 1000 + 2 * added * n, summary: {} },
    order: full ? ["snapshot", "full", "plain"] : ["snapshot"],
  };
}

const model = {
  model: "clustered",
  description: "",
  // full backups on days 1 and 4 only
  days: [day(1, 1000, 1000), day(2, 50), day(3, 100), day(4, 60, 2000)],
  restores: { snapshot: [], full: [], plain: [] },
} as unknown as ModelResult;

describe("the snapshot benchmark with --full-every", () => {
  it("divides each day by the latest full backup on or before it", () => {
    expect([1, 2, 3, 4].map((d) => fullBytesOn(model, d))).toEqual([1000, 1000, 1000, 2000]);
    const f = figures(model);
    expect(f.addedShare).toEqual([50 / 1000, 100 / 1000, 60 / 2000]);
    expect(f.total.full).toBe(2000);
  });

  it("takes the time medians over the days that ran all three backups", () => {
    const f = figures(model);
    // snapshot ms of days 1 and 4 only (11 and 14), not of days 2 and 3
    expect(f.ms.snapshot).toBe(12.5);
    expect(f.ms.full).toBe(20);
  });

  it("draws a panel per size and model, with the goal line", () => {
    const result = {
      command: "npm run bench:snapshots",
      started: "2026-12-07T00:00:00.000Z",
      sizes: [{ size: 100_000, models: [model, { ...model, model: "uniform" }] }],
    } as unknown as SnapshotBenchResult;
    const svg = renderSnapshotChart(result);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(6);
    expect(svg).toContain("100k, clustered");
    expect(svg).toContain("100k, uniform");
    expect(svg).toContain("goal 1.6×");
  });
});
