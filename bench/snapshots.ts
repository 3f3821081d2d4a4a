/**
 * `npm run bench:snapshots`: what daily snapshots store and cost, against full zstd backups and
 * against restic, in one run on the same graph.
 *
 *   npm run bench:snapshots -- [--nodes 100k[,1M]] [--days 30] [--change 0.01] [--runs 1]
 *     [--models uniform,clustered] [--models-at 1M=clustered] [--full-every 1]
 *     [--chunk-targets 4,8,16,32,64] [--heap 2g] [--page-cache 2g]
 *     [--report docs/performance.md] [--note TEXT] [--from bench/results/snapshots-….json]
 *
 * For each size and each change model (bench/snapshot-changes.ts) it loads the sample graph
 * (scripts/sample-graph, seed 1, no special content) into a local Neo4j 5.26, then for each of
 * `--days` days — day 1 the loaded graph, every later day after changing `--change` of its nodes —
 * takes, each in a fresh process (bench/worker.ts, so its peak RSS is its own):
 *
 * - a snapshot (createBackup with `snapshot: true`, zstd) into one folder that keeps them all;
 * - a full zstd backup into an empty folder (what the snapshot is compared with);
 * - a full plain backup into an empty folder, then `restic backup` of that file into a restic
 *   repository of its own (one per model, restic's defaults, which compress with zstd).
 *
 * The three backups run in turn, starting with a different one each day. With `--full-every N` the
 * full zstd and plain backups are taken only on day 1, every N-th day after it and the last day; on
 * the other days restic gets the plain document read back from the day's snapshot (the same bytes a
 * plain backup of the database writes), so a long run at 1M nodes reads the database once a day.
 * `--models-at SIZE=MODEL[,MODEL]` narrows the models at one size. It records the bytes each
 * day added (the snapshot's `addedBytes`; the growth of the restic repository folder), the sizes
 * after the last day, the times, and the peak RSS. After the last day it restores (`--runs` times
 * each, into the emptied database, verified) the last snapshot, the last zstd file and the last
 * plain file. And it runs the chunker alone (bench/snapshot-chunking.ts) over the plain files of
 * day 1 and day 2 at other chunk sizes.
 *
 * The raw results go to bench/results/snapshots-<start>-<commit>.json; the report to the block
 * between `<!-- snapshots:start -->` and `<!-- snapshots:end -->` of docs/performance.md, and its
 * chart to docs/snapshots-storage.svg (beside the report).
 */
