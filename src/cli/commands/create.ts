/**
 * `neo4j-backup create`: a backup now, or (with `--auto`) only when the graph changed enough.
 */
import { type Command, Option } from "commander";
import { connect } from "../connection.js";
import type { CliContext } from "../context.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { addEncodingOptions, addIdentityOption, decryptionFrom, encodingFrom } from "../keys.js";
import {
  addConnectionOptions,
  addLockTimeoutOption,
  addPolicyOptions,
  addSeriesOption,
  addThresholdOptions,
  connectionOptions,
  lockTimeoutMs,
  parseKeep,
  retentionFrom,
  thresholds,
} from "../options.js";
import { showBackupProgress } from "../phases.js";
import { openStorage, runAction } from "../run.js";
import { addThreadsOption, parallelFrom } from "../threads.js";
import { printBackup } from "./backup-summary.js";

/** The reason stored when none is given. */
export const DEFAULT_REASON = "Manual backup";

/** Adds the `create` command to `program`. */
export function registerCreate(program: Command): void {
  const command = program
    .command("create")
    .description("back up the database now (with --auto: only when it changed enough)")
    .option("-r, --reason <text>", `why the backup is taken (default "${DEFAULT_REASON}")`)
    .option("--auto", "back up only when the changes since the last backup reach a threshold; say why")
    .option("--prefix <prefix>", "file name prefix (default neo4j_backup)")
    .addOption(
      new Option(
        "--keep <n>",
        "backups of this database, prefix and series to keep, the new one included: a number or all (default 1)",
      ).argParser(parseKeep),
    )
    .option("--consistent", "fail instead of publishing when the database changed during the backup")
    .option(
      "--snapshot",
      "store a snapshot: chunks the storage already has are not stored again (see docs/snapshots.md)",
    );
  addThreadsOption(command, "read and encode");
  addSeriesOption(command);
  addPolicyOptions(command);
  addEncodingOptions(command);
  addIdentityOption(command);
  addThresholdOptions(command);
  addConnectionOptions(command);
  addLockTimeoutOption(command);
  command.action((_options, cmd: Command) => runAction(cmd, create));
}

async function create(cli: CliContext, opts: Record<string, unknown>): Promise<ExitCode> {
  const retention = retentionFrom(opts);
  const lib = await import("../../index.js");
  const storage = await openStorage(cli, false);
  const encoding = await encodingFrom(cli, opts);
  const decryption = await decryptionFrom(cli, opts);
  const connection = await connect(cli, connectionOptions(opts));
  const progress = cli.progress();
  const parallel = await parallelFrom(opts, connection);
  const reason = typeof opts.reason === "string" ? opts.reason : undefined;
  const common = {
    driver: connection.driver,
    storage,
    database: connection.database,
    ...encoding,
    decryption,
    ...(typeof opts.prefix === "string" ? { prefix: opts.prefix } : {}),
    ...retention,
    requireConsistent: opts.consistent === true,
    ...(opts.snapshot === true ? { snapshot: true } : {}),
    ...(parallel ? { parallel } : {}),
    // a failure is recorded in the index: `metrics` shows when the last one happened
    recordFailure: true,
    lockTimeoutMs: lockTimeoutMs(opts),
    logger: cli.logger(),
    onProgress: showBackupProgress(progress),
    signal: cli.signal,
  };

  if (opts.auto) {
    progress.start("Comparing with the last backup");
    const { decision, backup } = await lib.autoBackup({
      ...common,
      thresholds: thresholds(opts),
      ...(reason ? { reason } : {}),
    });
    progress.end();
    cli.result({ backedUp: backup !== undefined, decision, backup: backup ?? null });
    if (!backup) {
      cli.print(`No backup needed: ${decision.reason}.`);
      return EXIT.ok;
    }
    cli.print(`Backup needed: ${decision.reason}.`);
    printBackup(cli, backup, "Backup created");
    return EXIT.ok;
  }

  const backup = await lib.createBackup({ ...common, reason: reason ?? DEFAULT_REASON });
  progress.end();
  cli.result(backup);
  printBackup(cli, backup, "Backup created");
  return EXIT.ok;
}
