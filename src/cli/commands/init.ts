/**
 * `neo4j-backup init`: prepares the backup folder; with `--distribution`, also writes
 * `initial_backup.json` from the database, to ship with an application.
 */
import { relative } from "node:path";
import type { Command } from "commander";
import { connect } from "../connection.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { addEncodingOptions, addIdentityOption, decryptionFrom, encodingFrom } from "../keys.js";
import { addConnectionOptions, addLockTimeoutOption, connectionOptions, lockTimeoutMs } from "../options.js";
import { showBackupProgress } from "../phases.js";
import { type CliStorage, openStorage, runAction } from "../run.js";
import { printBackup } from "./backup-summary.js";

/** Adds the `init` command to `program`. */
export function registerInit(program: Command): void {
  const command = program
    .command("init")
    .description(
      "create the backup folder (README.md, .gitkeep); --distribution: also write initial_backup.json",
    )
    .option("--distribution", "write initial_backup.json from the database (restored on new installations)")
    .option(
      "--replace",
      "with --distribution: replace an existing initial_backup.json (after the new one validates)",
    )
    .option(
      "-r, --reason <text>",
      'with --distribution: reason stored in the file (default "Distribution backup")',
    );
  addEncodingOptions(command);
  addIdentityOption(command);
  addConnectionOptions(command);
  addLockTimeoutOption(command);
  command.action((_options, cmd: Command) => runAction(cmd, init));
}

async function init(cli: CliContext, opts: Record<string, unknown>): Promise<ExitCode> {
  if ((opts.replace || opts.reason !== undefined) && !opts.distribution) {
    throw new CliError("USAGE", "--replace and --reason go with --distribution", EXIT.usage);
  }
  const lib = await import("../../index.js");
  const storage = await openStorage(cli, false);
  const folder = await prepare(cli, storage);
  if (!opts.distribution) {
    cli.result({ ...folder, distribution: null });
    return EXIT.ok;
  }
  const encoding = await encodingFrom(cli, opts);
  const decryption = await decryptionFrom(cli, opts);
  const connection = await connect(cli, connectionOptions(opts));
  const progress = cli.progress();
  const backup = await lib
    .createDistributionBackup({
      ...encoding,
      decryption,
      driver: connection.driver,
      storage,
      database: connection.database,
      replace: opts.replace === true,
      ...(typeof opts.reason === "string" ? { reason: opts.reason } : {}),
      lockTimeoutMs: lockTimeoutMs(opts),
      logger: cli.logger(),
      onProgress: showBackupProgress(progress),
      signal: cli.signal,
    })
    .catch((error: { code?: string; message?: string }) => {
      if (error?.code !== "BACKUP_EXISTS") throw error;
      throw new CliError(
        "BACKUP_EXISTS",
        `${error.message?.split(" already exists")[0] ?? lib.DISTRIBUTION_BACKUP_NAME} already exists in ${storage.describe()}; nothing was written`,
        EXIT.refused,
        "pass --replace to write a new one (the old one is removed only after the new one validates)",
      );
    });
  progress.end();
  cli.result({ ...folder, distribution: backup });
  printBackup(cli, backup, "Distribution backup written");
  return EXIT.ok;
}

/** Creates the folder (README.md, .gitkeep); a bucket is only checked (it must exist). */
async function prepare(
  cli: CliContext,
  storage: CliStorage,
): Promise<{ directory: string; created: string[] }> {
  const { paint, sym } = cli;
  if (!("init" in storage)) {
    await storage.list();
    cli.print(`${paint.green(sym.done)}Backup storage ${paint.bold(storage.describe())}: the bucket answers`);
    return { directory: storage.describe(), created: [] };
  }
  const folder = await storage.init();
  const created = folder.created.length
    ? `created ${folder.created.map((p) => (p === folder.directory ? "the folder" : relative(folder.directory, p))).join(", ")}`
    : "nothing to create";
  cli.print(`${paint.green(sym.done)}Backup folder ${paint.bold(folder.directory)}: ${created}`);
  return folder;
}
