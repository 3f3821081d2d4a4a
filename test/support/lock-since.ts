/**
 * A storage lock's record of when it was taken: a waiter's lock must say it holds the lock since
 * the release it waited for, not since it began waiting (the holder described in a refusal).
 */
import { expect } from "vitest";
import type { BackupStorage } from "../../src/index.js";

/**
 * Takes the lock, lets a second taker wait `waitMs`, releases; then the refusal of a third taker
 * must name a holder "since" no earlier than the release.
 */
/** The most a request that takes the lock may begin before it succeeds, well under `waitMs`. */
const ROUND_TRIP_MS = 100;

export async function expectLockSinceTaken(
  storage: Pick<BackupStorage, "lock">,
  waitMs = 400,
): Promise<void> {
  const first = await storage.lock();
  const second = storage.lock({ timeoutMs: 30_000 });
  await new Promise((r) => setTimeout(r, waitMs));
  const releasedAt = Date.now();
  await first.release();
  const lock = await second;
  try {
    const refused = (await storage.lock({ timeoutMs: 100 }).catch((e: Error) => e)) as Error;
    const since = /\(since ([^)]+)\)/.exec(refused.message)?.[1];
    expect(since, refused.message).toBeDefined();
    // The record is written by the request that takes the lock, so its time is when that request
    // began: up to one round trip before the release that let it through (a few ms), while a lock
    // dated from the start of the wait would be `waitMs` earlier.
    expect(Date.parse(since!)).toBeGreaterThanOrEqual(releasedAt - ROUND_TRIP_MS);
  } finally {
    await lock.release();
  }
}
