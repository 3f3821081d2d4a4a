/**
 * The age header (C2SP age spec) through the `age-encryption` package, by the age author: every
 * key operation — X25519 and post-quantum recipients, the scrypt passphrase stanza, the header MAC
 * — is its. What this module adds is the split at the header: the payload key is derived from the
 * file key and a fresh nonce exactly as the spec says (HKDF-SHA-256, label "payload"), and the
 * payload is sealed by stream-cipher.ts.
 */
import { hkdfSync, randomBytes } from "node:crypto";
import { BackupError } from "../errors.js";

/** The first line of every age file. */
export const AGE_MAGIC = Buffer.from("age-encryption.org/v1\n", "latin1");

/** How a new backup is encrypted: to recipients (public keys), or with a passphrase. */
export interface EncryptionOptions {
  /**
   * age recipients: `age1…` X25519 public keys (or `age1pq1…` post-quantum hybrid ones), one or
   * more. Every holder of a matching identity can decrypt the backup.
   */
  recipients?: string[];
  /** A passphrase (age's scrypt mode, work factor 2^18); not together with recipients. */
  passphrase?: string;
}

/** What opens encrypted backups. Identities are passed in, never read from a default location. */
export interface DecryptionOptions {
  /**
   * age identities: `AGE-SECRET-KEY-1…` (or `AGE-SECRET-KEY-PQ-1…`) strings, or the text of
   * identity files as `age-keygen` writes them (comment lines are skipped).
   */
  identities?: string[];
  /** The passphrase of passphrase-encrypted backups. */
  passphrase?: string;
}

/** Decryption keys inside the library: a file key known from writing the file is one more key. */
export interface ReadKeys extends DecryptionOptions {
  /** File keys of backups this process has just written (never stored, never logged). */
  fileKeys?: Uint8Array[];
}

type AgeModule = typeof import("age-encryption");
let ageModule: Promise<AgeModule> | undefined;

/** Loads age-encryption on first use (plain backups never load it). */
function loadAge(): Promise<AgeModule> {
  ageModule ??= import("age-encryption").catch((error: unknown) => {
    ageModule = undefined;
    throw new BackupError(
      "INVALID_OPTIONS",
      `encrypted backups need the age-encryption package, which could not be loaded (${(error as Error).message}); install it with npm install age-encryption`,
      { cause: error },
    );
  });
  return ageModule;
}

/** Checks encryption options (without echoing any key). */
export function assertEncryptionOptions(encryption: EncryptionOptions): void {
  const recipients = encryption.recipients ?? [];
  const hasPassphrase = encryption.passphrase !== undefined;
  if (!Array.isArray(recipients) || recipients.some((r) => typeof r !== "string")) {
    throw new BackupError("INVALID_OPTIONS", "encryption.recipients must be a list of age1… strings");
  }
  if (hasPassphrase && (typeof encryption.passphrase !== "string" || encryption.passphrase === "")) {
    throw new BackupError("INVALID_OPTIONS", "encryption.passphrase must be a non-empty string");
  }
  if (hasPassphrase === recipients.length > 0) {
    throw new BackupError(
      "INVALID_OPTIONS",
      hasPassphrase
        ? "encrypt either to recipients or with a passphrase, not both (age files carry one or the other)"
        : "encryption needs at least one recipient (age1…) or a passphrase",
    );
  }
  recipients.forEach((r, i) => {
    const which = `recipient ${i + 1} of ${recipients.length}`;
    if (/^AGE-SECRET-KEY-/i.test(r.trim())) {
      throw new BackupError(
        "INVALID_OPTIONS",
        `${which} is a secret key (an identity), not a recipient: pass its public key (age-keygen -y <file>)`,
      );
    }
    if (!/^age1[0-9a-z]+$/.test(r.trim())) {
      throw new BackupError("INVALID_OPTIONS", `${which} is not an age recipient (age1…)`);
    }
  });
}

/** A new file's header, its payload key, and the file key (to read the file back in this process). */
export interface SealedHeader {
  /** The header and the payload nonce: the first bytes of the file. */
  prefix: Buffer;
  payloadKey: Buffer;
  fileKey: Uint8Array;
}

/** The payload key of a file key and nonce, as the age spec derives it. */
export function payloadKey(fileKey: Uint8Array, nonce: Uint8Array): Buffer {
  return Buffer.from(hkdfSync("sha256", fileKey, nonce, "payload", 32));
}

