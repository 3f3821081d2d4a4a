/**
 * S3Storage: backups as objects in an S3 bucket (AWS S3, or any service that speaks its API) under
 * a key prefix. Writes stream as multipart uploads with `If-None-Match: *`, so nothing is ever
 * overwritten and nothing is visible before it is complete; the index is replaced with `If-Match`
 * on the version read; the lock is an object with a lease (see lock.ts); the chunks of snapshots are
 * small objects under `chunks/`, put whole with `If-None-Match: *`. The AWS SDK is loaded on first
 * use (an optional peer dependency).
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { BackupError } from "../../errors.js";
import {
  assertValidBackupName,
  assertValidChunkId,
  type BackupStorage,
  type StorageLock,
  type StorageLockOptions,
  type StorageWriteOptions,
  type StoredBackup,
  type StoredChunk,
} from "../contract.js";
import { createS3Client, resolveRegion, type S3ConnectionOptions } from "./client.js";
import { isConcurrentWrite, isConflict, s3Error } from "./errors.js";
import {
  assertValidBucket,
  describeLocation,
  normalizePrefix,
  parseS3Url,
  S3_CHUNKS_FOLDER,
  S3_INDEX_NAME,
  S3_LOCK_NAME,
} from "./location.js";
import { acquireS3Lock } from "./lock.js";
import { type ObjectSettings, S3Objects } from "./objects.js";
import { openObjectStream } from "./read.js";
import { loadS3Sdk } from "./sdk.js";
import { uploadStream } from "./upload.js";

/** Options of {@link S3Storage}. */
export interface S3StorageOptions extends S3ConnectionOptions {
  /** The bucket (it must exist). */
  bucket: string;
  /** Key prefix, like a folder: `backups/neo4j` keeps `backups/neo4j/<name>`; default none. */
  prefix?: string;
  /** Server-side encryption of new objects (AWS): `AES256` (SSE-S3), `aws:kms` or `aws:kms:dsse`. */
  serverSideEncryption?: "AES256" | "aws:kms" | "aws:kms:dsse";
  /** The KMS key id or ARN with `aws:kms`. */
  kmsKeyId?: string;
  /** Storage class of new backups (AWS), e.g. `STANDARD_IA`; the index and the lock stay STANDARD. */
  storageClass?: string;
  /** Bytes per uploaded part, at least 5 MiB; default 8 MiB. */
  partSizeBytes?: number;
  /** Parts uploaded at once; default 2. A write holds `partSizeBytes × (queueSize + 1)` bytes. */
  queueSize?: number;
  /** The lock's lease: renewed every sixth of it, taken over when not renewed for all of it; default 60 000. */
  lockLeaseMs?: number;
  /** How often a waiter looks at the lock again; default 500 ms (with jitter). */
  lockPollMs?: number;
  /** An `S3Client` of `@aws-sdk/client-s3` to use instead of one built from these options. */
  client?: unknown;
}

const MIN_PART = 5 * 1024 * 1024;

/** How often a chunk put that meets another conditional write of its key under way is tried. */
const CHUNK_PUT_ATTEMPTS = 6;

/** True for names the contract accepts as backups (the index and hidden keys are not). */
function isBackupName(name: string): boolean {
  if (name === S3_INDEX_NAME) return false;
  try {
    assertValidBackupName(name);
    return true;
  } catch {
    return false;
  }
}

/** A {@link BackupStorage} in an S3 bucket. */
export class S3Storage implements BackupStorage {
  /** The bucket. */
  readonly bucket: string;
  /** The key prefix: empty, or ending in `/`. */
  readonly prefix: string;
  private readonly options: S3StorageOptions;
  private ready: Promise<S3Objects> | undefined;
  /** ETag of the index as last read or written here; null when it was absent. */
  private indexEtag: string | null | undefined;
  /** Set when another process took over the lock this storage held. */
  private lockLostTo: string | undefined;

