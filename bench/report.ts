/**
 * The Markdown report of a harness run: the block between `<!-- bench:start -->` and
 * `<!-- bench:end -->` in docs/performance.md (the rest of that file is left as it is).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { median, sizeLabel } from "./common.js";
import {
  BENCH_THREADS,
  type BenchResult,
  checkGoals,
  METHOD_INFO,
  METHODS,
  type MethodId,
  type Ratio,
  ratio,
  type SizeResult,
  type Summary,
  summarise,
} from "./results.js";

/** Marks the start of the generated block. */
export const START_MARK = "<!-- bench:start -->";
/** Marks the end of the generated block. */
export const END_MARK = "<!-- bench:end -->";

const n = (x: number) => Math.round(x).toLocaleString("en-US");

function seconds(ms: number): string {
  const s = ms / 1000;
  return s < 10 ? s.toFixed(2) : s < 100 ? s.toFixed(1) : s.toFixed(0);
}

function timeCell(s: Summary | undefined, m: { error?: string } | undefined): string {
  if (m?.error && (!s || s.count === 0)) return "failed";
  if (!s) return "—";
  if (s.lowerBound) return `> ${seconds(s.ms)} s (stopped at the limit)`;
  const spread = s.count > 1 ? ` (${seconds(s.minMs)}–${seconds(s.maxMs)})` : "";
  return `${seconds(s.ms)} s${spread}${s.count < 2 ? `, ${s.count} run` : ""}`;
}

function ratioCell(r: Ratio | undefined): string {
  if (!r) return "—";
  return `${r.bound ?? ""}${r.value.toFixed(2)}×`;
}

function speedupCell(r: Ratio | undefined): string {
  if (!r) return "—";
  const prefix = r.bound === ">" ? "≥ " : r.bound === "<" ? "≤ " : "";
  return `${prefix}${r.value < 10 ? r.value.toFixed(2) : r.value.toFixed(0)}×`;
}

function throughput(s: Summary | undefined, size: SizeResult): string {
  if (!s) return "—";
  const perSecond = (size.nodes + size.relationships) / (s.ms / 1000);
  return `${s.lowerBound ? "< " : ""}${n(perSecond)}`;
}

const rss = (s: Summary | undefined) =>
  s && Number.isFinite(s.peakRssMb) ? `${s.peakRssMb.toFixed(0)} MB` : "—";
const mb = (bytes: number | undefined) => (bytes === undefined ? "—" : `${(bytes / 1e6).toFixed(1)} MB`);

/** The methods of one side, in report order. */
const methodsOf = (side: "backup" | "restore"): MethodId[] =>
  METHODS.filter((m) => METHOD_INFO[m].side === side);

function backupTable(result: BenchResult): string[] {
  const lines = [
    "| size | method | time, median (min–max) | nodes+rels/s | MB/s | client peak RSS | output | ÷ raw drain | ÷ APOC export |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const size of result.sizes) {
    const drain = summarise(size.measurements.drain);
    const apoc = summarise(size.measurements["apoc-export"]);
    for (const m of methodsOf("backup")) {
      const meas = size.measurements[m];
      const s = summarise(meas);
      if (!meas) continue;
      const mbps = s?.bytes && !s.lowerBound ? (s.bytes / 1e6 / (s.ms / 1000)).toFixed(1) : "—";
      const label = m === "backup" ? `**${METHOD_INFO[m].label}**` : METHOD_INFO[m].label;
      lines.push(
        `| ${sizeLabel(size.size)} | ${label} | ${timeCell(s, meas)} | ${throughput(s, size)} | ${mbps} | ${rss(s)} | ${
          m === "drain" ? "—" : mb(s?.bytes)
        } | ${m === "drain" ? "1" : ratioCell(ratio(s, drain))} | ${m === "apoc-export" ? "1" : ratioCell(ratio(s, apoc))} |`,
      );
    }
  }
  return lines;
}

function exactCell(m: { exact?: { equal: boolean; detail?: string }; countMismatches?: number } | undefined) {
  if (!m?.exact) return m?.countMismatches ? `no: counts differ in ${m.countMismatches} run(s)` : "—";
  if (m.exact.equal) return m.countMismatches ? `counts differ in ${m.countMismatches} run(s)` : "yes";
  const detail = (m.exact.detail ?? "").replaceAll("|", "\\|");
  return `no: ${detail.length > 90 ? `${detail.slice(0, 87)}…` : detail}`;
}

