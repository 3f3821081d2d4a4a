/**
 * checkSnapshots: are the snapshots of a storage whole? Every manifest is read and every chunk it
 * references must be in the storage, with the stored size the manifest records; with `readData`
 * every referenced chunk is also read once (however many snapshots share it), decoded and checked
 * against its id — restic's `check` and `check --read-data`. Each damaged or missing chunk is
 * reported once, with every snapshot that needs it. Read-only: it takes no lock.
 */
import type { DecryptionOptions } from "../codec/age.js";
import {
  forEachLimited,
  readManifests,
  referencedChunks,
  snapshotNames,
  unreadableReason,
} from "../codec/snapshot/manifests.js";
import { chunkStorageOf, openIdKey, readCheckedChunk } from "../codec/snapshot/read.js";
import { BackupError, throwIfAborted } from "../errors.js";
import { SNAPSHOT_EXTENSION } from "../format/naming.js";
import type { SnapshotManifest } from "../format/snapshot-manifest.js";
import { type Logger, silentLogger } from "../logger.js";
import { type ChunkTable, storedChunkSizes } from "../storage/chunk-table.js";
import {
  assertValidBackupName,
  type BackupStorage,
  holdsChunks,
  isBackupStorage,
} from "../storage/contract.js";

/** Chunks read at once. */
const PARALLEL_READS = 4;

/** Options of {@link checkSnapshots}. */
export interface CheckSnapshotsOptions {
  /** The storage whose snapshots are checked. */
  storage: BackupStorage;
  /** The snapshots to check (`….snapshot` names); default every snapshot in the storage. */
  names?: string[];
  /** Also read every referenced chunk once, decode it and check it against its id. Default false. */
  readData?: boolean;
  /**
   * Keys that open encrypted snapshots; needed with `readData` when any snapshot checked is
   * encrypted (without them the check fails once with `KEY_REQUIRED`, before reading a chunk).
   */
  decryption?: DecryptionOptions;
  /** Called after each chunk read with `readData`. */
  onProgress?: (progress: SnapshotCheckProgress) => void;
  /** A pino-compatible logger; default silent. */
  logger?: Logger;
  /** Stops the check (code `ABORTED`). */
  signal?: AbortSignal;
}

/** How far a `readData` check is. */
export interface SnapshotCheckProgress {
  /** Chunks read so far. */
  chunksRead: number;
  /** Chunks to read in all. */
  chunksToRead: number;
  /** Stored bytes read so far. */
  bytesRead: number;
}

/** A chunk that is missing or damaged, and the snapshots that cannot be read without it. */
export interface SnapshotChunkProblem {
  /** The chunk's id. */
  chunk: string;
  /** `missing`: not in the storage; `damaged`: its size, its decoding or its content is wrong. */
  problem: "missing" | "damaged";
  /** What is wrong, in one sentence. */
  message: string;
  /** Every checked snapshot that references the chunk, sorted. */
  snapshots: string[];
}

/** A manifest that cannot be read (its chunks cannot be checked). */
export interface DamagedManifest {
  snapshot: string;
  message: string;
}

/** What {@link checkSnapshots} found. */
export interface SnapshotCheckReport {
  /** Snapshots whose manifest was read. */
  snapshots: number;
  /** Distinct chunks they reference. */
  chunks: number;
  /** Chunks read and checked (0 without `readData`). */
  chunksRead: number;
  /** Every missing or damaged chunk, once each. */
  problems: SnapshotChunkProblem[];
  /** Manifests that cannot be read. */
  damagedManifests: DamagedManifest[];
  /**
   * Stored chunks no manifest read references (`pruneChunks` removes them); `null` when only some
   * snapshots were checked (`names`).
   */
  unreferencedChunks: number | null;
  /** True when nothing is missing or damaged. */
  ok: boolean;
}

/** Where a chunk is checked from: one snapshot that references it, and its manifest entry. */
interface ChunkSource {
  name: string;
  manifest: SnapshotManifest;
  entry: SnapshotManifest["chunks"][number];
}

