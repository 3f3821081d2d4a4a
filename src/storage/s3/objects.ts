/**
 * The S3 requests an S3Storage makes, each turned into a BackupError that names the bucket and key
 * when it fails: small objects put and got whole (the index, the lock, the chunks of snapshots),
 * heads, conditional deletes, listings past 1,000 keys, and unfinished multipart uploads.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { isNotFound, isNotImplemented, type S3Place, s3Error } from "./errors.js";
import type { S3Sdk } from "./sdk.js";

/** An object as a listing or a head describes it. */
export interface ObjectInfo {
  key: string;
  size: number;
  modified: Date;
  etag?: string;
}

/** Conditions of a put: create only (`If-None-Match: *`) or replace only this version (`If-Match`). */
export type PutCondition = { ifNoneMatch: true } | { ifMatch: string } | undefined;

/** Extra headers every new object gets (server-side encryption). */
export interface ObjectSettings {
  ServerSideEncryption?: "AES256" | "aws:kms" | "aws:kms:dsse";
  SSEKMSKeyId?: string;
}

/** The requests of one bucket. */
export class S3Objects {
  constructor(
    readonly sdk: S3Sdk,
    readonly client: S3Client,
    readonly bucket: string,
    readonly settings: ObjectSettings,
    private readonly where: Omit<S3Place, "bucket" | "key">,
  ) {}

  /** Where `key` is, for error messages. */
  place(key?: string): S3Place {
    return { bucket: this.bucket, ...(key === undefined ? {} : { key }), ...this.where };
  }

  /** Sends one command; failures become BackupErrors naming `key`. */
  async send<T>(command: object, what: string, key?: string): Promise<T> {
    try {
      return (await this.client.send(command as never)) as T;
    } catch (error) {
      throw s3Error(error, what, this.place(key));
    }
  }

  /** Sends one command and returns the raw SDK error instead of throwing it (for conditions). */
  async attempt<T>(command: object): Promise<{ ok: T } | { error: unknown }> {
    try {
      return { ok: (await this.client.send(command as never)) as T };
    } catch (error) {
      return { error };
    }
  }

  /**
   * A small object, put whole (a JSON text, or bytes of `contentType`); resolves with its new ETag,
   * or the SDK error when the condition failed.
   */
  async put(
    key: string,
    body: string | Uint8Array,
    condition: PutCondition,
    contentType = "application/json",
  ): Promise<{ etag: string } | { error: unknown }> {
    const command = new this.sdk.client.PutObjectCommand({
      Bucket: this.bucket,
      Key: key,
      Body: body,
      ContentType: contentType,
      ...this.settings,
      ...(condition && "ifNoneMatch" in condition ? { IfNoneMatch: "*" } : {}),
      ...(condition && "ifMatch" in condition ? { IfMatch: condition.ifMatch } : {}),
    });
    const result = await this.attempt<{ ETag?: string }>(command);
    return "ok" in result ? { etag: result.ok.ETag ?? "" } : result;
  }

  /** A small object's text and ETag, or undefined when absent. */
  async getText(key: string, what: string): Promise<{ text: string; etag: string } | undefined> {
    const command = new this.sdk.client.GetObjectCommand({ Bucket: this.bucket, Key: key });
    const result = await this.attempt<{ Body?: { transformToString(): Promise<string> }; ETag?: string }>(
      command,
    );
    if ("error" in result) {
      if (isNotFound(result.error)) return undefined;
      throw s3Error(result.error, what, this.place(key));
    }
    try {
      return { text: (await result.ok.Body?.transformToString()) ?? "", etag: result.ok.ETag ?? "" };
    } catch (error) {
      throw s3Error(error, what, this.place(key));
    }
  }

  /** A small object's bytes, got whole, or undefined when absent. */
  async getBytes(key: string, what: string): Promise<Uint8Array | undefined> {
    const command = new this.sdk.client.GetObjectCommand({ Bucket: this.bucket, Key: key });
    const result = await this.attempt<{ Body?: { transformToByteArray(): Promise<Uint8Array> } }>(command);
    if ("error" in result) {
      if (isNotFound(result.error)) return undefined;
      throw s3Error(result.error, what, this.place(key));
    }
    try {
      return (await result.ok.Body?.transformToByteArray()) ?? new Uint8Array();
    } catch (error) {
      throw s3Error(error, what, this.place(key));
    }
  }

