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
 * With BENCH_THREADS (default 2; 1 leaves it out) each run also takes two first backups from the
 * built package (it runs `npm run build`), on one thread and on BENCH_THREADS read worker threads,
 * and prints their ratios.
 *
 * Environment: BENCH_SIZES (e.g. "100000,1000000"), BENCH_RUNS (default 3), NEO4J_URI/… to use
 * your own server (it is emptied!).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import neo4j from "neo4j-driver";
import { startNeo4j } from "../scripts/neo4j/server.mjs";
import { clearDatabase, loadSampleGraph } from "../scripts/sample-graph/index.js";
import { median, type Run, runMeasurement, runWorkerOnce, spreadMs as spread } from "./common.js";

const runWorker = (mode: string, uri: string, user: string, password: string, dir: string): Run =>
  runWorkerOnce([mode, uri, user, password, dir]);

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
  // parallel backups run from the built package, as users run them (its read workers load no TypeScript)
  const threads = Number(process.env.BENCH_THREADS ?? 2);
  if (threads > 1) execFileSync("npm", ["run", "build"], { stdio: "ignore" });
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
      const builtOne: Run[] = [];
      const builtMany: Run[] = [];
      try {
        runWorker("drain", uri!, user, password, dir); // warm the page cache
        for (let i = 0; i < runs; i++) {
          const folder = join(dir, `run-${i}`);
          mkdirSync(folder);
          drains.push(runWorker("drain", uri!, user, password, folder));
          backups.push(runWorker("backup", uri!, user, password, folder));
          steady.push(runWorker("backup", uri!, user, password, folder));
          if (threads > 1) {
            for (const [list, n] of [
              [builtOne, 1],
              [builtMany, threads],
            ] as const) {
              const first = join(folder, `built-${n}`);
              mkdirSync(first);
              const script = join(import.meta.dirname, "built-run.mjs");
              const args = [script, "backup", uri!, user, password, first, String(n)];
              list.push(runMeasurement(process.execPath, args, `built-${n}`) as Run);
            }
            console.log(
              `  run ${i + 1}: built package, first backup on one thread ${builtOne[i]!.ms.toFixed(0)} ms, on ${threads} threads ${builtMany[i]!.ms.toFixed(0)} ms`,
            );
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
        const one = median(builtOne.map((r) => r.ms));
        const many = median(builtMany.map((r) => r.ms));
        parallelRows.push(
          [
            size.toLocaleString("en-US"),
            `${(d / 1000).toFixed(2)} s`,
            `${(one / 1000).toFixed(2)} s (${spread(builtOne.map((r) => r.ms))} ms)`,
            `${(many / 1000).toFixed(2)} s (${spread(builtMany.map((r) => r.ms))} ms)`,
            `${(one / d).toFixed(2)}×`,
            `${(many / d).toFixed(2)}×`,
            `${(many / one).toFixed(2)}×`,
            `${median(builtOne.map((r) => r.cpuMs ?? Number.NaN)).toFixed(0)} / ${median(builtMany.map((r) => r.cpuMs ?? Number.NaN)).toFixed(0)} ms`,
            `${median(builtOne.map((r) => r.peakRssMb)).toFixed(0)} / ${median(builtMany.map((r) => r.peakRssMb)).toFixed(0)} MB`,
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
  console.log(`\nFirst backups from the built package: one thread against ${threads} read worker threads`);
  console.log(
    `| nodes | drain | one thread | ${threads} threads | one/drain | ${threads} threads/drain | ${threads} threads/one | CPU time one / ${threads} | peak RSS one / ${threads} |`,
  );
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const row of parallelRows) console.log(`| ${row} |`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
