/**
 * A snapshot's chunks through the layers and back, and the export stream: every compression with
 * and without age, chunk ids keyed by the recipients (any order, same key), and a manifest that
 * does not add up refused with what is wrong.
 */
import { generateIdentity, identityToRecipient } from "age-encryption";
import { describe, expect, it } from "vitest";
import { encodeStream } from "../../src/codec/encode-stream.js";
import type { ResolvedEncoding } from "../../src/codec/encoded-writer.js";
import { decodeWhole, encodeChunk, sealWhole } from "../../src/codec/snapshot/chunk-codec.js";
import { deriveIdKey, keyedChunkId, plainChunkId } from "../../src/codec/snapshot/ids.js";
import { parseManifest } from "../../src/format/snapshot-manifest.js";

const PLAIN = Buffer.from(`${'{"_id":1,"properties":{"s":"abc"}},\n'.repeat(5000)}`);

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

describe("snapshot chunks through the layers", async () => {
  const identity = await generateIdentity();
  const recipient = await identityToRecipient(identity);
  const encodings: ResolvedEncoding[] = (["none", "gzip", "zstd"] as const).flatMap((compression) => [
    { compression, level: compression === "gzip" ? 6 : 3 },
    { compression, level: compression === "gzip" ? 6 : 3, encryption: { recipients: [recipient] } },
  ]);

  it.each(encodings)(
    "a chunk encoded as %o decodes to its bytes, a changed byte is CORRUPT",
    async (encoding) => {
      const chunk = await encodeChunk(PLAIN, encoding);
      const layers = { compression: encoding.compression, encrypted: encoding.encryption !== undefined };
      if (encoding.compression !== "none" || layers.encrypted)
        expect(chunk.bytes.length).not.toBe(PLAIN.length);
      const keys = { identities: [identity] };
      expect(await decodeWhole("chunk", chunk.bytes, layers, keys)).toEqual(PLAIN);
      if (layers.encrypted)
        expect(await decodeWhole("chunk", chunk.bytes, layers, { fileKeys: [chunk.fileKey!] })).toEqual(
          PLAIN,
        );
      if (encoding.compression === "none" && !layers.encrypted) return;
      const damaged = Buffer.from(chunk.bytes);
      damaged[damaged.length - 8] = damaged[damaged.length - 8]! ^ 0x10;
      await expect(decodeWhole("chunk", damaged, layers, keys)).rejects.toMatchObject({ code: "CORRUPT" });
    },
  );

  it.each(encodings)("the export stream of %o decodes to the document", async (encoding) => {
    const encoded = await collect(
      encodeStream(
        (async function* () {
          yield PLAIN.subarray(0, 1000);
          yield PLAIN.subarray(1000);
        })(),
        encoding,
      ),
    );
    const layers = { compression: encoding.compression, encrypted: encoding.encryption !== undefined };
    expect(await decodeWhole("export", encoded, layers, { identities: [identity] })).toEqual(PLAIN);
  });

  it("keyed ids: the same recipients in any order give the same key; other recipients another; never the plain hash", async () => {
    const other = await identityToRecipient(await generateIdentity());
    const a = deriveIdKey([recipient, other]);
    expect(deriveIdKey([` ${other}`, recipient, recipient])).toEqual(a);
    expect(deriveIdKey([recipient])).not.toEqual(a);
    expect(keyedChunkId(a, "zstd", PLAIN)).not.toBe(plainChunkId("zstd", PLAIN));
    expect(plainChunkId("zstd", PLAIN)).not.toBe(plainChunkId("gzip", PLAIN));
    const { sealed } = await sealWhole({ recipients: [recipient] }, a);
    expect(
      await decodeWhole(
        "id key",
        sealed,
        { compression: "none", encrypted: true },
        { identities: [identity] },
      ),
    ).toEqual(a);
  });

  it("a manifest whose chunks do not add up, or keyed without its key, is refused saying why", () => {
    const base = {
      format: "neo4j-backup-snapshot",
      format_version: 1,
      created: "2025-01-28T14:30:22.000Z",
      encoding: { compression: "zstd", encrypted: false },
      ids: "sha256",
      length: 10,
      added: { chunks: 1, bytes: 5 },
      chunks: [["a".repeat(64), 10, 5]],
    };
    expect(parseManifest(JSON.stringify(base))).toHaveProperty("manifest");
    expect(parseManifest(JSON.stringify({ ...base, length: 11 }))).toEqual({
      problem: "its chunks add up to 10 bytes, not the 11 it states",
    });
    expect(parseManifest(JSON.stringify({ ...base, ids: "hmac-sha256" }))).toEqual({
      problem: "its chunk ids are keyed but it has no id_key",
    });
    expect(parseManifest(JSON.stringify({ ...base, chunks: [["xyz", 10, 5]] }))).toHaveProperty("problem");
    expect(parseManifest("{")).toHaveProperty("problem");
  });
});
