/**
 * `neo4j-backup metrics`: the Prometheus metrics once, on stdout or into a file (for node_exporter's
 * textfile collector).
 */
import { rename, writeFile } from "node:fs/promises";
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

async function metrics(cli: CliContext, opts: Record<string, unknown>): Promise<ExitCode> {
  const lib = await import("../../index.js");
  const storage = await openStorage(cli, true);
  const shared = await metricsOptions(cli, opts);
  // an unreachable database is a metric (neo4j_backup_database_up 0), not an error
  const connection =
    opts.storageOnly === true ? undefined : await connect(cli, connectionOptions(opts), { check: false });
  const text = await lib.collectMetrics({
    storage,
    ...shared,
    ...(connection ? { driver: connection.driver } : {}),
    ...(connection?.database ? { database: connection.database } : {}),
  });
  if (typeof opts.output === "string") {
    const temporary = `${opts.output}.${process.pid}.tmp`;
    await writeFile(temporary, text, { mode: 0o644 });
    await rename(temporary, opts.output);
    cli.result({ output: opts.output, contentType: lib.PROMETHEUS_CONTENT_TYPE });
    return EXIT.ok;
  }
  if (cli.json) cli.result({ contentType: lib.PROMETHEUS_CONTENT_TYPE, text });
  else cli.io.stdout.write(cli.scrub(text));
  return EXIT.ok;
}
