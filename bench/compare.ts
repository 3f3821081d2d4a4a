/**
 * `npm run bench:compare`: this checkout against an earlier commit, in one run, on the same data.
 *
 *   npm run bench:compare -- --base <git ref> [--size 100k] [--runs 3]
 *
 * Checks the base commit out into a worktree under .bench/ (sharing this checkout's node_modules),
 * loads the sample graph into a local Neo4j 5.26, then measures in rounds, each measurement a fresh
 * process: the raw driver drain, createBackup of the base and of this checkout; then, each into the
 * emptied database, the plain batched UNWIND … CREATE, restoreBackup of the base and of this
 * checkout (both from the same backup file). Prints medians with spread and peak RSS, and every
 * ratio of two medians of this run: new ÷ base, and each ÷ its baseline.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import neo4j from "neo4j-driver";
import { startNeo4j } from "../scripts/neo4j/server.mjs";
import { clearDatabase, loadSampleGraph } from "../scripts/sample-graph/index.js";
import {
  gitCommit,
  median,
  parseSize,
  type Run,
  runMeasurement,
  sizeLabel,
  spreadSeconds,
} from "./common.js";

const ROOT = resolve(import.meta.dirname, "..");
const SCRATCH = join(ROOT, ".bench");

const git = (...args: string[]) => execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();

/**
 * A worktree of `ref` under .bench/, created once per commit. It shares this checkout's
 * node_modules when both lockfiles are the same, and gets its own `npm ci` when they differ
 * (a base from before a dependency change must run on its own dependencies).
 */
function baseTree(ref: string): { dir: string; commit: string } {
  const commit = git("rev-parse", "--short", `${ref}^{commit}`);
  const dir = join(SCRATCH, `base-${commit}`);
  if (!existsSync(dir)) {
    git("worktree", "add", "--detach", dir, commit);
    const lock = (tree: string) => readFileSync(join(tree, "package-lock.json"), "utf8");
    if (lock(dir) === lock(ROOT)) symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
    else
      execFileSync("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"], {
        cwd: dir,
        stdio: "inherit",
      });
  }
  return { dir, commit };
}

/** Runs bench/worker.ts of one tree in a fresh process. */
function worker(tree: string, args: string[]): Run {
  return runMeasurement(
    process.execPath,
    ["--import", "tsx", join(tree, "bench", "worker.ts"), ...args],
    args[0]!,
    { cwd: tree },
  ) as Run;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      base: { type: "string" },
      size: { type: "string", default: "100k" },
      runs: { type: "string", default: "3" },
      help: { type: "boolean", default: false },
    },
  });
  const usage = "usage: npm run bench:compare -- --base <git ref> [--size 100k] [--runs 3]";
  if (values.help) {
    console.log(usage);
    return;
  }
  if (!values.base) throw new Error(usage);
  const size = parseSize(values.size);
  const runs = Number(values.runs);
  const base = baseTree(values.base);
  const head = gitCommit(ROOT) ?? "this checkout";
  console.log(`base ${base.commit} (${values.base}), new ${head}; ${sizeLabel(size)} nodes; ${runs} runs`);

  const work = join(SCRATCH, `compare-${Date.now()}`);
  mkdirSync(work, { recursive: true });
  const server = await startNeo4j({ line: "5.26", heap: "2g", pageCache: "2g" });
  const driver = neo4j.driver(server.uri, neo4j.auth.basic(server.username, server.password));
  const conn = [server.uri, server.username, server.password];
  const times: Record<string, Run[]> = {};
  const record = (label: string, run: Run) => {
    const list = times[label] ?? [];
    list.push(run);
    times[label] = list;
    console.log(`  ${label}: ${(run.ms / 1000).toFixed(2)} s, peak RSS ${run.peakRssMb.toFixed(0)} MB`);
  };
  try {
    await loadSampleGraph(driver, { seed: 1, nodes: size, special: false });
    let backupDir = "";
    let backupName = "";
    for (let i = 0; i < runs; i++) {
      console.log(`backup round ${i + 1}`);
      record("drain", worker(ROOT, ["drain", ...conn, work]));
      for (const [label, tree] of [
        ["backup (base)", base.dir],
        ["backup (new)", ROOT],
      ] as const) {
        const dir = join(work, `${label.replace(/\W+/g, "-")}${i}`);
        const run = worker(tree, ["backup", ...conn, dir]);
        record(label, run);
        if (label === "backup (new)") {
          backupDir = dir;
          backupName = readdirSync(dir).find((n) => n.startsWith("neo4j_backup_"))!;
        }
      }
    }
    for (let i = 0; i < runs; i++) {
      console.log(`restore round ${i + 1}`);
      for (const [label, tree, mode] of [
        ["plain", ROOT, "plain"],
        ["restore (base)", base.dir, "restore"],
        ["restore (new)", ROOT, "restore"],
      ] as const) {
        await clearDatabase(driver);
        record(label, worker(tree, [mode, ...conn, backupDir, backupName]));
      }
    }
  } finally {
    await driver.close();
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }

  const med = (label: string) => median(times[label]!.map((r) => r.ms));
  console.log(`\n${sizeLabel(size)}: medians of ${runs} runs (min–max), peak RSS`);
  for (const [label, list] of Object.entries(times)) {
    const ms = list.map((r) => r.ms);
    console.log(
      `  ${label.padEnd(15)} ${(med(label) / 1000).toFixed(2)} s (${spreadSeconds(ms)}), ${median(list.map((r) => r.peakRssMb)).toFixed(0)} MB`,
    );
  }
  for (const label of ["restore (base)", "restore (new)"]) {
    const phases = phaseMedians(times[label]!);
    if (phases) console.log(`  ${label} phases (medians): ${phases}`);
  }
  const ratio = (a: string, b: string) => `${(med(a) / med(b)).toFixed(3)}×`;
  console.log(
    `  backup: new ÷ base ${ratio("backup (new)", "backup (base)")}; base ÷ drain ${ratio("backup (base)", "drain")}; new ÷ drain ${ratio("backup (new)", "drain")}`,
  );
  console.log(
    `  restore: new ÷ base ${ratio("restore (new)", "restore (base)")}; base ÷ plain ${ratio("restore (base)", "plain")}; new ÷ plain ${ratio("restore (new)", "plain")}`,
  );
}

/** The median time of each phase the runs report (`phases` of the restore mode), in words. */
function phaseMedians(runs: Run[]): string | undefined {
  const reported = runs.map((r) => r.phases as Record<string, number> | undefined);
  if (reported.some((p) => p === undefined)) return undefined;
  const names = [...new Set(reported.flatMap((p) => Object.keys(p!)))];
  return names.map((n) => `${n} ${(median(reported.map((p) => p![n] ?? 0)) / 1000).toFixed(2)} s`).join(", ");
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
