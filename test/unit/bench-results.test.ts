import { describe, expect, it } from "vitest";
import { type BenchResult, checkGoals, combineResults, type Machine } from "../../bench/results.js";

const machine: Machine = {
  cpus: 2,
  cpuModel: "cpu",
  memoryGiB: 24,
  os: "Linux",
  node: "v20",
  nodeDriver: "6.3.0",
  library: "0.1.0",
  java: "17",
  neo4j: "5.26.30 community",
  apoc: "5.26.19",
  heap: "2g",
  pageCache: "2g",
  loadAverageStart: [0, 0, 0],
  loadAverageEnd: [1, 1, 1],
};

function result(started: string, sizes: number[], overrides: Partial<BenchResult> = {}): BenchResult {
  return {
    started,
    wallMs: 60_000,
    command: `npm run bench -- --sizes ${sizes.join(",")}`,
    runs: 3,
    machine,
    sizes: sizes.map((size) => ({ size, nodes: size, relationships: 3 * size, loadMs: 1, measurements: {} })),
    ...overrides,
  };
}

describe("combineResults", () => {
  it("takes each size whole from one run, the later run winning, and records the parts", () => {
    const a = result("2026-01-01T00:00:00Z", [10_000, 100_000]);
    const b = result("2026-01-02T00:00:00Z", [100_000, 1_000_000], { wallMs: 120_000 });
    const combined = combineResults([a, b]);
    expect(combined.sizes.map((s) => s.size)).toEqual([10_000, 100_000, 1_000_000]);
    expect(combined.sizes[1]).toBe(b.sizes[0]);
    expect(combined.parts?.map((p) => p.sizes)).toEqual([[10_000], [100_000, 1_000_000]]);
    expect(combined.wallMs).toBe(180_000);
    expect(combined.started).toBe(a.started);
  });

  it("refuses runs of a different setup, naming what differs", () => {
    const a = result("2026-01-01T00:00:00Z", [10_000]);
    const other = result("2026-01-02T00:00:00Z", [1_000_000], { machine: { ...machine, heap: "4g" } });
    expect(() => combineResults([a, other])).toThrow(/differ in heap/);
    expect(() => combineResults([a, result("2026-01-02T00:00:00Z", [1_000_000], { runs: 5 })])).toThrow(
      /--runs/,
    );
  });

  it("combines different commits only when they measured the same src/ tree", () => {
    const at = (commit: string, srcTree?: string) => ({ machine: { ...machine, commit, srcTree } });
    const a = result("2026-01-01T00:00:00Z", [10_000], at("aaaaaaa", "t1"));
    expect(
      combineResults([a, result("2026-01-02T00:00:00Z", [1_000_000], at("bbbbbbb", "t1"))]).parts,
    ).toHaveLength(2);
    expect(() =>
      combineResults([a, result("2026-01-02T00:00:00Z", [1_000_000], at("bbbbbbb", "t2"))]),
    ).toThrow(/different commits/);
    const unknown = result("2026-01-01T00:00:00Z", [10_000], at("aaaaaaa"));
    expect(() =>
      combineResults([unknown, result("2026-01-02T00:00:00Z", [1_000_000], at("bbbbbbb"))]),
    ).toThrow(/not known to be the same/);
  });

  it("combines a run without the Python peer with one that measured it, keeping its versions", () => {
    const python = { python: "3.11.7", pythonPackage: "1.0.0", pythonDriver: "6.4.1" };
    const a = result("2026-01-01T00:00:00Z", [1_000_000]);
    const b = result("2026-01-02T00:00:00Z", [10_000], { machine: { ...machine, ...python } });
    expect(combineResults([a, b]).machine).toMatchObject(python);
    const other = result("2026-01-03T00:00:00Z", [100_000], {
      machine: { ...machine, ...python, pythonPackage: "1.1.0" },
    });
    expect(() => combineResults([b, other])).toThrow(/differ in pythonPackage/);
  });

  it("returns a single run unchanged", () => {
    const a = result("2026-01-01T00:00:00Z", [10_000]);
    expect(combineResults([a])).toBe(a);
  });
});

describe("checkGoals", () => {
  it("judges the steady-state backup against the first backup of the same size", () => {
    const run = (ms: number) => ({ mode: "backup", ms, cpuMs: ms, peakRssMb: 100 });
    const r = result("2026-01-01T00:00:00Z", [10_000, 100_000]);
    r.sizes[0]!.measurements = { backup: { runs: [run(1000)] }, "backup-steady": { runs: [run(1050)] } };
    r.sizes[1]!.measurements = { backup: { runs: [run(1000)] }, "backup-steady": { runs: [run(1250)] } };
    const goal = checkGoals(r, [10_000, 100_000]).find((g) => g.goal.startsWith("steady-state backup"));
    expect(goal?.cells.map((c) => [c.text, c.met])).toEqual([
      ["1.05×", true],
      ["1.25×", false],
    ]);
    expect(goal?.verdict).toBe("missed");
  });

  it("counts the steady backup's peak RSS in the one-thread memory goals", () => {
    const run = (peakRssMb: number) => ({ mode: "backup", ms: 1000, cpuMs: 1000, peakRssMb });
    const r = result("2026-01-01T00:00:00Z", [100_000, 1_000_000]);
    const at = (backup: number, steady: number, restore: number) => ({
      backup: { runs: [run(backup)] },
      "backup-steady": { runs: [run(steady)] },
      restore: { runs: [run(restore)] },
    });
    r.sizes[0]!.measurements = at(180, 200, 210);
    r.sizes[1]!.measurements = at(185, 260, 215);
    const goals = checkGoals(r, [100_000, 1_000_000]);
    const under = goals.find(
      (g) => g.goal.startsWith("client peak RSS < 250 MB") && g.goal.endsWith("one thread)"),
    );
    expect(under?.goal).toBe("client peak RSS < 250 MB (backup / steady backup / restore, one thread)");
    expect(under?.cells.map((c) => [c.text, c.met])).toEqual([
      ["180 / 200 / 210 MB", true],
      ["185 / 260 / 215 MB", false],
    ]);
    expect(under?.verdict).toBe("missed");
    const flat = goals.find(
      (g) => g.goal.startsWith("client peak RSS flat") && g.goal.endsWith("one thread)"),
    );
    expect(flat?.cells.find((c) => c.size === 1_000_000)?.text).toBe("1.03× / 1.30× / 1.02× of 100k");
    expect(flat?.verdict).toBe("missed");
  });
});
