/**
 * S3 failures as BackupErrors. What retrying cannot fix — no such bucket, access denied, wrong
 * region, refused or missing credentials — gets one clear message that names the bucket and key
 * (never a secret) and a `details.reason`; the SDK has already retried throttling, 5xx answers and
 * dropped connections with backoff by the time an error arrives here.
 */
import { BackupError } from "../../errors.js";

/** Why an S3 operation failed, in `details.reason` of the BackupError. */
export type S3FailureReason =
  | "NO_SUCH_BUCKET"
  | "ACCESS_DENIED"
  | "WRONG_REGION"
  | "BAD_CREDENTIALS"
  | "NO_CREDENTIALS"
  | "NO_REGION"
  | "UNAVAILABLE"
  | "SDK_MISSING"
  | "NOT_S3"
  | "OTHER";

/** The fields of an SDK error this module reads. */
interface SdkError {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $response?: { headers?: Record<string, string | undefined> };
}

const CREDENTIAL_CODES = new Set([
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "InvalidToken",
  "ExpiredToken",
  "TokenRefreshRequired",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "XAdminUserNotFound",
]);
const REGION_CODES = new Set([
  "PermanentRedirect",
  "AuthorizationHeaderMalformed",
  "IllegalLocationConstraintException",
]);
const NETWORK_CODES =
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|socket hang up|TimeoutError/;

function codeOf(error: SdkError): string {
  return error.Code ?? error.name ?? error.code ?? "";
}

function statusOf(error: unknown): number | undefined {
  return (error as SdkError | undefined)?.$metadata?.httpStatusCode;
}

/** True for a failed condition: 412 (If-None-Match/If-Match) or AWS's 409 for a concurrent conditional write. */
export function isConflict(error: unknown): boolean {
  const code = codeOf((error ?? {}) as SdkError);
  return (
    code === "PreconditionFailed" ||
    code === "ConditionalRequestConflict" ||
    statusOf(error) === 412 ||
    (statusOf(error) === 409 && code !== "BucketAlreadyOwnedByYou")
  );
}

/**
 * True for AWS's 409 `ConditionalRequestConflict`: another conditional write of the key is under
 * way and may yet fail, so the key cannot be taken as stored; the request is to be retried.
 */
export function isConcurrentWrite(error: unknown): boolean {
  const code = codeOf((error ?? {}) as SdkError);
  return code === "ConditionalRequestConflict" || (statusOf(error) === 409 && code !== "PreconditionFailed");
}

/** True when the object is absent (the bucket is checked once, before, by the storage). */
export function isNotFound(error: unknown): boolean {
  const code = codeOf((error ?? {}) as SdkError);
  return code === "NoSuchKey" || code === "NotFound" || (statusOf(error) === 404 && code !== "NoSuchBucket");
}

/** True when the server does not implement a request (e.g. a conditional delete). */
export function isNotImplemented(error: unknown): boolean {
  const code = codeOf((error ?? {}) as SdkError);
  return code === "NotImplemented" || statusOf(error) === 501;
}

/** Where a failure happened, for its message. */
export interface S3Place {
  bucket: string;
  key?: string;
  endpoint?: string;
  region?: string;
}

function placeText(place: S3Place): string {
  return `s3://${place.bucket}/${place.key ?? ""}`;
}

function classify(error: SdkError, place: S3Place): { reason: S3FailureReason; text: string } {
  const code = codeOf(error);
  const status = statusOf(error);
  const message = error.message ?? String(error);
  const where = placeText(place);
  if (code === "NotS3Endpoint") {
    const endpoint = place.endpoint ? `the endpoint ${place.endpoint}` : "the endpoint";
    return { reason: "NOT_S3", text: `${endpoint} did not answer as an S3 service for ${where}: ${message}` };
  }
  if (code === "NoSuchBucket") {
    return { reason: "NO_SUCH_BUCKET", text: `the bucket ${place.bucket} does not exist (${where})` };
  }
  if (REGION_CODES.has(code) || status === 301) {
    const actual =
      error.$response?.headers?.["x-amz-bucket-region"] ?? /expecting ['"]?([a-z0-9-]+)/.exec(message)?.[1];
    const hint = actual ? `; it is in ${actual}: pass that region` : "";
    const text = `the bucket ${place.bucket} is not in region ${place.region ?? "(default)"}${hint} (${code || status})`;
    return { reason: "WRONG_REGION", text };
  }
  if (CREDENTIAL_CODES.has(code)) {
    return {
      reason: "BAD_CREDENTIALS",
      text: `the S3 service refused the credentials for ${where} (${code})`,
    };
  }
  if (code === "AccessDenied" || code === "AllAccessDisabled" || status === 403) {
    return { reason: "ACCESS_DENIED", text: `access denied to ${where} (${code || status}): ${message}` };
  }
  if (code === "CredentialsProviderError" || /Could not load credentials/i.test(message)) {
    const text = `no AWS credentials for ${where}: none in the environment, the shared profiles, web identity or instance metadata`;
    return { reason: "NO_CREDENTIALS", text };
  }
  if (/Region is missing/i.test(message)) {
    return { reason: "NO_REGION", text: `no AWS region for ${where}: set a region (AWS_REGION)` };
  }
  if (NETWORK_CODES.test(`${code} ${message}`) || (status !== undefined && status >= 500)) {
    const tries = error.$metadata?.attempts;
    const text = `the S3 service ${place.endpoint ?? ""} failed for ${where}${tries ? ` after ${tries} attempts` : ""}: ${code || status} ${message}`;
    return { reason: "UNAVAILABLE", text: text.replace("service  failed", "service failed") };
  }
  return { reason: "OTHER", text: `${where}: ${code ? `${code}: ` : ""}${message}` };
}

/** `error` as a BackupError (code `STORAGE`, or `ABORTED`) saying what failed where. */
export function s3Error(error: unknown, what: string, place: S3Place): BackupError {
  if (error instanceof BackupError) return error;
  const sdk = (error ?? {}) as SdkError;
  if (sdk.name === "AbortError") {
    return new BackupError("ABORTED", `${what} was aborted`, { cause: error });
  }
  const { reason, text } = classify(sdk, place);
  return new BackupError("STORAGE", `${what} failed: ${text}`, {
    cause: error,
    details: { reason, bucket: place.bucket, key: place.key, s3Code: codeOf(sdk), status: statusOf(error) },
  });
}
