/**
 * Streaming upload of one backup (lib-storage's multipart Upload): memory stays at about
 * `partSize × (queueSize + 1)` whatever the size of the backup. Create-only writes carry
 * `If-None-Match: *` on the PutObject or the CompleteMultipartUpload, so of two writers of one name
 * exactly one wins. A failed or aborted upload is aborted on the server: no object and no
 * unfinished multipart upload is left.
 */
import { Readable } from "node:stream";
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

/** Chunks as Buffers, counted, stopping with ABORTED as soon as the signal fires. */
async function* bytesOf(
  content: AsyncIterable<Uint8Array | string>,
  counter: { bytes: number },
  name: string,
  signal: AbortSignal | undefined,
): AsyncGenerator<Buffer> {
  for await (const chunk of content) {
    if (signal?.aborted) throw new BackupError("ABORTED", `writing ${name} was aborted`);
    const buffer =
      typeof chunk === "string"
        ? Buffer.from(chunk)
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    counter.bytes += buffer.length;
    yield buffer;
  }
  if (signal?.aborted) throw new BackupError("ABORTED", `writing ${name} was aborted`);
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
  const counter = { bytes: 0 };
  const upload = new objects.sdk.storage.Upload({
    client: objects.client,
    partSize: options.partSize,
    queueSize: options.queueSize,
    leavePartsOnError: false,
    params: {
      Bucket: objects.bucket,
      Key: key,
      Body: Readable.from(bytesOf(content, counter, name, options.signal), { objectMode: false }),
      ContentType: "application/json",
      ...objects.settings,
      ...(options.storageClass ? { StorageClass: options.storageClass as never } : {}),
      ...(options.createOnly ? { IfNoneMatch: "*" } : {}),
    },
  });
  const onAbort = () => void upload.abort().catch(() => {});
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await upload.done();
    return counter.bytes;
  } catch (error) {
    await abortLeftover(objects, key, upload);
    throw uploadError(error, objects, key, name, options);
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
}

/** Aborts the multipart upload if lib-storage could not (e.g. its own abort request failed). */
async function abortLeftover(objects: S3Objects, key: string, upload: object): Promise<void> {
  const uploadId = (upload as { uploadId?: string }).uploadId;
  if (uploadId) await objects.abortUpload(key, uploadId).catch(() => {});
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
