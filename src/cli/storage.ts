/**
 * Where the CLI keeps backups: `--dir <folder>`, or `--storage <folder | s3://bucket/prefix>` (or
 * NEO4J_BACKUP_STORAGE) with the S3 options. S3 credentials come from the standard AWS chain
 * (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, web identity, instance metadata); the
 * secret key and session token are kept out of every line the command writes.
 */
import { type Command, Option } from "commander";
import type { CliContext, StorageChoice } from "./context.js";

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
      new Option("--s3-endpoint <url>", "endpoint of an S3-compatible service (not for AWS)").env(
        "NEO4J_BACKUP_S3_ENDPOINT",
      ),
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
  });
}
