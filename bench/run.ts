/**
 * `npm run bench`: this library against its peers, in one run, on the same data.
 *
 *   npm run bench -- [--sizes 10k,100k,1M] [--runs 3] [--heap 2g] [--page-cache 2g]
 *     [--peer-timeout SECONDS] [--skip-python] [--report docs/performance.md] [--note TEXT]
 *     [--from bench/results/results-a.json[,bench/results/results-b.json…]]
 *
 * For each size it loads the sample graph (scripts/sample-graph, seed 1, ~3 relationships per node,
 * no special content) into a local Neo4j 5.26 with APOC core, then measures, `--runs` times each and
 * every run in a fresh process:
 *
 * - backup side: the raw driver drain, createBackup (a first backup into an empty folder, then the
 *   nightly case: a second one beside it, whose default retention removes the first), a first
 *   backup on two read worker threads (`parallel`), `apoc.export.json.all`, and the Python package `neo4j-backup` (PyPI) Extractor;
 * - restore side, each into the emptied database: the plain batched `UNWIND … CREATE`,
 *   restoreBackup (verifying on one thread, then on two read worker threads), `apoc.import.json` of APOC's file, restoreBackup of the same APOC file, and the
 *   Python package's Importer.
 *
 * The library and the baselines run from the built package (`builtWorker` in common.ts).
 * It writes the report block of docs/performance.md (between `<!-- bench:start -->` and
 * `<!-- bench:end -->`), the chart docs/performance.svg, and the raw results as JSON under bench/results/ (committed).
 * The Python package is installed with pip into .bench/venv on first use. Measurements of the peers
 * stop at a time limit (default: the larger of 300 s and 5× this library's median for the same
 * operation); a measurement that hit it is not repeated and reported as a lower bound. A full run
 * with 1M nodes takes hours on a small machine, mostly in the peers.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { basename, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import neo4j, { type Driver } from "neo4j-driver";
import { startNeo4j } from "../scripts/neo4j/server.mjs";
import { clearDatabase, expectedCounts, loadSampleGraph } from "../scripts/sample-graph/index.js";
import { FileSystemStorage, LIBRARY_VERSION, verifyBackup } from "../src/index.js";
import { renderChart } from "./chart.js";
import {
  type ApocImportOptions,
  gitCommit,
  gitSourceTree,
  isTimeout,
  median,
  parseSize,
  type Run,
  runMeasurement,
  runWorker,
  sizeLabel,
  type Timeout,
} from "./common.js";
import { ensurePythonPeer, type PythonPeer } from "./python.js";
import { renderReport, writeReport } from "./report.js";
import {
  BENCH_THREADS,
  type BenchResult,
  combineResults,
  type Machine,
  type Measurement,
  type MethodId,
  type SizeResult,
} from "./results.js";

const ROOT = resolve(import.meta.dirname, "..");
const SCRATCH = join(ROOT, ".bench");
/** Where the raw results of each run are written (committed with the report they produce). */
const RESULTS = join(ROOT, "bench", "results");
/** The sizes the goals are stated for, and the default. */
const ALL_SIZES = [10_000, 100_000, 1_000_000];
/**
 * Smallest time limit of a peer measurement, and its multiple of this library's median: a peer
 * stopped at 5× still settles the "≥ 3× faster" goals, and a 1M run stays within hours.
 */
const PEER_LIMIT_FLOOR_MS = 300_000;
const PEER_LIMIT_FACTOR = 5;

const USAGE = `npm run bench -- [--sizes 10k,100k,1M] [--runs 3] [--heap 2g] [--page-cache 2g]
  [--peer-timeout SECONDS (0 = none)] [--skip-python] [--report docs/performance.md] [--note TEXT]
  [--from bench/results/results-….json[,…] (only render the report and chart of saved runs; several runs
   of the same setup are combined, each size from one run)]`;