/** Makes the header of a new age file. */
export async function sealHeader(encryption: EncryptionOptions): Promise<SealedHeader> {
  assertEncryptionOptions(encryption);
  const age = await loadAge();
  const encrypter = new age.Encrypter();
  let captured: Uint8Array | undefined;
  if (encryption.passphrase !== undefined) {
    encrypter.setPassphrase(encryption.passphrase);
  } else {
    // a recipient of our own that only learns the file key and adds no stanza
    encrypter.addRecipient({
      wrapFileKey: (fileKey) => {
        captured = fileKey.slice();
        return [];
      },
    });
    for (const r of encryption.recipients!) {
      try {
        encrypter.addRecipient(r.trim());
      } catch (error) {
        throw new BackupError(
          "INVALID_OPTIONS",
          `an age recipient is not valid (${(error as Error).message})`,
        );
      }
    }
  }
  const file = await encrypter.encrypt(new Uint8Array(0));
  const header = Buffer.from(file.subarray(0, headerLength(file)));
  // the passphrase's file key is read back from the header with the passphrase itself
  const fileKey = captured ?? (await unwrapWith(age, header, { passphrase: encryption.passphrase }));
  // a fresh nonce: the payload (and so its key) is ours, never the throwaway empty one above
  const nonce = randomBytes(16);
  return { prefix: Buffer.concat([header, nonce]), payloadKey: payloadKey(fileKey, nonce), fileKey };
}

/** The length of the header at the start of `bytes` (through the MAC line), or -1 when incomplete. */
export function headerLength(bytes: Uint8Array): number {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  for (;;) {
    const end = text.indexOf(0x0a, at);
    if (end < 0) return -1;
    if (text[at] === 0x2d && text[at + 1] === 0x2d && text[at + 2] === 0x2d) return end + 1; // "---"
    at = end + 1;
  }
}

/** The stanza types of a header (`X25519`, `scrypt`, `mlkem768x25519`, …), for messages. */
export function stanzaTypes(header: Uint8Array): string[] {
  return Buffer.from(header)
    .toString("latin1")
    .split("\n")
    .filter((line) => line.startsWith("-> "))
    .map((line) => line.slice(3).split(" ")[0] ?? "");
}

/** Splits identity strings and identity-file texts into single identities. */
export function identityLines(identities: readonly string[]): string[] {
  return identities
    .flatMap((text) => text.split(/\r?\n/))
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

async function unwrapWith(age: AgeModule, header: Uint8Array, keys: ReadKeys): Promise<Uint8Array> {
  const decrypter = new age.Decrypter();
  for (const identity of identityLines(keys.identities ?? [])) {
    try {
      decrypter.addIdentity(identity);
    } catch {
      throw new BackupError(
        "INVALID_OPTIONS",
        "an identity is not an age secret key (AGE-SECRET-KEY-1… or AGE-SECRET-KEY-PQ-1…)",
      );
    }
  }
  if (keys.passphrase !== undefined) decrypter.addPassphrase(keys.passphrase);
  return decrypter.decryptHeader(header);
}

/** A file key this process wrote, if it is the one of `header` (the header's MAC decides). */
async function knownFileKey(
  age: AgeModule,
  header: Uint8Array,
  keys: ReadKeys,
): Promise<Uint8Array | undefined> {
  for (const fileKey of keys.fileKeys ?? []) {
    const decrypter = new age.Decrypter();
    decrypter.addIdentity({ unwrapFileKey: () => fileKey });
    try {
      return await decrypter.decryptHeader(header);
    } catch {
      // another file's key: its MAC does not verify
    }
  }
  return undefined;
}

/** Why a header could not be opened; the message never holds a key. */
export type UnwrapFailure = "no-keys" | "no-match" | "damaged";

/** Opens a header with the given keys: the file key, or why not. */
export async function unwrapFileKey(
  header: Uint8Array,
  keys: ReadKeys,
): Promise<{ fileKey: Uint8Array } | { failure: UnwrapFailure; reason: string }> {
  const age = await loadAge();
  const known = await knownFileKey(age, header, keys);
  if (known) return { fileKey: known };
  if (identityLines(keys.identities ?? []).length === 0 && keys.passphrase === undefined) {
    return { failure: "no-keys", reason: "no identity or passphrase given" };
  }
  try {
    return { fileKey: await unwrapWith(age, header, keys) };
  } catch (error) {
    if (error instanceof BackupError) throw error;
    const reason = (error as Error).message;
    return { failure: /no identity matched/.test(reason) ? "no-match" : "damaged", reason };
  }
}

/** The recipients of X25519 and post-quantum identities (so that a file can be encrypted to whoever reads it). */
export async function recipientsOf(identities: readonly string[]): Promise<string[]> {
  const age = await loadAge();
  const out: string[] = [];
  for (const identity of identityLines(identities)) out.push(await age.identityToRecipient(identity));
  return out;
}
