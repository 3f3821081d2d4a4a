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
 * With BENCH_THREADS (default 2; 1 leaves it out) each run also restores with the verification on
 * BENCH_THREADS read worker threads (`parallel`), and prints its ratios and the verification phase.
 * Every measurement runs the built package (`npm run build`, see `builtWorker` in common.ts).
 *
 * Environment: BENCH_SIZES, BENCH_RUNS (default 3), NEO4J_URI/… to use your own server (emptied!).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import neo4j from "neo4j-driver";
import { startNeo4j } from "../scripts/neo4j/server.mjs";
import { clearDatabase, loadSampleGraph } from "../scripts/sample-graph/index.js";
import { median, type Run, runWorkerOnce as runWorker, spreadSeconds as spread } from "./common.js";

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
        const many: Run[] = [];
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
            many.push(runWorker(["restore", ...conn, dir, name, JSON.stringify({ threads })]));
            console.log(
              `  run ${i + 1}: restore verifying on ${threads} threads ${many[i]!.ms.toFixed(0)} ms`,
            );
          }
        }
        const p = median(plains.map((r) => r.ms));
        const r = median(restores.map((x) => x.ms));
        if (threads > 1) {
          const m = median(many.map((x) => x.ms));
          const verifying = (list: Run[]) =>
            median(list.map((x) => (x.phases as Record<string, number>).verifying ?? Number.NaN));
          parallelRows.push(
            [
              size.toLocaleString("en-US"),
              `${(p / 1000).toFixed(1)} s`,
              `${(r / 1000).toFixed(1)} s`,
              `${(m / 1000).toFixed(1)} s (${spread(many.map((x) => x.ms))})`,
              `${(m / p).toFixed(2)}×`,
              `${(verifying(restores) / 1000).toFixed(1)} / ${(verifying(many) / 1000).toFixed(1)} s`,
              `${median(many.map((x) => x.peakRssMb)).toFixed(0)} MB`,
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
  console.log(`\nRestores verifying on ${threads} read worker threads`);
  console.log(
    `| nodes | plain | restore (one thread) | verifying on ${threads} threads | ${threads} threads/plain | verification phase one / ${threads} | ${threads} threads peak RSS |`,
  );
  console.log("|---|---|---|---|---|---|---|");
  for (const row of parallelRows) console.log(`| ${row} |`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