interface Options {
  sizes: number[];
  runs: number;
  heap: string;
  pageCache: string;
  peerTimeoutSeconds?: number;
  python: boolean;
  report: string;
  note?: string;
  /** Render the report from these saved results files instead of measuring. */
  from?: string[];
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: "string", default: ALL_SIZES.map(sizeLabel).join(",") },
      runs: { type: "string", default: "3" },
      heap: { type: "string", default: "2g" },
      "page-cache": { type: "string", default: "2g" },
      "peer-timeout": { type: "string" },
      "skip-python": { type: "boolean", default: false },
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
  const runs = Number(values.runs);
  if (!Number.isSafeInteger(runs) || runs < 1) throw new RangeError(`--runs must be a positive integer`);
  const peer = values["peer-timeout"];
  const peerTimeoutSeconds = peer === undefined ? undefined : Number(peer);
  if (peerTimeoutSeconds !== undefined && !(peerTimeoutSeconds >= 0))
    throw new RangeError("--peer-timeout must be a number of seconds (0 = no limit)");
  return {
    sizes: values.sizes.split(",").map(parseSize),
    runs,
    heap: values.heap,
    pageCache: values["page-cache"],
    peerTimeoutSeconds,
    python: !values["skip-python"],
    report: resolve(ROOT, values.report),
    note: values.note,
    from: values.from?.split(",").map((file) => resolve(file)),
  };
}

/** Quotes an argument for a POSIX shell when it needs it. */
const shellQuote = (arg: string) =>
  /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;

const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);

const fmtRun = (r: Run) =>
  `${(r.ms / 1000).toFixed(2)} s, peak RSS ${r.peakRssMb.toFixed(0)} MB${
    r.bytes === undefined ? "" : `, ${(r.bytes / 1e6).toFixed(1)} MB`
  }`;

/** APOC's names for the property types it can map back from the strings in its JSON export. */
const APOC_TYPES: Record<string, string> = {
  DateTime: "ZonedDateTime",
  Date: "LocalDate",
  LocalDateTime: "LocalDateTime",
  LocalTime: "LocalTime",
  Time: "OffsetTime",
  Duration: "Duration",
  Point: "Point",
};

function apocType(types: unknown): string | undefined {
  if (!Array.isArray(types) || types.length !== 1) return undefined;
  return APOC_TYPES[String(types[0]).replace(/Array$/, "")];
}

/**
 * What `apoc.import.json` needs to bring the graph back: every label (for its id constraints) and the
 * type mappings of the temporal and spatial properties, read from the loaded database's schema.
 */
async function apocImportOptions(driver: Driver): Promise<ApocImportOptions> {
  const labels = (await driver.executeQuery("CALL db.labels() YIELD label RETURN label")).records.map(
    (r) => r.get("label") as string,
  );
  const nodePropertyMappings: ApocImportOptions["nodePropertyMappings"] = {};
  const nodes = await driver.executeQuery(
    "CALL db.schema.nodeTypeProperties() YIELD nodeLabels, propertyName, propertyTypes " +
      "RETURN nodeLabels, propertyName, propertyTypes",
  );
  for (const r of nodes.records) {
    const type = apocType(r.get("propertyTypes"));
    if (!type) continue;
    for (const label of r.get("nodeLabels") as string[]) {
      const mapping = nodePropertyMappings[label] ?? {};
      mapping[r.get("propertyName") as string] = type;
      nodePropertyMappings[label] = mapping;
    }
  }
  const relPropertyMappings: ApocImportOptions["relPropertyMappings"] = {};
  const rels = await driver.executeQuery(
    "CALL db.schema.relTypeProperties() YIELD relType, propertyName, propertyTypes " +
      "RETURN relType, propertyName, propertyTypes",
  );
  for (const r of rels.records) {
    const type = apocType(r.get("propertyTypes"));
    if (!type) continue;
    // relType is the escaped form, e.g. :`USES`
    const relType = (r.get("relType") as string).replace(/^:`(.*)`$/s, "$1").replaceAll("``", "`");
    const mapping = relPropertyMappings[relType] ?? {};
    mapping[r.get("propertyName") as string] = type;
    relPropertyMappings[relType] = mapping;
  }
  return { labels, nodePropertyMappings, relPropertyMappings };
}

