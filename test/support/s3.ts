/**
 * The S3 service of the tests (see test/setup/s3-setup.ts): storages below fresh prefixes, and an
 * admin client to look at what the storage left in the bucket (objects, unfinished uploads).
 */
import { randomUUID } from "node:crypto";
import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";
import { inject } from "vitest";
import { S3Storage, type S3StorageOptions } from "../../src/storage/s3/s3-storage.js";

/** The S3 service the tests use. */
export interface S3TestService {
  /** "versitygw" or "S3_ENDPOINT". */
  label: string;
  endpoint?: string;
  region: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  bucket: string;
  forcePathStyle: boolean;
  /** versitygw's pid (null for another service). */
  pid: number | null;
  /** versitygw's folder and port (to restart it after killing it). */
  dir?: string;
  port?: number;
}

declare module "vitest" {
  export interface ProvidedContext {
    s3Service: S3TestService;
  }
}

/** The service of this run. */
export function s3Service(): S3TestService {
  return inject("s3Service");
}

/** A fresh prefix, unique to one test. */
export function freshPrefix(label = "t"): string {
  return `${label}-${randomUUID()}/`;
}

/** The options of a storage on the test service (a fresh prefix unless given). */
export function s3Options(
  overrides: Partial<S3StorageOptions> = {},
  service = s3Service(),
): S3StorageOptions {
  return {
    bucket: service.bucket,
    prefix: freshPrefix(),
    region: service.region,
    ...(service.endpoint ? { endpoint: service.endpoint } : {}),
    ...(service.credentials ? { credentials: service.credentials } : {}),
    forcePathStyle: service.forcePathStyle,
    ...overrides,
  };
}

/** A storage on the test service below a fresh prefix. */
export function newS3Storage(overrides: Partial<S3StorageOptions> = {}): S3Storage {
  return new S3Storage(s3Options(overrides));
}

/** An SDK client of the test service, for looking at the bucket directly. */
export function adminClient(service = s3Service()): S3Client {
  return new S3Client({
    region: service.region,
    ...(service.endpoint ? { endpoint: service.endpoint } : {}),
    ...(service.credentials ? { credentials: service.credentials } : {}),
    forcePathStyle: service.forcePathStyle,
  });
}

/** Every key below `prefix` (all depths). */
export async function listKeys(prefix: string, service = s3Service()): Promise<string[]> {
  const client = adminClient(service);
  const keys: string[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: service.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } finally {
    client.destroy();
  }
  return keys.sort();
}

/** Unfinished multipart uploads below `prefix` (ListMultipartUploads). */
export async function listUploads(prefix: string, service = s3Service()): Promise<string[]> {
  const client = adminClient(service);
  try {
    const page = await client.send(
      new ListMultipartUploadsCommand({ Bucket: service.bucket, Prefix: prefix }),
    );
    return (page.Uploads ?? []).map((u) => `${u.Key}:${u.UploadId}`);
  } finally {
    client.destroy();
  }
}

/** Removes every object and unfinished upload below `prefix`. */
export async function removePrefix(prefix: string, service = s3Service()): Promise<void> {
  const client = adminClient(service);
  try {
    const uploads = await client.send(
      new ListMultipartUploadsCommand({ Bucket: service.bucket, Prefix: prefix }),
    );
    for (const u of uploads.Uploads ?? []) {
      await client.send(
        new AbortMultipartUploadCommand({ Bucket: service.bucket, Key: u.Key!, UploadId: u.UploadId! }),
      );
    }
    for (;;) {
      const page = await client.send(new ListObjectsV2Command({ Bucket: service.bucket, Prefix: prefix }));
      const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
      if (keys.length === 0) return;
      await client.send(new DeleteObjectsCommand({ Bucket: service.bucket, Delete: { Objects: keys } }));
    }
  } finally {
    client.destroy();
  }
}
