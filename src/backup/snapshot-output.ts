/**
 * The output of a snapshot: the backup's plain byte stream cut into content-defined chunks
 * (format/chunking.ts), each stored once under its id — chunks the storage already has are not
 * written again — and, at publication, the manifest under the backup's name. The metadata line
 * and the statistics line, known only at the end, are chunks of their own: first and last.
 *
 * Until the manifest is published nothing is visible as a backup; chunks written by a snapshot
 * that fails or is killed are unreferenced and removed by the next prune.
 */
import type { EncryptionOptions } from "../codec/age.js";
import type { ResolvedEncoding } from "../codec/encoded-writer.js";
import { encodeChunk, sealWhole } from "../codec/snapshot/chunk-codec.js";
import { deriveIdKey, keyedChunkId, plainChunkId } from "../codec/snapshot/ids.js";
import { BackupError } from "../errors.js";
import { type ChunkingSettings, DEFAULT_CHUNKING, RecordChunker } from "../format/chunking.js";
import {
  manifestText,
  SNAPSHOT_FORMAT,
  SNAPSHOT_FORMAT_VERSION,
  type SnapshotManifest,
} from "../format/snapshot-manifest.js";
import { type ChunkTable, storedChunkSizes } from "../storage/chunk-table.js";
import type { ChunkStorage, StoredBackup } from "../storage/contract.js";
import { type BackupOutput, padHeader, RecordBody } from "./output.js";

/** Chunk writes in flight at once. */
const PARALLEL_PUTS = 4;

/** What a snapshot wrote, for checking it once published. */
export interface SnapshotWritten {
  /** The manifest as published. */
  manifest: SnapshotManifest;
  /** The chunks this snapshot stored, with the file key that opens each when encrypted. */
  added: Map<string, Uint8Array | undefined>;
  /** The id key of an encrypted snapshot (derived from its recipients). */
  idKey?: Uint8Array;
}

/** Refuses encodings snapshots cannot use. */
export function assertSnapshotEncoding(encryption: EncryptionOptions | undefined): void {
  if (encryption?.passphrase !== undefined) {
    throw new BackupError(
      "INVALID_OPTIONS",
      "snapshots are encrypted to age recipients, not with a passphrase (a passphrase would cost one scrypt derivation per chunk): give recipients, or make a full backup",
    );
  }
}

/** A snapshot on its way into a storage. */
export class SnapshotOutput implements BackupOutput {
  readonly body: RecordBody;
  private readonly chunker: RecordChunker;
  private readonly entries: [string, number, number][] = [];
  private length = 0;
  private readonly added = new Map<string, Uint8Array | undefined>();
  private addedBytes = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;
  private manifest?: SnapshotManifest;
  private idKeySealed?: string;

  private constructor(
    private readonly storage: ChunkStorage,
    private readonly encoding: ResolvedEncoding,
    private readonly headerBytes: number,
    /** Stored size of every chunk the storage holds, by id (0 while this snapshot stores it). */
    private readonly known: ChunkTable,
    private readonly idKey: Buffer | undefined,
    settings: ChunkingSettings,
  ) {
    this.chunker = new RecordChunker(settings);
    this.body = new RecordBody(async (bytes) => {
      for (const chunk of this.chunker.push(bytes)) await this.add(chunk);
    });
  }

  /** Opens the output: lists the chunks the storage has, so that they are not written again. */
  static async open(
    storage: ChunkStorage,
    encoding: ResolvedEncoding,
    headerBytes: number,
    settings: ChunkingSettings = DEFAULT_CHUNKING,
  ): Promise<SnapshotOutput> {
    assertSnapshotEncoding(encoding.encryption);
    const known = await storedChunkSizes(storage);
    const recipients = encoding.encryption?.recipients;
    const idKey = recipients ? deriveIdKey(recipients) : undefined;
    const output = new SnapshotOutput(storage, encoding, headerBytes, known, idKey, settings);
    // the metadata line comes first; its place is taken now and filled at finish
    output.entries.push(["", 0, 0]);
    if (encoding.encryption && idKey) {
      output.idKeySealed = (await sealWhole(encoding.encryption, idKey)).sealed.toString("base64");
    }
    return output;
  }

  private idOf(plain: Uint8Array): string {
    const { compression } = this.encoding;
    return this.idKey ? keyedChunkId(this.idKey, compression, plain) : plainChunkId(compression, plain);
  }

  /** Adds the next chunk of the document: stored unless the storage has it. */
  private async add(plain: Uint8Array, at?: number): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    const id = this.idOf(plain);
    const entry: [string, number, number] = [id, plain.length, this.known.get(id) ?? 0];
    if (at === undefined) {
      this.length += plain.length;
      this.entries.push(entry);
    } else {
      this.entries[at] = entry;
    }
    if (this.known.has(id)) return;
    this.known.set(id, 0);
    const put = this.put(id, plain, entry).catch((error: unknown) => {
      this.failure ??= error;
    });
    this.inFlight.add(put);
    void put.finally(() => this.inFlight.delete(put));
    if (this.inFlight.size >= PARALLEL_PUTS) await Promise.race(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
  }

  private async put(id: string, plain: Uint8Array, entry: [string, number, number]): Promise<void> {
    const encoded = await encodeChunk(plain, this.encoding);
    const stored = await this.storage.putChunk(id, encoded.bytes);
    entry[2] = encoded.bytes.length;
    this.known.set(id, encoded.bytes.length);
    if (stored) {
      this.added.set(id, encoded.fileKey);
      this.addedBytes += encoded.bytes.length;
    }
  }

  async finish(header: string, footer: string): Promise<void> {
    await this.body.close();
    const last = this.chunker.end();
    if (last) await this.add(last);
    await this.add(Buffer.from(footer, "utf8"));
    const headerBytes = padHeader(header, this.headerBytes);
    this.length += headerBytes.length;
    await this.add(headerBytes, 0);
    await Promise.all(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
    this.manifest = this.describe();
  }

  private describe(): SnapshotManifest {
    return {
      format: SNAPSHOT_FORMAT,
      format_version: SNAPSHOT_FORMAT_VERSION,
      created: new Date().toISOString(),
      encoding: { compression: this.encoding.compression, encrypted: this.encoding.encryption !== undefined },
      ids: this.idKey ? "hmac-sha256" : "sha256",
      ...(this.idKeySealed ? { id_key: this.idKeySealed } : {}),
      length: this.length,
      added: { chunks: this.added.size, bytes: this.addedBytes },
      chunks: this.entries.map(
        ([id, length, size]) => [id, length, this.known.get(id) || size] as [string, number, number],
      ),
    };
  }

  /** What the snapshot wrote (after publish). */
  get written(): SnapshotWritten | undefined {
    if (!this.manifest) return undefined;
    return { manifest: this.manifest, added: this.added, ...(this.idKey ? { idKey: this.idKey } : {}) };
  }

  async publish(name: string, signal?: AbortSignal): Promise<StoredBackup> {
    if (signal?.aborted) throw new BackupError("ABORTED", `writing ${name} was aborted`);
    if (!this.manifest) throw new BackupError("STORAGE", "the snapshot was published before it was finished");
    const text = manifestText(this.manifest);
    return this.storage.write(
      name,
      (async function* () {
        yield text;
      })(),
      { signal },
    );
  }

  async discard(): Promise<void> {
    // chunks already stored stay unreferenced until the next prune removes them
    await Promise.allSettled(this.inFlight);
  }
}