/** Node and relationship counts of the database. */
async function counts(driver: Driver): Promise<{ nodes: number; relationships: number }> {
  const { records } = await driver.executeQuery(
    "CALL { MATCH (n) RETURN count(n) AS nodes } CALL { MATCH ()-[r]->() RETURN count(r) AS relationships } " +
      "RETURN nodes, relationships",
  );
  return {
    nodes: Number(records[0]!.get("nodes")),
    relationships: Number(records[0]!.get("relationships")),
  };
}

/**
 * Terminates every transaction but this query's: after a client was killed at its time limit, its
 * transaction may still run on the server and would hold locks while the database is emptied.
 */
async function terminateOtherTransactions(driver: Driver): Promise<void> {
  try {
    for (let attempt = 0; attempt < 60; attempt++) {
      const { records } = await driver.executeQuery(
        "SHOW TRANSACTIONS YIELD transactionId, currentQuery " +
          "WHERE NOT currentQuery STARTS WITH 'SHOW TRANSACTIONS' RETURN transactionId",
      );
      const ids = records.map((r) => r.get("transactionId") as string);
      if (ids.length === 0) return;
      await driver.executeQuery("TERMINATE TRANSACTIONS $ids", { ids }).catch(() => {});
      await new Promise((done) => setTimeout(done, 1000));
    }
    log("some transactions did not end within 60 s");
  } catch (e) {
    log(`could not list or terminate transactions: ${e instanceof Error ? e.message : e}`);
  }
}

interface Context {
  options: Options;
  driver: Driver;
  conn: string[];
  importDir: string;
  python?: PythonPeer;
}

/** Runs one measurement of `method` unless an earlier one timed out or failed; records the outcome. */
async function measure(
  ctx: Context,
  res: SizeResult,
  method: MethodId,
  run: () => Run | Timeout,
): Promise<Run | undefined> {
  const m: Measurement = res.measurements[method] ?? { runs: [] };
  res.measurements[method] = m;
  if (m.timeout || m.error) return undefined;
  const label = `${sizeLabel(res.size)} ${method}`;
  try {
    const r = run();
    if (isTimeout(r)) {
      m.timeout = r;
      log(`${label}: stopped at its limit of ${(r.limitMs / 1000).toFixed(0)} s; not repeated`);
      await terminateOtherTransactions(ctx.driver);
      return undefined;
    }
    m.runs.push(r);
    log(`${label} run ${m.runs.length}: ${fmtRun(r)}`);
    return r;
  } catch (e) {
    m.error = e instanceof Error ? e.message : String(e);
    log(`${label} FAILED: ${m.error}`);
    await terminateOtherTransactions(ctx.driver);
    return undefined;
  }
}

/** The time limit of a peer measurement, from this library's runs of the same operation so far. */
function peerLimitMs(ctx: Context, res: SizeResult, library: MethodId): number {
  if (ctx.options.peerTimeoutSeconds !== undefined) return ctx.options.peerTimeoutSeconds * 1000;
  const ms = res.measurements[library]?.runs.map((r) => r.ms) ?? [];
  return Math.ceil(Math.max(PEER_LIMIT_FLOOR_MS, PEER_LIMIT_FACTOR * (ms.length ? median(ms) : 0)));
}

function runPython(
  ctx: Context,
  mode: "backup" | "restore",
  folder: string,
  timeoutMs: number,
): Run | Timeout {
  const py = ctx.python!;
  return runMeasurement(py.python, [py.script, mode, ...ctx.conn, folder], `python-${mode}`, {
    timeoutMs,
    env: { ...process.env, TQDM_DISABLE: "1" },
  });
}

/**
 * After each completed run of a restore method: are the counts right? After its first one: does the
 * database hold the backed-up graph (verifyBackup)?
 */
async function checkRestored(
  ctx: Context,
  res: SizeResult,
  method: MethodId,
  backup: { dir: string; name: string },
): Promise<void> {
  const m = res.measurements[method]!;
  const c = await counts(ctx.driver);
  if (c.nodes !== res.nodes || c.relationships !== res.relationships) {
    m.countMismatches = (m.countMismatches ?? 0) + 1;
    log(`${sizeLabel(res.size)} ${method}: ${c.nodes} nodes, ${c.relationships} relationships after restore`);
  }
  if (m.exact) return;
  const v = await verifyBackup({
    driver: ctx.driver,
    storage: new FileSystemStorage({ directory: backup.dir }),
    name: backup.name,
  });
  m.exact = v.equal ? { equal: true } : { equal: false, detail: v.differences.slice(0, 3).join("; ") };
  log(`${sizeLabel(res.size)} ${method}: same graph as the backup: ${v.equal ? "yes" : m.exact.detail}`);
}

