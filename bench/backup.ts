/**
 * `npm run bench:backup`: backup speed and memory against the raw driver drain, in one run.
 *
 * For each size (default 100k and 1M domain nodes, ~3 relationships per node, mixed property types)
 * it loads the sample graph into a local Neo4j 5.26, then alternates, RUNS times each, a raw drain
 * of `MATCH (n) RETURN n` + `MATCH ()-[r]->() RETURN r`, a first createBackup into an empty folder
 * and a second one beside it (the nightly case: its default retention removes the first once the
 * new file is read back as written), each in a fresh process. Prints medians, spread, nodes/s,
 * MB/s, peak RSS, the backup/drain ratio and the steady-state/first ratio.
 *
 * With BENCH_THREADS (default 2; 1 leaves it out) each run also takes a first backup on
 * BENCH_THREADS read worker threads, and prints its ratios to the one-thread backup. Every
 * measurement runs the built package (`npm run build`, see `builtWorker` in common.ts).
 *
 * Environment: BENCH_SIZES (e.g. "100000,1000000"), BENCH_RUNS (default 3), NEO4J_URI/… to use
 * your own server (it is emptied!).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import neo4j from "neo4j-driver";
import { startNeo4j } from "../scripts/neo4j/server.mjs";
import { clearDatabase, loadSampleGraph } from "../scripts/sample-graph/index.js";
import { median, type Run, runWorkerOnce, spreadMs as spread } from "./common.js";

const runWorker = (
  mode: string,
  uri: string,
  user: string,
  password: string,
  dir: string,
  threads = 1,
): Run => runWorkerOnce([mode, uri, user, password, dir, "", JSON.stringify({ threads })]);

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_SIZES ?? "100000,1000000").split(",").map(Number);
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  let server:
    | { uri: string; username: string; password: string; version: string; stop: () => Promise<void> }
    | undefined;
  let uri = process.env.NEO4J_URI;
  let user = process.env.NEO4J_USERNAME ?? "neo4j";
  let password = process.env.NEO4J_PASSWORD ?? "";
  if (!uri) {
    server = await startNeo4j({ line: "5.26", heap: "2g", pageCache: "2g" });
    ({ uri, username: user, password } = server!);
  }
  const driver = neo4j.driver(uri!, neo4j.auth.basic(user, password));
  const rows: string[] = [];
  const parallelRows: string[] = [];
  const threads = Number(process.env.BENCH_THREADS ?? 2);
  try {
    for (const size of sizes) {
      await clearDatabase(driver);
      const loaded = await loadSampleGraph(driver, { nodes: size, seed: 1, special: false });
      console.log(
        `loaded ${loaded.nodes} nodes, ${loaded.relationships} relationships in ${(loaded.ms / 1000).toFixed(1)} s`,
      );
      const dir = mkdtempSync(join(tmpdir(), "neo4j-backup-bench-"));
      const drains: Run[] = [];
      const backups: Run[] = [];
      const steady: Run[] = [];
      const many: Run[] = [];
      try {
        runWorker("drain", uri!, user, password, dir); // warm the page cache
        for (let i = 0; i < runs; i++) {
          const folder = join(dir, `run-${i}`);
          mkdirSync(folder);
          drains.push(runWorker("drain", uri!, user, password, folder));
          backups.push(runWorker("backup", uri!, user, password, folder));
          steady.push(runWorker("backup", uri!, user, password, folder));
          if (threads > 1) {
            const first = join(folder, "threads");
            mkdirSync(first);
            many.push(runWorker("backup", uri!, user, password, first, threads));
            console.log(`  run ${i + 1}: first backup on ${threads} threads ${many[i]!.ms.toFixed(0)} ms`);
          }
          console.log(
            `  run ${i + 1}: drain ${drains[i]!.ms.toFixed(0)} ms, first backup ${backups[i]!.ms.toFixed(0)} ms, steady-state ${steady[i]!.ms.toFixed(0)} ms`,
          );
          rmSync(folder, { recursive: true, force: true });
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const d = median(drains.map((r) => r.ms));
      const b = median(backups.map((r) => r.ms));
      const st = median(steady.map((r) => r.ms));
      const bytes = backups[0]!.bytes!;
      rows.push(
        [
          size.toLocaleString("en-US"),
          `${(d / 1000).toFixed(2)} s (${spread(drains.map((r) => r.ms))} ms)`,
          `${(b / 1000).toFixed(2)} s (${spread(backups.map((r) => r.ms))} ms)`,
          `${(b / d).toFixed(2)}×`,
          `${(st / 1000).toFixed(2)} s (${spread(steady.map((r) => r.ms))} ms)`,
          `${(st / b).toFixed(2)}×`,
          `${Math.round(loaded.nodes / (b / 1000)).toLocaleString("en-US")}`,
          `${(bytes / 1e6 / (b / 1000)).toFixed(1)}`,
          `${(bytes / 1e6).toFixed(1)} MB`,
          `${median(drains.map((r) => r.peakRssMb)).toFixed(0)} MB`,
          `${median(backups.map((r) => r.peakRssMb)).toFixed(0)} MB`,
          `${median(steady.map((r) => r.peakRssMb)).toFixed(0)} MB`,
        ].join(" | "),
      );
      if (threads > 1) {
        const m = median(many.map((r) => r.ms));
        parallelRows.push(
          [
            size.toLocaleString("en-US"),
            `${(d / 1000).toFixed(2)} s`,
            `${(b / 1000).toFixed(2)} s`,
            `${(m / 1000).toFixed(2)} s (${spread(many.map((r) => r.ms))} ms)`,
            `${(m / d).toFixed(2)}×`,
            `${(m / b).toFixed(2)}×`,
            `${median(backups.map((r) => r.cpuMs ?? Number.NaN)).toFixed(0)} / ${median(many.map((r) => r.cpuMs ?? Number.NaN)).toFixed(0)} ms`,
            `${median(many.map((r) => r.peakRssMb)).toFixed(0)} MB`,
          ].join(" | "),
        );
      }
    }
  } finally {
    await driver.close();
    await server?.stop();
  }
  console.log(`\nNeo4j ${server?.version ?? uri}; ${runs} runs each, medians (min–max)`);
  console.log(
    "| nodes | drain | first backup | first/drain | steady-state backup | steady/first | nodes/s | MB/s | file | drain peak RSS | first backup peak RSS | steady-state peak RSS |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const row of rows) console.log(`| ${row} |`);
  if (parallelRows.length === 0) return;
  console.log(`\nFirst backups on ${threads} read worker threads`);
  console.log(
    `| nodes | drain | one thread | ${threads} threads | ${threads} threads/drain | ${threads} threads/one | CPU time one / ${threads} | ${threads} threads peak RSS |`,
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const row of parallelRows) console.log(`| ${row} |`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
