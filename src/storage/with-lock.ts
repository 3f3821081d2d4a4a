/**
 * The storage lock around whole operations. Reentrant within one async call chain, so an operation
 * that calls another (a replace restore takes a safety backup) takes the lock once.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { Logger } from "../logger.js";
import type { BackupStorage, StorageLockOptions } from "./contract.js";

const held = new AsyncLocalStorage<ReadonlySet<BackupStorage>>();

/** Options for operations that take the storage lock. */
export interface LockingOptions {
  /** How long to wait for another process's backup or restore on the same storage; default 30 minutes. */
  lockTimeoutMs?: number;
  /** Called once when the storage is locked by another holder and the operation starts waiting. */
  onLockWait?: (holder: string) => void;
}

/** True when this async call chain holds `storage`'s lock. */
export function holdsStorageLock(storage: BackupStorage): boolean {
  return held.getStore()?.has(storage) ?? false;
}

/** Runs `work` holding `storage`'s lock (taking it only if this call chain does not hold it yet). */
export async function withStorageLock<T>(
  storage: BackupStorage,
  work: () => Promise<T>,
  options: StorageLockOptions & {
    logger?: Logger;
    /** Runs first, holding the lock, only when this call took it (not in a nested call). */
    onAcquire?: () => Promise<unknown>;
  } = {},
): Promise<T> {
  const current = held.getStore();
  if (current?.has(storage)) return work();
  const lock = await storage.lock({
    ...options,
    onWait: (holder) => {
      options.logger?.info({ holder }, "waiting for the backup storage lock");
      options.onWait?.(holder);
    },
  });
  try {
    return await held.run(new Set([...(current ?? []), storage]), async () => {
      await options.onAcquire?.();
      return work();
    });
  } finally {
    await lock.release();
  }
}