async function benchSize(ctx: Context, size: number, work: string): Promise<SizeResult> {
  const { driver, conn, options } = ctx;
  const graph = { nodes: size, seed: 1, special: false };
  await clearDatabase(driver);
  log(`${sizeLabel(size)}: loading the sample graph`);
  const loaded = await loadSampleGraph(driver, graph);
  const expected = expectedCounts(graph);
  if (loaded.nodes !== expected.nodes || loaded.relationships !== expected.relationships)
    throw new Error(`loaded ${loaded.nodes}/${loaded.relationships}, expected ${JSON.stringify(expected)}`);
  log(
    `${sizeLabel(size)}: ${loaded.nodes} nodes, ${loaded.relationships} relationships in ${(loaded.ms / 1000).toFixed(1)} s`,
  );
  const res: SizeResult = {
    size,
    nodes: loaded.nodes,
    relationships: loaded.relationships,
    loadMs: loaded.ms,
    measurements: {},
  };
  const apocOptions = await apocImportOptions(driver);
  const apocFile = `bench-apoc-${sizeLabel(size)}.json`;
  const apocPath = join(ctx.importDir, apocFile);
  mkdirSync(work, { recursive: true });
  let library: { dir: string; name: string } | undefined;
  let pythonFolder: string | undefined;

  runWorker(["drain", ...conn, work]); // warm the page cache
  for (let i = 0; i < options.runs; i++) {
    await measure(ctx, res, "drain", () => runWorker(["drain", ...conn, work]));
    const dir = join(work, `backup-${i}`);
    mkdirSync(dir, { recursive: true });
    const b = await measure(ctx, res, "backup", () => runWorker(["backup", ...conn, dir]));
    // the nightly case: a second backup beside the first, whose default retention (keep 1)
    // removes the first once the new one is read back as written
    const steady = b
      ? await measure(ctx, res, "backup-steady", () => runWorker(["backup", ...conn, dir]))
      : undefined;
    if (steady && !library) library = { dir, name: steady.name! };
    else rmSync(dir, { recursive: true, force: true });
    const threadsDir = join(work, `backup-threads-${i}`);
    mkdirSync(threadsDir, { recursive: true });
    await measure(ctx, res, "backup-threads", () =>
      runWorker(["backup", ...conn, threadsDir, "", JSON.stringify({ threads: BENCH_THREADS })]),
    );
    rmSync(threadsDir, { recursive: true, force: true });
    rmSync(apocPath, { force: true });
    await measure(ctx, res, "apoc-export", () =>
      runWorker(["apoc-export", ...conn, ctx.importDir, apocFile], {
        timeoutMs: peerLimitMs(ctx, res, "backup"),
      }),
    );
    if (ctx.python) {
      const folder = join(work, `python-${i}`);
      rmSync(folder, { recursive: true, force: true });
      const p = await measure(ctx, res, "python-backup", () =>
        runPython(ctx, "backup", folder, peerLimitMs(ctx, res, "backup")),
      );
      if (p && !pythonFolder) pythonFolder = folder;
      else rmSync(folder, { recursive: true, force: true });
    }
  }

  // a run stopped at its limit or failed may have left a partial file
  const exported = res.measurements["apoc-export"];
  const apocReady = !!exported && exported.runs.length > 0 && !exported.timeout && !exported.error;
  for (let i = 0; i < options.runs; i++) {
    if (library) {
      await clearDatabase(driver);
      if (await measure(ctx, res, "plain", () => runWorker(["plain", ...conn, library!.dir, library!.name])))
        await checkRestored(ctx, res, "plain", library);
      await clearDatabase(driver);
      const r = await measure(ctx, res, "restore", () =>
        runWorker(["restore", ...conn, library!.dir, library!.name]),
      );
      if (r) res.measurements.restore!.exact = { equal: true }; // restoreBackup verifies every run
      await clearDatabase(driver);
      const t = await measure(ctx, res, "restore-threads", () =>
        runWorker([
          "restore",
          ...conn,
          library!.dir,
          library!.name,
          JSON.stringify({ threads: BENCH_THREADS }),
        ]),
      );
      if (t) res.measurements["restore-threads"]!.exact = { equal: true };
    } else {
      res.measurements.plain = { runs: [], error: "no backup file: createBackup did not complete" };
      res.measurements.restore = { runs: [], error: "no backup file: createBackup did not complete" };
      res.measurements["restore-threads"] = {
        runs: [],
        error: "no backup file: createBackup did not complete",
      };
    }
    if (apocReady) {
      await clearDatabase(driver);
      const a = await measure(ctx, res, "apoc-import", () =>
        runWorker(["apoc-import", ...conn, ctx.importDir, apocFile, JSON.stringify(apocOptions)], {
          timeoutMs: peerLimitMs(ctx, res, "restore"),
        }),
      );
      if (a && library) await checkRestored(ctx, res, "apoc-import", library);
      await measureApocRestore(ctx, res, apocPath, work, JSON.stringify(apocOptions), library);
    } else {
      res.measurements["apoc-import"] = { runs: [], error: "no APOC export file" };
      res.measurements["apoc-restore"] = { runs: [], error: "no APOC export file" };
    }
    if (ctx.python) {
      if (pythonFolder) {
        await clearDatabase(driver);
        const p = await measure(ctx, res, "python-restore", () =>
          runPython(ctx, "restore", pythonFolder!, peerLimitMs(ctx, res, "restore")),
        );
        if (p && library) await checkRestored(ctx, res, "python-restore", library);
      } else
        res.measurements["python-restore"] = {
          runs: [],
          error: "no Python backup: its Extractor did not complete",
        };
    }
  }
  rmSync(apocPath, { force: true });
  rmSync(work, { recursive: true, force: true });
  return res;
}

