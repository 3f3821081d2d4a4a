/**
 * `neo4j-backup metrics`: the Prometheus metrics once, on stdout or into a file (for node_exporter's
 * textfile collector).
 */
import { rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { type Command, Option } from "commander";
import { connect } from "../connection.js";
import type { CliContext } from "../context.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { addIdentityOption, decryptionFrom } from "../keys.js";
import {
  addConnectionOptions,
  addThresholdOptions,
  connectionOptions,
  parsePositive,
  thresholds,
} from "../options.js";
import { openStorage, runAction } from "../run.js";

/** Adds the `metrics` command to `program`. */
export function registerMetrics(program: Command): void {
  const command = program
    .command("metrics")
    .description("print Prometheus metrics of the backups and the database once (exit 0 even when unhealthy)")
    .option(
      "-o, --output <file>",
      "write them to this file atomically instead (node_exporter's textfile collector)",
    )
    .option("--storage-only", "only what the backup storage says: no connection to Neo4j")
    .addOption(
      new Option(
        "--max-age <days>",
        "age of the newest backup that counts as a problem (default 7)",
      ).argParser(parsePositive),
    );
  addThresholdOptions(command);
  addIdentityOption(command);
  addConnectionOptions(command);
  command.action((_options, cmd: Command) => runAction(cmd, metrics));
}

/** The options of collectMetrics that `metrics` and `schedule` share. */
export async function metricsOptions(cli: CliContext, opts: Record<string, unknown>) {
  return {
    ...(typeof opts.maxAge === "number" ? { maxAgeDays: opts.maxAge } : {}),
    thresholds: thresholds(opts),
    decryption: await decryptionFrom(cli, opts),
    logger: cli.logger(),
  };
}

/** Checks `--output`'s folder before anything is read: a clear usage error instead of a raw ENOENT. */
async function assertOutputFolder(output: string, BackupError: typeof import("../../index.js").BackupError) {
  const folder = dirname(resolve(output));
  const found = await stat(folder).catch(() => undefined);
  if (!found?.isDirectory())
    throw new BackupError("INVALID_OPTIONS", `--output ${output}: the folder ${folder} does not exist`);
}

/** Writes `text` to `output` through a temporary file and a rename (readers never see half a file). */
async function writeAtomically(output: string, text: string, lib: typeof import("../../index.js")) {
  const temporary = `${output}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, text, { mode: 0o644 });
    await rename(temporary, output);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new lib.BackupError(
      "INVALID_OPTIONS",
      `--output ${output}: the metrics could not be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      { cause: error },
    );
  }
}

async function metrics(cli: CliContext, opts: Record<string, unknown>): Promise<ExitCode> {
  const lib = await import("../../index.js");
  if (typeof opts.output === "string") await assertOutputFolder(opts.output, lib.BackupError);
  const storage = await openStorage(cli, true);
  const shared = await metricsOptions(cli, opts);
  // an unreachable database is a metric (neo4j_backup_database_up 0), not an error
  const connection =
    opts.storageOnly === true ? undefined : await connect(cli, connectionOptions(opts), { check: false });
  const text = await lib.collectMetrics({
    storage,
    ...shared,
    ...(connection ? { driver: connection.driver } : {}),
    // the database named with --database labels the metrics even with --storage-only
    ...(connection?.database
      ? { database: connection.database }
      : typeof opts.database === "string"
        ? { database: opts.database }
        : {}),
  });
  if (typeof opts.output === "string") {
    await writeAtomically(opts.output, text, lib);
    cli.result({ output: opts.output, contentType: lib.PROMETHEUS_CONTENT_TYPE });
    return EXIT.ok;
  }
  if (cli.json) cli.result({ contentType: lib.PROMETHEUS_CONTENT_TYPE, text });
  else cli.io.stdout.write(cli.scrub(text));
  return EXIT.ok;
}
