/**
 * A plain document re-encoded as it streams: compressed (one gzip member or zstd frame), then
 * encrypted as one age file. Used to export a snapshot (or any backup) as one ordinary file that
 * the standard tools open; memory stays that of a few chunks.
 */
import { Readable } from "node:stream";
import { sealHeader } from "./age.js";
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
  const header = await sealHeader(encoding.encryption);
  yield header.prefix;
  let out: Uint8Array[] = [];
  const sealer = new PayloadSealer(
    header.payloadKey,
    {
      append: async (b) => {
        out.push(Buffer.from(b));
      },
      overwrite: async () => {
        throw new Error("an exported file is never written over");
      },
    },
    header.prefix.length,
    0,
  );
  const drain = function* () {
    const ready = out;
    out = [];
    yield* ready;
  };
  for await (const chunk of bytes) {
    await sealer.append(chunk);
    yield* drain();
  }
  await sealer.finish();
  yield* drain();
}