/**
 * restoreBackup of APOC's own export file (a copy beside the work files, so that the backup index
 * is not written into the server's import folder), into the emptied database.
 */
async function measureApocRestore(
  ctx: Context,
  res: SizeResult,
  apocPath: string,
  work: string,
  options: string,
  library: { dir: string; name: string } | undefined,
): Promise<void> {
  const dir = join(work, "apoc-file");
  const name = basename(apocPath);
  if (!existsSync(join(dir, name))) {
    mkdirSync(dir, { recursive: true });
    copyFileSync(apocPath, join(dir, name));
  }
  await clearDatabase(ctx.driver);
  const r = await measure(ctx, res, "apoc-restore", () =>
    runWorker(["apoc-restore", ...ctx.conn, dir, name, options]),
  );
  if (r && library) await checkRestored(ctx, res, "apoc-restore", library);
}

/** The Java version with its vendor, e.g. "17.0.15 (Debian)". */
function javaDescription(java: { version: string; javaHome: string }): string {
  // the settings go to standard error
  const { stderr } = spawnSync(
    join(java.javaHome, "bin", "java"),
    ["-XshowSettings:properties", "-version"],
    {
      encoding: "utf8",
    },
  );
  const vendor = /java\.vendor = (.*)/.exec(stderr ?? "")?.[1]?.trim();
  return vendor ? `${java.version} (${vendor})` : java.version;
}

/** The machine fields naming the src/ tree, when it is known. */
function sourceFields(source: ReturnType<typeof gitSourceTree>): Pick<Machine, "srcTree" | "srcLastChange"> {
  return source ? { srcTree: source.tree, srcLastChange: source.lastChange } : {};
}

