/**
 * What the snapshots of a storage take: the bytes of the documents they reassemble to, the bytes
 * they are stored in (manifests and every chunk, referenced or not yet pruned), and the ratio of the
 * two. For the metrics and the dashboard.
 */
import { type BackupStorage, holdsChunks } from "../storage/contract.js";
import type { BackupIndexEntry } from "./backup-index.js";

/** The snapshots of a storage, by size. */
export interface SnapshotStorageUse {
  /** Snapshots in the storage (of every database). */
  snapshots: number;
  /** Bytes of the documents they reassemble to, added up. */
  logicalBytes: number;
  /** Bytes of their manifests and of every stored chunk; null when the chunks could not be listed. */
  storedBytes: number | null;
  /** `logicalBytes / storedBytes`; null without snapshots or without `storedBytes`. */
  deduplicationRatio: number | null;
}

/** Measures the snapshots among `entries` (the storage's index) — one listing of the chunks. */
export async function measureSnapshotStorage(
  storage: BackupStorage,
  entries: readonly BackupIndexEntry[],
): Promise<SnapshotStorageUse> {
  const snapshots = entries.filter((e) => e.snapshot);
  const logicalBytes = snapshots.reduce((sum, e) => sum + (e.snapshot?.logicalBytes ?? 0), 0);
  let storedBytes: number | null = snapshots.length === 0 ? 0 : null;
  if (snapshots.length > 0 && holdsChunks(storage)) {
    let chunkBytes = 0;
    for await (const chunk of storage.listChunks()) chunkBytes += chunk.size;
    storedBytes = chunkBytes + snapshots.reduce((sum, e) => sum + e.size, 0);
  }
  return {
    snapshots: snapshots.length,
    logicalBytes,
    storedBytes,
    deduplicationRatio: storedBytes ? logicalBytes / storedBytes : null,
  };
}
