/**
 * pruneChunks: removes the chunks no snapshot references any more — those of snapshots retention
 * (or anyone) removed, and those of snapshots that failed or were killed before their manifest was
 * published. Only chunks are ever removed, never a manifest, so a prune stopped at any point (even
 * kill -9) leaves every snapshot as readable as it was.
 */
import {
  forEachLimited,
  readManifests,
  referencedChunks,
  snapshotNames,
  type UnreadableManifest,
  unreadableReason,
} from "../codec/snapshot/manifests.js";
import { BackupError, type BackupErrorCode, throwIfAborted } from "../errors.js";
import type { SnapshotManifest } from "../format/snapshot-manifest.js";
import { type Logger, silentLogger } from "../logger.js";
import { ChunkTable } from "../storage/chunk-table.js";
import { type BackupStorage, type ChunkStorage, holdsChunks, isBackupStorage } from "../storage/contract.js";
import type { LockingOptions } from "../storage/with-lock.js";
import { underLock } from "./lock.js";

/** How young an unreferenced chunk is kept by default: one hour. */
export const DEFAULT_PRUNE_GRACE_MS = 60 * 60_000;

/** Chunks removed at once (object stores answer faster several at a time). */
const PARALLEL_REMOVALS = 8;

/** Options of {@link pruneChunks}. */
export interface PruneChunksOptions extends LockingOptions {
  /** The storage whose snapshot chunks are pruned. */
  storage: BackupStorage;
  /** Report what would be removed, remove nothing (the lock is taken all the same). */
  dryRun?: boolean;
  /**
   * Unreferenced chunks stored less than this many milliseconds ago are kept; default one hour
   * ({@link DEFAULT_PRUNE_GRACE_MS}). They may belong to a snapshot still being written by a
   * writer that lost the lock (see docs/lifecycle.md).
   */
  graceMs?: number;
  /** A pino-compatible logger; default silent. */
  logger?: Logger;
  /** Stops the prune between chunks; the chunks removed so far were unreferenced. */
  signal?: AbortSignal;
}

/** What {@link pruneChunks} did (or, with `dryRun`, would do). */
export interface PruneResult {
  /** Snapshots (manifests) read. */
  snapshots: number;
  /** Distinct chunk ids the snapshots reference. */
  referencedChunks: number;
  /** Referenced chunks that are not in the storage (`checkSnapshots` names them and their snapshots). */
  missingChunks: number;
  /** Chunks removed (or that would be, with `dryRun`). */
  removedChunks: number;
  /** Their stored bytes. */
  removedBytes: number;
  /** Chunks left in the storage: the referenced ones and the young unreferenced ones. */
  keptChunks: number;
  /** Their stored bytes. */
  keptBytes: number;
  /** Unreferenced chunks kept because they were stored less than `graceMs` ago. */
  unreferencedYoung: number;
  /** True when nothing was removed because `dryRun` was asked for. */
  dryRun: boolean;
}

function assertPruneOptions(options: PruneChunksOptions): void {
  if (!options || typeof options !== "object") {
    throw new BackupError("INVALID_OPTIONS", "pruneChunks needs an options object");
  }
  if (!isBackupStorage(options.storage)) {
    throw new BackupError("INVALID_OPTIONS", "pruneChunks needs `storage`: a BackupStorage");
  }
  const { graceMs } = options;
  if (graceMs !== undefined && !(typeof graceMs === "number" && graceMs >= 0 && Number.isFinite(graceMs))) {
    throw new BackupError(
      "INVALID_OPTIONS",
      `pruneChunks: graceMs must be a number of milliseconds ≥ 0, not ${String(graceMs)}`,
    );
  }
}

/**
 * Removes the snapshot chunks of `storage` that no snapshot references, except those stored less
 * than `graceMs` ago. Holds the storage lock throughout, so no snapshot of this library is being
 * written meanwhile, in this process or any other.
 *
 * Safety: every manifest is read first; if any cannot be read (damaged, unreadable, gone between
 * listing and reading) nothing is removed and the prune fails naming it — a chunk it references
 * must never go. The manifests are listed again right before removing, and any new one's chunks
 * are kept too. No manifest is ever written or removed.
 *
 * @throws BackupError — `CORRUPT` (a manifest is not valid; nothing was removed), `STORAGE`,
 *   `LOCKED`, `ABORTED`, `INVALID_OPTIONS`.
 */
