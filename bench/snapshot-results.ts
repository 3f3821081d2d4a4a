/**
 * What one run of `npm run bench:snapshots` measured (raw numbers, saved as JSON in bench/results/),
 * and the figures and goals the report is drawn from. Every ratio divides two numbers of the same
 * run, on the same graph.
 */

import type { SnapshotSizes } from "../src/format/snapshot-manifest.js";
import { median, type Run } from "./common.js";
import type { AppliedChange, ChangeModel } from "./snapshot-changes.js";
import type { ChunkSizeResult } from "./snapshot-chunking.js";

export type { SnapshotSizes };

/** restic's share of a day: one `restic backup` of the day's plain file into the model's repository. */
export interface ResticDay {
  /** Wall time of the `restic backup` process, start-up included. */
  ms: number;
  /** Growth of the repository folder in bytes. */
  addedBytes: number;
  /** Size of the repository folder afterwards. */
  repositoryBytes: number;
  /** restic's own summary line (`--json`). */
  summary: Record<string, unknown>;
}

/**
 * One day: the change (none on day 1), then a snapshot, and — on the days the database is read three
 * times (`--full-every`) — a full zstd backup and a plain backup fed to restic; on the other days
 * restic gets the plain document read back from the day's snapshot (the same bytes).
 */
export interface DayResult {
  day: number;
  change?: AppliedChange;
  /** The snapshot (a worker run, with `snapshot` sizes). */
  snapshot: Run & { snapshot: SnapshotSizes };
  /** Size of the snapshot folder afterwards (manifests, chunks, index). */
  snapshotStoreBytes: number;
  /** A full zstd backup into an empty folder (absent on days that took only the snapshot). */
  full?: Run;
  /** A full plain backup into an empty folder, the file restic is given (absent likewise). */
  plain?: Run;
  /** On days without `plain`: milliseconds to write the snapshot's plain document to a file for restic. */
  plainFromSnapshotMs?: number;
  restic: ResticDay;
  /** The order the backups ran in that day. */
  order: string[];
}

/** The days that took a full zstd backup (day 1 and the last day always do). */
export const fullDays = (m: ModelResult) =>
  m.days.filter((d): d is DayResult & { full: Run; plain: Run } => !!d.full && !!d.plain);

/** The size of the full zstd backup of `day`, or of the latest day before it that took one. */
export function fullBytesOn(m: ModelResult, day: number): number {
  const before = fullDays(m).filter((d) => d.day <= day);
  const d = before[before.length - 1];
  if (!d) throw new Error(`no full zstd backup on or before day ${day}`);
  return d.full.bytes!;
}

/** Restores of the last day's backups, each into the emptied database and verified by restoreBackup. */
export interface Restores {
  snapshot: Run[];
  full: Run[];
  plain: Run[];
}

/** One change model at one size. */
export interface ModelResult {
  model: ChangeModel;
  description: string;
  days: DayResult[];
  restores: Restores;
  /** The chunker alone over the plain files of day 1 and day 2, at other chunk sizes. */
  chunking?: ChunkSizeResult[];
}

/** Everything measured at one graph size. */
export interface SnapshotSizeResult {
  size: number;
  nodes: number;
  relationships: number;
  loadMs: number;
  models: ModelResult[];
}

/** The machine and software of a run. */
export interface SnapshotMachine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  nodeDriver: string;
  library: string;
  commit?: string;
  srcTree?: string;
  srcLastChange?: string;
  java: string;
  neo4j: string;
  heap: string;
  pageCache: string;
  restic: string;
  loadAverageStart: number[];
  loadAverageEnd: number[];
}

/** One complete run. */
export interface SnapshotBenchResult {
  kind: "snapshots";
  started: string;
  wallMs: number;
  command: string;
  /** Snapshots per model (day 1 is the loaded graph, each later day follows one change). */
  days: number;
  /** Full zstd and plain backups on day 1, every `fullEvery`-th day after it and the last day (1 when absent). */
  fullEvery?: number;
  /** Fraction of nodes changed a day. */
  change: number;
  /** Restore runs of each kind. */
  runs: number;
  /** Chunk targets of the chunking analysis, in KiB. */
  chunkTargetsKiB: number[];
  machine: SnapshotMachine;
  sizes: SnapshotSizeResult[];
  note?: string;
}

/** The figures of one model at one size that the report and the goals use. */
export interface ModelFigures {
  /** Stored bytes a snapshot added on each changed day, as a fraction of that day's full zstd backup. */
  addedShare: number[];
  /** restic's repository growth on each changed day, as a fraction of that day's full zstd backup. */
  resticShare: number[];
  /** Median bytes added per changed day: ours, restic's. */
  addedPerDay: { ours: number; restic: number };
  /** After the last day: the snapshot folder, the restic repository, the last full zstd backup. */
  total: { ours: number; restic: number; full: number; days: number };
  /** Median times in milliseconds over the days that ran all three backups. */
  ms: { snapshot: number; full: number; plain: number; restic: number; plainPlusRestic: number };
  /** Median restore times (undefined when not measured). */
  restoreMs: { snapshot?: number; full?: number; plain?: number };
  /** Median peak RSS in MB. */
  rssMb: { snapshot: number; full: number; restoreSnapshot?: number; restoreFull?: number };
}

