/**
 * Running the neo4j-backup command as a user would: a separate process. By default the command is
 * built from the current sources when the tests start ({@link prepareCli}: tsup, the project's own
 * build, into a temporary folder) so no prior build is needed and every run starts fast.
 * NEO4J_BACKUP_CLI=tsx runs the sources through tsx instead; NEO4J_BACKUP_CLI=dist/cli.js runs the
 * built file.
 */
import { spawn } from "node:child_process";
import { cp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { TestServer } from "./servers.js";

/** What a run printed and how it ended. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** The complete environment (see {@link cliEnv}). */
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to stdin, which is then closed (default: nothing). */
  input?: string;
  timeoutMs?: number;
}

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

const mode = process.env.NEO4J_BACKUP_CLI ?? "sources";
// inside node_modules, so the bundle's imports of commander and neo4j-driver resolve
const buildDir = join(ROOT, "node_modules", ".cache", `neo4j-backup-cli-test-${process.pid}`);
let built: Promise<void> | undefined;

/** Builds the command from the sources (once per process) unless NEO4J_BACKUP_CLI chooses otherwise. */
export function prepareCli(): Promise<void> {
  if (mode !== "sources") return Promise.resolve();
  built ??= import("tsup").then(({ build }) =>
    build({
      // as the build does (tsup.config.ts): the read worker and the driver module of `--threads`
      entry: {
        cli: join(ROOT, "src", "cli", "bin.ts"),
        "cli-driver": join(ROOT, "src", "cli", "worker-driver.ts"),
        "read-worker": join(ROOT, "src", "graph", "read-worker.ts"),
      },
      format: ["esm"],
      outDir: buildDir,
      platform: "node",
      target: "node22",
      splitting: true,
      sourcemap: false,
      dts: false,
      config: false,
      silent: true,
    }).then(() =>
      // as the build does (tsup.config.ts): `neo4j-backup ui` finds its page beside cli.js
      cp(join(ROOT, "src", "dashboard", "assets"), join(buildDir, "dashboard-assets"), { recursive: true }),
    ),
  );
  return built;
}

/** Removes what {@link prepareCli} built. */
export async function disposeCli(): Promise<void> {
  if (built) await rm(buildDir, { recursive: true, force: true });
  built = undefined;
}

/** The program and arguments that start the command. */
export function cliCommand(): { command: string; args: string[] } {
  if (mode === "tsx") {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
    return { command: process.execPath, args: ["--import", tsx, join(ROOT, "src", "cli", "bin.ts")] };
  }
  if (mode !== "sources") return { command: process.execPath, args: [join(ROOT, mode)] };
  if (!built) throw new Error("call prepareCli() first (in beforeAll)");
  return { command: process.execPath, args: [join(buildDir, "cli.js")] };
}

/**
 * An environment for the command: the parent's, without any NEO4J_* variables or colour settings
 * that would change what is tested, plus `extra`.
 */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(NEO4J_|NO_COLOR$|FORCE_COLOR$)/.test(key)) env[key] = value;
  }
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/**
 * The connection variables for a test server, with `overrides` (`{ NEO4J_PASSWORD: undefined }`
 * leaves the password out).
 */
export function serverEnv(
  server: TestServer,
  overrides: Record<string, string | undefined> = {},
): NodeJS.ProcessEnv {
  return cliEnv({
    NEO4J_URI: server.uri,
    NEO4J_USERNAME: server.username,
    NEO4J_PASSWORD: server.password,
    ...overrides,
  });
}

/** Runs the command with `args` and collects its output. */
export function runCli(args: string[], options: RunCliOptions): Promise<CliRun> {
  const { command, args: prefix } = cliCommand();
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...prefix, ...args], {
      cwd: options.cwd ?? ROOT,
      env: options.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`neo4j-backup ${args.join(" ")} did not finish in time:\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 120_000);
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}

/** Parses the one JSON document a `--json` run printed on stdout. */
export function jsonOf<T = Record<string, unknown>>(run: CliRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(
      `not one JSON document on stdout (exit ${run.code}):\n${run.stdout}\n--- stderr\n${run.stderr}`,
    );
  }
}
