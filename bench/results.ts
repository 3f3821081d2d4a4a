/**
 * What one harness run measured, and the summaries (medians, spreads, ratios, goals) the report and
 * the chart are drawn from.
 */
import { median, type Run, type Timeout } from "./common.js";

/** Every measured method, in report order. */
export const METHODS = [
  "drain",
  "backup",
  "backup-steady",
  "backup-threads",
  "apoc-export",
  "python-backup",
  "plain",
  "restore",
  "restore-threads",
  "apoc-import",
  "apoc-restore",
  "python-restore",
] as const;

/** One measured method. */
export type MethodId = (typeof METHODS)[number];

/**
 * The worker threads of the `backup-threads` and `restore-threads` measurements (`parallel.threads`):
 * two, one per core of the machine the goals are stated for.
 */
export const BENCH_THREADS = 2;

/** Who provides a method (drives the chart's colours). */
export type Family = "baseline" | "library" | "apoc" | "python";

/** How the report names and groups a method. */
export const METHOD_INFO: Record<MethodId, { label: string; side: "backup" | "restore"; family: Family }> = {
  drain: { label: "raw driver drain", side: "backup", family: "baseline" },
  backup: { label: "createBackup (this library)", side: "backup", family: "library" },
  "backup-steady": {
    label: "createBackup beside an older one (default retention)",
    side: "backup",
    family: "library",
  },
  "backup-threads": {
    label: `createBackup on ${BENCH_THREADS} read worker threads`,
    side: "backup",
    family: "library",
  },
  "apoc-export": { label: "apoc.export.json.all", side: "backup", family: "apoc" },
  "python-backup": { label: "neo4j-backup (Python) Extractor", side: "backup", family: "python" },
  plain: { label: "plain UNWIND … CREATE", side: "restore", family: "baseline" },
  restore: { label: "restoreBackup (this library)", side: "restore", family: "library" },
  "restore-threads": {
    label: `restoreBackup verifying on ${BENCH_THREADS} read worker threads`,
    side: "restore",
    family: "library",
  },
  "apoc-import": { label: "apoc.import.json", side: "restore", family: "apoc" },
  "apoc-restore": { label: "restoreBackup of APOC's export", side: "restore", family: "library" },
  "python-restore": { label: "neo4j-backup (Python) Importer", side: "restore", family: "python" },
};

/** All runs of one method at one size. */
export interface Measurement {
  runs: Run[];
  /** Set when a run hit its time limit; the method was not repeated after that. */
  timeout?: Timeout;
  /** Set when a run failed; the method was not repeated after that. */
  error?: string;
  /** Whether the restored database equals the backup (verifyBackup, after the first run). */
  exact?: { equal: boolean; detail?: string };
  /** Runs whose node and relationship counts did not match the generated graph. */
  countMismatches?: number;
}

/** Everything measured at one graph size. */
export interface SizeResult {
  /** Requested domain nodes. */
  size: number;
  nodes: number;
  relationships: number;
  /** Time to generate and load the graph (not part of any comparison). */
  loadMs: number;
  measurements: Partial<Record<MethodId, Measurement>>;
}

/** The machine and software a run used. */
export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  nodeDriver: string;
  library: string;
  java: string;
  neo4j: string;
  apoc: string;
  heap: string;
  pageCache: string;
  python?: string;
  pythonPackage?: string;
  pythonDriver?: string;
  loadAverageStart: number[];
  loadAverageEnd: number[];
  /** The measured commit of this repository (with "+changes" when the tree differed from it). */
  commit?: string;
  /** The git tree id of src/ at `commit` (see `gitSourceTree`). */
  srcTree?: string;
  /** The last commit up to `commit` that changed src/. */
  srcLastChange?: string;
}

/** One complete harness run. */
export interface BenchResult {
  /** ISO timestamp of the start. */
  started: string;
  /** Wall time of the whole run in milliseconds. */
  wallMs: number;
  /** The command line as a user would type it. */
  command: string;
  runs: number;
  /** Per-measurement time limit of the peers in seconds (undefined: adaptive). */
  peerTimeoutSeconds?: number;
  /** The adaptive limit used when there was no fixed one: max(floor, factor × library median). */
  peerLimit?: { floorSeconds: number; factor: number };
  machine: Machine;
  sizes: SizeResult[];
  /** Free-text remark given with --note. */
  note?: string;
  /**
   * Set when this result combines several saved runs (`--from a.json,b.json`): each run's command,
   * start, wall time, load averages and the sizes taken from it.
   */
  parts?: RunPart[];
}

