/**
 * FileSystemStorage's lock across processes and hosts, with a short lease: a lock not refreshed
 * for the lease is taken over (another host's included), a live holder's heartbeat keeps it,
 * waiters racing to break one stale lock take it one at a time; and the temporary files of a
 * killed writer are removed when the lock is next taken.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { breakStale, type LockOwner } from "../../src/storage/file-lock.js";
import { FileSystemStorage, LOCK_FILE_NAME } from "../../src/storage/filesystem.js";
import { hostTag } from "../../src/storage/temp-files.js";
import { expectLockSinceTaken } from "../support/lock-since.js";

const ENTRY = fileURLToPath(new URL("../../src/storage/filesystem.ts", import.meta.url));
// long enough that a heartbeat delayed by a busy machine is not taken for a dead holder
const LEASE_MS = 1500;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "neo4j-backup-lock-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts a helper script of test/support under tsx; killed at the end of the test. */
function child(script: string, args: string[]): ChildProcess & { output: string[] } {
  const proc = spawn(
    process.execPath,
    ["--import", "tsx", fileURLToPath(new URL(`../support/${script}`, import.meta.url)), ENTRY, ...args],
    { stdio: ["pipe", "pipe", "inherit"] },
  ) as ChildProcess & { output: string[] };
  proc.output = [];
  proc.stdout!.on("data", (d: Buffer) => proc.output.push(...d.toString().split("\n").filter(Boolean)));
  cleanups.push(() => {
    proc.kill("SIGKILL");
  });
  return proc;
}

function line(proc: ChildProcess & { output: string[] }, prefix: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const found = proc.output.find((l) => l.startsWith(prefix));
      if (found) {
        clearInterval(timer);
        resolve(found);
      }
    };
    const timer = setInterval(check, 10);
    proc.once("exit", (code) => {
      check();
      clearInterval(timer);
      reject(new Error(`${prefix}: the helper exited with ${code} (${proc.output.join(" | ")})`));
    });
  });
}

function exited(proc: ChildProcess): Promise<void> {
  return new Promise((r) => (proc.exitCode !== null ? r() : proc.once("exit", () => r())));
}

/** A lock file as another host's process writes it. */
async function foreignLock(directory: string, modified = new Date()): Promise<string> {
  const path = join(directory, LOCK_FILE_NAME);
  await writeFile(
    path,
    JSON.stringify({
      pid: process.pid,
      host: "another-host.example",
      token: randomBytes(12).toString("hex"),
      acquired: modified.toISOString(),
    }),
  );
  await utimes(path, modified, modified);
  return path;
}

