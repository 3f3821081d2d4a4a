/**
 * Chunk ids of snapshots. A chunk's id names its plain content and the compression it is stored
 * with: SHA-256 for snapshots that are not encrypted, HMAC-SHA-256 under an id key for encrypted
 * ones, so that an id does not reveal the hash of the plaintext (anyone could otherwise confirm a
 * guess of a chunk's content). The id key is derived from the recipients — the public keys a
 * backup machine already has — so that every snapshot to the same recipients shares chunks and
 * writing still needs no secret. docs/security.md says what this does and does not hide.
 */
import { createHash, createHmac, hkdfSync } from "node:crypto";
import type { Compression } from "../../format/naming.js";

const SALT = "neo4j-backup snapshot chunk ids";

function domain(compression: Compression): string {
  return `neo4j-backup chunk ${compression}\n`;
}

/** The id of a chunk of a snapshot that is not encrypted. */
export function plainChunkId(compression: Compression, plain: Uint8Array): string {
  return createHash("sha256").update(domain(compression)).update(plain).digest("hex");
}

/** The id of a chunk of an encrypted snapshot, keyed with `idKey`. */
export function keyedChunkId(idKey: Uint8Array, compression: Compression, plain: Uint8Array): string {
  return createHmac("sha256", idKey).update(domain(compression)).update(plain).digest("hex");
}

/** The id key of snapshots encrypted to `recipients` (the same set, in any order, gives the same key). */
export function deriveIdKey(recipients: readonly string[]): Buffer {
  const set = [...new Set(recipients.map((r) => r.trim()))].sort();
  return Buffer.from(hkdfSync("sha256", set.join("\n"), SALT, "v1", 32));
}
