/**
 * zstd input split at its frames. A file may hold several frames one after another (ours: the
 * metadata line, the records, the statistics; `pzstd` writes many), and `zstd -d` reads them all —
 * but node:zlib's streaming decompressor before Node.js 26 stops after the first frame and drops
 * the rest without a word. So frames are found here from their headers and block headers (RFC 8878)
 * and each is given to a decompressor of its own; skippable frames are skipped.
 */
import { Readable } from "node:stream";
import { createDecompressor } from "./compression.js";

/** A piece of a frame's bytes; `end` marks the frame's last piece. */
interface Piece {
  bytes: Buffer;
  end: boolean;
}

/** Thrown for input that is not a sequence of zstd frames, or that ends inside one. */
export class ZstdFrameError extends Error {}

type State =
  | { kind: "magic" }
  | { kind: "frame-header"; descriptor: number | undefined }
  | { kind: "block-header"; checksum: boolean }
  | { kind: "block"; left: number; last: boolean; checksum: boolean }
  | { kind: "checksum" }
  | { kind: "skip"; left: number | undefined };

/** Walks frame structure over input pieces, cutting it into per-frame pieces. */
export class ZstdFrameSplitter {
  private state: State = { kind: "magic" };
  private buffer = Buffer.alloc(0);
  private out: Piece[] = [];
  private frame: Buffer[] = [];

  /** Takes input; returns the frame pieces it completes. */
  push(chunk: Uint8Array): Piece[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : Buffer.from(chunk);
    while (this.step()) {}
    if (this.frame.length) this.out.push({ bytes: Buffer.concat(this.frame), end: false });
    this.frame = [];
    const out = this.out;
    this.out = [];
    return out;
  }

  /** Checks that the input did not end inside a frame. */
  finish(): void {
    if (this.state.kind !== "magic" || this.buffer.length > 0) {
      throw new ZstdFrameError("the zstd stream ends inside a frame (cut short)");
    }
  }

  /** Moves `n` buffered bytes into the current frame. */
  private take(n: number): void {
    this.frame.push(this.buffer.subarray(0, n));
    this.buffer = this.buffer.subarray(n);
  }

  private endFrame(): void {
    this.out.push({ bytes: Buffer.concat(this.frame), end: true });
    this.frame = [];
    this.state = { kind: "magic" };
  }

  /** One step of the state machine; false when it needs more input. */
  private step(): boolean {
    const s = this.state;
    const b = this.buffer;
    switch (s.kind) {
      case "magic": {
        if (b.length < 4) return false;
        const magic = b.readUInt32LE(0);
        if (magic === 0xfd2fb528) {
          this.take(4);
          this.state = { kind: "frame-header", descriptor: undefined };
        } else if ((magic & 0xfffffff0) === 0x184d2a50) {
          this.buffer = b.subarray(4);
          this.state = { kind: "skip", left: undefined };
        } else {
          throw new ZstdFrameError("the data after a zstd frame is not another zstd frame");
        }
        return true;
      }
      case "frame-header":
        return this.frameHeader();
      case "block-header": {
        if (b.length < 3) return false;
        const h = b.readUIntLE(0, 3);
        const type = (h >> 1) & 3;
        if (type === 3) throw new ZstdFrameError("a zstd block has a reserved type");
        this.take(3);
        const size = h >> 3;
        this.state = {
          kind: "block",
          left: type === 1 ? 1 : size,
          last: (h & 1) === 1,
          checksum: s.checksum,
        };
        return true;
      }
      case "block": {
        if (s.left > 0) {
          if (b.length === 0) return false;
          const n = Math.min(s.left, b.length);
          this.take(n);
          s.left -= n;
          if (s.left > 0) return false;
        }
        if (!s.last) this.state = { kind: "block-header", checksum: s.checksum };
        else if (s.checksum) this.state = { kind: "checksum" };
        else this.endFrame();
        return true;
      }
      case "checksum":
        if (b.length < 4) return false;
        this.take(4);
        this.endFrame();
        return true;
      case "skip":
        return this.skip(s);
    }
  }

  private frameHeader(): boolean {
    const b = this.buffer;
    if (b.length < 1) return false;
    const fhd = b[0]!;
    const single = (fhd >> 5) & 1;
    const fcsFlag = fhd >> 6;
    const length =
      1 + (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3]! + (fcsFlag === 0 ? single : [1, 2, 4, 8][fcsFlag]!);
    if (b.length < length) return false;
    this.take(length);
    this.state = { kind: "block-header", checksum: ((fhd >> 2) & 1) === 1 };
    return true;
  }

  private skip(s: Extract<State, { kind: "skip" }>): boolean {
    if (s.left === undefined) {
      if (this.buffer.length < 4) return false;
      s.left = this.buffer.readUInt32LE(0);
      this.buffer = this.buffer.subarray(4);
    }
    const n = Math.min(s.left, this.buffer.length);
    this.buffer = this.buffer.subarray(n);
    s.left -= n;
    if (s.left > 0) return false;
    this.state = { kind: "magic" };
    return true;
  }
}

/** Decompresses every frame of `source`, each with a decompressor of its own. */
export async function* decompressZstdFrames(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const input = source[Symbol.asyncIterator]();
  const splitter = new ZstdFrameSplitter();
  let pending: Piece[] = [];
  let ended = false;
  const fill = async (): Promise<void> => {
    while (pending.length === 0 && !ended) {
      const next = await input.next();
      if (next.done) {
        ended = true;
        splitter.finish();
      } else {
        pending = splitter.push(next.value);
      }
    }
  };
  const frame = async function* (): AsyncGenerator<Buffer> {
    for (;;) {
      await fill();
      const piece = pending.shift();
      if (!piece) return;
      if (piece.bytes.length) yield piece.bytes;
      if (piece.end) return;
    }
  };
  try {
    for (await fill(); pending.length > 0; await fill()) {
      yield* decompressOne(frame());
    }
  } finally {
    await input.return?.();
  }
}

async function* decompressOne(frame: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  const readable = Readable.from(frame);
  const decompressor = createDecompressor("zstd");
  readable.on("error", (error) => decompressor.destroy(error));
  readable.pipe(decompressor);
  try {
    for await (const chunk of decompressor) yield chunk as Buffer;
  } finally {
    readable.destroy();
    decompressor.destroy();
  }
}