export async function pruneChunks(options: PruneChunksOptions): Promise<PruneResult> {
  assertPruneOptions(options);
  const { storage, signal } = options;
  const logger = options.logger ?? silentLogger;
  const graceMs = options.graceMs ?? DEFAULT_PRUNE_GRACE_MS;
  const dryRun = options.dryRun === true;
  const locking = {
    storage,
    logger,
    signal,
    lockTimeoutMs: options.lockTimeoutMs,
    onLockWait: options.onLockWait,
  };
  return underLock(locking, async () => {
    throwIfAborted(signal, "pruning snapshot chunks");
    if (!holdsChunks(storage)) {
      logger.info({ storage: storage.describe() }, "the storage holds no snapshot chunks: nothing to prune");
      return emptyResult(dryRun, (await snapshotNames(storage)).length);
    }
    // chunks first: every chunk listed was stored before the manifests that may name it are read
    const listed = await listByAge(storage, Date.now(), graceMs);
    const manifests = await readAll(storage, await snapshotNames(storage), signal);
    const referenced = referencedChunks(manifests);
    let candidates = [...listed.old.entries()].filter(([id]) => !referenced.has(id));
    // belt and braces (the lock already keeps this library's writers out): a manifest published
    // since the listing keeps its chunks
    const latest = (await snapshotNames(storage)).filter((name) => !manifests.has(name));
    if (latest.length > 0) {
      const added = await readAll(storage, latest, signal);
      logger.warn(
        { snapshots: [...added.keys()] },
        "snapshots appeared during the prune; their chunks are kept",
      );
      const more = referencedChunks(added);
      for (const id of more.keys()) if (!referenced.has(id)) referenced.set(id, more.get(id)!);
      for (const [name, manifest] of added) manifests.set(name, manifest);
      candidates = candidates.filter(([id]) => !referenced.has(id));
    }
    if (!dryRun) await removeChunks(storage, candidates, signal);
    const result = summarize(listed, candidates, referenced, manifests.size, dryRun);
    logger.info({ ...result }, dryRun ? "prune (dry run): nothing removed" : "pruned snapshot chunks");
    if (result.missingChunks > 0) {
      logger.warn(
        { missingChunks: result.missingChunks },
        "snapshots reference chunks the storage does not have: run checkSnapshots (neo4j-backup check) to name them",
      );
    }
    return result;
  });
}

/** Reads every manifest of `names`, or fails naming those that cannot be read (nothing removed). */
async function readAll(
  storage: BackupStorage,
  names: readonly string[],
  signal: AbortSignal | undefined,
): Promise<Map<string, SnapshotManifest>> {
  const { manifests, unreadable } = await readManifests(storage, names, signal);
  if (unreadable.length > 0) throw refusal(storage, unreadable);
  return manifests;
}

function refusal(storage: BackupStorage, unreadable: UnreadableManifest[]): BackupError {
  const codes = unreadable.map((u) => (u.error instanceof BackupError ? u.error.code : undefined));
  const code: BackupErrorCode = codes.includes("CORRUPT")
    ? "CORRUPT"
    : (codes.find((c) => c !== undefined) ?? "STORAGE");
  const list = unreadable
    .slice(0, 5)
    .map((u) => `${u.name} (${unreadableReason(u.error)})`)
    .join("; ");
  const more = unreadable.length > 5 ? `; and ${unreadable.length - 5} more` : "";
  const one = unreadable.length === 1;
  return new BackupError(
    code,
    `prune removed nothing from ${storage.describe()}: ${one ? "a snapshot manifest cannot" : `${unreadable.length} snapshot manifests cannot`} be read, and no chunk ${one ? "it" : "they"} may reference can be removed: ${list}${more}. Restore ${one ? "it" : "them"} from a copy, or remove ${one ? "it" : "them"} if the snapshot is lost, then prune again`,
    { cause: unreadable[0]!.error, details: { manifests: unreadable.map((u) => u.name) } },
  );
}

/** The stored chunks by id and size: those older than the grace period and the young ones apart. */
interface ListedChunks {
  old: ChunkTable;
  young: ChunkTable;
}

async function listByAge(storage: ChunkStorage, now: number, graceMs: number): Promise<ListedChunks> {
  const listed: ListedChunks = { old: new ChunkTable(), young: new ChunkTable() };
  for await (const chunk of storage.listChunks()) {
    const young = now - chunk.modified.getTime() < graceMs;
    (young ? listed.young : listed.old).set(chunk.id, chunk.size);
  }
  return listed;
}

async function removeChunks(
  storage: ChunkStorage,
  chunks: readonly [string, number][],
  signal: AbortSignal | undefined,
): Promise<void> {
  await forEachLimited(chunks, PARALLEL_REMOVALS, signal, ([id]) => storage.removeChunk(id));
}

function summarize(
  listed: ListedChunks,
  removed: readonly [string, number][],
  referenced: ReadonlyMap<string, string[]>,
  snapshots: number,
  dryRun: boolean,
): PruneResult {
  let storedBytes = 0;
  for (const table of [listed.old, listed.young]) for (const [, size] of table.entries()) storedBytes += size;
  const removedBytes = removed.reduce((sum, [, size]) => sum + size, 0);
  let missingChunks = 0;
  for (const id of referenced.keys()) if (!listed.old.has(id) && !listed.young.has(id)) missingChunks++;
  let unreferencedYoung = 0;
  for (const [id] of listed.young.entries()) if (!referenced.has(id)) unreferencedYoung++;
  return {
    snapshots,
    referencedChunks: referenced.size,
    missingChunks,
    removedChunks: removed.length,
    removedBytes,
    keptChunks: listed.old.size + listed.young.size - removed.length,
    keptBytes: storedBytes - removedBytes,
    unreferencedYoung,
    dryRun,
  };
}

function emptyResult(dryRun: boolean, snapshots: number): PruneResult {
  return {
    snapshots,
    referencedChunks: 0,
    missingChunks: 0,
    removedChunks: 0,
    removedBytes: 0,
    keptChunks: 0,
    keptBytes: 0,
    unreferencedYoung: 0,
    dryRun,
  };
}
