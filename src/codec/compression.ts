/**
 * The compression layer: gzip and zstd through node:zlib (zstd needs Node.js ≥ 22.15), no native
 * add-on. A compressed backup is a sequence of complete gzip members or zstd frames, which every
 * decoder (gunzip, `zstd -d`, node:zlib) reads as one stream: the metadata line goes first in a
 * stored (uncompressed) member of a size fixed in advance, so that it can be written last, in place.
 */

import type { Transform } from "node:stream";
import * as zlib from "node:zlib";
import { crc32 } from "node:zlib";
import { BackupError } from "../errors.js";
import type { Compression } from "../format/naming.js";

/** A compression that is not "none". */
export type Compressed = Exclude<Compression, "none">;

/** Levels each compression accepts, and its default (zstd's own default; gzip's, like `gzip`). */
export const COMPRESSION_LEVELS: Record<Compressed, { min: number; max: number; default: number }> = {
  gzip: { min: 1, max: 9, default: 6 },
  zstd: { min: 1, max: 19, default: 3 },
};

/** The first bytes of a gzip member. */
export const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
/** The first bytes of a zstd frame. */
export const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

/** node:zlib's zstd functions, typed here so that this builds against @types/node of any version. */
interface ZstdZlib {
  createZstdCompress(options?: { chunkSize?: number; params?: Record<number, number> }): Transform;
  createZstdDecompress(): Transform;
  zstdCompressSync(data: Uint8Array, options?: { params?: Record<number, number> }): Buffer;
  constants: Record<string, number>;
}

function zstd(): ZstdZlib {
  const z = zlib as unknown as Partial<ZstdZlib>;
  if (typeof z.createZstdCompress !== "function") {
    throw new BackupError(
      "INVALID_OPTIONS",
      `zstd needs Node.js 22.15 or later (node:zlib); this is Node.js ${process.versions.node}: use gzip, or upgrade Node.js`,
    );
  }
  return z as ZstdZlib;
}

/** Checks a compression and its level; returns the level to use. */
export function resolveCompressionLevel(compression: Compression, level: number | undefined): number {
  if (compression === "none") {
    if (level !== undefined)
      throw new BackupError("INVALID_OPTIONS", "compressionLevel needs compression gzip or zstd");
    return 0;
  }
  const range = COMPRESSION_LEVELS[compression];
  if (!range) {
    throw new BackupError(
      "INVALID_OPTIONS",
      `unknown compression ${JSON.stringify(compression)}: use "none", "gzip" or "zstd"`,
    );
  }
  if (level === undefined) return range.default;
  if (!Number.isInteger(level) || level < range.min || level > range.max) {
    throw new BackupError(
      "INVALID_OPTIONS",
      `${compression} compression levels are whole numbers from ${range.min} to ${range.max}, not ${level}`,
    );
  }
  if (compression === "zstd") zstd();
  return level;
}

function zstdParams(level: number): Record<number, number> {
  const c = zstd().constants;
  // the frame checksum (xxHash64) lets every decoder check the content, as gzip's CRC-32 does
  return { [c.ZSTD_c_compressionLevel!]: level, [c.ZSTD_c_checksumFlag!]: 1 };
}

/** A streaming compressor that writes one gzip member or zstd frame. */
export function createCompressor(compression: Compressed, level: number): Transform {
  if (compression === "gzip") return zlib.createGzip({ level, chunkSize: 256 * 1024 });
  return zstd().createZstdCompress({ chunkSize: 256 * 1024, params: zstdParams(level) });
}

/** A streaming decompressor that reads any number of concatenated members or frames. */
export function createDecompressor(compression: Compressed): Transform {
  if (compression === "gzip") return zlib.createGunzip({ chunkSize: 256 * 1024 });
  return zstd().createZstdDecompress();
}

/** `bytes` compressed whole into one member or frame. */
export function compressWhole(compression: Compressed, level: number, bytes: Uint8Array): Buffer {
  if (compression === "gzip") return zlib.gzipSync(bytes, { level });
  return zstd().zstdCompressSync(bytes, { params: zstdParams(level) });
}