/** One saved run inside a combined result. */
export interface RunPart {
  started: string;
  command: string;
  wallMs: number;
  sizes: number[];
  loadAverageStart: number[];
  loadAverageEnd: number[];
  commit?: string;
}

/** Machine fields that must agree for runs to be shown side by side. */
const SAME_SETUP: (keyof Machine)[] = [
  "cpus",
  "cpuModel",
  "node",
  "nodeDriver",
  "library",
  "neo4j",
  "apoc",
  "heap",
  "pageCache",
];

/** Machine fields of the Python peer: they must agree where both runs measured it. */
const PYTHON_SETUP: (keyof Machine)[] = ["python", "pythonPackage", "pythonDriver"];

/**
 * Combines saved runs of the same setup into one result, one size per run (a size measured in more
 * than one run is taken from the last of them). Comparisons stay within a run: every ratio is still
 * computed from the measurements of one size, and all measurements of a size come from one run.
 *
 * @throws Error when the runs used different machines, software or run counts.
 */
export function combineResults(results: readonly BenchResult[]): BenchResult {
  const [first] = results;
  if (!first) throw new Error("no results to combine");
  if (results.length === 1) return first;
  for (const other of results.slice(1)) {
    for (const key of [...SAME_SETUP, ...PYTHON_SETUP]) {
      const skipped = PYTHON_SETUP.includes(key) && (!first.machine.python || !other.machine.python);
      if (!skipped && JSON.stringify(first.machine[key]) !== JSON.stringify(other.machine[key]))
        throw new Error(
          `runs of ${first.started} and ${other.started} differ in ${key} (${String(first.machine[key])} vs ${String(other.machine[key])}); they cannot be shown as one result`,
        );
    }
    const a = first.machine;
    const b = other.machine;
    if (a.commit !== b.commit && (!a.srcTree || a.srcTree !== b.srcTree))
      throw new Error(
        `runs of ${first.started} and ${other.started} measured different commits (${a.commit ?? "unknown"}, ${b.commit ?? "unknown"}) whose src/ is not known to be the same`,
      );
    if (other.runs !== first.runs || other.peerTimeoutSeconds !== first.peerTimeoutSeconds)
      throw new Error(`runs of ${first.started} and ${other.started} differ in --runs or --peer-timeout`);
  }
  const bySize = new Map<number, { size: SizeResult; from: BenchResult }>();
  for (const result of results)
    for (const size of result.sizes) bySize.set(size.size, { size, from: result });
  const sizes = [...bySize.values()].sort((a, b) => a.size.size - b.size.size);
  const parts: RunPart[] = results
    .map((r) => ({
      started: r.started,
      command: r.command,
      wallMs: r.wallMs,
      sizes: sizes.filter((s) => s.from === r).map((s) => s.size.size),
      loadAverageStart: r.machine.loadAverageStart,
      loadAverageEnd: r.machine.loadAverageEnd,
      commit: r.machine.commit,
    }))
    .filter((p) => p.sizes.length > 0);
  const notes = results.map((r) => r.note).filter((n): n is string => !!n);
  const withPython = results.find((r) => r.machine.python)?.machine;
  const python = withPython ? Object.fromEntries(PYTHON_SETUP.map((k) => [k, withPython[k]])) : {};
  return {
    ...first,
    machine: { ...first.machine, ...python },
    started: parts.map((p) => p.started).sort()[0] ?? first.started,
    wallMs: parts.reduce((sum, p) => sum + p.wallMs, 0),
    sizes: sizes.map((s) => s.size),
    note: notes.length ? notes.join(" ") : undefined,
    parts,
  };
}

