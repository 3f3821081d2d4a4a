/**
 * Reading a backup's bytes by name: the one way the pipelines read a stored backup. The layers
 * come from the name (`.json`, `.json.gz`, `.json.zst`, each optionally `.age`) and are checked
 * against the magic bytes of each layer (layers.ts); a snapshot (`.snapshot`) is reassembled from
 * its chunks (snapshot/read.ts). What comes out is the plain JSON document.
 */
import type { BackupLayers } from "../format/naming.js";
import { layersOfName } from "../format/naming.js";
import type { BackupStorage } from "../storage/contract.js";
import type { DecryptionOptions } from "./age.js";
import { decodeLayers } from "./layers.js";
import { openSnapshotBytes } from "./snapshot/read.js";

/** The layers of a stored backup, from its name; plain for names without a backup extension. */
export function backupLayers(name: string): BackupLayers {
  const layers = layersOfName(name);
  return {
    compression: layers?.compression ?? "none",
    encrypted: layers?.encrypted ?? false,
    ...(layers?.snapshot ? { snapshot: true } : {}),
  };
}

/**
 * Opens a stored backup and returns its plain JSON bytes, decrypting and decompressing as its
 * name says. Damage to a layer (a changed or cut ciphertext, a broken compressed stream, bytes
 * that are not what the name says) fails the iteration with a `CORRUPT` error; a missing or
 * non-matching key fails at once with `KEY_REQUIRED` or `DECRYPTION_FAILED`.
 */
export async function openBackupBytes(
  storage: BackupStorage,
  name: string,
  decryption: DecryptionOptions = {},
): Promise<AsyncIterable<Uint8Array>> {
  const layers = backupLayers(name);
  if (layers.snapshot) return openSnapshotBytes(storage, name, decryption);
  return decodeLayers(name, await storage.read(name), layers, decryption);
}
