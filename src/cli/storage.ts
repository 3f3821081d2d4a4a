/**
 * Where the CLI keeps backups: `--dir <folder>`, or `--storage <folder | s3://bucket/prefix>` (or
 * NEO4J_BACKUP_STORAGE) with the S3 options. S3 credentials come from the standard AWS chain
 * (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, web identity, instance metadata); the
 * secret key and session token are kept out of every line the command writes.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import type { CliContext, StorageChoice } from "./context.js";

/** `--s3-endpoint`: an http or https URL (what else the SDK would only fail on later, and unclearly). */
function parseEndpoint(value: string): string {
  const text = value.trim();
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new InvalidArgumentError(
      "expected the service's http:// or https:// address, e.g. http://127.0.0.1:7070",
    );
  }
  return text;
}

/** `--s3-max-attempts`: a whole number from 1 to 20. */
function parseAttempts(value: string): number {
  const n = Number(value.trim());
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 20) {
    throw new InvalidArgumentError("expected a whole number from 1 to 20");
  }
  return n;
}

/** Adds `--storage` and the S3 options (global). */
export function addStorageOptions(program: Command): Command {
  return program
    .addOption(
      new Option(
        "--storage <location>",
        "backup storage instead of --dir: a folder, or s3://bucket/prefix",
      ).env("NEO4J_BACKUP_STORAGE"),
    )
    .addOption(
      new Option("--s3-endpoint <url>", "endpoint of an S3-compatible service (not for AWS)")
        .env("NEO4J_BACKUP_S3_ENDPOINT")
        .argParser(parseEndpoint),
    )
    .addOption(
      new Option("--s3-region <region>", "region of the bucket (default AWS_REGION)").env(
        "NEO4J_BACKUP_S3_REGION",
      ),
    )
    .addOption(
      new Option(
        "--s3-force-path-style",
        "path-style URLs (endpoint/bucket/key), which most S3-compatible services need",
      ).env("NEO4J_BACKUP_S3_FORCE_PATH_STYLE"),
    )
    .addOption(
      new Option(
        "--s3-max-attempts <n>",
        "attempts per S3 request, retries with backoff included (default 5: about 1.5-4 s of retrying)",
      )
        .env("NEO4J_BACKUP_S3_MAX_ATTEMPTS")
        .argParser(parseAttempts),
    );
}

/** The storage options out of a command's parsed (global) options. */
export function storageChoice(opts: Record<string, unknown>): StorageChoice {
  const text = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);
  const location = text(opts.storage);
  const s3Endpoint = text(opts.s3Endpoint);
  const s3Region = text(opts.s3Region);
  return {
    ...(location ? { location } : {}),
    ...(s3Endpoint ? { s3Endpoint } : {}),
    ...(s3Region ? { s3Region } : {}),
    ...(opts.s3ForcePathStyle ? { s3ForcePathStyle: true } : {}),
    ...(typeof opts.s3MaxAttempts === "number" ? { s3MaxAttempts: opts.s3MaxAttempts } : {}),
  };
}

/** True for `s3://…` locations. */
export function isS3Location(location: string): boolean {
  return /^s3:\/\//i.test(location);
}

/** An S3Storage for `location` with the command's S3 options; AWS secrets are scrubbed from output. */
export async function openS3(cli: CliContext, location: string): Promise<import("../index.js").S3Storage> {
  const { S3Storage } = await import("../index.js");
  for (const name of ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]) {
    const value = cli.io.env[name];
    if (value) cli.addSecret(value);
  }
  const choice = cli.options.storage ?? {};
  return S3Storage.fromUrl(location, {
    ...(choice.s3Endpoint ? { endpoint: choice.s3Endpoint } : {}),
    ...(choice.s3Region ? { region: choice.s3Region } : {}),
    ...(choice.s3ForcePathStyle ? { forcePathStyle: true } : {}),
    ...(choice.s3MaxAttempts ? { maxAttempts: choice.s3MaxAttempts } : {}),
  });
}

/**
 * For a storage in S3: how many multipart uploads below its prefix are unfinished, and a note on
 * stderr saying so and how they are cleaned up; undefined for a folder, or when the credentials may
 * not list uploads (the listing is only advice).
 */
export async function noteUnfinishedUploads(
  cli: CliContext,
  storage: object & { describe(): string },
): Promise<number | undefined> {
  if (!("unfinishedUploads" in storage)) return undefined;
  let count: number;
  try {
    count = await (storage as { unfinishedUploads(): Promise<number> }).unfinishedUploads();
  } catch {
    return undefined;
  }
  if (count > 0) {
    const uploads = count === 1 ? "1 unfinished multipart upload" : `${count} unfinished multipart uploads`;
    cli.note(
      `note: ${uploads} below ${storage.describe()}: a backup being written now, or left by a writer that was stopped mid-upload (they cost storage). The next command that writes to the storage (create, restore, copy) takes its lock and aborts them; a bucket lifecycle rule AbortIncompleteMultipartUpload removes them too (docs/storage.md).`,
    );
  }
  return count;
}
