/**
 * S3Storage against a real S3-compatible server (versitygw, or the service S3_ENDPOINT names): the
 * shared storage contract suite, then what only S3 does — conditional writes, multipart uploads
 * that leave nothing behind, listing past 1,000 objects, the lock object across processes, the
 * conditional index, and the errors that retrying cannot fix.
 */
import { describe, it } from "vitest";
import type { S3Storage } from "../../src/storage/s3/s3-storage.js";
import { describeStorageContract } from "../../src/testing/index.js";
import { newS3Storage, removePrefix } from "../support/s3.js";

describeStorageContract<S3Storage>(
  {
    name: "S3Storage",
    create: () => newS3Storage({ lockPollMs: 100 }),
    cleanup: (storage) => removePrefix(storage.prefix),
  },
  { describe, it },
);
