/**
 * The AWS SDK, loaded on first use: `@aws-sdk/client-s3` and `@aws-sdk/lib-storage` are optional
 * peer dependencies, so importing neo4j-backup never requires them. A missing SDK is one clear error
 * that says what to install.
 */
import { BackupError } from "../../errors.js";

/** The two SDK modules S3Storage is built on. */
export interface S3Sdk {
  client: typeof import("@aws-sdk/client-s3");
  storage: typeof import("@aws-sdk/lib-storage");
}

/** What to install, as the error says it. */
export const S3_SDK_INSTALL = "npm install @aws-sdk/client-s3 @aws-sdk/lib-storage";

let loading: Promise<S3Sdk> | undefined;

/** Imports the SDK once; rejects with code `STORAGE` (details.reason `SDK_MISSING`) when it is not installed. */
export function loadS3Sdk(): Promise<S3Sdk> {
  loading ??= Promise.all([import("@aws-sdk/client-s3"), import("@aws-sdk/lib-storage")]).then(
    ([client, storage]) => ({ client, storage }),
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
