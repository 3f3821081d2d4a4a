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
    // the clock's resolution: a millisecond
    expect(Date.parse(since!)).toBeGreaterThanOrEqual(releasedAt - 1);
  } finally {
    await lock.release();
  }
}
