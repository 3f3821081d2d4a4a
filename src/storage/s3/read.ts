/**
 * Reading one backup as a stream that survives dropped connections: when the body breaks off, the
 * rest is asked for again (`Range` from the last byte received, `If-Match` the same version) with
 * backoff, up to the client's attempts.
 */
import { BackupError } from "../../errors.js";
import { isNotFound, s3Error } from "./errors.js";
import type { S3Objects } from "./objects.js";

interface GetResult {
  Body?: AsyncIterable<Uint8Array> & { destroy?: () => void };
  ETag?: string;
  ContentLength?: number;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function get(objects: S3Objects, key: string, from: number, etag?: string): Promise<GetResult> {
  const command = new objects.sdk.client.GetObjectCommand({
    Bucket: objects.bucket,
    Key: key,
    ...(from > 0 ? { Range: `bytes=${from}-` } : {}),
    ...(etag ? { IfMatch: etag } : {}),
  });
  return (await objects.client.send(command)) as GetResult;
}

/** Opens `key` for streaming; rejects with NOT_FOUND when it is absent. */
export async function openObjectStream(
  objects: S3Objects,
  key: string,
  name: string,
  maxAttempts: number,
): Promise<AsyncIterable<Uint8Array>> {
  let first: GetResult;
  try {
    first = await get(objects, key, 0);
  } catch (error) {
    if (isNotFound(error)) {
      throw new BackupError("NOT_FOUND", `backup ${name} not found in s3://${objects.bucket}/${key}`);
    }
    throw s3Error(error, `reading ${name}`, objects.place(key));
  }
  return resumingStream(objects, key, name, first, maxAttempts);
}

async function* resumingStream(
  objects: S3Objects,
  key: string,
  name: string,
  first: GetResult,
  maxAttempts: number,
): AsyncGenerator<Uint8Array> {
  const size = first.ContentLength ?? 0;
  let current: GetResult = first;
  let offset = 0;
  let failures = 0;
  try {
    for (;;) {
      try {
        for await (const chunk of current.Body ?? []) {
          offset += chunk.length;
          failures = 0;
          yield chunk;
        }
        if (offset >= size) return;
        throw new Error(`the connection ended after ${offset} of ${size} bytes`);
      } catch (error) {
        failures += 1;
        if (failures >= maxAttempts) throw s3Error(error, `reading ${name}`, objects.place(key));
        current.Body?.destroy?.();
        await delay(Math.min(100 * 2 ** failures, 5_000) * (0.5 + Math.random() / 2));
        current = await get(objects, key, offset, first.ETag).catch((again: unknown) => {
          throw s3Error(again, `reading ${name} again from byte ${offset}`, objects.place(key));
        });
      }
    }
  } finally {
    current.Body?.destroy?.();
  }
}
