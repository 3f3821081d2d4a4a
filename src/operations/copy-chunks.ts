/**
 * The chunks of a snapshot copied into another storage: only those the target lacks, each read
 * back after it is written and compared byte for byte (SHA-256) with what was read from the
 * source. Chunks are copied as stored — compressed and encrypted as they are — so no key is needed.
 */
import { createHash } from "node:crypto";
import { chunkStorageOf, readManifest } from "../codec/snapshot/read.js";
import { BackupError, throwIfAborted } from "../errors.js";
import { storedChunkSizes } from "../storage/chunk-table.js";
import type { BackupStorage } from "../storage/contract.js";

/** What copying a snapshot's chunks did. */
export interface ChunkCopy {
  /** Chunks the target lacked, copied now. */
  copied: number;
  /** Their stored bytes. */
  copiedBytes: number;
  /** Chunks the target had already. */
  present: number;
}

function digest(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Copies the chunks snapshot `name` of `from` references and `to` lacks. Call with `to`'s lock held. */
export async function copySnapshotChunks(
  from: BackupStorage,
  to: BackupStorage,
  name: string,
  signal: AbortSignal | undefined,
): Promise<ChunkCopy> {
  const source = chunkStorageOf(from, name);
  const target = chunkStorageOf(to, name);
  const manifest = await readManifest(from, name);
  const have = await storedChunkSizes(target);
  const result: ChunkCopy = { copied: 0, copiedBytes: 0, present: 0 };
  for (const id of new Set(manifest.chunks.map((c) => c[0]))) {
    throwIfAborted(signal, "copying a snapshot");
    if (have.has(id)) {
      result.present++;
      continue;
    }
    const bytes = await source.readChunk(id);
    await target.putChunk(id, bytes);
    const arrived = await target.readChunk(id);
    if (digest(arrived) !== digest(bytes)) {
      throw new BackupError(
        "VALIDATION_FAILED",
        `chunk ${id} of ${name} arrived in ${to.describe()} with other bytes than it has in ${from.describe()}; the snapshot was not copied`,
      );
    }
    result.copied++;
    result.copiedBytes += bytes.length;
  }
  return result;
}