function assertCheckOptions(options: CheckSnapshotsOptions): void {
  if (!options || typeof options !== "object") {
    throw new BackupError("INVALID_OPTIONS", "checkSnapshots needs an options object");
  }
  if (!isBackupStorage(options.storage)) {
    throw new BackupError("INVALID_OPTIONS", "checkSnapshots needs `storage`: a BackupStorage");
  }
  for (const name of options.names ?? []) {
    assertValidBackupName(name);
    if (!name.endsWith(SNAPSHOT_EXTENSION)) {
      throw new BackupError(
        "INVALID_OPTIONS",
        `${name} is not a snapshot (a snapshot's name ends in ${SNAPSHOT_EXTENSION}); check a single-file backup with validateBackup`,
      );
    }
  }
}

/**
 * Checks the snapshots of `storage` (or those named): see the module comment and
 * {@link SnapshotCheckReport}. Damage is reported, not thrown.
 *
 * @throws BackupError — `NOT_FOUND` (a named snapshot is absent), `KEY_REQUIRED` or
 *   `DECRYPTION_FAILED` (with `readData`: encrypted snapshots and no key that opens them; the error
 *   names them), `INVALID_OPTIONS` (the storage holds no chunks), `STORAGE`, `ABORTED`.
 */
export async function checkSnapshots(options: CheckSnapshotsOptions): Promise<SnapshotCheckReport> {
  assertCheckOptions(options);
  const { storage, signal } = options;
  const logger = options.logger ?? silentLogger;
  const names = options.names ? [...new Set(options.names)].sort() : await snapshotNames(storage);
  for (const name of options.names ? names : []) {
    if (!(await storage.stat(name))) {
      throw new BackupError("NOT_FOUND", `snapshot ${name} not found in ${storage.describe()}`);
    }
  }
  throwIfAborted(signal, "checking snapshots");
  if (names.length === 0) {
    let stored = 0;
    if (holdsChunks(storage)) for await (const _ of storage.listChunks()) stored++;
    return report(0, 0, 0, [], [], stored);
  }
  const chunks = chunkStorageOf(storage, names[0]!);
  const { manifests, unreadable } = await readManifests(storage, names, signal);
  const damagedManifests = unreadable.map((u) => ({ snapshot: u.name, message: unreadableReason(u.error) }));
  const referenced = referencedChunks(manifests);
  const stored = await storedChunkSizes(chunks);
  const sources = chunkSources(manifests);
  const problems: SnapshotChunkProblem[] = [];
  const problem = (chunk: string, kind: "missing" | "damaged", message: string) =>
    problems.push({ chunk, problem: kind, message, snapshots: referenced.get(chunk)! });
  const toRead: string[] = [];
  for (const [id, source] of sources) {
    const size = stored.get(id);
    const recorded = source.entry[2];
    if (size === undefined) problem(id, "missing", `chunk ${id} is not in the storage`);
    else if (recorded > 0 && size !== recorded)
      problem(
        id,
        "damaged",
        `chunk ${id} is ${size} bytes in the storage, not the ${recorded} its manifest records`,
      );
    else toRead.push(id);
  }
  let chunksRead = 0;
  if (options.readData === true) {
    const idKeys = await openIdKeys(manifests, options.decryption ?? {}, damagedManifests);
    const total = toRead.length;
    let bytesRead = 0;
    await forEachLimited(toRead, PARALLEL_READS, signal, async (id) => {
      const { name, manifest, entry } = sources.get(id)!;
      try {
        await readCheckedChunk(chunks, name, manifest, entry, options.decryption ?? {}, idKeys.get(name));
      } catch (error) {
        const found = describeReadFailure(name, error);
        if (!found) throw error;
        problem(id, found.kind, found.message);
      }
      chunksRead++;
      bytesRead += stored.get(id) ?? 0;
      options.onProgress?.({ chunksRead, chunksToRead: total, bytesRead });
    });
  }
  problems.sort((a, b) => a.snapshots[0]!.localeCompare(b.snapshots[0]!) || a.chunk.localeCompare(b.chunk));
  const unreferenced = options.names ? null : countUnreferenced(stored, referenced);
  const result = report(
    manifests.size,
    referenced.size,
    chunksRead,
    problems,
    damagedManifests,
    unreferenced,
  );
  logger.info(
    { snapshots: result.snapshots, chunks: result.chunks, chunksRead, problems: problems.length },
    result.ok ? "the snapshots are whole" : "snapshots are damaged",
  );
  return result;
}

