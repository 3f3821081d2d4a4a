/**
 * Writing a backup through its layers, in place: records are compressed (one streaming member or
 * frame) and encrypted (age) on their way into a {@link BackupWriter}; nothing plain reaches the
 * writer when encrypting. The metadata line is known only at the end, so it goes first as a
 * placeholder of fixed size — uncompressed in a stored member, its plaintext chunks held in memory
 * when encrypting — and is written over at {@link EncodedWriter.finish}. Decoded, the file is the
 * same document a plain backup written in place is, byte for byte.
 */
import { once } from "node:events";
import { type Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { BackupError } from "../errors.js";
import type { BackupLayers, Compression } from "../format/naming.js";
import type { BackupWriter } from "../storage/contract.js";
import { assertEncryptionOptions, type EncryptionOptions, type SealedHeader, sealHeader } from "./age.js";
import {
  type Compressed,
  compressWhole,
  createCompressor,
  resolveCompressionLevel,
  storedMember,
} from "./compression.js";
import { PayloadSealer } from "./stream-cipher.js";

/** How a new backup's bytes are encoded. */
export interface EncodingOptions {
  /** `"none"` (default: plain `.json`), `"gzip"` (`.json.gz`) or `"zstd"` (`.json.zst`). */
  compression?: Compression;
  /** gzip 1–9 (default 6), zstd 1–19 (default 3). */
  compressionLevel?: number;
  /** Encrypt in the age format (`.age`), after compression. */
  encryption?: EncryptionOptions;
}

/** Encoding options checked, with the level filled in. */
export interface ResolvedEncoding {
  compression: Compression;
  level: number;
  encryption?: EncryptionOptions;
}

/** Checks encoding options; throws `INVALID_OPTIONS` (never echoing a key). */
export function resolveEncoding(options: EncodingOptions = {}): ResolvedEncoding {
  const compression = options.compression ?? "none";
  const level = resolveCompressionLevel(compression, options.compressionLevel);
  if (options.encryption === undefined) return { compression, level };
  if (options.encryption === null || typeof options.encryption !== "object") {
    throw new BackupError("INVALID_OPTIONS", "encryption must be { recipients } or { passphrase }");
  }
  assertEncryptionOptions(options.encryption);
  return { compression, level, encryption: options.encryption };
}

/** The layers an encoding gives a file (and so its extension). */
export function layersOf(encoding: ResolvedEncoding): BackupLayers {
  return { compression: encoding.compression, encrypted: encoding.encryption !== undefined };
}

/** True when the encoding is plain JSON. */
export function isPlain(encoding: ResolvedEncoding): boolean {
  return encoding.compression === "none" && encoding.encryption === undefined;
}

/** The bytes under the compression layer: appended, and patched within the first ones. */
interface PlainSink {
  append(bytes: Uint8Array): Promise<void>;
  patch(position: number, bytes: Uint8Array): Promise<void> | void;
  finish(): Promise<void>;
}

/** Pushes bytes into a compressor with backpressure and hands its output on in order. */
class CompressorPump {
  private readonly done: Promise<void>;
  private failure: unknown;

  constructor(
    private readonly compressor: Transform,
    sink: (chunk: Buffer) => Promise<void>,
  ) {
    const out = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        sink(chunk).then(() => callback(), callback);
      },
    });
    this.done = pipeline(compressor, out).catch((error: unknown) => {
      this.failure ??= error;
      throw error;
    });
    this.done.catch(() => {});
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (this.compressor.write(chunk)) return;
    await Promise.race([once(this.compressor, "drain"), this.done]);
  }

  async end(): Promise<void> {
    this.compressor.end();
    await this.done;
  }

  destroy(): void {
    this.compressor.destroy();
  }
}

/** A new backup on its way through compression and encryption into a writer. */
export class EncodedWriter {
  private pump?: CompressorPump;

  private constructor(
    private readonly sink: PlainSink,
    private readonly encoding: ResolvedEncoding,
    private readonly headerSize: number,
    /** The file key of an encrypted backup, to read it back in this process (never stored). */
    readonly fileKey: Uint8Array | undefined,
  ) {
    if (encoding.compression !== "none") {
      this.pump = new CompressorPump(createCompressor(encoding.compression, encoding.level), (chunk) =>
        sink.append(chunk),
      );
    }
  }

  /**
   * Starts the file: the age header (when encrypting), then `placeholder` in place of the metadata
   * line (the line written at the end must be exactly as long).
   */
  static async open(
    writer: BackupWriter,
    encoding: ResolvedEncoding,
    placeholder: Uint8Array,
  ): Promise<EncodedWriter> {
    const first = headerMember(encoding, placeholder);
    let sealed: SealedHeader | undefined;
    let sink: PlainSink;
    if (encoding.encryption) {
      sealed = await sealHeader(encoding.encryption);
      await writer.append(sealed.prefix);
      const sealer = new PayloadSealer(sealed.payloadKey, writer, sealed.prefix.length, first.length);
      sink = {
        append: (b) => sealer.append(b),
        patch: (p, b) => sealer.patch(p, b),
        finish: () => sealer.finish(),
      };
    } else {
      sink = {
        append: (b) => writer.append(b),
        patch: (p, b) => writer.overwrite(p, b),
        finish: async () => {},
      };
    }
    await sink.append(first);
    return new EncodedWriter(sink, encoding, first.length, sealed?.fileKey);
  }

  /** Appends record bytes (the plain document between the metadata line and the statistics). */
  append(bytes: Uint8Array): Promise<void> {
    return this.pump ? this.pump.write(bytes) : this.sink.append(bytes);
  }

  /** Ends the records, appends `footer`, writes `header` over the placeholder, seals the rest. */
  async finish(header: Uint8Array, footer: Uint8Array): Promise<void> {
    const member = headerMember(this.encoding, header);
    if (member.length !== this.headerSize) {
      throw new BackupError("STORAGE", "the metadata line does not fit the room reserved for it");
    }
    const { compression, level } = this.encoding;
    if (this.pump) await this.pump.end();
    await this.sink.append(compression === "none" ? footer : compressWhole(compression, level, footer));
    await this.sink.patch(0, member);
    await this.sink.finish();
  }

  /** Stops the compressor of an unfinished file. */
  destroy(): void {
    this.pump?.destroy();
  }
}

/** The metadata line as the file's first member: stored (uncompressed) so that its size is fixed. */
function headerMember(encoding: ResolvedEncoding, line: Uint8Array): Buffer {
  if (encoding.compression === "none") return Buffer.from(line);
  return storedMember(encoding.compression as Compressed, line);
}
