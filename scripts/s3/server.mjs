#!/usr/bin/env node
// @ts-check
/**
 * @file Development tool: a real S3-compatible server for the tests and benchmarks of
 * neo4j-backup — versitygw (Apache-2.0), built once with `go install` into
 * `~/.cache/neo4j-backup/bin` and run on a free 127.0.0.1 port over a fresh folder.
 *
 * Library use:
 *   import { startS3Server } from "./scripts/s3/server.mjs";
 *   const s3 = await startS3Server();   // builds versitygw first if it is missing
 *   // ... S3Client({ endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials }) ...
 *   await s3.stop();
 *
 * CLI use:
 *   node scripts/s3/server.mjs build     builds versitygw into the cache if missing (needs Go)
 *   node scripts/s3/server.mjs start     runs one in the foreground until Ctrl-C, printing its env
 *
 * Only node: builtins are used; Go fetches versitygw through the Go module proxy.
 */

import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The versitygw release the tests run. */
export const VERSITYGW_VERSION = "v1.8.0";
const MODULE = "github.com/versity/versitygw/cmd/versitygw";

/** @returns {string} the cache root (`$NEO4J_BACKUP_CACHE` or `~/.cache/neo4j-backup`). */
export function cacheRoot() {
  return process.env.NEO4J_BACKUP_CACHE || path.join(os.homedir(), ".cache", "neo4j-backup");
}

/** @returns {string} where the versitygw binary is kept. */
export function versitygwPath() {
  return path.join(cacheRoot(), "bin", "versitygw");
}

/** @returns {string | undefined} a `go` that runs: on the PATH, or where the official archive puts it */
function findGo() {
  for (const candidate of [process.env.GO || "go", "/usr/local/go/bin/go"]) {
    if (spawnSync(candidate, ["version"], { encoding: "utf8" }).status === 0) return candidate;
  }
  return undefined;
}

/**
 * Builds versitygw into the cache unless it is there (`go install …@v1.8.0`, a few minutes once).
 * @param {{ log?: (msg: string) => void }} [options]
 * @returns {string} the binary's path
 */
export function ensureVersitygw(options = {}) {
  const binary = versitygwPath();
  if (fs.existsSync(binary)) return binary;
  const go = findGo();
  if (!go) {
    throw new Error(
      `the S3 test server needs versitygw at ${binary}; building it needs Go (https://go.dev), which was not found. ` +
        "Or point the tests at another S3 service with S3_ENDPOINT, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY.",
    );
  }
  const version = spawnSync(go, ["version"], { encoding: "utf8" }).stdout.trim();
  options.log?.(`building versitygw ${VERSITYGW_VERSION} with ${version} (once; a few minutes)`);
  const built = spawnSync(go, ["install", `${MODULE}@${VERSITYGW_VERSION}`], {
    env: { ...process.env, GOBIN: path.dirname(binary) },
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (built.status !== 0 || !fs.existsSync(binary)) {
    throw new Error(`go install ${MODULE}@${VERSITYGW_VERSION} failed (exit ${built.status})`);
  }
  options.log?.(`versitygw built: ${binary}`);
  return binary;
}

/** @returns {Promise<number>} a free TCP port on 127.0.0.1 */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = /** @type {net.AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** @param {number} port @returns {Promise<boolean>} whether it answers HTTP */
async function answers(port) {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

/**
 * @typedef {object} S3TestServer
 * @property {string} endpoint `http://127.0.0.1:<port>`
 * @property {number} port
 * @property {string} region always "us-east-1"
 * @property {{ accessKeyId: string, secretAccessKey: string }} credentials the root account's keys
 * @property {string} dir the folder that holds the buckets
 * @property {number} pid
 * @property {() => Promise<void>} stop SIGTERM (then SIGKILL) by pid; deletes the folder unless kept
 * @property {() => Promise<void>} kill SIGKILL by pid, the folder kept (a crash, for the fault suite)
 * @property {() => Promise<void>} restart starts it again on the same port and folder after `kill`
 */

/**
 * Starts versitygw on a free 127.0.0.1 port over a fresh folder (or `dir`), and waits until it answers.
 * @param {{ dir?: string, port?: number, keepDir?: boolean, log?: (msg: string) => void }} [options]
 * @returns {Promise<S3TestServer>}
 */
export async function startS3Server(options = {}) {
  const binary = ensureVersitygw(options);
  const dir = options.dir ?? (await fsp.mkdtemp(path.join(os.tmpdir(), "neo4j-backup-s3-")));
  const port = options.port ?? (await freePort());
  const credentials = { accessKeyId: "neo4jbackuptest", secretAccessKey: randomBytes(18).toString("hex") };
  /** @type {import("node:child_process").ChildProcess} */
  let child;
  const launch = async () => {
    child = spawn(binary, ["--port", `127.0.0.1:${port}`, "posix", dir], {
      env: {
        ...process.env,
        ROOT_ACCESS_KEY_ID: credentials.accessKeyId,
        ROOT_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (d) => {
      stderr = (stderr + d).slice(-4000);
    });
    const deadline = Date.now() + 30_000;
    while (!(await answers(port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`versitygw did not start on 127.0.0.1:${port}: ${stderr}`);
      }
      await sleep(50);
    }
    options.log?.(`versitygw on http://127.0.0.1:${port} (pid ${child.pid}, folder ${dir})`);
  };
  await launch();
  const exited = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve(undefined);
      else child.once("exit", () => resolve(undefined));
    });
  const signal = async (/** @type {NodeJS.Signals} */ sig, /** @type {number} */ waitMs) => {
    const done = exited();
    try {
      process.kill(/** @type {number} */ (child.pid), sig);
    } catch {
      return;
    }
    if (await Promise.race([done.then(() => true), sleep(waitMs).then(() => false)])) return;
    if (sig !== "SIGKILL") await signal("SIGKILL", 5000);
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    region: "us-east-1",
    credentials,
    dir,
    get pid() {
      return /** @type {number} */ (child.pid);
    },
    async stop() {
      await signal("SIGTERM", 5000);
      if (!options.keepDir && !options.dir) await fsp.rm(dir, { recursive: true, force: true });
    },
    async kill() {
      await signal("SIGKILL", 5000);
    },
    restart: launch,
  };
}

async function cli() {
  const [command] = process.argv.slice(2);
  if (command === "build") {
    console.log(ensureVersitygw({ log: console.log }));
    return;
  }
  if (command === "start") {
    const server = await startS3Server({ log: console.log });
    console.log(`S3_ENDPOINT=${server.endpoint}`);
    console.log(`S3_ACCESS_KEY_ID=${server.credentials.accessKeyId}`);
    console.log(`S3_SECRET_ACCESS_KEY=${server.credentials.secretAccessKey}`);
    console.log("Ctrl-C stops it and deletes its folder");
    process.once("SIGINT", () => void server.stop().then(() => process.exit(0)));
    return;
  }
  console.error("usage: node scripts/s3/server.mjs build | start");
  process.exitCode = 2;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await cli();
