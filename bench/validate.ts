/**
 * `npm run bench:validate`: validation of a backup file (with fingerprint and value samples, as a
 * restore validates) on one thread against validation with worker threads, on the same file.
 *
 * Writes the sample graph (100k nodes, 300k relationships by default, no server needed) as a backup
 * file in a temporary folder, then validates it RUNS times each way, alternately, each run in a
 * fresh process; prints the medians and their ratio. Every run's report must be the same.
 *
 * Environment: BENCH_NODES (default 100000), BENCH_RUNS (default 3).
 * One run alone: `tsx bench/validate.ts --run single|parallel <file>` prints one JSON line.
 */
import { execFileSync } from "node:child_process";
import { createReadStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultParallelOptions } from "../src/validate/parallel-records.js";
import { validateWith } from "../src/validate/validate-backup.js";
import { median } from "./common.js";
import { writeSampleBackup } from "./sample-file.js";

/** One validation in this process; prints its time and a digest of its report. */
async function runOnce(mode: string, file: string): Promise<void> {
  const started = performance.now();
  const report = await validateWith(
    { source: createReadStream(file), fingerprint: true, sampleValues: true },
    mode === "parallel" ? defaultParallelOptions() : null,
  );
  const ms = performance.now() - started;
  const summary = JSON.stringify([
    report.valid,
    report.checksum,
    report.fingerprint?.total,
    report.valueSamples,
  ]);
  console.log(JSON.stringify({ mode, ms: Math.round(ms), valid: report.valid, summary }));
}

async function main(): Promise<void> {
  const nodes = Number(process.env.BENCH_NODES ?? 100_000);
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const dir = mkdtempSync(join(tmpdir(), "bench-validate-"));
  try {
    const file = join(dir, "neo4j_backup_20250101_000000.json");
    const records = await writeSampleBackup(file, nodes);
    console.log(`${records.toLocaleString("en")} records in ${file}`);
    const times: Record<string, number[]> = { single: [], parallel: [] };
    const summaries = new Set<string>();
    const self = fileURLToPath(import.meta.url);
    for (let run = 0; run < runs; run++) {
      for (const mode of ["single", "parallel"]) {
        const out = execFileSync(process.execPath, ["--import", "tsx", self, "--run", mode, file], {
          encoding: "utf8",
        });
        const result = JSON.parse(out.trim().split("\n").at(-1)!);
        if (!result.valid) throw new Error(`${mode}: the file did not validate`);
        summaries.add(result.summary);
        times[mode]!.push(result.ms);
        console.log(`run ${run + 1} ${mode}: ${(result.ms / 1000).toFixed(2)} s`);
      }
    }
    if (summaries.size !== 1) throw new Error("the reports differ between the runs");
    const single = median(times.single!);
    const parallel = median(times.parallel!);
    console.log(`one thread, median:      ${(single / 1000).toFixed(2)} s`);
    console.log(`worker threads, median:  ${(parallel / 1000).toFixed(2)} s`);
    console.log(`ratio (threads ÷ one):   ${(parallel / single).toFixed(2)}×`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const at = process.argv.indexOf("--run");
if (at >= 0) await runOnce(process.argv[at + 1]!, process.argv[at + 2]!);
else await main();