import { spawnSync } from "node:child_process";
import {
  createWriteStream,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import neo4j, { type Driver } from "neo4j-driver";
import { startNeo4j } from "../scripts/neo4j/server.mjs";
import { clearDatabase, loadSampleGraph } from "../scripts/sample-graph/index.js";
import { FileSystemStorage, LIBRARY_VERSION, openBackupBytes } from "../src/index.js";
import { gitCommit, gitSourceTree, parseSize, type Run, runWorkerOnce, sizeLabel } from "./common.js";
import { writeReport } from "./report.js";
import { applyChange, CHANGE_MODELS, type ChangeModel, MODEL_DESCRIPTIONS } from "./snapshot-changes.js";
import { renderSnapshotChart } from "./snapshot-chart.js";
import { measureChunkSizes } from "./snapshot-chunking.js";
import { renderSnapshotReport, SNAPSHOT_CHART, SNAPSHOTS_END, SNAPSHOTS_START } from "./snapshot-report.js";
import type {
  DayResult,
  ModelResult,
  ResticDay,
  Restores,
  SnapshotBenchResult,
  SnapshotSizeResult,
  SnapshotSizes,
} from "./snapshot-results.js";

const ROOT = resolve(import.meta.dirname, "..");
const SCRATCH = join(ROOT, ".bench");
const RESULTS = join(ROOT, "bench", "results");
/** Backups of a snapshot folder are all kept (retention would otherwise keep one). */
const KEEP_ALL = 1_000_000;
const SEED = 1;

const USAGE = `npm run bench:snapshots -- [--nodes 100k[,1M]] [--days 30] [--change 0.01] [--runs 1]
  [--models uniform,clustered] [--models-at 1M=clustered] [--full-every 1]
  [--chunk-targets 4,8,16,32,64] [--heap 2g] [--page-cache 2g]
  [--report docs/performance.md] [--note TEXT]
  [--from bench/results/snapshots-….json (only render the report of a saved run)]`;

interface Options {
  sizes: number[];
  days: number;
  change: number;
  runs: number;
  models: ChangeModel[];
  /** Models per size where they differ from `models`. */
  modelsAt: Map<number, ChangeModel[]>;
  /** Full zstd and plain backups on day 1, every `fullEvery`-th day after it and the last day. */
  fullEvery: number;
  chunkTargetsKiB: number[];
  heap: string;
  pageCache: string;
  report: string;
  note?: string;
  from?: string;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      nodes: { type: "string", multiple: true, default: ["100k"] },
      days: { type: "string", default: "30" },
      change: { type: "string", default: "0.01" },
      runs: { type: "string", default: "1" },
      models: { type: "string", default: CHANGE_MODELS.join(",") },
      "models-at": { type: "string", multiple: true, default: [] },
      "full-every": { type: "string", default: "1" },
      "chunk-targets": { type: "string", default: "4,8,16,32,64" },
      heap: { type: "string", default: "2g" },
      "page-cache": { type: "string", default: "2g" },
      report: { type: "string", default: "docs/performance.md" },
      note: { type: "string" },
      from: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const whole = (name: string, text: string, min: number) => {
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < min)
      throw new RangeError(`--${name} must be a whole number ≥ ${min}`);
    return n;
  };
  const change = Number(values.change);
  if (!(change > 0 && change < 1)) throw new RangeError("--change must be a fraction between 0 and 1");
  const modelList = (flag: string, text: string) =>
    text.split(",").map((m) => {
      if (!(CHANGE_MODELS as readonly string[]).includes(m))
        throw new RangeError(`--${flag}: ${m} is not one of ${CHANGE_MODELS.join(", ")}`);
      return m as ChangeModel;
    });
  const models = modelList("models", values.models);
  const modelsAt = new Map(
    values["models-at"].map((v) => {
      const [size, list] = v.split("=");
      if (!size || !list) throw new RangeError(`--models-at ${v}: expected SIZE=MODEL[,MODEL]`);
      return [parseSize(size), modelList("models-at", list)] as const;
    }),
  );
  return {
    sizes: values.nodes.flatMap((v) => v.split(",")).map(parseSize),
    days: whole("days", values.days, 1),
    change,
    runs: whole("runs", values.runs, 0),
    models,
    modelsAt,
    fullEvery: whole("full-every", values["full-every"], 1),
    chunkTargetsKiB: values["chunk-targets"].split(",").map((t) => whole("chunk-targets", t, 1)),
    heap: values.heap,
    pageCache: values["page-cache"],
    report: resolve(ROOT, values.report),
    note: values.note,
    from: values.from ? resolve(values.from) : undefined,
  };
}

