/**
 * Helpers shared by the benchmark scripts: running one measurement in a fresh child process, and the
 * statistics the reports print.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildSync } from "esbuild";

/** One measured run, as printed (one JSON line) by bench/worker.ts or bench/python_peer.py. */
export interface Run {
  mode: string;
  /** Wall time of the measured work in milliseconds (process start-up excluded). */
  ms: number;
  /** CPU time (user + system) of the measuring process over `ms`, when it reports it. */
  cpuMs?: number;
  /** Peak resident set size of the measuring process in MB (MiB). */
  peakRssMb: number;
  /** Size of what a backup wrote, in bytes. */
  bytes?: number;
  nodes?: number;
  relationships?: number;
  /** Name of the backup file a library backup published. */
  name?: string;
  /** Further numbers a mode reports (e.g. the procedure call alone of an APOC import). */
  [extra: string]: unknown;
}

/** The property `apoc.import.json` stores each element's file id in (its default `importIdName`). */
export const APOC_IMPORT_ID = "neo4jImportId";

/** What the `apoc-import` mode needs to know about the graph in the file. */
export interface ApocImportOptions {
  /** Every node label in the file: APOC requires a uniqueness constraint on the id property per label. */
  labels: string[];
  /** `nodePropertyMappings`: label → property → APOC type name, so temporal values come back typed. */
  nodePropertyMappings: Record<string, Record<string, string>>;
  /** `relPropertyMappings`: relationship type → property → APOC type name. */
  relPropertyMappings: Record<string, Record<string, string>>;
}

/** A measurement that did not finish within its time limit: the process was killed. */
export interface Timeout {
  mode: string;
  timedOut: true;
  /** The limit it hit, in milliseconds. */
  limitMs: number;
}

/** Options of {@link runMeasurement}. */
export interface MeasurementOptions {
  /** Kill the process after this many milliseconds (0 or absent: no limit). */
  timeoutMs?: number;
  /** Environment of the child process (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Working directory of the child process. */
  cwd?: string;
}

/**
 * Runs a measuring process and returns the JSON object on the last line of its standard output, or a
 * {@link Timeout} when it was killed at its time limit. Any other failure throws with the tail of
 * the process's standard error.
 */
export function runMeasurement(
  command: string,
  args: string[],
  mode: string,
  options: MeasurementOptions = {},
): Run | Timeout {
  // child_process wants a whole number of milliseconds
  const timeoutMs = options.timeoutMs && options.timeoutMs > 0 ? Math.ceil(options.timeoutMs) : undefined;
  try {
    const out = execFileSync(command, args, {
      encoding: "utf8",
      maxBuffer: 16 << 20,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: timeoutMs,
      killSignal: "SIGKILL",
      env: options.env,
      cwd: options.cwd,
    });
    return JSON.parse(out.trim().split("\n").pop()!) as Run;
  } catch (e) {
    const error = e as NodeJS.ErrnoException & { stderr?: string; signal?: string };
    if (timeoutMs !== undefined && (error.code === "ETIMEDOUT" || error.signal === "SIGKILL"))
      return { mode, timedOut: true, limitMs: timeoutMs };
    const tail = String(error.stderr ?? "")
      .trim()
      .split("\n")
      .slice(-15)
      .join("\n");
    throw new Error(`${mode} failed: ${error.message.split("\n")[0]}${tail ? `\n${tail}` : ""}`);
  }
}

const ROOT = join(import.meta.dirname, "..");
let builtWorkerPath: string | undefined;

/**
 * bench/worker.ts as users run the library: `npm run build` once per benchmark process, then the
 * worker bundled into `.bench/worker.mjs` with its `../src/index.js` pointing at the built
 * `dist/index.js` (so createBackup, restoreBackup and their read worker threads are the published
 * code) and its packages left to node_modules. Runs in plain Node.js, without a TypeScript loader
 * in the measured process (tsx costs ~45 MB of every peak RSS).
 */