  constructor(options: S3StorageOptions) {
    assertValidBucket(options.bucket);
    if (options.endpoint !== undefined && !/^https?:\/\/[^/\s]/i.test(options.endpoint)) {
      throw new BackupError(
        "INVALID_OPTIONS",
        `endpoint ${JSON.stringify(options.endpoint)} is not an http:// or https:// address`,
      );
    }
    if (options.partSizeBytes !== undefined && !(options.partSizeBytes >= MIN_PART)) {
      throw new BackupError("INVALID_OPTIONS", `partSizeBytes must be at least ${MIN_PART} (5 MiB)`);
    }
    this.options = options;
    this.bucket = options.bucket;
    this.prefix = normalizePrefix(options.prefix);
  }

  /** A storage for `s3://bucket/prefix`, with the other options. */
  static fromUrl(url: string, options: Omit<S3StorageOptions, "bucket" | "prefix"> = {}): S3Storage {
    return new S3Storage({ ...options, ...parseS3Url(url) });
  }

  /** The full key of `name`. */
  keyOf(name: string): string {
    return `${this.prefix}${name}`;
  }

  /** Loads the SDK, builds the client, and checks once that the bucket answers (a clear error if not). */
  private objects(): Promise<S3Objects> {
    this.ready ??= this.connect().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  private async connect(): Promise<S3Objects> {
    const sdk = await loadS3Sdk();
    const client = (this.options.client as S3Client | undefined) ?? createS3Client(sdk, this.options);
    const settings: ObjectSettings = {
      ...(this.options.serverSideEncryption
        ? { ServerSideEncryption: this.options.serverSideEncryption }
        : {}),
      ...(this.options.kmsKeyId ? { SSEKMSKeyId: this.options.kmsKeyId } : {}),
    };
    const region = resolveRegion(this.options);
    const where = {
      ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
      ...(region ? { region } : {}),
    };
    const objects = new S3Objects(sdk, client, this.bucket, settings, where);
    await objects.list(this.prefix, "opening the backup storage", 1);
    return objects;
  }

  /** Fails with LOCKED when another process took over the lock this storage held. */
  private assertLockKept(): void {
    if (this.lockLostTo !== undefined) {
      throw new BackupError(
        "LOCKED",
        `the lock on ${this.describe()} was taken over by ${this.lockLostTo} while this process held it; nothing more is written`,
      );
    }
  }

  async write(
    name: string,
    content: AsyncIterable<Uint8Array | string>,
    options?: StorageWriteOptions,
  ): Promise<StoredBackup> {
    return this.upload(name, content, true, options);
  }

  /**
   * Stores `content` under `name`, replacing the backup of that name if there is one: readers see
   * the old object until the new one is complete (a put replaces an object atomically).
   */
  async replace(
    name: string,
    content: AsyncIterable<Uint8Array | string>,
    options?: StorageWriteOptions,
  ): Promise<StoredBackup> {
    return this.upload(name, content, false, options);
  }

  private async upload(
    name: string,
    content: AsyncIterable<Uint8Array | string>,
    createOnly: boolean,
    options?: StorageWriteOptions,
  ): Promise<StoredBackup> {
    assertValidBackupName(name);
    if (options?.signal?.aborted) throw new BackupError("ABORTED", `writing ${name} was aborted`);
    this.assertLockKept();
    const objects = await this.objects();
    const key = this.keyOf(name);
    const size = await uploadStream(objects, key, name, content, {
      partSize: this.options.partSizeBytes ?? 8 * 1024 * 1024,
      queueSize: this.options.queueSize ?? 2,
      createOnly,
      ...(this.options.storageClass ? { storageClass: this.options.storageClass } : {}),
      ...(options?.signal ? { signal: options.signal } : {}),
    });
    const info = await objects.head(key, `checking ${name} after writing it`);
    if (!info || info.size !== size) {
      throw new BackupError(
        "STORAGE",
        `${name} was written to ${this.describe()} but reads back as ${info ? `${info.size} bytes, not ${size}` : "absent"}`,
      );
    }
    return { name, size, modified: info.modified };
  }

  async read(name: string): Promise<AsyncIterable<Uint8Array>> {
    assertValidBackupName(name);
    const objects = await this.objects();
    return openObjectStream(objects, this.keyOf(name), name, this.options.maxAttempts ?? 5);
  }

  async stat(name: string): Promise<StoredBackup | undefined> {
    assertValidBackupName(name);
    const objects = await this.objects();
    const info = await objects.head(this.keyOf(name), `reading the size of ${name}`);
    return info ? { name, size: info.size, modified: info.modified } : undefined;
  }

  async list(): Promise<StoredBackup[]> {
    const objects = await this.objects();
    const listed = await objects.list(this.prefix, "listing the backups");
    return listed
      .map((o) => ({ name: o.key.slice(this.prefix.length), size: o.size, modified: o.modified }))
      .filter((o) => isBackupName(o.name));
  }

  async remove(name: string): Promise<void> {
    assertValidBackupName(name);
    this.assertLockKept();
    const objects = await this.objects();
    await objects.delete(this.keyOf(name), `removing ${name}`);
  }

  /** The full key of chunk `id`: `<prefix>chunks/<first two hex digits>/<id>`. */
  chunkKeyOf(id: string): string {
    return `${this.prefix}${S3_CHUNKS_FOLDER}${id.slice(0, 2)}/${id}`;
  }

  /**
   * Stores a snapshot's chunk unless its id is taken: one PutObject with `If-None-Match: *` (a
   * PutObject is atomic and durable when it succeeds). Resolves true when this call stored it, false
   * when the id was already there (412); a conditional write of the same key still under way (AWS's
   * 409) is waited for and tried again. Server-side encryption applies as to backups; the storage
   * class does not (chunks are small: see docs/storage.md).
   */
  async putChunk(id: string, bytes: Uint8Array): Promise<boolean> {
    assertValidChunkId(id);
    this.assertLockKept();
    const objects = await this.objects();
    const key = this.chunkKeyOf(id);
    for (let attempt = 1; ; attempt++) {
      const result = await objects.put(key, bytes, { ifNoneMatch: true }, "application/octet-stream");
      if ("etag" in result) return true;
      if (isConcurrentWrite(result.error) && attempt < CHUNK_PUT_ATTEMPTS) {
        await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        continue;
      }
      if (isConflict(result.error) && !isConcurrentWrite(result.error)) return false;
      throw s3Error(result.error, `storing chunk ${id}`, objects.place(key));
    }
  }

  /** A stored chunk's bytes, got whole; `NOT_FOUND` (naming bucket and key) when absent. */
  async readChunk(id: string): Promise<Uint8Array> {
    assertValidChunkId(id);
    const objects = await this.objects();
    const key = this.chunkKeyOf(id);
    const bytes = await objects.getBytes(key, `reading chunk ${id}`);
    if (!bytes) throw new BackupError("NOT_FOUND", `chunk ${id} not found (s3://${this.bucket}/${key})`);
    return bytes;
  }

  /**
   * Every stored chunk: the objects below `<prefix>chunks/` named by a valid id, yielded page by page
   * (1,000 a request) as the listing arrives.
   */
  async *listChunks(): AsyncGenerator<StoredChunk> {
    const objects = await this.objects();
    const pages = objects.pages(`${this.prefix}${S3_CHUNKS_FOLDER}`, "listing the chunks", undefined, true);
    for await (const page of pages) {
      for (const o of page) {
        const id = o.key.slice(o.key.lastIndexOf("/") + 1);
        if (/^[0-9a-f]{64}$/.test(id) && o.key === this.chunkKeyOf(id))
          yield { id, size: o.size, modified: o.modified };
      }
    }
  }

  /** Removes a chunk; an absent id is not an error. */
  async removeChunk(id: string): Promise<void> {
    assertValidChunkId(id);
    this.assertLockKept();
    const objects = await this.objects();
    await objects.delete(this.chunkKeyOf(id), `removing chunk ${id}`);
  }

  describe(): string {
    const location = describeLocation({ bucket: this.bucket, prefix: this.prefix });
    if (!this.options.endpoint) return location;
    try {
      const url = new URL(this.options.endpoint);
      return `${location} at ${url.protocol}//${url.host}`;
    } catch {
      return location;
    }
  }

  async readIndex(): Promise<string | undefined> {
    const objects = await this.objects();
    const found = await objects.getText(this.keyOf(S3_INDEX_NAME), "reading the index");
    this.indexEtag = found ? found.etag : null;
    return found?.text;
  }

  /**
   * Replaces the index — only the version this storage last read or wrote (`If-Match`), or only if
   * there is none when it found none (`If-None-Match`), so no concurrent update is lost. A changed
   * index rejects with LOCKED and is left as it is.
   */
  async writeIndex(text: string): Promise<void> {
    this.assertLockKept();
    const objects = await this.objects();
    const key = this.keyOf(S3_INDEX_NAME);
    const condition =
      this.indexEtag === undefined
        ? undefined
        : this.indexEtag === null
          ? { ifNoneMatch: true as const }
          : { ifMatch: this.indexEtag };
    const result = await objects.put(key, text, condition);
    if ("etag" in result) {
      this.indexEtag = result.etag;
      return;
    }
    if (isConflict(result.error)) {
      this.indexEtag = undefined;
      throw new BackupError(
        "LOCKED",
        `the index in ${this.describe()} was changed by another process since it was read here; it was not overwritten`,
        { cause: result.error },
      );
    }
    throw s3Error(result.error, "writing the index", objects.place(key));
  }

  /**
   * Takes the lock object (see docs/storage.md: what the lock guarantees), then aborts the unfinished
   * multipart uploads below the prefix: with the lock free, no writer of this library is running.
   */
  async lock(options: StorageLockOptions = {}): Promise<StorageLock> {
    const objects = await this.objects();
    const settings = { leaseMs: this.options.lockLeaseMs ?? 60_000, pollMs: this.options.lockPollMs ?? 500 };
    const lock = await acquireS3Lock(objects, this.keyOf(S3_LOCK_NAME), settings, options, {
      onLost: (holder) => {
        this.lockLostTo = holder;
      },
    });
    this.lockLostTo = undefined;
    await this.abortUploads(objects).catch(() => {});
    return {
      release: async () => {
        await lock.release();
        this.lockLostTo = undefined;
      },
    };
  }

  /**
   * How many multipart uploads of backups directly below the prefix are unfinished: a backup being
   * written now, or what a writer killed mid-upload left. They cost storage until aborted: taking
   * the lock aborts them ({@link abortUnfinishedUploads}), as does a bucket lifecycle rule
   * `AbortIncompleteMultipartUpload`.
   */
  async unfinishedUploads(): Promise<number> {
    const uploads = await (await this.objects()).listUploads(this.prefix, "listing unfinished uploads");
    return uploads.filter((upload) => isBackupName(upload.key.slice(this.prefix.length))).length;
  }

  /**
   * Aborts the unfinished multipart uploads of backups directly below the prefix (what writers
   * killed mid-upload leave); returns how many. The lock does this when it is taken.
   */
  async abortUnfinishedUploads(): Promise<number> {
    return this.abortUploads(await this.objects());
  }

  private async abortUploads(objects: S3Objects): Promise<number> {
    const uploads = await objects.listUploads(this.prefix, "listing unfinished uploads");
    let aborted = 0;
    for (const upload of uploads) {
      if (!isBackupName(upload.key.slice(this.prefix.length))) continue;
      await objects.abortUpload(upload.key, upload.uploadId);
      aborted += 1;
    }
    return aborted;
  }
}
