/**
 * Content-defined chunking of a backup's byte stream at record boundaries, for snapshots.
 *
 * A chunk always ends at the end of a line (every record is one line, see layout.ts). After each
 * complete line the chunker decides whether the chunk ends there, from the line's own content: a
 * 32-bit FNV-1a hash of the line's first {@link HEAD_BYTES} bytes (which hold the record's `_id`)
 * is compared with a threshold proportional to the line's length, so that a chunk ends after
 * about `targetBytes − minBytes` bytes past its minimum whatever the record sizes are. Chunks are
 * never shorter than `minBytes` (except the last) and end at the first line end at or beyond
 * `maxBytes`. A changed, created or deleted record therefore changes only the chunk it lies in
 * (and, when it ends a chunk, the next one): boundaries elsewhere stay where they were.
 *
 * Pure and deterministic: the same bytes give the same chunks, however they are split into pushes.
 */

/** Sizes of chunks, in bytes of the plain document. */
export interface ChunkingSettings {
  /** No chunk ends before this many bytes (the last chunk may be shorter). */
  minBytes: number;
  /** The average chunk size aimed at. */
  targetBytes: number;
  /** A chunk ends at the first line end at or beyond this many bytes. */
  maxBytes: number;
}

/** The sizes snapshots use (docs/snapshots.md says how they were chosen). */
export const DEFAULT_CHUNKING: Readonly<ChunkingSettings> = Object.freeze({
  minBytes: 16 * 1024,
  targetBytes: 64 * 1024,
  maxBytes: 1024 * 1024,
});

/** How many bytes at the start of a line decide whether a chunk ends after it. */
export const HEAD_BYTES = 64;

const NEWLINE = 0x0a;
const TWO_32 = 2 ** 32;

/** FNV-1a (32 bits) of `bytes`. */
export function fnv1a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

/** Does a chunk of `size` bytes end after a line of `length` bytes whose head hashes to `hash`? */
export function endsChunk(hash: number, length: number, size: number, settings: ChunkingSettings): boolean {
  if (size >= settings.maxBytes) return true;
  if (size < settings.minBytes) return false;
  return hash / TWO_32 < length / Math.max(1, settings.targetBytes - settings.minBytes);
}

/** Splits a stream of bytes into content-defined chunks at line ends. */
export class RecordChunker {
  private parts: Uint8Array[] = [];
  private size = 0;
  private lineLength = 0;
  private readonly head = new Uint8Array(HEAD_BYTES);
  private headLength = 0;

  constructor(private readonly settings: ChunkingSettings = DEFAULT_CHUNKING) {
    if (
      !(
        settings.minBytes > 0 &&
        settings.minBytes < settings.targetBytes &&
        settings.targetBytes <= settings.maxBytes
      )
    ) {
      throw new RangeError("chunking needs 0 < minBytes < targetBytes <= maxBytes");
    }
  }

  /**
   * Takes the next bytes; returns the chunks they complete (possibly none). The chunker keeps
   * references to `bytes` until they leave in a chunk: do not reuse the buffer.
   */
  push(bytes: Uint8Array): Uint8Array[] {
    const done: Uint8Array[] = [];
    let position = 0;
    while (position < bytes.length) {
      const newline = bytes.indexOf(NEWLINE, position);
      const end = newline < 0 ? bytes.length : newline + 1;
      const piece = bytes.subarray(position, end);
      this.addToLine(piece);
      position = end;
      if (newline < 0) break;
      const hash = fnv1a(this.head.subarray(0, this.headLength));
      if (endsChunk(hash, this.lineLength, this.size, this.settings)) done.push(this.take());
      this.lineLength = 0;
      this.headLength = 0;
    }
    return done;
  }

  /** The last chunk (whatever is left), or undefined when nothing is. */
  end(): Uint8Array | undefined {
    return this.size > 0 ? this.take() : undefined;
  }

  private addToLine(piece: Uint8Array): void {
    if (this.headLength < HEAD_BYTES) {
      const n = Math.min(HEAD_BYTES - this.headLength, piece.length);
      this.head.set(piece.subarray(0, n), this.headLength);
      this.headLength += n;
    }
    this.parts.push(piece);
    this.size += piece.length;
    this.lineLength += piece.length;
  }

  private take(): Uint8Array {
    const chunk = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    return chunk;
  }
}