/** Median time and spread of a measurement, or why there is none. */
export interface Summary {
  /** Median milliseconds (for a timed-out measurement: its limit, a lower bound). */
  ms: number;
  minMs: number;
  maxMs: number;
  /** True when `ms` is only a lower bound (the run was killed at its limit). */
  lowerBound: boolean;
  count: number;
  peakRssMb: number;
  bytes?: number;
}

/** Summarises a measurement; undefined when it has neither runs nor a timeout. */
export function summarise(m: Measurement | undefined): Summary | undefined {
  if (!m) return undefined;
  if (m.runs.length > 0) {
    const ms = m.runs.map((r) => r.ms);
    const bytes = m.runs.map((r) => r.bytes).filter((b): b is number => typeof b === "number");
    return {
      ms: median(ms),
      minMs: Math.min(...ms),
      maxMs: Math.max(...ms),
      lowerBound: false,
      count: ms.length,
      peakRssMb: median(m.runs.map((r) => r.peakRssMb)),
      bytes: bytes.length > 0 ? median(bytes) : undefined,
    };
  }
  if (m.timeout) {
    const ms = m.timeout.limitMs;
    return { ms, minMs: ms, maxMs: ms, lowerBound: true, count: 0, peakRssMb: Number.NaN };
  }
  return undefined;
}

/** A ratio of two medians; `bound` says whether it is only a lower (">") or upper ("<") bound. */
export interface Ratio {
  value: number;
  bound?: ">" | "<";
}

/** `a ÷ b` of two summaries, with the bound direction a timed-out side implies. */
export function ratio(a: Summary | undefined, b: Summary | undefined): Ratio | undefined {
  if (!a || !b) return undefined;
  if (a.lowerBound && b.lowerBound) return undefined;
  const value = a.ms / b.ms;
  if (a.lowerBound) return { value, bound: ">" };
  if (b.lowerBound) return { value, bound: "<" };
  return { value };
}

/** The goals the report judges, with how each is computed. */
export interface GoalCheck {
  goal: string;
  /** Per size label: the measured figure and whether it meets the goal (undefined: not measured). */
  cells: { size: number; text: string; met: boolean | undefined }[];
  verdict: "met" | "missed" | "not measured" | "partly measured";
}

function verdictOf(cells: GoalCheck["cells"], complete: boolean): GoalCheck["verdict"] {
  const judged = cells.filter((c) => c.met !== undefined);
  if (judged.length === 0) return "not measured";
  if (judged.some((c) => c.met === false)) return "missed";
  return complete && judged.length === cells.length ? "met" : "partly measured";
}

const fmtRatio = (r: Ratio) => `${r.bound ?? ""}${r.value.toFixed(2)}×`;

/** How the memory goals name the methods they judge. */
const GOAL_NAMES: Partial<Record<MethodId, string>> = {
  backup: "backup",
  "backup-steady": "steady backup",
  restore: "restore",
  "backup-threads": "backup",
  "restore-threads": "restore",
};

