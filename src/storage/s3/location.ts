/**
 * Where an S3Storage keeps its objects: a bucket and a key prefix, and the keys of the backups,
 * the index, the lock and the chunks of snapshots under it. `s3://bucket/prefix` URLs are parsed here.
 */
import { BackupError } from "../../errors.js";

/** Key (below the prefix) of the index object. */
export const S3_INDEX_NAME = "backup_metadata.json";
/** Key (below the prefix) of the lock object. */
export const S3_LOCK_NAME = ".neo4j-backup.lock";

/** Folder (below the prefix) of the chunks of snapshots: `chunks/<first two hex digits>/<id>`. */
export const S3_CHUNKS_FOLDER = "chunks/";

/** A bucket and a normalized prefix: empty, or ending in `/` without a leading `/`. */
export interface S3Location {
  bucket: string;
  prefix: string;
}

/** A prefix as keys use it: no leading `/`, one trailing `/` (none when empty). */
export function normalizePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? "").replace(/^\/+/, "").replace(/\/+$/, "");
  if (trimmed.split("/").some((part) => part === "." || part === "..")) {
    throw new BackupError("INVALID_OPTIONS", `invalid S3 key prefix ${JSON.stringify(prefix)}`);
  }
  return trimmed === "" ? "" : `${trimmed}/`;
}

/** Bucket names as S3 accepts them (3–63 characters; lower case, digits, dots, hyphens). */
export function assertValidBucket(bucket: string): void {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new BackupError("INVALID_OPTIONS", `invalid S3 bucket name ${JSON.stringify(bucket)}`);
  }
}

/** Parses `s3://bucket` or `s3://bucket/some/prefix`. */
export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url.trim());
  if (!match) {
    throw new BackupError(
      "INVALID_OPTIONS",
      `invalid S3 location ${JSON.stringify(url)}: expected s3://bucket or s3://bucket/prefix`,
    );
  }
  const bucket = match[1]!;
  assertValidBucket(bucket);
  return { bucket, prefix: normalizePrefix(match[2]) };
}

/** `s3://bucket/prefix` for messages. */
export function describeLocation(location: S3Location): string {
  return `s3://${location.bucket}/${location.prefix}`;
}