/** Fills in the src/ tree of a saved run that recorded only its commit. */
function withSourceTree(result: BenchResult): BenchResult {
  if (result.machine.srcTree) return result;
  const source = gitSourceTree(ROOT, result.machine.commit);
  Object.assign(result.machine, sourceFields(source));
  return result;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.from) {
    const saved = options.from.map((file) =>
      withSourceTree(JSON.parse(readFileSync(file, "utf8")) as BenchResult),
    );
    const combined = combineResults(saved);
    if (options.note) combined.note = options.note;
    render(combined, options.report);
    return;
  }
  const started = new Date();
  const loadAverageStart = os.loadavg();
  const stamp = started.toISOString().replace(/[:.]/g, "-").slice(0, 19);
  const runDir = join(SCRATCH, `run-${stamp}`);
  mkdirSync(runDir, { recursive: true });
  const python = options.python ? ensurePythonPeer(SCRATCH, log) : undefined;
  const args = process.argv.slice(2);
  const result: BenchResult = {
    started: started.toISOString(),
    wallMs: 0,
    command: `npm run bench${args.length ? ` -- ${args.map(shellQuote).join(" ")}` : ""}`,
    runs: options.runs,
    peerTimeoutSeconds: options.peerTimeoutSeconds,
    peerLimit: { floorSeconds: PEER_LIMIT_FLOOR_MS / 1000, factor: PEER_LIMIT_FACTOR },
    machine: undefined as unknown as Machine,
    sizes: [],
    note: options.note,
  };
  // the raw results are kept in the repository beside the report, so it can be rendered again and audited
  mkdirSync(RESULTS, { recursive: true });
  const resultsFile = join(RESULTS, `results-${stamp}.json`);
  log(`starting Neo4j 5.26 with APOC (heap ${options.heap}, page cache ${options.pageCache})`);
  const server = await startNeo4j({
    line: "5.26",
    apoc: true,
    heap: options.heap,
    pageCache: options.pageCache,
  });
  let driver: Driver | undefined;
  try {
    log(`Neo4j ${server.version} (pid ${server.pid}), APOC ${server.apocVersion}`);
    driver = neo4j.driver(server.uri, neo4j.auth.basic(server.username, server.password));
    const cpus = os.cpus();
    const commit = gitCommit(ROOT);
    result.machine = {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model.trim() ?? "unknown",
      memoryGiB: os.totalmem() / 2 ** 30,
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      node: process.version,
      nodeDriver: JSON.parse(readFileSync(join(ROOT, "node_modules", "neo4j-driver", "package.json"), "utf8"))
        .version,
      library: LIBRARY_VERSION,
      commit,
      ...sourceFields(gitSourceTree(ROOT, commit)),
      java: javaDescription(server.java),
      neo4j: `${server.version} ${server.edition}`,
      apoc: server.apocVersion ?? "none",
      heap: options.heap,
      pageCache: options.pageCache,
      python: python?.pythonVersion,
      pythonPackage: python?.packageVersion,
      pythonDriver: python?.driverVersion,
      loadAverageStart,
      loadAverageEnd: [],
    };
    const ctx: Context = {
      options,
      driver,
      conn: [server.uri, server.username, server.password],
      importDir: join(server.home, "import"),
      python,
    };
    for (const size of options.sizes) {
      result.sizes.push(await benchSize(ctx, size, join(runDir, sizeLabel(size))));
      writeFileSync(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
    }
    await clearDatabase(driver);
  } finally {
    await driver?.close();
    await server.stop();
    rmSync(runDir, { recursive: true, force: true });
  }
  try {
    process.kill(server.pid, 0);
    throw new Error(`the Neo4j server (pid ${server.pid}) is still running`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e;
  }
  result.wallMs = Date.now() - started.getTime();
  result.machine.loadAverageEnd = os.loadavg();
  writeFileSync(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
  render(result, options.report);
  log(`raw results: ${relative(ROOT, resultsFile)}; ${(result.wallMs / 60_000).toFixed(1)} min in all`);
}

/** Writes the report block and the chart of a run. */
function render(result: BenchResult, report: string): void {
  const chartPath = `${report.replace(/\.md$/, "")}.svg`;
  writeFileSync(chartPath, renderChart(result));
  const block = renderReport(result, ALL_SIZES, basename(chartPath));
  writeReport(report, block);
  console.log(`\n${block}\n`);
  log(`wrote ${relative(ROOT, report)} and ${relative(ROOT, chartPath)}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
