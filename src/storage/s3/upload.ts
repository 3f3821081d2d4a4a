/**
 * Streaming upload of one backup with bounded memory: the bytes are copied into a fixed pool of
 * `queueSize + 1` part buffers that are reused, so a write holds `partSize × (queueSize + 1)` bytes
 * whatever the size of the backup (lib-storage's Upload allocates a new buffer per part and held
 * about four times as much in measurements). Content that fits one part is one PutObject; larger
 * content a multipart upload of `queueSize` parts at once. Create-only writes carry
 * `If-None-Match: *` on the PutObject or the CompleteMultipartUpload, so of two writers of one name
 * exactly one wins. A failed or aborted upload is aborted on the server: no object and no
 * unfinished multipart upload is left.
 */
import { BackupError } from "../../errors.js";
import { isConflict, s3Error } from "./errors.js";
import type { S3Objects } from "./objects.js";

/** How an upload is done. */
export interface UploadOptions {
  /** Bytes per part (≥ 5 MiB). */
  partSize: number;
  /** Parts uploaded at once. */
  queueSize: number;
  /** Create only: fail with BACKUP_EXISTS when the key exists. */
  createOnly: boolean;
  /** Storage class of the new object (AWS). */
  storageClass?: string;
  signal?: AbortSignal;
}

/** S3's limit on the parts of one upload. */
const MAX_PARTS = 10_000;

/** One part buffer being filled from the content, chunk by chunk (a chunk may span parts). */
class PartFiller {
  private pending: Uint8Array | undefined;
  private done = false;
  bytes = 0;

  constructor(
    private readonly source: AsyncIterator<Uint8Array | string>,
    private readonly name: string,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** Fills `buffer`; returns how many bytes it holds (less than its size only at the end). */
  async fill(buffer: Buffer): Promise<number> {
    let used = 0;
    while (used < buffer.length) {
      if (!this.pending) {
        if (this.done) break;
        if (this.signal?.aborted) throw new BackupError("ABORTED", `writing ${this.name} was aborted`);
        const next = await this.source.next();
        if (next.done) {
          this.done = true;
          break;
        }
        this.pending = typeof next.value === "string" ? Buffer.from(next.value) : next.value;
      }
      const take = Math.min(this.pending.length, buffer.length - used);
      buffer.set(this.pending.subarray(0, take), used);
      used += take;
      this.pending = take < this.pending.length ? this.pending.subarray(take) : undefined;
    }
    if (this.signal?.aborted) throw new BackupError("ABORTED", `writing ${this.name} was aborted`);
    this.bytes += used;
    return used;
  }

  /** True once the content has ended and nothing is pending. */
  get finished(): boolean {
    return this.done && !this.pending;
  }
}

/** The headers of a new object: type, encryption, storage class, and the create-only condition. */
function objectParams(objects: S3Objects, options: UploadOptions) {
  return {
    ContentType: "application/json",
    ...objects.settings,
    ...(options.storageClass ? { StorageClass: options.storageClass as never } : {}),
  };
}

/** Uploads `content` under `key`; resolves with the number of bytes. */
export async function uploadStream(
  objects: S3Objects,
  key: string,
  name: string,
  content: AsyncIterable<Uint8Array | string>,
  options: UploadOptions,
): Promise<number> {
  if (options.signal?.aborted) throw new BackupError("ABORTED", `writing ${name} was aborted`);
  const iterator = content[Symbol.asyncIterator]();
  const filler = new PartFiller(iterator, name, options.signal);
  const pool = [Buffer.allocUnsafe(options.partSize)];
  try {
    const first = await filler.fill(pool[0]!);
    if (filler.finished) {
      await putWhole(objects, key, pool[0]!.subarray(0, first), options);
      return first;
    }
    await uploadParts(objects, key, filler, pool, first, options);
    return filler.bytes;
  } catch (error) {
    await iterator.return?.().catch(() => {});
    throw uploadError(error, objects, key, name, options);
  }
}

async function putWhole(
  objects: S3Objects,
  key: string,
  body: Buffer,
  options: UploadOptions,
): Promise<void> {
  const command = new objects.sdk.client.PutObjectCommand({
    Bucket: objects.bucket,
    Key: key,
    Body: body,
    ...objectParams(objects, options),
    ...(options.createOnly ? { IfNoneMatch: "*" } : {}),
  });
  await objects.client.send(command, options.signal ? { abortSignal: options.signal } : {});
}

interface DonePart {
  PartNumber: number;
  ETag?: string;
  ChecksumCRC32?: string;
}

/** The multipart upload: parts from the pool, `queueSize` at once, then complete (or abort). */
async function uploadParts(
  objects: S3Objects,
  key: string,
  filler: PartFiller,
  pool: Buffer[],
  firstLength: number,
  options: UploadOptions,
): Promise<void> {
  const { client, sdk, bucket } = objects;
  const created = await client.send(
    new sdk.client.CreateMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      ChecksumAlgorithm: "CRC32",
      ...objectParams(objects, options),
    }),
  );
  const uploadId = created.UploadId!;
  const uploads = new PartQueue(objects, key, uploadId, options);
  try {
    let buffer = pool[0]!;
    let length = firstLength;
    for (let partNumber = 1; length > 0; partNumber++) {
      if (partNumber > MAX_PARTS) {
        throw new BackupError("STORAGE", `the backup is larger than ${MAX_PARTS} parts: raise partSizeBytes`);
      }
      await uploads.add(partNumber, buffer.subarray(0, length), buffer);
      if (filler.finished) break;
      buffer = (await uploads.freeBuffer()) ?? Buffer.allocUnsafe(options.partSize);
      length = await filler.fill(buffer);
    }
    const parts = await uploads.all();
    await client.send(
      new sdk.client.CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
        ...(options.createOnly ? { IfNoneMatch: "*" } : {}),
      }),
      options.signal ? { abortSignal: options.signal } : {},
    );
  } catch (error) {
    await uploads.settle();
    await objects.abortUpload(key, uploadId).catch(() => {});
    throw error;
  }
}

