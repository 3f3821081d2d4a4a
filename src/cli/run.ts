/**
 * Running a command's action: its context, Ctrl-C, the error report, the exit code, clean-up; and
 * the backup folder it works on.
 */
import { existsSync } from "node:fs";
import { basename, dirname, resolve, sep } from "node:path";
import type { Command } from "commander";
import type { FileSystemStorage, S3Storage } from "../index.js";
import { CliContext, type CliIO, type GlobalOptions } from "./context.js";
import { CliError } from "./errors.js";
import { EXIT, type ExitCode } from "./exit-codes.js";
import { isS3Location, openS3, storageChoice } from "./storage.js";

/** A storage the CLI opens: the backup folder, or a bucket. */
export type CliStorage = FileSystemStorage | S3Storage;

/** What an action does; returns its exit code (default 0). */
export type Action = (cli: CliContext, opts: Record<string, unknown>) => Promise<ExitCode | undefined>;

/** The real process streams. */
export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

/**
 * Runs `action` for `command` and sets `process.exitCode`. The first Ctrl-C aborts the operation
 * (the library stops cleanly; a replace restore puts the previous contents back); a second one
 * quits at once.
 */
export async function runAction(command: Command, action: Action, io: CliIO = processIO()): Promise<void> {
  const opts = command.optsWithGlobals() as Record<string, unknown> & GlobalOptions;
  const cli = new CliContext(
    {
      dir: String(opts.dir),
      storage: storageChoice(opts),
      json: opts.json,
      verbose: opts.verbose,
      quiet: opts.quiet,
      color: opts.color,
    },
    io,
  );
  if (typeof opts.password === "string") cli.addSecret(opts.password);
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(EXIT.interrupted);
    interrupted = true;
    cli.note("Interrupted: stopping (press Ctrl-C again to quit at once)");
    cli.interrupt();
  };
  process.on("SIGINT", onSigint);
  let code: ExitCode;
  try {
    code = (await action(cli, opts)) ?? EXIT.ok;
  } catch (error) {
    code = cli.fail(error);
  } finally {
    process.off("SIGINT", onSigint);
    await cli.close();
  }
  process.exitCode = code;
}

/**
 * The backup storage: `--storage` (a folder or `s3://bucket/prefix`), else the `--dir` folder. With
 * `mustExist`, a missing folder is an error (reading commands should not create folders where a
 * typo in `--dir` points).
 */
export async function openStorage(cli: CliContext, mustExist: boolean): Promise<CliStorage> {
  return openLocation(cli, cli.options.storage?.location ?? cli.options.dir, mustExist);
}

/** A folder or `s3://bucket/prefix` as a storage. */
export async function openLocation(
  cli: CliContext,
  location: string,
  mustExist: boolean,
): Promise<CliStorage> {
  if (isS3Location(location)) return openS3(cli, location);
  return openFolder(resolve(location), mustExist);
}

async function openFolder(directory: string, mustExist: boolean): Promise<FileSystemStorage> {
  if (mustExist && !existsSync(directory)) {
    throw new CliError(
      "NO_BACKUP_FOLDER",
      `there is no backup folder ${directory}`,
      EXIT.failure,
      "create it with `neo4j-backup init`, or point --dir (or NEO4J_BACKUP_DIR) at it",
    );
  }
  const { FileSystemStorage } = await import("../index.js");
  return new FileSystemStorage({ directory });
}

/**
 * Where a `<file>` argument points: a name in the backup folder, or a path (anything with a `/`, or
 * an existing file that is not in the folder), whose folder then serves as the backup folder.
 */
export function locateBackup(file: string, dir: string): { directory: string; name: string } {
  const folder = resolve(dir);
  const looksLikePath = file.includes("/") || file.includes(sep);
  if (!looksLikePath && (existsSync(resolve(folder, file)) || !existsSync(file))) {
    return { directory: folder, name: file };
  }
  return { directory: dirname(resolve(file)), name: basename(file) };
}

/** The storage and name of a `<file>` argument (see {@link locateBackup}). */
export async function openBackup(
  cli: CliContext,
  file: string,
): Promise<{ storage: CliStorage; name: string }> {
  const location = cli.options.storage?.location ?? cli.options.dir;
  if (isS3Location(location)) return { storage: await openS3(cli, location), name: file };
  const { directory, name } = locateBackup(file, location);
  return { storage: await openFolder(directory, true), name };
}
