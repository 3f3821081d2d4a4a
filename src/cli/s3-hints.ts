/**
 * What to do about an S3 failure the library reports (a STORAGE error whose details name the reason).
 */

const S3_HINTS: Record<string, string> = {
  NO_SUCH_BUCKET: "check the bucket in --storage (or NEO4J_BACKUP_STORAGE); S3Storage never creates buckets",
  ACCESS_DENIED: "the credentials need the permissions listed in docs/storage.md (S3: minimal IAM policy)",
  BAD_CREDENTIALS: "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)",
  NO_CREDENTIALS:
    "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run where a role is attached",
  NO_REGION: "pass --s3-region or set AWS_REGION",
  WRONG_REGION: "pass the bucket's region with --s3-region (or AWS_REGION)",
  UNAVAILABLE:
    "check that the S3 service answers (--s3-endpoint), then run the command again; --s3-max-attempts retries longer",
  NOT_S3:
    "check --s3-endpoint: it must be the address of the S3 API (not of a web console or a proxy's page), and most S3-compatible services need --s3-force-path-style",
  SDK_MISSING: "install it next to neo4j-backup: npm install @aws-sdk/client-s3",
};

/** The hint for an S3 failure (a STORAGE error whose details name the reason), if it is one. */
export function s3Hint(error: unknown): string | undefined {
  const details = (error as { details?: { reason?: unknown } } | undefined)?.details;
  return typeof details?.reason === "string" ? S3_HINTS[details.reason] : undefined;
}
