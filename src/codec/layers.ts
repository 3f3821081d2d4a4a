/**
 * The layers of a backup's byte stream, undone: age decryption (binary or ASCII-armored), then
 * gzip or zstd decompression, each checked against its magic bytes. Used for whole stored backups
 * (open.ts) and for each chunk of a snapshot alike.
 */
import { Readable } from "node:stream";
import { BackupError } from "../errors.js";
import type { BackupLayers } from "../format/naming.js";
import { AGE_MAGIC, headerLength, payloadKey, type ReadKeys, stanzaTypes, unwrapFileKey } from "./age.js";
import { ArmorError, dearmor, isArmored } from "./armor.js";
import { type Compressed, createDecompressor, GZIP_MAGIC, ZSTD_MAGIC } from "./compression.js";
import { openPayload, PayloadIntegrityError } from "./stream-cipher.js";
import { decompressZstdFrames, ZstdFrameError } from "./zstd-frames.js";

/** The largest age header read (a header of many post-quantum recipients is a few dozen KiB). */
const MAX_HEADER_BYTES = 1024 * 1024;

/**
 * The plain bytes under `layers` of `raw` (a stored backup, or one chunk of a snapshot): decrypted
 * with `keys`, then decompressed, each layer checked against its magic bytes. `label` names the
 * bytes in errors (`CORRUPT`, `KEY_REQUIRED`, `DECRYPTION_FAILED`).
 */
export async function decodeLayers(
  label: string,
  raw: AsyncIterable<Uint8Array>,
  layers: BackupLayers,
  keys: ReadKeys,
): Promise<AsyncIterable<Uint8Array>> {
  try {
    let bytes: AsyncIterable<Uint8Array> = raw;
    if (layers.encrypted) bytes = await decrypt(label, raw, keys);
    if (layers.compression !== "none") return decompress(label, layers.compression, bytes, raw);
    return checkPlainStart(label, bytes, layers.encrypted);
  } catch (error) {
    close(raw);
    throw error;
  }
}

/** The error for damage to a layer of `name`. */
export function corrupt(name: string, what: string, cause?: unknown): BackupError {
  return new BackupError("CORRUPT", `${name} is damaged: ${what}`, { cause });
}

function close(source: AsyncIterable<Uint8Array>): void {
  (source as { destroy?: () => void }).destroy?.();
}

/** Reads first bytes until `until` holds (or `limit`, or the end) and gives back a stream of everything. */
async function peek(
  source: AsyncIterable<Uint8Array>,
  until: (head: Buffer) => boolean,
  limit: number,
): Promise<{ head: Buffer; all: AsyncIterable<Uint8Array> }> {
  const iterator = source[Symbol.asyncIterator]();
  const parts: Buffer[] = [];
  let head = Buffer.alloc(0);
  while (!until(head) && head.length < limit) {
    const next = await iterator.next();
    if (next.done) break;
    parts.push(Buffer.from(next.value));
    head = Buffer.concat(parts);
  }
  const all = (async function* () {
    try {
      if (head.length > 0) yield head;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    } finally {
      await iterator.return?.();
    }
  })();
  return { head, all };
}

/** The age layer: header unwrapped with the keys before anything is read further. */
async function decrypt(
  name: string,
  raw: AsyncIterable<Uint8Array>,
  keys: ReadKeys,
): Promise<AsyncIterable<Uint8Array>> {
  // an armored file (`age -a`) is the same age file in base64 between PEM lines
  const start = await peek(raw, (h) => h.length >= ARMOR_PEEK, ARMOR_PEEK);
  const binary = isArmored(start.head) ? dearmored(name, start.all) : start.all;
  const { head, all } = await peek(binary, (h) => headerLength(h) >= 0, MAX_HEADER_BYTES);
  if (!head.subarray(0, AGE_MAGIC.length).equals(AGE_MAGIC)) {
    throw corrupt(name, "its name ends in .age but it does not start as an age file does");
  }
  const length = headerLength(head);
  if (length < 0) throw corrupt(name, "its age header is cut short or too long");
  const header = head.subarray(0, length);
  const opened = await unwrapFileKey(header, keys);
  if ("failure" in opened) {
    if (opened.failure === "no-keys") throw keyRequired(name, header);
    if (opened.failure === "no-match") throw noMatch(name, header, keys);
    throw corrupt(name, `its age header does not verify (${opened.reason})`);
  }
  const fileKey = opened.fileKey;
  // after the header: the 16-byte payload nonce, then the sealed chunks
  const { head: nonce, all: payload } = await peek(dropBytes(all, length), (h) => h.length >= 16, 16);
  if (nonce.length < 16) throw corrupt(name, "its age payload is cut short");
  const key = payloadKey(fileKey, nonce.subarray(0, 16));
  return (async function* () {
    try {
      yield* openPayload(key, dropBytes(payload, 16));
    } catch (error) {
      if (error instanceof PayloadIntegrityError) throw corrupt(name, error.message, error);
      throw error;
    }
  })();
}

