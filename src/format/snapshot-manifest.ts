/**
 * The manifest of a snapshot (`<prefix>_YYYYMMDD_HHMMSS.snapshot`): which chunks, in which order,
 * make up the backup's byte stream, and how each chunk is stored. Reassembled, the chunks are
 * exactly the plain document a backup written in place is (same bytes, same checksums); see
 * docs/snapshots.md.
 */
import { z } from "zod";

/** The `format` of every manifest. */
export const SNAPSHOT_FORMAT = "neo4j-backup-snapshot";
/** The manifest version this library writes and reads. */
export const SNAPSHOT_FORMAT_VERSION = 1;

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, "64 hex digits");

/** One chunk: its id, its plain length, its stored length. */
export const manifestChunkSchema = z.tuple([
  hex64,
  z.number().int().nonnegative(),
  z.number().int().nonnegative(),
]);

/** The manifest document. */
export const snapshotManifestSchema = z.strictObject({
  format: z.literal(SNAPSHOT_FORMAT),
  format_version: z.literal(SNAPSHOT_FORMAT_VERSION),
  /** When the snapshot was written (ISO 8601, UTC). */
  created: z.string(),
  /** How every chunk of this snapshot is stored. */
  encoding: z.strictObject({
    compression: z.enum(["none", "gzip", "zstd"]),
    encrypted: z.boolean(),
  }),
  /**
   * How chunk ids are made: `sha256` (of the encoding's name and the plain chunk) or
   * `hmac-sha256` (keyed, for encrypted snapshots; the key is in `id_key`, encrypted).
   */
  ids: z.enum(["sha256", "hmac-sha256"]),
  /** The id key of an encrypted snapshot, as a base64 age file to the snapshot's recipients. */
  id_key: z.string().optional(),
  /** Length of the reassembled plain document in bytes. */
  length: z.number().int().nonnegative(),
  /** What this snapshot added to the storage: chunks and stored bytes it wrote. */
  added: z.strictObject({ chunks: z.number().int().nonnegative(), bytes: z.number().int().nonnegative() }),
  /** The chunks in order: the metadata line, the records, the statistics line. */
  chunks: z.array(manifestChunkSchema).min(1),
});

/** A snapshot manifest. */
export type SnapshotManifest = z.infer<typeof snapshotManifestSchema>;

/** The sizes of a snapshot. */
export interface SnapshotSizes {
  /** Bytes of the plain document it reassembles to. */
  logicalBytes: number;
  /** Stored bytes of all its chunks (what it would take alone). */
  storedBytes: number;
  /** Stored bytes of the chunks this snapshot added to the storage when it was written. */
  addedBytes: number;
  /** Its chunks. */
  chunks: number;
  /** The chunks it added. */
  addedChunks: number;
}

/** The manifest as stored: one JSON document, one chunk per line. */
export function manifestText(manifest: SnapshotManifest): string {
  const { chunks, ...head } = manifest;
  const lines = chunks.map((c) => JSON.stringify(c));
  return `${JSON.stringify(head).slice(0, -1)},"chunks":[\n${lines.join(",\n")}\n]}\n`;
}

/** Parses a manifest; a message saying what is wrong when it is not one. */
export function parseManifest(text: string): { manifest: SnapshotManifest } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `it is not JSON (${(error as Error).message})` };
  }
  const parsed = snapshotManifestSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { problem: `${issue.path.join(".") || "the document"}: ${issue.message}` };
  }
  const manifest = parsed.data;
  const total = manifest.chunks.reduce((sum, c) => sum + c[1], 0);
  if (total !== manifest.length) {
    return { problem: `its chunks add up to ${total} bytes, not the ${manifest.length} it states` };
  }
  if (manifest.ids === "hmac-sha256" && manifest.id_key === undefined) {
    return { problem: "its chunk ids are keyed but it has no id_key" };
  }
  return { manifest };
}

/** The sizes a manifest tells. */
export function snapshotSizes(manifest: SnapshotManifest): SnapshotSizes {
  return {
    logicalBytes: manifest.length,
    storedBytes: manifest.chunks.reduce((sum, c) => sum + c[2], 0),
    addedBytes: manifest.added.bytes,
    chunks: manifest.chunks.length,
    addedChunks: manifest.added.chunks,
  };
}