/**
 * `bytes` — one snapshot chunk, at most a few hundred KiB — compressed into one member or frame.
 * zstd's tables are sized for a chunk rather than a stream (a 128 KiB window, and at the default
 * levels 32 K-entry hash and chain tables): setting them up for every chunk is what the default
 * parameters make expensive — in a one-off measurement (not a benchmark script) on 65 MB of record
 * lines, 64 KiB chunks took three times as long as these settings, for sizes within 0.1 %.
 */
export function compressChunk(compression: Compressed, level: number, bytes: Uint8Array): Buffer {
  if (compression === "gzip") return zlib.gzipSync(bytes, { level });
  const c = zstd().constants;
  const params: Record<number, number> = { ...zstdParams(level), [c.ZSTD_c_windowLog!]: 17 };
  if (level <= 3) {
    params[c.ZSTD_c_hashLog!] = 15;
    params[c.ZSTD_c_chainLog!] = 15;
  }
  return zstd().zstdCompressSync(bytes, { params });
}

const GZIP_STORED_BLOCK = 0xffff;
const ZSTD_RAW_BLOCK = 128 * 1024;

/** The size of {@link storedMember} for `length` bytes: it depends on nothing else. */
export function storedMemberSize(compression: Compressed, length: number): number {
  if (compression === "gzip") {
    const blocks = Math.max(1, Math.ceil(length / GZIP_STORED_BLOCK));
    return 10 + blocks * 5 + length + 8;
  }
  const blocks = Math.max(1, Math.ceil(length / ZSTD_RAW_BLOCK));
  return 4 + 1 + 4 + blocks * 3 + length;
}

/**
 * `bytes` in one gzip member of stored deflate blocks, or one zstd frame of raw blocks: not
 * compressed, so its size follows from the length alone (see {@link storedMemberSize}).
 */
export function storedMember(compression: Compressed, bytes: Uint8Array): Buffer {
  return compression === "gzip" ? storedGzip(bytes) : rawZstd(bytes);
}

/** RFC 1952 member with RFC 1951 stored blocks. */
function storedGzip(bytes: Uint8Array): Buffer {
  const parts: Buffer[] = [Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff])];
  let offset = 0;
  do {
    const length = Math.min(GZIP_STORED_BLOCK, bytes.length - offset);
    const last = offset + length >= bytes.length;
    const head = Buffer.alloc(5);
    head[0] = last ? 1 : 0;
    head.writeUInt16LE(length, 1);
    head.writeUInt16LE(~length & 0xffff, 3);
    parts.push(head, Buffer.from(bytes.subarray(offset, offset + length)));
    offset += length;
  } while (offset < bytes.length);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(bytes) >>> 0, 0);
  trailer.writeUInt32LE(bytes.length >>> 0, 4);
  parts.push(trailer);
  return Buffer.concat(parts);
}

/** RFC 8878 frame: single segment, 4-byte content size, raw blocks, no checksum. */
function rawZstd(bytes: Uint8Array): Buffer {
  const head = Buffer.alloc(9);
  ZSTD_MAGIC.copy(head, 0);
  head[4] = 0xa0; // Frame_Content_Size_flag 2 (4 bytes), Single_Segment_flag
  head.writeUInt32LE(bytes.length, 5);
  const parts: Buffer[] = [head];
  let offset = 0;
  do {
    const length = Math.min(ZSTD_RAW_BLOCK, bytes.length - offset);
    const last = offset + length >= bytes.length;
    const block = Buffer.alloc(3);
    block.writeUIntLE((length << 3) | (last ? 1 : 0), 0, 3); // Block_Type 0: raw
    parts.push(block, Buffer.from(bytes.subarray(offset, offset + length)));
    offset += length;
  } while (offset < bytes.length);
  return Buffer.concat(parts);
}