const log = (text: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${text}`);

/** Bytes of every file under `path`. */
function folderBytes(path: string): number {
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true, recursive: true }))
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  return total;
}

/** A restic repository of its own, and the fixed path its input file is linked to. */
class ResticRepository {
  private readonly repo: string;
  private readonly passwordFile: string;
  private readonly cache: string;
  readonly input: string;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.repo = join(dir, "repository");
    this.passwordFile = join(dir, "password");
    this.cache = join(dir, "cache");
    this.input = join(dir, "input", "neo4j-backup.json");
    mkdirSync(join(dir, "input"), { recursive: true });
    writeFileSync(this.passwordFile, "benchmark only\n");
    this.run(["init"]);
  }

  private run(args: string[]): string {
    const r = spawnSync(
      "restic",
      ["--repo", this.repo, "--password-file", this.passwordFile, "--cache-dir", this.cache, ...args],
      { encoding: "utf8", maxBuffer: 64 << 20 },
    );
    if (r.status !== 0) throw new Error(`restic ${args[0]} failed: ${r.stderr || r.stdout}`);
    return r.stdout;
  }

  /** `restic backup --json` of `file` (linked to one fixed path, so every day is the same file to restic). */
  backup(file: string): ResticDay {
    rmSync(this.input, { force: true });
    linkSync(file, this.input);
    const before = folderBytes(this.repo);
    const started = performance.now();
    const out = this.run(["backup", "--json", "--quiet", this.input]);
    const ms = performance.now() - started;
    const summary = out
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((m) => m.message_type === "summary");
    const repositoryBytes = folderBytes(this.repo);
    return { ms, addedBytes: repositoryBytes - before, repositoryBytes, summary: summary ?? {} };
  }
}

function resticVersion(): string {
  const r = spawnSync("restic", ["version"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error("restic is not installed (apt-get install restic)");
  return r.stdout.trim();
}

/** The connection arguments of a worker. */
type Connection = [uri: string, user: string, password: string];

/** A backup in a fresh process; `options` are createBackup's. */
function backup(conn: Connection, dir: string, options: Record<string, unknown>): Run {
  mkdirSync(dir, { recursive: true });
  return runWorkerOnce(["backup", ...conn, dir, "", JSON.stringify(options)]);
}

/** The path of the one backup file a folder holds. */
const backupFile = (dir: string, run: Run) => join(dir, run.name!);

/** Writes the plain document of a snapshot to `file` with the library's reader; milliseconds taken. */
async function plainFromSnapshot(dir: string, name: string, file: string): Promise<number> {
  const started = performance.now();
  mkdirSync(dirname(file), { recursive: true });
  await pipeline(
    Readable.from(await openBackupBytes(new FileSystemStorage({ directory: dir }), name)),
    createWriteStream(file),
  );
  return performance.now() - started;
}

/**
 * One day of one model: the three backups in turn (starting with a different one each day), and
 * restic; on a snapshot-only day, the snapshot and restic of its plain document.
 */
async function measureDay(
  conn: Connection,
  work: string,
  day: number,
  restic: ResticRepository,
  readThrice: boolean,
): Promise<Omit<DayResult, "day" | "change">> {
  const snapshotDir = join(work, "snapshots");
  const fullDir = join(work, `full-${day}`);
  const plainDir = join(work, `plain-${day}`);
  const steps = {
    snapshot: () => backup(conn, snapshotDir, { snapshot: true, compression: "zstd", keep: KEEP_ALL }),
    full: () => backup(conn, fullDir, { compression: "zstd" }),
    plain: () => backup(conn, plainDir, {}),
  };
  if (!readThrice) {
    const snapshot = steps.snapshot() as Run & { snapshot: SnapshotSizes };
    const file = join(plainDir, snapshot.name!.replace(/\.snapshot$/, ".json"));
    const plainFromSnapshotMs = await plainFromSnapshot(snapshotDir, snapshot.name!, file);
    return {
      snapshot,
      snapshotStoreBytes: folderBytes(snapshotDir),
      plainFromSnapshotMs,
      restic: restic.backup(file),
      order: ["snapshot"],
    };
  }
  const names = ["snapshot", "full", "plain"] as const;
  const order = names.map((_, i) => names[(i + day - 1) % names.length]!);
  const runs: Partial<Record<(typeof names)[number], Run>> = {};
  for (const name of order) runs[name] = steps[name]();
  const resticDay = restic.backup(backupFile(plainDir, runs.plain!));
  return {
    snapshot: runs.snapshot as Run & { snapshot: SnapshotSizes },
    snapshotStoreBytes: folderBytes(snapshotDir),
    full: runs.full!,
    plain: runs.plain!,
    restic: resticDay,
    order: [...order],
  };
}

/** The plain file of a day: the plain backup's, or the one written from the snapshot. */
function plainFileOf(work: string, d: DayResult): string {
  const dir = join(work, `plain-${d.day}`);
  return d.plain ? backupFile(dir, d.plain) : join(dir, d.snapshot.name!.replace(/\.snapshot$/, ".json"));
}

/** Restores the last day's snapshot, zstd file and plain file, `runs` times each, into the emptied database. */
async function measureRestores(
  driver: Driver,
  conn: Connection,
  work: string,
  last: DayResult,
  runs: number,
): Promise<Restores> {
  const sources = {
    snapshot: { dir: join(work, "snapshots"), name: last.snapshot.name! },
    full: { dir: join(work, `full-${last.day}`), name: last.full!.name! },
    plain: { dir: join(work, `plain-${last.day}`), name: last.plain!.name! },
  };
  const restores: Restores = { snapshot: [], full: [], plain: [] };
  for (let i = 0; i < runs; i++) {
    for (const kind of ["snapshot", "full", "plain"] as const) {
      await clearDatabase(driver);
      const r = runWorkerOnce(["restore", ...conn, sources[kind].dir, sources[kind].name]);
      restores[kind].push(r);
      log(`  restore ${kind} run ${i + 1}: ${(r.ms / 1000).toFixed(1)} s, ${r.peakRssMb.toFixed(0)} MB`);
    }
  }
  return restores;
}

/** Removes the full and plain backups of a day, except those still needed. */
function dropDay(work: string, day: number, keep: Set<number>): void {
  if (keep.has(day)) return;
  rmSync(join(work, `full-${day}`), { recursive: true, force: true });
  rmSync(join(work, `plain-${day}`), { recursive: true, force: true });
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

async function benchModel(
  driver: Driver,
  conn: Connection,
  options: Options,
  model: ChangeModel,
  work: string,
): Promise<ModelResult> {
  mkdirSync(work, { recursive: true });
  const restic = new ResticRepository(join(work, "restic"));
  const days: DayResult[] = [];
  for (let day = 1; day <= options.days; day++) {
    const change = day > 1 ? await applyChange(driver, model, options.change, SEED, day) : undefined;
    const readThrice = day === 1 || day === options.days || (day - 1) % options.fullEvery === 0;
    const measured = await measureDay(conn, work, day, restic, readThrice);
    const d: DayResult = { day, ...(change ? { change } : {}), ...measured };
    days.push(d);
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    log(
      `${model} day ${day}: snapshot +${kb(d.snapshot.snapshot.addedBytes)} (${s(d.snapshot.ms)}), ` +
        (d.full ? `full ${kb(d.full.bytes!)} (${s(d.full.ms)}), ` : "") +
        `restic +${kb(d.restic.addedBytes)} ` +
        `(plain ${s(d.plain?.ms ?? d.plainFromSnapshotMs!)} + restic ${s(d.restic.ms)})`,
    );
    // day 1 and 2 stay for the chunking analysis, the last day for the restores
    if (day > 1) dropDay(work, day - 1, new Set([1, 2]));
  }
  const last = days[days.length - 1]!;
  const chunking =
    days.length >= 2
      ? await measureChunkSizes(
          plainFileOf(work, days[0]!),
          plainFileOf(work, days[1]!),
          options.chunkTargetsKiB,
        )
      : undefined;
  for (const c of chunking ?? [])
    log(
      `  chunking ${c.settings.targetBytes / 1024} KiB: ${c.newChunks}/${c.chunks} chunks new, +${kb(c.addedBytes)} of ${kb(c.storedBytes)}`,
    );
  const restores = await measureRestores(driver, conn, work, last, options.runs);
  rmSync(work, { recursive: true, force: true });
  return { model, description: MODEL_DESCRIPTIONS[model], days, restores, ...(chunking ? { chunking } : {}) };
}

/** Measures every model at one size into `result`, saving after each model. */
async function benchSize(
  driver: Driver,
  conn: Connection,
  options: Options,
  result: SnapshotSizeResult,
  work: string,
  save: () => void,
): Promise<void> {
  for (const model of options.modelsAt.get(result.size) ?? options.models) {
    await clearDatabase(driver);
    log(`${sizeLabel(result.size)} ${model}: loading the sample graph`);
    const loaded = await loadSampleGraph(driver, { nodes: result.size, seed: SEED, special: false });
    Object.assign(result, { nodes: loaded.nodes, relationships: loaded.relationships, loadMs: loaded.ms });
    result.models.push(await benchModel(driver, conn, options, model, join(work, model)));
    save();
  }
}

function machine(
  server: Awaited<ReturnType<typeof startNeo4j>>,
  options: Options,
  restic: string,
): SnapshotBenchResult["machine"] {
  const cpus = os.cpus();
  const commit = gitCommit(ROOT);
  const source = gitSourceTree(ROOT, commit);
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    memoryGiB: os.totalmem() / 2 ** 30,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    nodeDriver: JSON.parse(readFileSync(join(ROOT, "node_modules", "neo4j-driver", "package.json"), "utf8"))
      .version,
    library: LIBRARY_VERSION,
    commit,
    ...(source ? { srcTree: source.tree, srcLastChange: source.lastChange } : {}),
    java: server.java.version,
    neo4j: `${server.version} ${server.edition}`,
    heap: options.heap,
    pageCache: options.pageCache,
    restic,
    loadAverageStart: os.loadavg(),
    loadAverageEnd: [],
  };
}

/** Quotes an argument for a POSIX shell when it needs it. */
const shellQuote = (arg: string) =>
  /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;

/** The report's block, and its chart (`snapshots.svg`) beside the report. */
function render(result: SnapshotBenchResult, report: string): void {
  const block = renderSnapshotReport(result);
  writeReport(report, block, SNAPSHOTS_START, SNAPSHOTS_END);
  const chart = join(dirname(report), SNAPSHOT_CHART);
  writeFileSync(chart, renderSnapshotChart(result));
  console.log(`\n${block}\n`);
  log(`wrote ${relative(ROOT, report)} and ${relative(ROOT, chart)}`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.from) {
    const saved = JSON.parse(readFileSync(options.from, "utf8")) as SnapshotBenchResult;
    if (options.note) saved.note = options.note;
    render(saved, options.report);
    return;
  }
  const restic = resticVersion();
  const started = new Date();
  const stamp = started.toISOString().replace(/[:.]/g, "-").slice(0, 19);
  const work = join(SCRATCH, `snapshots-${stamp}`);
  mkdirSync(RESULTS, { recursive: true });
  log(`starting Neo4j 5.26 (heap ${options.heap}, page cache ${options.pageCache})`);
  const server = await startNeo4j({ line: "5.26", heap: options.heap, pageCache: options.pageCache });
  const args = process.argv.slice(2);
  const result: SnapshotBenchResult = {
    kind: "snapshots",
    started: started.toISOString(),
    wallMs: 0,
    fullEvery: options.fullEvery,
    command: `npm run bench:snapshots${args.length ? ` -- ${args.map(shellQuote).join(" ")}` : ""}`,
    days: options.days,
    change: options.change,
    runs: options.runs,
    chunkTargetsKiB: options.chunkTargetsKiB,
    machine: machine(server, options, restic),
    sizes: [],
    ...(options.note ? { note: options.note } : {}),
  };
  const commit = (result.machine.commit ?? "unknown").replace("+", "-");
  const resultsFile = join(RESULTS, `snapshots-${stamp}-${commit}.json`);
  const save = () => writeFileSync(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
  const driver = neo4j.driver(server.uri, neo4j.auth.basic(server.username, server.password));
  const conn: Connection = [server.uri, server.username, server.password];
  try {
    log(`Neo4j ${server.version} (pid ${server.pid}); ${restic}`);
    for (const size of options.sizes) {
      const sized: SnapshotSizeResult = { size, nodes: 0, relationships: 0, loadMs: 0, models: [] };
      result.sizes.push(sized);
      await benchSize(driver, conn, options, sized, join(work, sizeLabel(size)), save);
    }
    await clearDatabase(driver);
  } finally {
    await driver.close();
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
  result.wallMs = Date.now() - started.getTime();
  result.machine.loadAverageEnd = os.loadavg();
  save();
  log(`raw results: ${relative(ROOT, resultsFile)}; ${(result.wallMs / 60_000).toFixed(1)} min in all`);
  render(result, options.report);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
