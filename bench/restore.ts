/**
 * `npm run bench:restore`: restore speed and memory against a plain batched `UNWIND … CREATE` of
 * the same records, in one run.
 *
 * For each size (default 100k and 1M domain nodes, ~3 relationships per node) it loads the sample
 * graph into a local Neo4j 5.26, backs it up once, then alternates RUNS times: empty the database →
 * restoreBackup (validation, write, schema, verification), and empty the database → the plain
 * baseline writer (bench/worker.ts `plain`: same reader and decoder, no validation or verification).
 * Each run is a fresh process, so its peak RSS is its own.
 *
 * With BENCH_THREADS (default 2; 1 leaves it out) each run also restores from the built package
 * (it runs `npm run build`) with the verification on one thread and on BENCH_THREADS read worker
 * threads (`parallel`), and prints their ratios and the verification phase.
 *
 * Environment: BENCH_SIZES, BENCH_RUNS (default 3), NEO4J_URI/… to use your own server (emptied!).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import neo4j from "neo4j-driver";
import { startNeo4j } from "../scripts/neo4j/server.mjs";
import { clearDatabase, loadSampleGraph } from "../scripts/sample-graph/index.js";
import {
  median,
  type Run,
  runMeasurement,
  runWorkerOnce as runWorker,
  spreadSeconds as spread,
} from "./common.js";

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_SIZES ?? "100000,1000000").split(",").map(Number);
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  let server: Awaited<ReturnType<typeof startNeo4j>> | undefined;
  let uri = process.env.NEO4J_URI;
  let user = process.env.NEO4J_USERNAME ?? "neo4j";
  let password = process.env.NEO4J_PASSWORD ?? "";
  if (!uri) {
    server = await startNeo4j({ line: "5.26", heap: "2g", pageCache: "2g" });
    ({ uri, username: user, password } = server);
  }
  const driver = neo4j.driver(uri!, neo4j.auth.basic(user, password));
  const conn = [uri!, user, password];
  const rows: string[] = [];
  const parallelRows: string[] = [];
  const threads = Number(process.env.BENCH_THREADS ?? 2);
  if (threads > 1) execFileSync("npm", ["run", "build"], { stdio: "ignore" });
  const built = (dir: string, name: string, n: number): Run =>
    runMeasurement(
      process.execPath,
      [join(import.meta.dirname, "built-run.mjs"), "restore", ...conn, dir, String(n), name],
      `restore-built-${n}`,
    ) as Run;
  try {
    for (const size of sizes) {
      await clearDatabase(driver);
      const loaded = await loadSampleGraph(driver, { nodes: size, seed: 1, special: false });
      console.log(`loaded ${loaded.nodes} nodes, ${loaded.relationships} relationships`);
      const dir = mkdtempSync(join(tmpdir(), "neo4j-backup-bench-"));
      try {
        // the storage folder holds more than the backup (e.g. its index): take the published name
        const name = runWorker(["backup", ...conn, dir]).name!;
        const restores: Run[] = [];
        const plains: Run[] = [];
        const builtOne: Run[] = [];
        const builtMany: Run[] = [];
        for (let i = 0; i < runs; i++) {
          await clearDatabase(driver);
          plains.push(runWorker(["plain", ...conn, dir, name]));
          await clearDatabase(driver);
          restores.push(runWorker(["restore", ...conn, dir, name]));
          console.log(
            `  run ${i + 1}: plain ${plains[i]!.ms.toFixed(0)} ms, restore ${restores[i]!.ms.toFixed(0)} ms`,
          );
          if (threads > 1) {
            await clearDatabase(driver);
            builtOne.push(built(dir, name, 1));
            await clearDatabase(driver);
            builtMany.push(built(dir, name, threads));
            console.log(
              `  run ${i + 1}: built package, restore verifying on one thread ${builtOne[i]!.ms.toFixed(0)} ms, on ${threads} threads ${builtMany[i]!.ms.toFixed(0)} ms`,
            );
          }
        }
        const p = median(plains.map((r) => r.ms));
        const r = median(restores.map((x) => x.ms));
        if (threads > 1) {
          const one = median(builtOne.map((x) => x.ms));
          const many = median(builtMany.map((x) => x.ms));
          const verifying = (list: Run[]) =>
            median(list.map((x) => (x.phases as Record<string, number>).verifying ?? Number.NaN));
          parallelRows.push(
            [
              size.toLocaleString("en-US"),
              `${(p / 1000).toFixed(1)} s`,
              `${(one / 1000).toFixed(1)} s (${spread(builtOne.map((x) => x.ms))})`,
              `${(many / 1000).toFixed(1)} s (${spread(builtMany.map((x) => x.ms))})`,
              `${(one / p).toFixed(2)}×`,
              `${(many / p).toFixed(2)}×`,
              `${(verifying(builtOne) / 1000).toFixed(1)} / ${(verifying(builtMany) / 1000).toFixed(1)} s`,
              `${median(builtOne.map((x) => x.peakRssMb)).toFixed(0)} / ${median(builtMany.map((x) => x.peakRssMb)).toFixed(0)} MB`,
            ].join(" | "),
          );
        }
        rows.push(
          [
            size.toLocaleString("en-US"),
            `${(p / 1000).toFixed(1)} s (${spread(plains.map((x) => x.ms))})`,
            `${(r / 1000).toFixed(1)} s (${spread(restores.map((x) => x.ms))})`,
            `${(r / p).toFixed(2)}×`,
            Math.round(loaded.nodes / (r / 1000)).toLocaleString("en-US"),
            Math.round(loaded.relationships / (r / 1000)).toLocaleString("en-US"),
            `${median(plains.map((x) => x.peakRssMb)).toFixed(0)} MB`,
            `${median(restores.map((x) => x.peakRssMb)).toFixed(0)} MB`,
          ].join(" | "),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await driver.close();
    await server?.stop();
  }
  console.log(`\nNeo4j ${server?.version ?? uri}; ${runs} runs each, medians (min–max)`);
  console.log(
    "| nodes | plain UNWIND CREATE | restoreBackup | restore/plain | nodes/s | rels/s | plain peak RSS | restore peak RSS |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const row of rows) console.log(`| ${row} |`);
  if (parallelRows.length === 0) return;
  console.log(
    `\nRestores from the built package: the verification on one thread against ${threads} read worker threads`,
  );
  console.log(
    `| nodes | plain | verifying on one thread | on ${threads} threads | one/plain | ${threads} threads/plain | verification phase one / ${threads} | peak RSS one / ${threads} |`,
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const row of parallelRows) console.log(`| ${row} |`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
