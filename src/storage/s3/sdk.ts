/**
 * The AWS SDK, loaded on first use: `@aws-sdk/client-s3` is an optional peer dependency, so
 * importing neo4j-backup never requires it. A missing SDK is one clear error
 * that says what to install.
 */
import { BackupError } from "../../errors.js";

/** The SDK module S3Storage is built on. */
export interface S3Sdk {
  client: typeof import("@aws-sdk/client-s3");
}

/** What to install, as the error says it. */
export const S3_SDK_INSTALL = "npm install @aws-sdk/client-s3";

let loading: Promise<S3Sdk> | undefined;

/** Imports the SDK once; rejects with code `STORAGE` (details.reason `SDK_MISSING`) when it is not installed. */
export function loadS3Sdk(): Promise<S3Sdk> {
  loading ??= import("@aws-sdk/client-s3").then(
    (client) => ({ client }),
    (error: unknown) => {
      loading = undefined;
      throw new BackupError(
        "STORAGE",
        `S3Storage needs the AWS SDK for JavaScript, which is not installed: run \`${S3_SDK_INSTALL}\` (${(error as Error).message})`,
        { cause: error, details: { reason: "SDK_MISSING" } },
      );
    },
  );
  return loading;
}
