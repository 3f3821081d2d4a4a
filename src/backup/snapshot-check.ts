/**
 * The check of a snapshot this process has just published, before retention may remove anything
 * older: its manifest read back is the one written, every chunk it names is in the storage, and
 * every chunk it added reads back, decodes (with the file key this process used) and holds what
 * its id names. Chunks it reuses were checked the same way by the snapshot that stored them; a
 * full read of every chunk is `validateBackup` or `checkSnapshots`.
 */
import { chunkStorageOf, readCheckedChunk, readManifest } from "../codec/snapshot/read.js";
import { manifestText } from "../format/snapshot-manifest.js";
import { storedChunkSizes } from "../storage/chunk-table.js";
import type { BackupStorage } from "../storage/contract.js";
import type { SnapshotWritten } from "./snapshot-output.js";

/** What the check found wrong, or an empty list. */
export async function checkWrittenSnapshot(
  storage: BackupStorage,
  name: string,
  written: SnapshotWritten,
): Promise<string[]> {
  const { idKey } = written;
  const chunks = chunkStorageOf(storage, name);
  const problems: string[] = [];
  const manifest = await readManifest(storage, name).catch((error: Error) => {
    problems.push(error.message);
    return undefined;
  });
  if (!manifest) return problems;
  if (manifestText(manifest) !== manifestText(written.manifest)) {
    problems.push(`${name}: the manifest read back is not the one written`);
    return problems;
  }
  const present = await storedChunkSizes(chunks);
  const missing = [...new Set(manifest.chunks.map((c) => c[0]))].filter((id) => !present.has(id));
  for (const id of missing.slice(0, 5)) problems.push(`${name}: its chunk ${id} is not in the storage`);
  const checked = new Set<string>();
  for (const entry of manifest.chunks) {
    const id = entry[0];
    if (!written.added.has(id) || checked.has(id) || !present.has(id)) continue;
    checked.add(id);
    const fileKey = written.added.get(id);
    try {
      await readCheckedChunk(chunks, name, manifest, entry, fileKey ? { fileKeys: [fileKey] } : {}, idKey);
    } catch (error) {
      problems.push((error as Error).message);
      if (problems.length >= 5) break;
    }
  }
  return problems;
}