function restoreTable(result: BenchResult): string[] {
  const lines = [
    "| size | method | time, median (min–max) | nodes+rels/s | client peak RSS | same graph as the backup | ÷ plain | restoreBackup faster by |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const size of result.sizes) {
    const plain = summarise(size.measurements.plain);
    const lib = summarise(size.measurements.restore);
    for (const m of methodsOf("restore")) {
      const meas = size.measurements[m];
      if (!meas) continue;
      const s = summarise(meas);
      const label = m === "restore" ? `**${METHOD_INFO[m].label}**` : METHOD_INFO[m].label;
      lines.push(
        `| ${sizeLabel(size.size)} | ${label} | ${timeCell(s, meas)} | ${throughput(s, size)} | ${rss(s)} | ${exactCell(
          meas,
        )} | ${m === "plain" ? "1" : ratioCell(ratio(s, plain))} | ${m === "restore" || m === "restore-threads" || m === "plain" ? "—" : speedupCell(ratio(s, lib))} |`,
      );
    }
  }
  return lines;
}

function goalsTable(result: BenchResult, allSizes: readonly number[]): string[] {
  const goals = checkGoals(result, allSizes);
  const sizes = result.sizes.map((s) => s.size);
  const mark = (met: boolean | undefined) => (met === undefined ? "" : met ? " ✅" : " ❌");
  const lines = [
    `| goal | ${sizes.map(sizeLabel).join(" | ")} | verdict |`,
    `|---|${sizes.map(() => "---").join("|")}|---|`,
  ];
  for (const g of goals) {
    const cells = sizes.map((size) => {
      const c = g.cells.find((x) => x.size === size);
      return c ? `${c.text}${mark(c.met)}` : "—";
    });
    const verdict = g.verdict === "met" ? "**met**" : g.verdict === "missed" ? "**missed**" : g.verdict;
    lines.push(`| ${g.goal} | ${cells.join(" | ")} | ${verdict} |`);
  }
  return lines;
}

function failures(result: BenchResult): string[] {
  const out: string[] = [];
  for (const size of result.sizes)
    for (const [m, meas] of Object.entries(size.measurements)) {
      if (meas?.error)
        out.push(
          `- ${sizeLabel(size.size)} ${METHOD_INFO[m as MethodId].label} failed: ${meas.error.split("\n")[0]}`,
        );
      if (meas?.timeout)
        out.push(
          `- ${sizeLabel(size.size)} ${METHOD_INFO[m as MethodId].label}: stopped at its limit of ${seconds(
            meas.timeout.limitMs,
          )} s and not repeated; its time is a lower bound.`,
        );
    }
  return out;
}

function apocCallNote(result: BenchResult): string[] {
  const parts = result.sizes.flatMap((size) => {
    const runs = size.measurements["apoc-import"]?.runs ?? [];
    const calls = runs.map((r) => r.importMs).filter((x): x is number => typeof x === "number");
    return calls.length ? [`${seconds(median(calls))} s at ${sizeLabel(size.size)}`] : [];
  });
  return parts.length ? [`  The procedure call alone took (median) ${parts.join(", ")}.`] : [];
}

/** restoreBackup against apoc.import.json, both restoring APOC's own file. */
function apocFileNote(result: BenchResult): string[] {
  const parts = result.sizes.flatMap((size) => {
    const ours = summarise(size.measurements["apoc-restore"]);
    const apoc = summarise(size.measurements["apoc-import"]);
    const r = ratio(apoc, ours);
    return r ? [`${speedupCell(r)} faster at ${sizeLabel(size.size)}`] : [];
  });
  return parts.length ? [`  Against apoc.import.json of the same file: ${parts.join(", ")}.`] : [];
}

const loadText = (values: readonly number[]) => values.map((x) => x.toFixed(2)).join(", ");

