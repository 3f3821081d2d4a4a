/**
 * The payload of an age file (the STREAM construction of the age spec): the plaintext in chunks of
 * 64 KiB, each sealed with ChaCha20-Poly1305 under a nonce of an 11-byte big-endian chunk counter
 * and a last-chunk flag. Every chunk is authenticated before a byte of it is released, and the
 * flag makes a truncated file fail. It runs on node:crypto (OpenSSL): the payload is the bulk of
 * the work, and OpenSSL seals it an order of magnitude faster than JavaScript does.
 */
import { createCipheriv, createDecipheriv } from "node:crypto";
import { BackupError } from "../errors.js";

/** Plaintext bytes per chunk. */
export const CHUNK_SIZE = 64 * 1024;
/** Poly1305 tag bytes after each chunk. */
export const TAG_SIZE = 16;
const SEALED_CHUNK = CHUNK_SIZE + TAG_SIZE;

function nonce(counter: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  // an 11-byte counter; 2^48 chunks (16 EiB) are far beyond any backup
  n.writeUIntBE(counter, 5, 6);
  n[11] = last ? 1 : 0;
  return n;
}

/** One chunk sealed: ciphertext followed by its tag. */
export function sealChunk(key: Uint8Array, counter: number, last: boolean, plaintext: Uint8Array): Buffer {
  const cipher = createCipheriv("chacha20-poly1305", key, nonce(counter, last), { authTagLength: TAG_SIZE });
  const body = cipher.update(plaintext);
  cipher.final();
  return Buffer.concat([body, cipher.getAuthTag()]);
}

/** Thrown when a chunk fails authentication: the ciphertext was changed or cut. */
export class PayloadIntegrityError extends Error {
  constructor(readonly offset: number) {
    super(`the encrypted data fails authentication at byte ${offset} of the payload (changed or cut short)`);
    this.name = "PayloadIntegrityError";
  }
}

/** One chunk opened; throws {@link PayloadIntegrityError} when it is not authentic. */
function openChunk(key: Uint8Array, counter: number, last: boolean, sealed: Buffer): Buffer {
  if (sealed.length < TAG_SIZE) throw new PayloadIntegrityError(counter * SEALED_CHUNK);
  const decipher = createDecipheriv("chacha20-poly1305", key, nonce(counter, last), {
    authTagLength: TAG_SIZE,
  });
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_SIZE));
  const body = decipher.update(sealed.subarray(0, sealed.length - TAG_SIZE));
  try {
    decipher.final();
  } catch {
    throw new PayloadIntegrityError(counter * SEALED_CHUNK);
  }
  return body;
}

/**
 * Opens a payload chunk by chunk. A chunk is released only once it is authenticated, and the last
 * one is known only at the end of the input (it carries the last-chunk flag), so one sealed chunk
 * is held back until more input arrives.
 */
export async function* openPayload(
  key: Uint8Array,
  source: AsyncIterable<Uint8Array>,
): AsyncGenerator<Buffer> {
  let pending = Buffer.alloc(0);
  let counter = 0;
  for await (const chunk of source) {
    pending = pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([pending, chunk]);
    // keep at least one byte beyond a full chunk before opening it: only then is it not the last
    let offset = 0;
    while (pending.length - offset > SEALED_CHUNK) {
      yield openChunk(key, counter++, false, pending.subarray(offset, offset + SEALED_CHUNK));
      offset += SEALED_CHUNK;
    }
    if (offset > 0) pending = pending.subarray(offset);
  }
  const last = openChunk(key, counter, true, pending);
  // the spec allows an empty last chunk only when it is the only one
  if (last.length === 0 && counter > 0) throw new PayloadIntegrityError(counter * SEALED_CHUNK);
  yield last;
}

/** Where sealed chunks go: appended, and (the held ones) written over their placeholders at the end. */
export interface SealedSink {
  append(bytes: Uint8Array): Promise<void>;
  overwrite(position: number, bytes: Uint8Array): Promise<void>;
}

/**
 * Seals a payload as it is appended. The first `heldBytes` of plaintext may still change (the
 * metadata line is written last): the chunks that hold them stay in memory, their places in the
 * output are filled with placeholders, and they are sealed and written over those at
 * {@link PayloadSealer.finish}. `base` is where the payload starts in the output (after the header).
 */
export class PayloadSealer {
  private current = Buffer.alloc(CHUNK_SIZE);
  private used = 0;
  private counter = 0;
  private readonly held = new Map<number, Buffer>();
  /** Sealed chunks not yet handed to the sink (written in batches of about 256 KiB). */
  private out: Buffer[] = [];

  constructor(
    private readonly key: Uint8Array,
    private readonly sink: SealedSink,
    private readonly base: number,
    private readonly heldBytes: number,
  ) {}

  /** Appends plaintext; full chunks are sealed once a byte beyond them arrives. */
  async append(bytes: Uint8Array): Promise<void> {
    let rest = bytes;
    while (rest.length > 0) {
      if (this.used === CHUNK_SIZE) await this.emit();
      const n = Math.min(CHUNK_SIZE - this.used, rest.length);
      this.current.set(rest.subarray(0, n), this.used);
      this.used += n;
      rest = rest.subarray(n);
    }
  }

  private async emit(): Promise<void> {
    if (this.counter * CHUNK_SIZE < this.heldBytes) {
      this.held.set(this.counter, this.current);
      this.out.push(Buffer.alloc(SEALED_CHUNK));
      this.current = Buffer.alloc(CHUNK_SIZE);
    } else {
      this.out.push(sealChunk(this.key, this.counter, false, this.current));
    }
    this.counter++;
    this.used = 0;
    if (this.out.length >= 4) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.out.length === 0) return;
    const batch = this.out.length === 1 ? this.out[0]! : Buffer.concat(this.out);
    this.out = [];
    await this.sink.append(batch);
  }

  /** Replaces plaintext at `position` (within the held bytes) before it is sealed. */
  patch(position: number, bytes: Uint8Array): void {
    if (position + bytes.length > this.heldBytes) {
      throw new BackupError("STORAGE", "a patch of the encrypted payload reaches past its held bytes");
    }
    for (let i = 0; i < bytes.length; ) {
      const at = position + i;
      const index = Math.floor(at / CHUNK_SIZE);
      const chunk = index === this.counter ? this.current : this.held.get(index);
      if (!chunk)
        throw new BackupError("STORAGE", "a patch of the encrypted payload lies beyond what was written");
      const within = at % CHUNK_SIZE;
      const n = Math.min(CHUNK_SIZE - within, bytes.length - i);
      chunk.set(bytes.subarray(i, i + n), within);
      i += n;
    }
  }

  /** Seals the last chunk and the held ones, writing those over their placeholders. */
  async finish(): Promise<void> {
    this.out.push(sealChunk(this.key, this.counter, true, this.current.subarray(0, this.used)));
    await this.flush();
    for (const [index, plaintext] of this.held) {
      await this.sink.overwrite(
        this.base + index * SEALED_CHUNK,
        sealChunk(this.key, index, false, plaintext),
      );
    }
    this.held.clear();
  }
}

/** The sealed size of a payload of `length` plaintext bytes. */
export function sealedSize(length: number): number {
  return length + TAG_SIZE * Math.max(1, Math.ceil(length / CHUNK_SIZE));
}
