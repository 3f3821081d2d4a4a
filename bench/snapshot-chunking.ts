/**
 * What other chunk sizes would store for one day of change: the snapshot chunker alone
 * (src/format/chunking.ts) run over two plain backup files of the same database, before and after
 * the change, with other {@link ChunkingSettings}. Pure and in-process: no server, no storage.
 *
 * For each target size it cuts both files, and reports how many chunks the second file has, how
 * many of them the first file lacks, and what those would add stored as snapshots store them
 * (each chunk one zstd frame, src/codec/snapshot/chunk-codec.ts), beside what the whole second
 * file takes stored that way. With n records per chunk and a fraction p of records changed at
 * random, a fraction 1 − (1 − p)^n of the chunks changes: {@link expectedTouched}.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { resolveEncoding } from "../src/codec/encoded-writer.js";
import { encodeChunk } from "../src/codec/snapshot/chunk-codec.js";
import { type ChunkingSettings, RecordChunker } from "../src/format/chunking.js";

/** What one chunk size gives for one pair of files. */
export interface ChunkSizeResult {
  /** The settings measured (minimum a quarter of the target, as the defaults; maximum 1 MiB). */
  settings: ChunkingSettings;
  /** Chunks of the second file. */
  chunks: number;
  /** Lines (records, plus the few structural lines) per chunk of the second file, on average. */
  linesPerChunk: number;
  /** Chunks of the second file that the first file does not have. */
  newChunks: number;
  /** Stored (zstd) bytes of those chunks: what the second snapshot adds. */
  addedBytes: number;
  /** Stored (zstd) bytes of all chunks of the second file: a first snapshot of it. */
  storedBytes: number;
}

/** The settings measured for a target size in bytes. */
export function settingsFor(targetBytes: number): ChunkingSettings {
  return { minBytes: targetBytes / 4, targetBytes, maxBytes: Math.max(1 << 20, targetBytes) };
}

/** The fraction of chunks a uniform change of a fraction `p` of records touches, at `n` records a chunk. */
export function expectedTouched(p: number, n: number): number {
  return 1 - (1 - p) ** n;
}

/** Calls `each` with every chunk of the file at `path`, in order. */
async function forEachChunk(
  path: string,
  settings: ChunkingSettings,
  each: (chunk: Uint8Array) => Promise<void>,
): Promise<void> {
  const chunker = new RecordChunker(settings);
  for await (const bytes of createReadStream(path, { highWaterMark: 1 << 20 })) {
    // the chunker keeps references to what it is given: every read is a fresh buffer
    for (const chunk of chunker.push(bytes as Buffer)) await each(chunk);
  }
  const last = chunker.end();
  if (last) await each(last);
}

const idOf = (chunk: Uint8Array) => createHash("sha256").update(chunk).digest("hex");

function lineCount(chunk: Uint8Array): number {
  let lines = 0;
  for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) lines++;
  return lines;
}

/** Cuts `before` and `after` into chunks with `settings` and measures what `after` adds. */
export async function measureChunkSize(
  before: string,
  after: string,
  settings: ChunkingSettings,
): Promise<ChunkSizeResult> {
  const encoding = resolveEncoding({ compression: "zstd" });
  const known = new Set<string>();
  await forEachChunk(before, settings, async (chunk) => {
    known.add(idOf(chunk));
  });
  const result: ChunkSizeResult = {
    settings,
    chunks: 0,
    linesPerChunk: 0,
    newChunks: 0,
    addedBytes: 0,
    storedBytes: 0,
  };
  let lines = 0;
  const seen = new Set<string>();
  await forEachChunk(after, settings, async (chunk) => {
    const id = idOf(chunk);
    result.chunks++;
    lines += lineCount(chunk);
    // a chunk that occurs twice is stored once
    if (seen.has(id)) return;
    seen.add(id);
    const stored = (await encodeChunk(chunk, encoding)).bytes.length;
    result.storedBytes += stored;
    if (known.has(id)) return;
    result.newChunks++;
    result.addedBytes += stored;
  });
  result.linesPerChunk = lines / Math.max(1, result.chunks);
  return result;
}

/** {@link measureChunkSize} for each target size (in KiB). */
export async function measureChunkSizes(
  before: string,
  after: string,
  targetsKiB: readonly number[],
): Promise<ChunkSizeResult[]> {
  const results: ChunkSizeResult[] = [];
  for (const kib of targetsKiB) results.push(await measureChunkSize(before, after, settingsFor(kib * 1024)));
  return results;
}
