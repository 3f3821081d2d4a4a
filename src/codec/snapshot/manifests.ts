/**
 * Every snapshot of a storage at once: the names of its manifests and the manifests read, with the
 * chunk ids they reference. A manifest that cannot be read is reported with the reason, never
 * skipped silently: pruneChunks refuses to remove anything then, checkSnapshots reports it.
 */
import { BackupError } from "../../errors.js";
import { SNAPSHOT_EXTENSION } from "../../format/naming.js";
import type { SnapshotManifest } from "../../format/snapshot-manifest.js";
import type { BackupStorage } from "../../storage/contract.js";
import { readManifest } from "./read.js";

/** Manifests read at once (object stores answer faster several at a time). */
const PARALLEL_READS = 8;

/** A manifest that could not be read, and why. */
export interface UnreadableManifest {
  /** The snapshot's name. */
  name: string;
  /** The error (`CORRUPT` when it is not a valid manifest, the storage's error otherwise). */
  error: unknown;
}

/** The manifests of some snapshots. */
export interface ManifestSet {
  /** The manifests read, by snapshot name. */
  manifests: Map<string, SnapshotManifest>;
  /** Those that could not be read. */
  unreadable: UnreadableManifest[];
}

/** The names of every snapshot in `storage` (its `.snapshot` manifests), sorted. */
export async function snapshotNames(storage: BackupStorage): Promise<string[]> {
  return (await storage.list())
    .map((b) => b.name)
    .filter((name) => name.endsWith(SNAPSHOT_EXTENSION))
    .sort();
}

/** Reads the manifests of `names`; checks `signal` between reads. */
export async function readManifests(
  storage: BackupStorage,
  names: readonly string[],
  signal?: AbortSignal,
): Promise<ManifestSet> {
  const manifests = new Map<string, SnapshotManifest>();
  const unreadable: UnreadableManifest[] = [];
  await forEachLimited(names, PARALLEL_READS, signal, async (name) => {
    try {
      manifests.set(name, await readManifest(storage, name));
    } catch (error) {
      unreadable.push({ name, error });
    }
  });
  unreadable.sort((a, b) => a.name.localeCompare(b.name));
  return { manifests, unreadable };
}

/** The chunk ids `manifests` reference, each with the snapshots that reference it (sorted). */
export function referencedChunks(manifests: ReadonlyMap<string, SnapshotManifest>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const name of [...manifests.keys()].sort()) {
    for (const [id] of manifests.get(name)!.chunks) {
      const names = out.get(id);
      if (!names) out.set(id, [name]);
      else if (names[names.length - 1] !== name) names.push(name);
    }
  }
  return out;
}

/** Why a manifest could not be read, in a few words. */
export function unreadableReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (error as { code?: unknown })?.code === "NOT_FOUND" ? `it is gone (${message})` : message;
}

/**
 * Runs `work` for every item, at most `limit` at once; the first failure stops the rest (those
 * running finish) and is thrown. `signal` is checked before each item (code `ABORTED`).
 */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal | undefined,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      if (signal?.aborted) {
        failure = {
          error: new BackupError("ABORTED", "the operation was aborted", { cause: signal.reason }),
        };
        return;
      }
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}