describe("the lock's lease", () => {
  it("records when it was taken: a waiter's lock says since its release, not since the wait began", async () => {
    const storage = new FileSystemStorage({ directory: await tempDir() });
    await storage.init();
    await expectLockSinceTaken(storage);
  });

  it("is configurable and must be positive", () => {
    expect(() => new FileSystemStorage({ lockLeaseMs: 0 })).toThrow(/lockLeaseMs/);
  });

  it("another host's lock not refreshed for the lease is taken over — and not before", async () => {
    const directory = await tempDir();
    const storage = new FileSystemStorage({ directory, lockLeaseMs: LEASE_MS });
    const refreshed = new Date();
    await foreignLock(directory, refreshed);
    await expect(storage.lock({ timeoutMs: LEASE_MS / 3 })).rejects.toMatchObject({
      code: "LOCKED",
      message: expect.stringContaining("another-host.example"),
    });
    const waits: string[] = [];
    const lock = await storage.lock({ timeoutMs: 10 * LEASE_MS, onWait: (h) => waits.push(h) });
    const takenOver = Date.now();
    // taken over only once the file had gone unrefreshed for the lease, and soon after
    expect(takenOver - refreshed.getTime()).toBeGreaterThanOrEqual(LEASE_MS);
    expect(takenOver - refreshed.getTime()).toBeLessThan(4 * LEASE_MS);
    expect(waits).toEqual([expect.stringContaining("another-host.example")]);
    const owner = JSON.parse(await readFile(join(directory, LOCK_FILE_NAME), "utf8"));
    expect(owner).toMatchObject({ pid: process.pid, host: hostname() });
    await lock.release();
  });

  it("another host's lock that keeps being refreshed is never taken over", async () => {
    const directory = await tempDir();
    const path = await foreignLock(directory);
    const refresher = setInterval(() => {
      const now = new Date();
      utimes(path, now, now).catch(() => {});
    }, LEASE_MS / 6);
    cleanups.push(() => clearInterval(refresher));
    const storage = new FileSystemStorage({ directory, lockLeaseMs: LEASE_MS });
    await expect(storage.lock({ timeoutMs: 5 * LEASE_MS })).rejects.toMatchObject({ code: "LOCKED" });
  });

  it("a live holder's heartbeat keeps its lock over many leases; once it is killed the lock is taken at once", async () => {
    const directory = await tempDir();
    const holder = child("lock-holder.mjs", [directory, String(LEASE_MS)]);
    await line(holder, "locked");
    const storage = new FileSystemStorage({ directory, lockLeaseMs: LEASE_MS });
    await expect(storage.lock({ timeoutMs: 5 * LEASE_MS })).rejects.toMatchObject({
      code: "LOCKED",
      message: expect.stringContaining(`process ${holder.pid}`),
    });
    // the heartbeat refreshed the file during those five leases
    const age = Date.now() - (await stat(join(directory, LOCK_FILE_NAME))).mtimeMs;
    expect(age).toBeLessThan(LEASE_MS);
    holder.kill("SIGKILL");
    await exited(holder);
    const started = Date.now();
    const lock = await storage.lock({ timeoutMs: 10 * LEASE_MS });
    // same host, process gone: no need to wait for the lease
    expect(Date.now() - started).toBeLessThan(LEASE_MS);
    await lock.release();
  });

  it("a waiter that judged a lock stale does not break the lock another waiter took meanwhile", async () => {
    const directory = await tempDir();
    const path = join(directory, LOCK_FILE_NAME);
    const settings = { fileMode: 0o640, leaseMs: LEASE_MS };
    const owner = (host: string): LockOwner => ({
      pid: process.pid,
      host,
      token: randomBytes(12).toString("hex"),
      acquired: new Date().toISOString(),
    });
    const stale = owner("another-host.example");
    const taken = owner(hostname());
    // the waiter judged `stale`; since then another waiter broke it and wrote its own lock
    await writeFile(path, JSON.stringify(taken));
    await breakStale(path, stale, settings);
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual(taken);
    // the lock it judged is still there: it is broken
    await writeFile(path, JSON.stringify(stale));
    await breakStale(path, stale, settings);
    expect(await readdir(directory)).toEqual([]);
  });

  it("waiters racing to break one stale lock take it one at a time", async () => {
    const directory = await tempDir();
    const racers = 4;
    for (let round = 0; round < 2; round++) {
      // another host's lock, last refreshed two leases ago: stale for every racer at once
      await foreignLock(directory, new Date(Date.now() - 2 * LEASE_MS));
      // all at once in the first round; a few milliseconds apart in the second (other interleavings)
      const startAt = Date.now() + 2500;
      const procs = Array.from({ length: racers }, (_, i) =>
        child("lock-racer.mjs", [directory, String(LEASE_MS), String(startAt + round * i * 3), "150"]),
      );
      await Promise.all(procs.map(exited));
      const spans = procs.map((p) => {
        const acquired = Number(p.output.find((l) => l.startsWith("acquired"))?.split(" ")[1]);
        const released = Number(p.output.find((l) => l.startsWith("released"))?.split(" ")[1]);
        return [acquired, released] as const;
      });
      for (const [a, r] of spans) {
        expect(Number.isFinite(a) && Number.isFinite(r), `round ${round}: every racer got the lock`).toBe(
          true,
        );
      }
      const sorted = [...spans].sort((x, y) => x[0] - y[0]);
      for (let i = 1; i < sorted.length; i++) {
        expect(sorted[i]![0], `round ${round}: holders overlap`).toBeGreaterThanOrEqual(sorted[i - 1]![1]);
      }
      expect((await readdir(directory)).filter((n) => n.startsWith(LOCK_FILE_NAME))).toEqual([]);
    }
  }, 60_000);
});

describe("temporary files a writer leaves behind", () => {
  it("a killed writer's file holds its space until the lock is next taken, which removes it", async () => {
    const directory = await tempDir();
    const writer = child("temp-writer.mjs", [directory, String(1 << 20)]);
    await line(writer, "written");
    const temp = (await readdir(directory)).filter((n) => n.endsWith(".tmp"));
    expect(temp).toHaveLength(1);
    expect(temp[0]).toContain(`-${writer.pid}-${hostTag()}-`);
    expect((await stat(join(directory, temp[0]!))).size).toBe(1 << 20);
    const storage = new FileSystemStorage({ directory });
    // while the writer lives, taking the lock leaves its file alone
    await (await storage.lock()).release();
    expect((await readdir(directory)).filter((n) => n.endsWith(".tmp"))).toEqual(temp);
    writer.kill("SIGKILL");
    await exited(writer);
    expect((await readdir(directory)).filter((n) => n.endsWith(".tmp"))).toEqual(temp);
    await (await storage.lock()).release();
    expect((await readdir(directory)).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("another host's (or an unnamed writer's) file is removed only once it is an hour old", async () => {
    const directory = await tempDir();
    const foreign = `.neo4j-backup-4242-${hostTag(`${hostname()}-elsewhere`)}-0123456789ab.tmp`;
    const legacy = ".neo4j-backup-0123456789ab.tmp";
    for (const name of [foreign, legacy]) await writeFile(join(directory, name), "x");
    const storage = new FileSystemStorage({ directory });
    await (await storage.lock()).release();
    expect((await readdir(directory)).sort()).toEqual([foreign, legacy].sort());
    const old = new Date(Date.now() - 61 * 60_000);
    for (const name of [foreign, legacy]) await utimes(join(directory, name), old, old);
    await (await storage.lock()).release();
    expect(await readdir(directory)).toEqual([]);
  });
});