export function builtWorker(): string {
  if (builtWorkerPath) return builtWorkerPath;
  execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "ignore" });
  const outfile = join(ROOT, ".bench", "worker.mjs");
  // esbuild's synchronous API takes no plugins: the library import stays external, and is pointed
  // at the built package (from .bench/, "../dist/index.js") in the output
  const library = "../src/index.js";
  buildSync({
    entryPoints: [join(import.meta.dirname, "worker.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    packages: "external",
    external: [library],
    logLevel: "error",
  });
  const code = readFileSync(outfile, "utf8");
  const pointed = code.replaceAll(`"${library}"`, '"../dist/index.js"');
  if (pointed === code) throw new Error(`${outfile} does not import ${library}: cannot point it at dist/`);
  writeFileSync(outfile, pointed);
  builtWorkerPath = outfile;
  return outfile;
}

/**
 * Runs bench/worker.ts `<args>` (the mode is `args[0]`) in a fresh Node.js process, from the built
 * package (see {@link builtWorker}).
 */
export function runWorker(args: string[], options: MeasurementOptions = {}): Run | Timeout {
  return runMeasurement(process.execPath, [builtWorker(), ...args], args[0]!, options);
}

/** Like {@link runWorker} without a time limit: always a {@link Run} (or an exception). */
export function runWorkerOnce(args: string[]): Run {
  return runWorker(args) as Run;
}

/** Whether a measurement result is a {@link Timeout}. */
export function isTimeout(r: Run | Timeout): r is Timeout {
  return "timedOut" in r && r.timedOut === true;
}

/** The median (the mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** `min–max` of milliseconds as whole milliseconds. */
export function spreadMs(xs: readonly number[]): string {
  return `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
}

/** `min–max s` of milliseconds as seconds with one decimal. */
export function spreadSeconds(xs: readonly number[]): string {
  return `${(Math.min(...xs) / 1000).toFixed(1)}–${(Math.max(...xs) / 1000).toFixed(1)} s`;
}

/** Parses a graph size: `10000`, `10k`, `100k`, `1M` (case-insensitive). */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*$/.exec(text);
  if (!m) throw new RangeError(`not a size: ${JSON.stringify(text)} (use e.g. 10k, 100k, 1M)`);
  const factor = m[2] === "" ? 1 : m[2]!.toLowerCase() === "k" ? 1_000 : 1_000_000;
  const n = Math.round(Number(m[1]) * factor);
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`not a size: ${JSON.stringify(text)}`);
  return n;
}

/** A size as the report names it: 10k, 100k, 1M, or the plain number. */
export function sizeLabel(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1_000 && n % 1_000 === 0) return `${n / 1_000}k`;
  return n.toLocaleString("en-US");
}

/**
 * The commit checked out in `root`, with "+changes" when the library, harness or scripts differ
 * from it; undefined outside a git checkout.
 */
export function gitCommit(root: string): string | undefined {
  const head = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" });
  if (head.status !== 0) return undefined;
  const dirty = spawnSync("git", ["status", "--porcelain", "--", "src", "bench", "scripts"], {
    cwd: root,
    encoding: "utf8",
  });
  return `${head.stdout.trim()}${dirty.stdout.trim() ? "+changes" : ""}`;
}

/**
 * The library code a measured commit ran: the git tree id of its src/ and the last commit before it
 * that changed src/. Undefined for a commit with "+changes" (the tree measured is not in git) or
 * outside a git checkout. Two runs of different commits measured the same library when their trees
 * are equal.
 */
export function gitSourceTree(
  root: string,
  commit: string | undefined,
): { tree: string; lastChange: string } | undefined {
  if (!commit || commit.endsWith("+changes")) return undefined;
  const run = (...args: string[]) => spawnSync("git", args, { cwd: root, encoding: "utf8" });
  const tree = run("rev-parse", "--short", `${commit}:src`);
  const last = run("log", "-1", "--format=%h", commit, "--", "src");
  if (tree.status !== 0 || last.status !== 0) return undefined;
  return { tree: tree.stdout.trim(), lastChange: last.stdout.trim() };
}