/** The parts in flight: at most `queueSize`; each gives its buffer back to the pool when done. */
class PartQueue {
  private readonly running = new Set<Promise<void>>();
  private readonly free: Buffer[] = [];
  private readonly done: DonePart[] = [];
  private failure: unknown;
  private buffers = 1;

  constructor(
    private readonly objects: S3Objects,
    private readonly key: string,
    private readonly uploadId: string,
    private readonly options: UploadOptions,
  ) {}

  /** Starts uploading one part once fewer than `queueSize` are in flight. */
  async add(partNumber: number, body: Buffer, owner: Buffer): Promise<void> {
    while (this.running.size >= this.options.queueSize) await Promise.race(this.running);
    this.rethrow();
    const { sdk, client, bucket } = this.objects;
    const command = new sdk.client.UploadPartCommand({
      Bucket: bucket,
      Key: this.key,
      UploadId: this.uploadId,
      PartNumber: partNumber,
      Body: body,
      ChecksumAlgorithm: "CRC32",
    });
    const send = this.options.signal ? { abortSignal: this.options.signal } : {};
    const task: Promise<void> = client.send(command, send).then(
      (result) => {
        this.done.push({ PartNumber: partNumber, ETag: result.ETag, ChecksumCRC32: result.ChecksumCRC32 });
      },
      (error: unknown) => {
        this.failure ??= error;
      },
    );
    const tracked = task.finally(() => {
      this.running.delete(tracked);
      this.free.push(owner);
    });
    this.running.add(tracked);
  }

  /** A buffer to fill next: one given back, or undefined while the pool may still grow. */
  async freeBuffer(): Promise<Buffer | undefined> {
    this.rethrow();
    if (this.free.length === 0 && this.buffers <= this.options.queueSize) {
      this.buffers += 1;
      return undefined;
    }
    while (this.free.length === 0) await Promise.race(this.running);
    this.rethrow();
    return this.free.pop()!;
  }

  /** Every part, in order, once all are uploaded. */
  async all(): Promise<DonePart[]> {
    await this.settle();
    this.rethrow();
    return [...this.done].sort((a, b) => a.PartNumber - b.PartNumber);
  }

  /** Waits for the parts in flight, whatever their outcome. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  private rethrow(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

function uploadError(
  error: unknown,
  objects: S3Objects,
  key: string,
  name: string,
  options: UploadOptions,
): BackupError {
  if (options.signal?.aborted)
    return new BackupError("ABORTED", `writing ${name} was aborted`, { cause: error });
  if (error instanceof BackupError) return error;
  if (options.createOnly && isConflict(error)) {
    return new BackupError(
      "BACKUP_EXISTS",
      `backup ${name} already exists in s3://${objects.bucket}/${key}`,
      {
        cause: error,
      },
    );
  }
  return s3Error(error, `writing ${name}`, objects.place(key));
}