const med = (xs: number[]) => (xs.length ? median(xs) : Number.NaN);
const medOrUndefined = (runs: Run[]) => (runs.length ? median(runs.map((r) => r.ms)) : undefined);

/** Computes the figures of a model. */
export function figures(m: ModelResult): ModelFigures {
  const changed = m.days.filter((d) => d.change);
  const last = m.days[m.days.length - 1]!;
  const full = fullDays(m);
  return {
    addedShare: changed.map((d) => d.snapshot.snapshot.addedBytes / fullBytesOn(m, d.day)),
    resticShare: changed.map((d) => d.restic.addedBytes / fullBytesOn(m, d.day)),
    addedPerDay: {
      ours: med(changed.map((d) => d.snapshot.snapshot.addedBytes)),
      restic: med(changed.map((d) => d.restic.addedBytes)),
    },
    total: {
      ours: last.snapshotStoreBytes,
      restic: last.restic.repositoryBytes,
      full: fullBytesOn(m, last.day),
      days: m.days.length,
    },
    // times of the days that ran all three backups, so each median compares the same days
    ms: {
      snapshot: med(full.map((d) => d.snapshot.ms)),
      full: med(full.map((d) => d.full.ms)),
      plain: med(full.map((d) => d.plain.ms)),
      restic: med(full.map((d) => d.restic.ms)),
      plainPlusRestic: med(full.map((d) => d.plain.ms + d.restic.ms)),
    },
    restoreMs: {
      snapshot: medOrUndefined(m.restores.snapshot),
      full: medOrUndefined(m.restores.full),
      plain: medOrUndefined(m.restores.plain),
    },
    rssMb: {
      snapshot: med(full.map((d) => d.snapshot.peakRssMb)),
      full: med(full.map((d) => d.full.peakRssMb)),
      restoreSnapshot: m.restores.snapshot.length
        ? median(m.restores.snapshot.map((r) => r.peakRssMb))
        : undefined,
      restoreFull: m.restores.full.length ? median(m.restores.full.map((r) => r.peakRssMb)) : undefined,
    },
  };
}

/** One goal judged at one size and model. */
export interface GoalCell {
  size: number;
  model: ChangeModel;
  text: string;
  met: boolean | undefined;
}

/** A goal with its cells. */
export interface SnapshotGoal {
  goal: string;
  cells: GoalCell[];
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const times = (x: number) => `${x.toFixed(2)}×`;

/** The goals of the snapshot issue, judged per size and model. */
export function checkSnapshotGoals(result: SnapshotBenchResult): SnapshotGoal[] {
  const each = (
    judge: (f: ModelFigures, m: ModelResult, s: SnapshotSizeResult) => Omit<GoalCell, "size" | "model">,
  ) =>
    result.sizes.flatMap((s) =>
      s.models.map((m) => ({ size: s.size, model: m.model, ...judge(figures(m), m, s) })),
    );
  const goals: SnapshotGoal[] = [
    {
      goal: "a day at 1 % change adds ≤ 5 % of a full zstd backup (worst day; median)",
      cells: each((f) => {
        if (!f.addedShare.length) return { text: "—", met: undefined };
        const worst = Math.max(...f.addedShare);
        return { text: `${pct(worst)}; ${pct(median(f.addedShare))}`, met: worst <= 0.05 };
      }),
    },
    {
      goal: "30 daily snapshots ≤ 1.6× one full zstd backup",
      cells: each((f) => {
        const r = f.total.ours / f.total.full;
        if (f.total.days !== 30) return { text: `${times(r)} after ${f.total.days} days`, met: undefined };
        return { text: times(r), met: r <= 1.6 };
      }),
    },
    {
      goal: "snapshot time ≤ 1.1× a full zstd backup",
      cells: each((f) => {
        const r = f.ms.snapshot / f.ms.full;
        return { text: times(r), met: r <= 1.1 };
      }),
    },
    {
      goal: "restoring the snapshot ≤ 1.05× restoring the zstd file",
      cells: each((f) => {
        if (f.restoreMs.snapshot === undefined || f.restoreMs.full === undefined)
          return { text: "—", met: undefined };
        const r = f.restoreMs.snapshot / f.restoreMs.full;
        return { text: times(r), met: r <= 1.05 };
      }),
    },
    {
      goal: "snapshot peak RSS ≤ 1.1× a full zstd backup's",
      cells: each((f) => {
        const r = f.rssMb.snapshot / f.rssMb.full;
        return {
          text: `${times(r)} (${f.rssMb.snapshot.toFixed(0)} / ${f.rssMb.full.toFixed(0)} MB)`,
          met: r <= 1.1,
        };
      }),
    },
  ];
  const small = result.sizes.find((s) => s.size === 100_000);
  const large = result.sizes.find((s) => s.size === 1_000_000);
  goals.push({
    goal: "snapshot peak RSS flat from 100k to 1M (1M ≤ 1.1× 100k)",
    cells: each((f, m, s) => {
      if (s.size !== 1_000_000 || !small) return { text: "—", met: undefined };
      const base = small.models.find((x) => x.model === m.model);
      if (!base || !large) return { text: "—", met: undefined };
      const r = f.rssMb.snapshot / figures(base).rssMb.snapshot;
      return { text: times(r), met: r <= 1.1 };
    }),
  });
  return goals;
}