/** Bytes enough to see an armor's BEGIN line after some whitespace. */
const ARMOR_PEEK = 256;

/** The binary age file inside an armored one; damage to the armor is `CORRUPT`. */
async function* dearmored(name: string, source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    yield* dearmor(source);
  } catch (error) {
    if (error instanceof ArmorError)
      throw corrupt(name, `its ASCII armor is damaged: ${error.message}`, error);
    throw error;
  }
}

/** `source` without its first `count` bytes. */
async function* dropBytes(source: AsyncIterable<Uint8Array>, count: number): AsyncGenerator<Uint8Array> {
  let left = count;
  for await (const chunk of source) {
    if (left === 0) {
      yield chunk;
    } else if (chunk.length <= left) {
      left -= chunk.length;
    } else {
      yield chunk.subarray(left);
      left = 0;
    }
  }
}

function keyRequired(name: string, header: Uint8Array): BackupError {
  const passphrase = stanzaTypes(header).includes("scrypt");
  return new BackupError(
    "KEY_REQUIRED",
    `${name} is encrypted ${passphrase ? "with a passphrase" : "to age recipients"}: give ${passphrase ? "its passphrase" : "an identity that matches one of them"}`,
    { details: { name, passphrase } },
  );
}

function noMatch(name: string, header: Uint8Array, keys: ReadKeys): BackupError {
  const types = stanzaTypes(header);
  const passphrase = types.includes("scrypt");
  const tried = [
    ...((keys.identities?.length ?? 0) > 0 ? ["identities"] : []),
    ...(keys.passphrase !== undefined ? ["passphrase"] : []),
  ].join(" and ");
  const what = tried || "keys";
  const message = passphrase
    ? `${name} is encrypted with a passphrase and the ${what} given ${what === "passphrase" ? "does" : "do"} not open it`
    : `${name}: no identity given matches its recipients (${types.length} recipient${types.length === 1 ? "" : "s"}); it is encrypted to someone else`;
  return new BackupError("DECRYPTION_FAILED", message, { details: { name, passphrase } });
}

/** A plain layer must start as JSON does, not as a compressed or encrypted file. */
async function checkPlainStart(
  name: string,
  bytes: AsyncIterable<Uint8Array>,
  decrypted: boolean,
): Promise<AsyncIterable<Uint8Array>> {
  const { head, all } = await peek(bytes, (h) => h.length >= ARMOR_PEEK, ARMOR_PEEK);
  const what = head.subarray(0, 2).equals(GZIP_MAGIC)
    ? ".gz"
    : head.subarray(0, 4).equals(ZSTD_MAGIC)
      ? ".zst"
      : head.subarray(0, AGE_MAGIC.length).equals(AGE_MAGIC) || isArmored(head)
        ? ".age"
        : undefined;
  if (what) {
    throw corrupt(
      name,
      `${decrypted ? "its decrypted content" : "it"} is ${what === ".age" ? "age-encrypted" : `${what === ".gz" ? "gzip" : "zstd"}-compressed`} but its name does not say so; name it …${what === ".age" ? ".age" : `.json${what}`}`,
    );
  }
  return all;
}

/** The compression layer: members or frames decompressed one after another. */
async function decompress(
  name: string,
  compression: Compressed,
  bytes: AsyncIterable<Uint8Array>,
  raw: AsyncIterable<Uint8Array>,
): Promise<AsyncIterable<Uint8Array>> {
  const magic = compression === "gzip" ? GZIP_MAGIC : ZSTD_MAGIC;
  const { head, all } = await peek(bytes, (h) => h.length >= magic.length, magic.length);
  if (!head.subarray(0, magic.length).equals(magic)) {
    throw corrupt(name, `it is not a ${compression} stream, as its name says`);
  }
  const plain = compression === "zstd" ? decompressZstdFrames(all) : gunzip(all);
  return (async function* () {
    try {
      yield* plain;
    } catch (error) {
      if (error instanceof BackupError || !isCodecError(error)) throw error;
      throw corrupt(name, `its ${compression} stream is broken (${(error as Error).message})`, error);
    } finally {
      close(raw);
    }
  })();
}

/** zlib's own errors, and the frame walker's: damage to the compressed stream. */
function isCodecError(error: unknown): boolean {
  return error instanceof ZstdFrameError || typeof (error as { errno?: unknown })?.errno === "number";
}

/** gzip members decompressed one after another (node:zlib reads concatenated members). */
async function* gunzip(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const input = Readable.from(source, { objectMode: false });
  const decompressor = createDecompressor("gzip");
  input.on("error", (error) => decompressor.destroy(error));
  input.pipe(decompressor);
  try {
    for await (const chunk of decompressor) yield chunk as Buffer;
  } finally {
    input.destroy();
    decompressor.destroy();
  }
}
