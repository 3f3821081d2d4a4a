/**
 * An exclusive lock between processes, as a file created with O_EXCL. The holder refreshes the
 * file's modification time while it holds the lock (every sixth of the lease); a lock is stale when
 * its holder process is gone (same host) or it has not been refreshed for the lease, a minute by
 * default (any host). Stale locks are broken under a second O_EXCL "breaker" file, and only if
 * the lock is still the one judged stale, so two waiters never both take over.
 */
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { open, readFile, stat, unlink, utimes } from "node:fs/promises";
import { hostname } from "node:os";
import { BackupError } from "../errors.js";
import type { StorageLock, StorageLockOptions } from "./contract.js";
import { processAlive } from "./temp-files.js";

/** What the lock file holds. */
export interface LockOwner {
  pid: number;
  host: string;
  token: string;
  acquired: string;
}

/** How long a lock may go without a refresh before another host takes it over, by default. */
export const DEFAULT_LOCK_LEASE_MS = 60_000;
const POLL_MS = 100;
const DEFAULT_TIMEOUT_MS = 30 * 60_000;

/** How a lock file is created and judged. */
export interface FileLockSettings {
  /** Mode of the lock file. */
  fileMode: number;
  /** A lock not refreshed for this long is stale; the holder refreshes it every sixth of it. */
  leaseMs: number;
}

/** Takes the lock at `path` (a file name beside the data it protects). */
export async function acquireFileLock(
  path: string,
  settings: FileLockSettings,
  options: StorageLockOptions = {},
): Promise<StorageLock> {
  const { fileMode, leaseMs } = settings;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    token: randomBytes(12).toString("hex"),
    acquired: new Date().toISOString(),
  };
  let waited = false;
  for (;;) {
    if (options.signal?.aborted) {
      throw new BackupError("ABORTED", "waiting for the storage lock was aborted");
    }
    // when the lock is taken, not when waiting for it began
    owner.acquired = new Date().toISOString();
    if (await tryCreate(path, owner, fileMode)) return held(path, owner, leaseMs);
    const current = await readOwner(path);
    if (current === "gone") continue;
    if (await isStale(path, current, leaseMs)) {
      await breakStale(path, current, settings);
      continue;
    }
    if (!waited) {
      waited = true;
      options.onWait?.(describeOwner(current));
    }
    if (Date.now() >= deadline) {
      throw new BackupError(
        "LOCKED",
        `the backup storage is locked by ${describeOwner(current)}; waited ${Math.round(timeoutMs / 1000)} s (${path})`,
        { details: { lockFile: path, holder: current === "unreadable" ? undefined : current } },
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS + Math.floor(Math.random() * POLL_MS)));
  }
}

async function tryCreate(path: string, owner: LockOwner, fileMode: number): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, fileMode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new BackupError("STORAGE", `cannot create the lock file ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    await handle.writeFile(JSON.stringify(owner));
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

async function readOwner(path: string): Promise<LockOwner | "gone" | "unreadable"> {
  try {
    const parsed = JSON.parse(await readFile(path, "utf8")) as LockOwner;
    if (typeof parsed?.pid === "number" && typeof parsed.token === "string") return parsed;
    return "unreadable";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "gone";
    // being written right now, or damaged: judged by its age
    return "unreadable";
  }
}

async function isStale(path: string, owner: LockOwner | "unreadable", leaseMs: number): Promise<boolean> {
  if (owner !== "unreadable" && owner.host === hostname() && !processAlive(owner.pid)) return true;
  try {
    const info = await stat(path);
    return Date.now() - info.mtimeMs > leaseMs;
  } catch {
    return false;
  }
}

/**
 * Removes a stale lock, but only if it is still the one judged stale (`seen`): another waiter may
 * have broken it and taken the lock since. Exported for tests of that race.
 */
export async function breakStale(
  path: string,
  seen: LockOwner | "unreadable",
  settings: FileLockSettings,
): Promise<void> {
  const breaker = `${path}.break`;
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(
      breaker,
      constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY,
      settings.fileMode,
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    // someone else is breaking it; a breaker left by a crashed process expires
    const info = await stat(breaker).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > settings.leaseMs) await unlink(breaker).catch(() => {});
    await new Promise((r) => setTimeout(r, POLL_MS));
    return;
  }
  try {
    await handle.close();
    const now = await readOwner(path);
    const same =
      (now === "unreadable" && seen === "unreadable") ||
      (typeof now === "object" && typeof seen === "object" && now.token === seen.token);
    if (same) await unlink(path).catch(() => {});
  } finally {
    await unlink(breaker).catch(() => {});
  }
}

function held(path: string, owner: LockOwner, leaseMs: number): StorageLock {
  const heartbeat = setInterval(
    () => {
      const now = new Date();
      utimes(path, now, now).catch(() => {});
    },
    Math.max(1, Math.floor(leaseMs / 6)),
  );
  heartbeat.unref();
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      clearInterval(heartbeat);
      const current = await readOwner(path);
      if (typeof current === "object" && current.token === owner.token) await unlink(path).catch(() => {});
    },
  };
}

function describeOwner(owner: LockOwner | "unreadable"): string {
  if (owner === "unreadable") return "another process";
  return `process ${owner.pid} on ${owner.host} (since ${owner.acquired})`;
}