/** Checks each goal at each measured size. `allSizes` are the sizes the goals are stated for. */
export function checkGoals(result: BenchResult, allSizes: readonly number[]): GoalCheck[] {
  const at = (size: SizeResult, m: MethodId) => summarise(size.measurements[m]);
  const ratioGoal = (
    goal: string,
    a: MethodId,
    b: MethodId,
    ok: (r: Ratio) => boolean | undefined,
    show: (r: Ratio) => string = fmtRatio,
  ): GoalCheck => {
    const cells = result.sizes.map((s) => {
      const r = ratio(at(s, a), at(s, b));
      return r ? { size: s.size, text: show(r), met: ok(r) } : { size: s.size, text: "—", met: undefined };
    });
    const complete = allSizes.every((n) => result.sizes.some((s) => s.size === n));
    return { goal, cells, verdict: verdictOf(cells, complete) };
  };
  // "at most x": a lower bound above x is a miss, an upper bound at or below x is a hit
  const atMost = (x: number) => (r: Ratio) =>
    r.bound === ">"
      ? r.value > x
        ? false
        : undefined
      : r.bound === "<"
        ? r.value <= x || undefined
        : r.value <= x;
  // "peer ÷ library at least x": a lower bound at or above x is a hit
  const atLeast = (x: number) => (r: Ratio) =>
    r.bound === "<"
      ? r.value < x
        ? false
        : undefined
      : r.bound === ">"
        ? r.value >= x || undefined
        : r.value >= x;
  const speedup = (r: Ratio) =>
    `${r.bound === ">" ? "≥ " : r.bound === "<" ? "≤ " : ""}${r.value < 10 ? r.value.toFixed(2) : r.value.toFixed(0)}× faster`;
  const goals = [
    ratioGoal("first backup ≤ 1.0× raw drain (one thread)", "backup", "drain", atMost(1.0)),
    ratioGoal(
      `first backup ≤ 1.0× raw drain (${BENCH_THREADS} read worker threads)`,
      "backup-threads",
      "drain",
      atMost(1.0),
    ),
    ratioGoal(
      "steady-state backup (beside an older one) ≤ 1.1× the first",
      "backup-steady",
      "backup",
      atMost(1.1),
    ),
    ratioGoal("backup ≤ 1.0× apoc.export.json.all", "backup", "apoc-export", atMost(1.0)),
    ratioGoal("restore ≤ 1.3× plain UNWIND CREATE (one thread)", "restore", "plain", atMost(1.3)),
    ratioGoal(
      `restore ≤ 1.3× plain UNWIND CREATE (verifying on ${BENCH_THREADS} threads)`,
      "restore-threads",
      "plain",
      atMost(1.3),
    ),
    ratioGoal("restore ≥ 3× faster than apoc.import.json", "apoc-import", "restore", atLeast(3), speedup),
    ratioGoal(
      "restore ≥ 3× faster than the Python package",
      "python-restore",
      "restore",
      atLeast(3),
      speedup,
    ),
  ];
  const limit = 250;
  const complete = allSizes.every((n) => result.sizes.some((s) => s.size === n));
  const s100k = result.sizes.find((s) => s.size === 100_000);
  const s1m = result.sizes.find((s) => s.size === 1_000_000);
  // the memory goals hold for every backup and restore of a group: on one thread the nightly
  // backup beside an older one (which reads the new file back) counts as a backup too
  for (const [methods, how] of [
    [["backup", "backup-steady", "restore"], "one thread"],
    [["backup-threads", "restore-threads"], `${BENCH_THREADS} read worker threads`],
  ] as const) {
    const names = methods.map((m) => GOAL_NAMES[m] ?? m).join(" / ");
    const rssCells = result.sizes.map((s) => {
      const peaks = methods.map((m) => at(s, m)?.peakRssMb);
      if (!peaks.every((x): x is number => x !== undefined && Number.isFinite(x)))
        return { size: s.size, text: "—", met: undefined };
      const text = `${peaks.map((p) => p.toFixed(0)).join(" / ")} MB`;
      return { size: s.size, text, met: Math.max(...peaks) < limit };
    });
    goals.push({
      goal: `client peak RSS < ${limit} MB (${names}, ${how})`,
      cells: rssCells,
      verdict: verdictOf(rssCells, complete),
    });
    // flat: the 1M peak at most 1.1× the 100k peak, for each method of the group
    const flatCells = result.sizes.map((s) => ({
      size: s.size,
      text: "",
      met: undefined as boolean | undefined,
    }));
    let flatVerdict: GoalCheck["verdict"] = "not measured";
    if (s100k && s1m) {
      const growth = methods.map(
        (m) => (at(s1m, m)?.peakRssMb ?? Number.NaN) / (at(s100k, m)?.peakRssMb ?? Number.NaN),
      );
      const cell = flatCells.find((c) => c.size === 1_000_000)!;
      if (growth.every(Number.isFinite)) {
        cell.text = `${growth.map((g) => `${g.toFixed(2)}×`).join(" / ")} of 100k`;
        cell.met = growth.every((g) => g <= 1.1);
        flatVerdict = cell.met ? "met" : "missed";
      }
    }
    goals.push({
      goal: `client peak RSS flat from 100k to 1M (1M ≤ 1.1× 100k, ${names}, ${how})`,
      cells: flatCells.map((c) => ({ ...c, text: c.text || "—" })),
      verdict: flatVerdict,
    });
  }
  return goals;
}