/** Which command measured which sizes (one line, or one per combined run). */
function runLines(result: BenchResult, measured: string[], missing: string[], minutes: string): string[] {
  const perRun = `${result.runs} run${result.runs === 1 ? "" : "s"} per measurement`;
  const notMeasured = missing.length ? ` (not measured: ${missing.join(", ")})` : "";
  if (!result.parts) {
    return [
      `\`${result.command}\` — sizes ${measured.join(", ")}${notMeasured}; ${perRun}; the whole run took ${minutes} min.`,
    ];
  }
  return [
    `Sizes ${measured.join(", ")}${notMeasured}; ${perRun}. Each size comes from one run, so every comparison below is within one run:`,
    "",
    ...result.parts.map(
      (p) =>
        `- ${p.sizes.map(sizeLabel).join(", ")}: \`${p.command}\`, started ${p.started.slice(0, 16).replace("T", " ")} UTC, ${(p.wallMs / 60_000).toFixed(0)} min${p.commit ? `, commit ${p.commit}` : ""}.`,
    ),
  ];
}

/** Which library code was measured: the commit, or for combined runs the src/ tree they share. */
function libraryCode(result: BenchResult): string {
  const m = result.machine;
  const since = m.srcLastChange ? `, last changed in commit ${m.srcLastChange}` : "";
  if (!result.parts)
    return m.commit ? ` (commit ${m.commit}${m.srcTree ? `; src/ tree ${m.srcTree}${since}` : ""})` : "";
  const commits = [...new Set(result.parts.map((p) => p.commit).filter(Boolean))];
  if (commits.length <= 1) return commits[0] ? ` (commit ${commits[0]})` : "";
  return ` (commits ${commits.join(", ")}, every one with the same src/: tree ${m.srcTree}${since})`;
}

/** The load average lines of the machine section. */
function loadLines(result: BenchResult): string[] {
  const m = result.machine;
  const runs = result.parts ?? [
    { sizes: [], loadAverageStart: m.loadAverageStart, loadAverageEnd: m.loadAverageEnd },
  ];
  return runs.map(
    (p) =>
      `- Load average (1, 5, 15 min)${p.sizes.length ? ` of the ${p.sizes.map(sizeLabel).join(", ")} run` : ""} at the start: ${loadText(p.loadAverageStart)}; at the end: ${loadText(p.loadAverageEnd)}.`,
  );
}

