/**
 * The storage lock as an S3 object, safe across processes and machines. It is created only if
 * absent (`If-None-Match: *`), names its owner, and is renewed by its holder every sixth of its
 * lease (a conditional put on its own ETag, which changes the ETag). A waiter that sees the same
 * ETag for a whole lease — measured on its own clock, so clocks of different hosts never matter —
 * or whose holder is a dead process on its own host, takes it over with `If-Match` on the ETag it
 * judged stale: of two waiters exactly one wins. A holder whose renewal finds another ETag has lost
 * the lock, and is told so.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { BackupError } from "../../errors.js";
import type { StorageLock, StorageLockOptions } from "../contract.js";
import { isConflict, isNotFound, s3Error } from "./errors.js";
import type { S3Objects } from "./objects.js";

/** What the lock object holds. */
interface LockRecord {
  pid: number;
  host: string;
  token: string;
  acquired: string;
  /** The holder's lease: renewed every sixth of it; stale when not renewed for all of it. */
  leaseMs: number;
  renewed: string;
}

/** Timing of the lock. */
export interface S3LockSettings {
  leaseMs: number;
  pollMs: number;
}

/** What the storage learns from its lock. */
export interface S3LockHooks {
  /** Another process took the lock over while this one held it. */
  onLost(holder: string): void;
}

const DEFAULT_TIMEOUT_MS = 30 * 60_000;
/** Tokens of the locks this process holds now: a lock object of this pid with another token is left over. */
const heldTokens = new Set<string>();

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function parseRecord(text: string): LockRecord | "unreadable" {
  try {
    const parsed = JSON.parse(text) as LockRecord;
    if (typeof parsed?.pid === "number" && typeof parsed.token === "string") return parsed;
  } catch {
    // being replaced, or damaged: judged by how long it stays the same
  }
  return "unreadable";
}

/** Describes the holder for messages and `onWait`. */
export function describeHolder(record: LockRecord | "unreadable"): string {
  if (record === "unreadable") return "another process";
  return `process ${record.pid} on ${record.host} (since ${record.acquired})`;
}

/** A holder on this host that no longer runs, or an earlier lock of this process it no longer holds. */
function holderIsGone(record: LockRecord | "unreadable"): boolean {
  if (record === "unreadable" || record.host !== hostname()) return false;
  if (record.pid === process.pid) return !heldTokens.has(record.token);
  return !processAlive(record.pid);
}

/** How a waiter watches one lock object: the ETag it saw and since when, on its own clock. */
class Watch {
  private etag = "";
  private since = 0;

  /** True when `etag` has been the same for `leaseMs`. */
  unchangedFor(etag: string, leaseMs: number): boolean {
    const now = performance.now();
    if (etag !== this.etag) {
      this.etag = etag;
      this.since = now;
    }
    return now - this.since >= leaseMs;
  }
}

function newRecord(leaseMs: number): LockRecord {
  const now = new Date().toISOString();
  return {
    pid: process.pid,
    host: hostname(),
    token: randomBytes(12).toString("hex"),
    acquired: now,
    leaseMs,
    renewed: now,
  };
}

/** One try: create the lock, or take over a stale one. Returns the ETag when held, else the holder. */
async function tryTake(
  objects: S3Objects,
  key: string,
  record: LockRecord,
  watch: Watch,
  settings: S3LockSettings,
): Promise<{ etag: string } | { holder: LockRecord | "unreadable" } | "again"> {
  const body = JSON.stringify(record);
  const created = await objects.put(key, body, { ifNoneMatch: true });
  if ("etag" in created) return created;
  if (!isConflict(created.error)) throw s3Error(created.error, "taking the storage lock", objects.place(key));
  const current = await objects.getText(key, "reading the storage lock");
  if (!current) return "again";
  const holder = parseRecord(current.text);
  const lease = holder === "unreadable" ? settings.leaseMs : holder.leaseMs;
  if (!holderIsGone(holder) && !watch.unchangedFor(current.etag, lease)) return { holder };
  const taken = await objects.put(key, body, { ifMatch: current.etag });
  if ("etag" in taken) return taken;
  // changed (conflict) or removed by its holder's release (not found) since it was read: try again
  if (!isConflict(taken.error) && !isNotFound(taken.error))
    throw s3Error(taken.error, "taking over the storage lock", objects.place(key));
  return "again";
}

/** Takes the lock object `key`, waiting while a live holder has it. */
export async function acquireS3Lock(
  objects: S3Objects,
  key: string,
  settings: S3LockSettings,
  options: StorageLockOptions,
  hooks: S3LockHooks,
): Promise<StorageLock> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const record = newRecord(settings.leaseMs);
  const watch = new Watch();
  let waited = false;
  for (;;) {
    if (options.signal?.aborted) throw new BackupError("ABORTED", "waiting for the storage lock was aborted");
    // when the lock is taken, not when waiting for it began
    record.acquired = record.renewed = new Date().toISOString();
    const outcome = await tryTake(objects, key, record, watch, settings);
    if (outcome === "again") continue;
    if ("etag" in outcome) return holdLock(objects, key, record, outcome.etag, settings, hooks);
    if (!waited) {
      waited = true;
      options.onWait?.(describeHolder(outcome.holder));
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      const where = `s3://${objects.bucket}/${key}`;
      throw new BackupError(
        "LOCKED",
        `the backup storage is locked by ${describeHolder(outcome.holder)}; waited ${Math.round(timeoutMs / 1000)} s (${where})`,
        {
          details: {
            lockObject: where,
            holder: outcome.holder === "unreadable" ? undefined : outcome.holder,
          },
        },
      );
    }
    await delay(Math.min(remaining, settings.pollMs / 2 + Math.random() * settings.pollMs));
  }
}

/** The held lock: renewed until released; a renewal that finds another ETag means it was lost. */
function holdLock(
  objects: S3Objects,
  key: string,
  record: LockRecord,
  firstEtag: string,
  settings: S3LockSettings,
  hooks: S3LockHooks,
): StorageLock {
  heldTokens.add(record.token);
  let etag = firstEtag;
  let lost = false;
  let renewing: Promise<void> = Promise.resolve();
  const renew = async () => {
    if (lost) return;
    const body = JSON.stringify({ ...record, renewed: new Date().toISOString() });
    const result = await objects.put(key, body, { ifMatch: etag }).catch((error: unknown) => ({ error }));
    if ("etag" in result) etag = result.etag;
    else if (isConflict(result.error)) {
      lost = true;
      const now = await objects.getText(key, "reading the storage lock").catch(() => undefined);
      hooks.onLost(now ? describeHolder(parseRecord(now.text)) : "another process");
    }
    // other failures (the service is unreachable): the next renewal tries again
  };
  const timer = setInterval(
    () => {
      renewing = renewing.then(renew);
    },
    Math.max(Math.floor(settings.leaseMs / 6), 50),
  );
  timer.unref();
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      await renewing;
      heldTokens.delete(record.token);
      if (!lost) await removeIfOurs(objects, key, etag).catch(() => {});
    },
  };
}

/**
 * Removes the lock object if it is still this holder's version: a conditional delete, after a head
 * check for services that would ignore `If-Match` on a delete.
 */
async function removeIfOurs(objects: S3Objects, key: string, etag: string): Promise<void> {
  const current = await objects.head(key, "releasing the storage lock");
  if (current?.etag === etag) await objects.delete(key, "releasing the storage lock", etag);
}
