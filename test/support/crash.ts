/**
 * Runs test/faults/support/crash-worker.ts against a server: a process that backs up or restores
 * and kills itself with SIGKILL at a chosen point (a real `kill -9` at a precise moment).
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { S3StorageOptions } from "../../src/index.js";
import type { KillPoint } from "../faults/support/killing-storage.js";
import type { TestServer } from "./servers.js";

const WORKER = fileURLToPath(new URL("../faults/support/crash-worker.ts", import.meta.url));

/** What the worker printed and how it ended. */
export interface WorkerRun {
  code: number | null;
  signal: string | null;
  out: string;
}

/** Where the worker's storage is: a folder, or (with `s3`) a bucket prefix. */
export interface WorkerStorage {
  directory?: string;
  s3?: S3StorageOptions;
}

/**
 * Runs the worker: `mode` is backup, distribution, restore (replace) or restore-empty; `args` the
 * rest of its command line after the point and the folder (e.g. the backup's name).
 */
export function runCrashWorker(
  server: TestServer,
  mode: string,
  point: KillPoint,
  storage: WorkerStorage,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<WorkerRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", WORKER, mode, JSON.stringify(point), storage.directory ?? "-", ...args],
      {
        env: {
          ...process.env,
          ...env,
          ...(storage.s3 ? { CRASH_S3: JSON.stringify(storage.s3) } : {}),
          NEO4J_URI: server.uri,
          NEO4J_USERNAME: server.username,
          NEO4J_PASSWORD: server.password,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve({ code, signal, out }));
  });
}