/** For each referenced chunk: the first snapshot (by name) that references it. */
function chunkSources(manifests: ReadonlyMap<string, SnapshotManifest>): Map<string, ChunkSource> {
  const out = new Map<string, ChunkSource>();
  for (const name of [...manifests.keys()].sort()) {
    const manifest = manifests.get(name)!;
    for (const entry of manifest.chunks) if (!out.has(entry[0])) out.set(entry[0], { name, manifest, entry });
  }
  return out;
}

/**
 * The id keys of the encrypted snapshots. Without keys that open them the check fails once,
 * naming them all; a damaged id key makes its manifest damaged (its chunks are read unkeyed).
 */
async function openIdKeys(
  manifests: ReadonlyMap<string, SnapshotManifest>,
  decryption: DecryptionOptions,
  damaged: DamagedManifest[],
): Promise<Map<string, Uint8Array>> {
  const keys = new Map<string, Uint8Array>();
  const locked: { name: string; code: "KEY_REQUIRED" | "DECRYPTION_FAILED" }[] = [];
  for (const [name, manifest] of manifests) {
    if (manifest.ids !== "hmac-sha256") continue;
    try {
      keys.set(name, await openIdKey(name, manifest, decryption));
    } catch (error) {
      const code = error instanceof BackupError ? error.code : undefined;
      if (code === "KEY_REQUIRED" || code === "DECRYPTION_FAILED") locked.push({ name, code });
      else if (code === "CORRUPT") damaged.push({ snapshot: name, message: (error as Error).message });
      else throw error;
    }
  }
  if (locked.length > 0) {
    const code = locked.some((l) => l.code === "KEY_REQUIRED") ? "KEY_REQUIRED" : "DECRYPTION_FAILED";
    const list = locked.map((l) => l.name).sort();
    const shown = list.slice(0, 5).join(", ") + (list.length > 5 ? ` and ${list.length - 5} more` : "");
    throw new BackupError(
      code,
      `reading the chunks of ${list.length === 1 ? "an encrypted snapshot" : `${list.length} encrypted snapshots`} needs an identity that opens ${list.length === 1 ? "it" : "them"}, and ${code === "KEY_REQUIRED" ? "none was given" : "none of those given does"}: ${shown} (without readData the check needs no key)`,
      { details: { snapshots: list } },
    );
  }
  return keys;
}

/** A chunk's read failure as a problem, or `undefined` when it is not damage (a storage failure). */
function describeReadFailure(
  name: string,
  error: unknown,
): { kind: "missing" | "damaged"; message: string } | undefined {
  if (!(error instanceof BackupError)) return undefined;
  const message = error.message.replace(`${name} is damaged: its `, "");
  if (error.code === "CORRUPT") {
    const gone = (error.cause as { code?: unknown } | undefined)?.code === "NOT_FOUND";
    return { kind: gone ? "missing" : "damaged", message };
  }
  // the id key opened, so a chunk no key opens is not the chunk that was written
  if (error.code === "KEY_REQUIRED" || error.code === "DECRYPTION_FAILED")
    return { kind: "damaged", message };
  return undefined;
}

function report(
  snapshots: number,
  chunks: number,
  chunksRead: number,
  problems: SnapshotChunkProblem[],
  damagedManifests: DamagedManifest[],
  unreferencedChunks: number | null,
): SnapshotCheckReport {
  const ok = problems.length === 0 && damagedManifests.length === 0;
  return { snapshots, chunks, chunksRead, problems, damagedManifests, unreferencedChunks, ok };
}

function countUnreferenced(stored: ChunkTable, referenced: ReadonlyMap<string, unknown>): number {
  let count = 0;
  for (const [id] of stored.entries()) if (!referenced.has(id)) count++;
  return count;
}