  /** Size, time and ETag of one object, or undefined when absent. */
  async head(key: string, what: string): Promise<ObjectInfo | undefined> {
    const command = new this.sdk.client.HeadObjectCommand({ Bucket: this.bucket, Key: key });
    const result = await this.attempt<{ ContentLength?: number; LastModified?: Date; ETag?: string }>(
      command,
    );
    if ("error" in result) {
      if (isNotFound(result.error)) return undefined;
      throw s3Error(result.error, what, this.place(key));
    }
    const { ContentLength, LastModified, ETag } = result.ok;
    return {
      key,
      size: ContentLength ?? 0,
      modified: LastModified ?? new Date(),
      ...(ETag ? { etag: ETag } : {}),
    };
  }

  /**
   * Deletes `key`; absent is not an error. With `ifMatch`, only that version: resolves false when the
   * object has changed. A service without conditional deletes gets a plain delete after a head check.
   */
  async delete(key: string, what: string, ifMatch?: string): Promise<boolean> {
    const command = new this.sdk.client.DeleteObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ...(ifMatch ? { IfMatch: ifMatch } : {}),
    });
    const result = await this.attempt(command);
    if ("ok" in result) return true;
    if (isNotFound(result.error)) return !ifMatch;
    if (ifMatch && isNotImplemented(result.error)) {
      const current = await this.head(key, what);
      if (current?.etag !== ifMatch) return false;
      return this.delete(key, what);
    }
    if (
      ifMatch &&
      (result.error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412
    ) {
      return false;
    }
    throw s3Error(result.error, what, this.place(key));
  }

  /**
   * Every object directly below `prefix` (not in deeper "folders"), page by page; with `deep`, the
   * objects at every depth below it.
   */
  async list(prefix: string, what: string, maxKeys?: number, deep = false): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    for await (const page of this.pages(prefix, what, maxKeys, deep)) out.push(...page);
    return out;
  }

  /** As {@link S3Objects.list}, one page (up to 1,000 objects) at a time as they arrive. */
  async *pages(prefix: string, what: string, maxKeys?: number, deep = false): AsyncGenerator<ObjectInfo[]> {
    let token: string | undefined;
    do {
      const page = await this.send<{
        Contents?: { Key?: string; Size?: number; LastModified?: Date; ETag?: string }[];
        NextContinuationToken?: string;
        IsTruncated?: boolean;
      }>(
        new this.sdk.client.ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          ...(deep ? {} : { Delimiter: "/" }),
          ContinuationToken: token,
          ...(maxKeys ? { MaxKeys: maxKeys } : {}),
        }),
        what,
        prefix,
      );
      const out: ObjectInfo[] = [];
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined) continue;
        out.push({
          key: o.Key,
          size: o.Size ?? 0,
          modified: o.LastModified ?? new Date(),
          ...(o.ETag ? { etag: o.ETag } : {}),
        });
      }
      yield out;
      token = page.IsTruncated && !maxKeys ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** Unfinished multipart uploads directly below `prefix`, page by page. */
  async listUploads(
    prefix: string,
    what: string,
  ): Promise<{ key: string; uploadId: string; initiated?: Date }[]> {
    const out: { key: string; uploadId: string; initiated?: Date }[] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page = await this.send<{
        Uploads?: { Key?: string; UploadId?: string; Initiated?: Date }[];
        IsTruncated?: boolean;
        NextKeyMarker?: string;
        NextUploadIdMarker?: string;
      }>(
        new this.sdk.client.ListMultipartUploadsCommand({
          Bucket: this.bucket,
          Prefix: prefix,
          Delimiter: "/",
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
        what,
        prefix,
      );
      for (const u of page.Uploads ?? []) {
        if (u.Key && u.UploadId)
          out.push({ key: u.Key, uploadId: u.UploadId, ...(u.Initiated ? { initiated: u.Initiated } : {}) });
      }
      if (!page.IsTruncated || !page.NextKeyMarker) return out;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
  }

  /** Aborts one multipart upload; one that is already gone is not an error. */
  async abortUpload(key: string, uploadId: string): Promise<void> {
    const result = await this.attempt(
      new this.sdk.client.AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }),
    );
    if (
      "error" in result &&
      !isNotFound(result.error) &&
      !/NoSuchUpload/.test(String((result.error as Error).name))
    ) {
      throw s3Error(result.error, `aborting the unfinished upload of ${key}`, this.place(key));
    }
  }
}