/** The generated Markdown block (markers included). `allSizes` are the sizes the goals refer to. */
export function renderReport(result: BenchResult, allSizes: readonly number[], chartFile: string): string {
  const m = result.machine;
  const measured = result.sizes.map((s) => sizeLabel(s.size));
  const missing = allSizes.filter((x) => !result.sizes.some((s) => s.size === x)).map(sizeLabel);
  const minutes = (result.wallMs / 60_000).toFixed(0);
  const adaptive = result.peerLimit
    ? `the larger of ${result.peerLimit.floorSeconds} s and ${result.peerLimit.factor}× this library's median for the same operation and size`
    : "adaptive";
  const peerLimit =
    result.peerTimeoutSeconds === undefined
      ? adaptive
      : result.peerTimeoutSeconds === 0
        ? "none"
        : `${result.peerTimeoutSeconds} s`;
  const lines = [
    START_MARK,
    "<!-- Generated by `npm run bench` (bench/run.ts). Edit the harness, not this block. -->",
    "",
    `## Results of ${result.started.slice(0, 10)}`,
    "",
    ...runLines(result, measured, missing, minutes),
    "",
    `![Backup and restore time relative to their baselines, and client peak RSS](${chartFile})`,
    "",
    "Every measurement is a fresh process (Node.js for this library, the drain, the plain writer and the",
    "APOC calls; Python for the Python package), so its peak RSS is its own. The Node.js processes run",
    "the built package (`dist/`) in plain Node.js, as users run it. Times are medians with",
    "(min–max); every ratio divides two medians of the same run on the same data. APOC works inside the",
    "server: its client RSS is just the Node.js process that calls the procedure.",
    "",
    "### Machine",
    "",
    `- ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB.toFixed(1)} GiB memory, ${m.os}; client and server on the same machine.`,
    `- Node.js ${m.node}, neo4j-driver ${m.nodeDriver}, this library ${m.library}${libraryCode(result)}.`,
    `- Neo4j ${m.neo4j} on Java ${m.java}, heap ${m.heap}, page cache ${m.pageCache}; APOC core ${m.apoc}.`,
    m.python
      ? `- Python ${m.python}, neo4j-backup ${m.pythonPackage} from PyPI with the neo4j Python driver ${m.pythonDriver}.`
      : "- The Python package was not measured in this run.",
    ...loadLines(result),
    ...(result.note ? [`- ${result.note}`] : []),
    "",
    "### Goals",
    "",
    ...goalsTable(result, allSizes),
    "",
    "A goal is met when it holds at every size; “partly measured” means it held where measured but",
    "a size it is stated for was not run. A time that hit its limit gives a bound (>, ≥), and a goal",
    "is only judged from a bound when the bound settles it.",
    "",
    "### Backup",
    "",
    ...backupTable(result),
    "",
    "### Restore",
    "",
    ...restoreTable(result),
    "",
    "“Same graph as the backup” is this library's `verifyBackup` (counts per label and type, schema and",
    "a content fingerprint with exact types) run after the first run of each method; restoreBackup",
    "verifies itself on every run. “nodes+rels/s” is all nodes and relationships divided by the median.",
    "",
    "### What each method does",
    "",
    "- **raw driver drain**: `MATCH (n) RETURN n` then `MATCH ()-[r]->() RETURN r` with `for await` in one",
    "  read transaction, discarding the records: the least any client-side backup must do.",
    "- **createBackup**: this library's backup to a `FileSystemStorage` (encode, checksum, write in place,",
    "  publish with fsync), each run into an empty folder. That is a first backup: with an older backup",
    "  in the folder, retention first reads the new file back and checks it before it removes the",
    "  older one: that is the next row, a second backup into the same folder (the nightly case).",
    `- **createBackup on ${BENCH_THREADS} read worker threads**: the same first backup with \`parallel\``,
    "  (`threads: 2`, a driver module with the same URI and credentials): workers read and encode id",
    "  ranges, this thread writes them in order; the file is the one-thread file byte for byte.",
    "- **apoc.export.json.all**: APOC's JSON-lines export (default config) to a file in the server's",
    "  import folder, written by the server.",
    "- **neo4j-backup (Python) Extractor**: `Extractor(...).extract_data()` with the package's defaults",
    "  (gzip-compressed JSON chunks).",
    "- **plain UNWIND … CREATE**: the same records read and decoded from the library's backup file, written",
    "  as batched `UNWIND … CREATE` (5,000 per transaction), without validation, schema or verification.",
    '- **restoreBackup**: this library\'s restore into the emptied database (`mode: "empty"`): validation',
    "  pass, write, schema, verification.",
    `- **restoreBackup verifying on ${BENCH_THREADS} read worker threads**: the same restore with \`parallel\`:`,
    "  its verification (and nothing else) reads the database back on worker threads.",
    "- **apoc.import.json**: of APOC's own export file, with what it takes to get the same graph back: a",
    "  uniqueness constraint on the import id per label (APOC refuses to import without), property type",
    "  mappings for the temporal properties, then dropping the constraints and removing the import id",
    "  property.",
    ...apocCallNote(result),
    "- **restoreBackup of APOC's export**: this library's restore of the same APOC file (read as an APOC",
    "  export, with the same property type mappings as `apocPropertyTypes`) into the emptied database:",
    "  validation, ID remapping without a temporary label or property, verification against the file.",
    ...apocFileNote(result),
    "- **neo4j-backup (Python) Importer**: `Importer(...).import_data()` of the Extractor's folder.",
    "",
    `Time limit per peer measurement (APOC and Python): ${peerLimit}.`,
    ...(failures(result).length ? ["", "Incomplete measurements:", "", ...failures(result)] : []),
    "",
    END_MARK,
  ];
  return lines.join("\n");
}

/**
 * Replaces the block of `path` between `startMark` and `endMark` (default: the harness's) with `block`,
 * or appends it when the file has no such block.
 */
export function writeReport(path: string, block: string, startMark = START_MARK, endMark = END_MARK): void {
  const old = existsSync(path) ? readFileSync(path, "utf8") : "# Performance\n";
  const start = old.indexOf(startMark);
  const end = old.indexOf(endMark);
  const next =
    start >= 0 && end > start
      ? `${old.slice(0, start)}${block}${old.slice(end + endMark.length)}`
      : `${old.trimEnd()}\n\n${block}\n`;
  writeFileSync(path, next);
}
