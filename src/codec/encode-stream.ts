/**
 * A plain document re-encoded as it streams: compressed (one gzip member or zstd frame), then
 * encrypted as one age file. Used to export a snapshot (or any backup) as one ordinary file that
 * the standard tools open; memory stays that of a few chunks.
 */
import { Readable } from "node:stream";
import { type EncryptionOptions, sealHeader } from "./age.js";
import { createCompressor } from "./compression.js";
import type { ResolvedEncoding } from "./encoded-writer.js";
import { PayloadSealer } from "./stream-cipher.js";

/** The bytes of `plain` after compression. */
async function* compressed(
  plain: AsyncIterable<Uint8Array>,
  encoding: ResolvedEncoding,
): AsyncGenerator<Uint8Array> {
  if (encoding.compression === "none") {
    yield* plain;
    return;
  }
  const input = Readable.from(plain, { objectMode: false });
  const compressor = createCompressor(encoding.compression, encoding.level);
  input.on("error", (error) => compressor.destroy(error));
  input.pipe(compressor);
  try {
    for await (const chunk of compressor) yield chunk as Buffer;
  } finally {
    input.destroy();
    compressor.destroy();
  }
}

/** `plain` encoded as `encoding` says, as a stream of bytes. */
export async function* encodeStream(
  plain: AsyncIterable<Uint8Array>,
  encoding: ResolvedEncoding,
): AsyncGenerator<Uint8Array> {
  const bytes = compressed(plain, encoding);
  if (!encoding.encryption) {
    yield* bytes;
    return;
  }
  const sealing = await openSealing(encoding.encryption);
  yield sealing.prefix;
  for await (const chunk of bytes) yield* await sealing.seal(chunk);
  yield* await sealing.finish();
}

/** An age file being sealed as its plaintext arrives: its first bytes, then the sealed payload. */
export interface Sealing {
  /** The header and the payload nonce. */
  prefix: Buffer;
  /** The file key (to read the file back in this process; never stored). */
  fileKey: Uint8Array;
  /** Takes plaintext; returns the sealed bytes ready so far. */
  seal(plaintext: Uint8Array): Promise<Uint8Array[]>;
  /** Seals the rest; returns the last sealed bytes. */
  finish(): Promise<Uint8Array[]>;
}

/** Starts an age file to `encryption`'s recipients (or passphrase), sealed in memory as it comes. */
export async function openSealing(encryption: EncryptionOptions): Promise<Sealing> {
  const header = await sealHeader(encryption);
  let out: Uint8Array[] = [];
  const sealer = new PayloadSealer(
    header.payloadKey,
    {
      append: async (b) => {
        out.push(Buffer.from(b));
      },
      overwrite: async () => {
        throw new Error("a sealed stream is never written over");
      },
    },
    header.prefix.length,
    0,
  );
  const take = () => {
    const ready = out;
    out = [];
    return ready;
  };
  return {
    prefix: header.prefix,
    fileKey: header.fileKey,
    async seal(plaintext) {
      await sealer.append(plaintext);
      return take();
    },
    async finish() {
      await sealer.finish();
      return take();
    },
  };
}
