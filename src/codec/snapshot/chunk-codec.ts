/**
 * One chunk of a snapshot through the layers: compressed whole (one gzip member or zstd frame),
 * then encrypted as a complete age file of its own, so that every stored chunk opens with the
 * standard tools (`zstd -d`, `age -d`). Decoding goes through the same layer readers as whole
 * backups (codec/open.ts).
 */
import type { BackupLayers } from "../../format/naming.js";
import type { EncryptionOptions, ReadKeys } from "../age.js";
import { compressChunk } from "../compression.js";
import { openSealing } from "../encode-stream.js";
import type { ResolvedEncoding } from "../encoded-writer.js";
import { decodeLayers } from "../layers.js";

/** A chunk as stored, and the file key that opens it when it is encrypted (kept in memory only). */
export interface EncodedChunk {
  bytes: Buffer;
  fileKey?: Uint8Array;
}

/** `bytes` as one complete age file to `encryption`'s recipients. */
export async function sealWhole(
  encryption: EncryptionOptions,
  bytes: Uint8Array,
): Promise<{ sealed: Buffer; fileKey: Uint8Array }> {
  const sealing = await openSealing(encryption);
  const sealed = Buffer.concat([sealing.prefix, ...(await sealing.seal(bytes)), ...(await sealing.finish())]);
  return { sealed, fileKey: sealing.fileKey };
}

/** Encodes one plain chunk as `encoding` says. */
export async function encodeChunk(plain: Uint8Array, encoding: ResolvedEncoding): Promise<EncodedChunk> {
  const compressed =
    encoding.compression === "none"
      ? Buffer.from(plain)
      : compressChunk(encoding.compression, encoding.level, plain);
  if (!encoding.encryption) return { bytes: compressed };
  const { sealed, fileKey } = await sealWhole(encoding.encryption, compressed);
  return { bytes: sealed, fileKey };
}

/** The plain bytes of a stored chunk (or any small encoded buffer); `label` names it in errors. */
export async function decodeWhole(
  label: string,
  stored: Uint8Array,
  layers: BackupLayers,
  keys: ReadKeys,
): Promise<Buffer> {
  const plain = await decodeLayers(
    label,
    (async function* () {
      yield stored;
    })(),
    { compression: layers.compression, encrypted: layers.encrypted },
    keys,
  );
  const parts: Buffer[] = [];
  for await (const part of plain) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}
