/**
 * Reading a snapshot: its manifest, then its chunks in order, each read, decoded and checked — its
 * length and its id (recomputed from the plain bytes) — so that what comes out is exactly the plain document of a backup, for the same
 * readers as every other backup (which check the document's own checksums). A missing or damaged
 * chunk is a `CORRUPT` error naming the chunk and the snapshot before any of its bytes are handed on.
 */
import { BackupError } from "../../errors.js";
import { parseManifest, type SnapshotManifest } from "../../format/snapshot-manifest.js";
import { type BackupStorage, type ChunkStorage, holdsChunks } from "../../storage/contract.js";
import type { ReadKeys } from "../age.js";
import { decodeWhole } from "./chunk-codec.js";
import { keyedChunkId, plainChunkId } from "./ids.js";

/** Chunks read ahead of the one handed on (object stores answer faster several at a time). */
const READ_AHEAD = 4;

/** The storage of `name` as one that holds chunks; a clear error when it does not. */
export function chunkStorageOf(storage: BackupStorage, name: string): ChunkStorage {
  if (!holdsChunks(storage)) {
    throw new BackupError(
      "INVALID_OPTIONS",
      `${name} is a snapshot, and ${storage.describe()} cannot hold snapshot chunks (it has no putChunk, readChunk, listChunks and removeChunk)`,
    );
  }
  return storage;
}

/** Reads and checks the manifest of snapshot `name`. */
export async function readManifest(storage: BackupStorage, name: string): Promise<SnapshotManifest> {
  const parts: Buffer[] = [];
  for await (const part of await storage.read(name)) parts.push(Buffer.from(part));
  const parsed = parseManifest(Buffer.concat(parts).toString("utf8"));
  if ("problem" in parsed) {
    throw new BackupError(
      "CORRUPT",
      `${name} is damaged: its snapshot manifest is not valid (${parsed.problem})`,
    );
  }
  return parsed.manifest;
}

/** The id key of an encrypted snapshot, opened with `keys`. */
export async function openIdKey(name: string, manifest: SnapshotManifest, keys: ReadKeys): Promise<Buffer> {
  const sealed = Buffer.from(manifest.id_key ?? "", "base64");
  const key = await decodeWhole(
    `${name} (its chunk id key)`,
    sealed,
    { compression: "none", encrypted: true },
    keys,
  );
  if (key.length !== 32)
    throw new BackupError("CORRUPT", `${name} is damaged: its chunk id key is not 32 bytes`);
  return key;
}

/** The error for chunk `id` of `name`. */
export function chunkDamaged(name: string, id: string, what: string, cause?: unknown): BackupError {
  return new BackupError("CORRUPT", `${name} is damaged: its chunk ${id} ${what}`, {
    cause,
    details: { name, chunk: id },
  });
}

/**
 * Reads chunk `id` of snapshot `name` and checks it against the manifest entry: its plain bytes.
 * `idKey` checks keyed ids; without it a keyed id is not checked (age's authentication still is).
 */
export async function readCheckedChunk(
  storage: ChunkStorage,
  name: string,
  manifest: SnapshotManifest,
  entry: SnapshotManifest["chunks"][number],
  keys: ReadKeys,
  idKey: Uint8Array | undefined,
): Promise<Buffer> {
  const [id, length] = entry;
  let stored: Uint8Array;
  try {
    stored = await storage.readChunk(id);
  } catch (error) {
    if (error instanceof BackupError && error.code === "NOT_FOUND")
      throw chunkDamaged(name, id, "is missing", error);
    throw error;
  }
  let plain: Buffer;
  try {
    plain = await decodeWhole(`chunk ${id}`, stored, manifest.encoding, keys);
  } catch (error) {
    if (error instanceof BackupError && error.code === "CORRUPT")
      throw chunkDamaged(name, id, `does not decode (${error.message})`, error);
    throw error;
  }
  if (plain.length !== length) throw chunkDamaged(name, id, `holds ${plain.length} bytes, not ${length}`);
  const { compression } = manifest.encoding;
  const actual =
    manifest.ids === "sha256"
      ? plainChunkId(compression, plain)
      : idKey
        ? keyedChunkId(idKey, compression, plain)
        : id;
  if (actual !== id) throw chunkDamaged(name, id, "does not hold what its id names (its content changed)");
  return plain;
}

/**
 * The plain document of snapshot `name` (see the module comment). Decryption keys open encrypted
 * chunks and the id key.
 */
export async function openSnapshotBytes(
  storage: BackupStorage,
  name: string,
  keys: ReadKeys,
): Promise<AsyncIterable<Uint8Array>> {
  const chunks = chunkStorageOf(storage, name);
  const manifest = await readManifest(storage, name);
  const idKey = manifest.ids === "hmac-sha256" ? await openIdKey(name, manifest, keys) : undefined;
  return (async function* () {
    const pending: Promise<Buffer>[] = [];
    let next = 0;
    const fill = () => {
      while (pending.length < READ_AHEAD && next < manifest.chunks.length) {
        const read = readCheckedChunk(chunks, name, manifest, manifest.chunks[next++]!, keys, idKey);
        read.catch(() => {});
        pending.push(read);
      }
    };
    fill();
    while (pending.length > 0) {
      const plain = await pending.shift()!;
      fill();
      yield plain;
    }
  })();
}
