/**
 * The Markdown report of `npm run bench:snapshots`: the block between `<!-- snapshots:start -->` and
 * `<!-- snapshots:end -->` in docs/performance.md (the rest of that file is left as it is).
 */
import { sizeLabel } from "./common.js";
import { expectedTouched } from "./snapshot-chunking.js";
import {
  checkSnapshotGoals,
  figures,
  fullBytesOn,
  type ModelResult,
  type SnapshotBenchResult,
  type SnapshotGoal,
} from "./snapshot-results.js";

/** Marks the start of the generated block. */
export const SNAPSHOTS_START = "<!-- snapshots:start -->";
/** Marks the end of the generated block. */
export const SNAPSHOTS_END = "<!-- snapshots:end -->";
/** The chart's file name, beside the report. */
export const SNAPSHOT_CHART = "snapshots-storage.svg";

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(bytes < 10e6 ? 2 : 1)} MB`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const times = (x: number) => `${x.toFixed(2)}×`;
const seconds = (ms: number | undefined) => (ms === undefined ? "—" : `${(ms / 1000).toFixed(2)} s`);
const n = (x: number) => Math.round(x).toLocaleString("en-US");

function goalsTable(goals: SnapshotGoal[]): string[] {
  const columns = goals[0]?.cells.map((c) => `${sizeLabel(c.size)} ${c.model}`) ?? [];
  const mark = (met: boolean | undefined) => (met === undefined ? "" : met ? " ✅ met" : " ❌ missed");
  return [
    `| goal | ${columns.join(" | ")} |`,
    `|---|${columns.map(() => "---").join("|")}|`,
    ...goals.map((g) => `| ${g.goal} | ${g.cells.map((c) => `${c.text}${mark(c.met)}`).join(" | ")} |`),
  ];
}

/** Storage: ours against restic and full backups, per size and model. */
function storageTable(result: SnapshotBenchResult): string[] {
  const lines = [
    "| size | model | full zstd backup | added per day: snapshot | added per day: restic | after the last day: snapshots | restic repository | one full backup a day |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const s of result.sizes)
    for (const m of s.models) {
      const f = figures(m);
      const share = (bytes: number) => `${mb(bytes)} (${pct(bytes / f.total.full)})`;
      lines.push(
        `| ${sizeLabel(s.size)} | ${m.model} | ${mb(f.total.full)} | ${share(f.addedPerDay.ours)} | ${share(f.addedPerDay.restic)} | ${mb(f.total.ours)} (${times(f.total.ours / f.total.full)}) | ${mb(f.total.restic)} (${times(f.total.restic / f.total.full)}) | ${mb(f.total.full * f.total.days)} (${f.total.days}×) |`,
      );
    }
  return lines;
}

/** Time and memory: snapshot against the full zstd backup, plain backup + restic, and the restores. */
function timeTable(result: SnapshotBenchResult): string[] {
  const lines = [
    "| size | model | snapshot | full zstd backup | ÷ full | plain backup + restic backup | ÷ plain + restic | restore: snapshot | zstd file | plain file | ÷ zstd file | peak RSS: snapshot / full zstd backup | restore: snapshot / zstd file |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const s of result.sizes)
    for (const m of s.models) {
      const f = figures(m);
      const r = f.restoreMs;
      const restoreRatio =
        r.snapshot !== undefined && r.full !== undefined ? times(r.snapshot / r.full) : "—";
      const restoreRss =
        f.rssMb.restoreSnapshot !== undefined && f.rssMb.restoreFull !== undefined
          ? `${f.rssMb.restoreSnapshot.toFixed(0)} / ${f.rssMb.restoreFull.toFixed(0)} MB`
          : "—";
      lines.push(
        `| ${sizeLabel(s.size)} | ${m.model} | ${seconds(f.ms.snapshot)} | ${seconds(f.ms.full)} | ${times(f.ms.snapshot / f.ms.full)} | ${seconds(f.ms.plain)} + ${seconds(f.ms.restic)} = ${seconds(f.ms.plainPlusRestic)} | ${times(f.ms.snapshot / f.ms.plainPlusRestic)} | ${seconds(r.snapshot)} | ${seconds(r.full)} | ${seconds(r.plain)} | ${restoreRatio} | ${f.rssMb.snapshot.toFixed(0)} / ${f.rssMb.full.toFixed(0)} MB | ${restoreRss} |`,
      );
    }
  return lines;
}

/** What `--full-every` changed, when it was used. */
function fullEveryLines(result: SnapshotBenchResult): string[] {
  const every = result.fullEvery ?? 1;
  if (every === 1) return [];
  return [
    "",
    `The full zstd and plain backups were taken on day 1, then every ${every} days, and on the last day`,
    "(`--full-every`); on the other days only the snapshot read the database, restic got the plain",
    "document read back from that snapshot (the same bytes a plain backup writes), and a day's “added”",
    "share divides by the latest full zstd backup before it.",
  ];
}

/** The share of records day 2's change created, changed or deleted (nodes and relationships). */
function changedRecordShare(m: ModelResult, records: number): number {
  const c = m.days[1]?.change;
  if (!c) return Number.NaN;
  const changed = c.updated + c.deleted + c.created + c.relationshipsDeleted + c.relationshipsCreated;
  return changed / records;
}

/** The chunker alone at other chunk sizes, over the plain files of day 1 and day 2. */
function chunkingTable(result: SnapshotBenchResult): string[] {
  const lines = [
    "| size | model | target (min) | chunks | lines per chunk | new chunks | 1 − (1 − p)^n | added (zstd) | ÷ full zstd backup | all chunks stored (zstd) | ÷ full zstd backup |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const s of result.sizes)
    for (const m of s.models) {
      const full = m.days[1] ? fullBytesOn(m, 2) : undefined;
      const p = changedRecordShare(m, s.nodes + s.relationships);
      for (const c of m.chunking ?? []) {
        if (!full) continue;
        lines.push(
          `| ${sizeLabel(s.size)} | ${m.model} | ${kib(c.settings.targetBytes)} (${kib(c.settings.minBytes)}) | ${n(c.chunks)} | ${c.linesPerChunk.toFixed(0)} | ${n(c.newChunks)} (${pct(c.newChunks / c.chunks)}) | ${pct(expectedTouched(p, c.linesPerChunk))} (p = ${pct(p)}) | ${mb(c.addedBytes)} | ${pct(c.addedBytes / full)} | ${mb(c.storedBytes)} | ${times(c.storedBytes / full)} |`,
        );
      }
    }
  return lines;
}

/** Every day of one model, for the details section. */
function dayTable(m: ModelResult): string[] {
  const lines = [
    "| day | changed (updated / deleted / created nodes) | relationships −/+ | snapshot adds | chunks added | restic adds | snapshots in all | restic in all | full zstd | snapshot | full | plain + restic |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const d of m.days) {
    const c = d.change;
    lines.push(
      `| ${d.day} | ${c ? `${n(c.updated)} / ${n(c.deleted)} / ${n(c.created)}` : "— (loaded graph)"} | ${c ? `−${n(c.relationshipsDeleted)} / +${n(c.relationshipsCreated)}` : "—"} | ${kib(d.snapshot.snapshot.addedBytes)} | ${n(d.snapshot.snapshot.addedChunks)} of ${n(d.snapshot.snapshot.chunks)} | ${kib(d.restic.addedBytes)} | ${mb(d.snapshotStoreBytes)} | ${mb(d.restic.repositoryBytes)} | ${d.full ? mb(d.full.bytes!) : "—"} | ${seconds(d.snapshot.ms)} | ${d.full ? seconds(d.full.ms) : "—"} | ${d.plain ? seconds(d.plain.ms + d.restic.ms) : "—"} |`,
    );
  }
  return lines;
}

function details(result: SnapshotBenchResult): string[] {
  return result.sizes.flatMap((s) =>
    s.models.flatMap((m) => [
      "<details>",
      `<summary>${sizeLabel(s.size)}, ${m.model}: every day</summary>`,
      "",
      ...dayTable(m),
      "",
      "</details>",
      "",
    ]),
  );
}

function machineLines(result: SnapshotBenchResult): string[] {
  const m = result.machine;
  const source = m.srcTree ? `; src/ tree ${m.srcTree}, last changed in commit ${m.srcLastChange}` : "";
  return [
    `- ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB.toFixed(1)} GiB memory, ${m.os}; client, server and restic on the same machine.`,
    `- Node.js ${m.node}, neo4j-driver ${m.nodeDriver}, this library ${m.library}${m.commit ? ` (commit ${m.commit}${source})` : ""}.`,
    `- Neo4j ${m.neo4j} on Java ${m.java}, heap ${m.heap}, page cache ${m.pageCache}; ${m.restic.split("\n")[0]}.`,
    `- Load average (1, 5, 15 min) at the start: ${m.loadAverageStart.map((x) => x.toFixed(2)).join(", ")}; at the end: ${m.loadAverageEnd.map((x) => x.toFixed(2)).join(", ")}.`,
    ...(result.note ? [`- ${result.note}`] : []),
  ];
}

function changeLines(result: SnapshotBenchResult): string[] {
  const models = [...new Map(result.sizes.flatMap((s) => s.models.map((m) => [m.model, m]))).values()];
  return [
    `Each day after the first, ${pct(result.change)} of the nodes change: 70 % of them get a property`,
    "update (`SET n.revision = coalesce(n.revision, 0) + 1`), 15 % are deleted with their relationships",
    "(`DETACH DELETE`), and as many new `Session` nodes are created as 15 % stand for, each with 3 `USES`",
    "relationships to existing `Function` nodes chosen at random. Which nodes are updated and deleted:",
    "",
    ...models.map((m) => `- **${m.model}**: ${m.description}.`),
  ];
}

/** The generated Markdown block (markers included). */
export function renderSnapshotReport(result: SnapshotBenchResult): string {
  const sizes = result.sizes.map(
    (s) => `${sizeLabel(s.size)} (${n(s.nodes)} nodes, ${n(s.relationships)} relationships)`,
  );
  const runs = result.runs;
  const lines = [
    SNAPSHOTS_START,
    "<!-- Generated by `npm run bench:snapshots` (bench/snapshots.ts). Edit the script, not this block. -->",
    "",
    `### Results of ${result.started.slice(0, 10)}`,
    "",
    `\`${result.command}\` — ${sizes.join(", ")}; ${result.days} daily snapshots per change model; restores ${runs} run${runs === 1 ? "" : "s"} each; the whole run took ${(result.wallMs / 60_000).toFixed(0)} min.`,
    "",
    ...machineLines(result),
    "",
    ...changeLines(result),
    "",
    `![What the storage holds after each day: snapshots, restic, a full backup a day](${SNAPSHOT_CHART})`,
    "",
    "#### Goals",
    "",
    ...goalsTable(checkSnapshotGoals(result)),
    "",
    "The “added” share divides what a snapshot stored on a changed day by that day's full zstd backup;",
    "the storage ratio divides the snapshot folder after the last day (manifests and chunks) by the last",
    "day's full zstd backup. Times are medians over the days that ran all three backups (day 1 included:",
    "the first snapshot stores every chunk); restores are of the last day's backups into the emptied",
    "database, verified.",
    ...fullEveryLines(result),
    "",
    "#### Storage: snapshots, restic, full backups",
    "",
    ...storageTable(result),
    "",
    "“Added per day” is the median over the changed days. restic gets the day's plain backup file, always",
    "under the same path, in a repository of its own (`restic init`, restic's defaults: content-defined",
    "chunks of 512 KiB to 8 MiB, about 1 MiB on average, compressed with zstd); what it adds is the growth",
    "of the repository folder.",
    "",
    "#### Time and memory",
    "",
    ...timeTable(result),
    "",
    "“Plain backup + restic backup” is createBackup to a plain file followed by `restic backup` of it (the",
    "restic process timed from start to end). Peak RSS is the client process of each operation (restic's",
    "own memory is not included).",
    "",
    "#### Other chunk sizes",
    "",
    ...chunkingTable(result),
    "",
    `The chunker alone (src/format/chunking.ts) over the plain files of day 1 and day 2 of the same run,`,
    "each chunk stored as snapshots store it (one zstd frame); the minimum is a quarter of the target and",
    "the maximum 1 MiB, as in the defaults. `1 − (1 − p)^n` is the share of chunks that changes of a",
    "fraction p of the records spread at random touch, with n the lines per chunk: the floor for uniform",
    "changes. p counts day 2's updated, deleted and created nodes and deleted and created relationships",
    `over all records: ${pct(result.change)} of the nodes is less of the records, since relationships are`,
    "three quarters of them; a deleted node's relationships are spread over the relationship section in",
    "both models.",
    "",
    ...details(result),
    SNAPSHOTS_END,
  ];
  return lines.join("\n");
}
