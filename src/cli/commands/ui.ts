/**
 * `neo4j-backup ui`: the dashboard — a local web page for backup management — until Ctrl-C or
 * SIGTERM. Prints the URL to open once; it carries the access token.
 */
import { type Command, Option } from "commander";
import { connect, describeTarget } from "../connection.js";
import type { CliContext } from "../context.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { addEncodingOptions, addIdentityOption, decryptionFrom, encodingFrom } from "../keys.js";
import {
  addConnectionOptions,
  addLockTimeoutOption,
  addThresholdOptions,
  connectionOptions,
  lockTimeoutMs,
  parseInteger,
  parseKeep,
  parsePositive,
  thresholds,
} from "../options.js";
import { openStorage, runAction } from "../run.js";

/** Adds the `ui` command to `program`. */
export function registerUi(program: Command): void {
  const command = program
    .command("ui")
    .description("a local web page for backups: status, list, create, validate, verify, restore, download")
    .addOption(
      new Option("--port <n>", "port to listen on (default: a free port)").argParser(parseInteger(0)),
    )
    .option("--host <address>", "address to listen on (default 127.0.0.1: this machine only)")
    .option("--read-only", "no create and no restore: the page shows and checks backups only")
    .option("--prefix <prefix>", "file name prefix of the backups the page creates (default neo4j_backup)")
    .addOption(
      new Option(
        "--keep <n>",
        "backups with this prefix to keep when the page creates one: a number or all (default 1)",
      ).argParser(parseKeep),
    )
    .addOption(
      new Option(
        "--max-age <days>",
        "age of the newest backup that counts as a problem (default 7)",
      ).argParser(parsePositive),
    );
  addEncodingOptions(command);
  addIdentityOption(command);
  addThresholdOptions(command);
  addConnectionOptions(command);
  addLockTimeoutOption(command);
  command.action((_options, cmd: Command) => runAction(cmd, ui));
}

async function ui(cli: CliContext, opts: Record<string, unknown>): Promise<ExitCode> {
  const { startDashboard } = await import("../../dashboard/index.js");
  const lib = await import("../../index.js");
  const readOnly = opts.readOnly === true;
  const storage = await openStorage(cli, readOnly);
  const encoding = readOnly ? {} : await encodingFrom(cli, opts);
  const decryption = await decryptionFrom(cli, opts);
  const connection = await connect(cli, connectionOptions(opts));
  const dashboard = await startDashboard({
    driver: connection.driver,
    storage,
    database: connection.database,
    ...(typeof opts.host === "string" ? { host: opts.host } : {}),
    ...(typeof opts.port === "number" ? { port: opts.port } : {}),
    readOnly,
    ...encoding,
    decryption,
    ...(typeof opts.prefix === "string" ? { prefix: opts.prefix } : {}),
    ...(typeof opts.keep === "number" ? { keep: opts.keep } : {}),
    ...(typeof opts.maxAge === "number" ? { maxAgeDays: opts.maxAge } : {}),
    thresholds: thresholds(opts),
    lockTimeoutMs: lockTimeoutMs(opts),
    logger: cli.logger(),
    // the page's /metrics: the same text as `neo4j-backup metrics`, for a scraper
    renderMetrics: () =>
      lib.collectMetrics({
        storage,
        driver: connection.driver,
        ...(connection.database ? { database: connection.database } : {}),
        ...(typeof opts.maxAge === "number" ? { maxAgeDays: opts.maxAge } : {}),
        thresholds: thresholds(opts),
        decryption,
        logger: cli.logger(),
      }),
  });
  cli.onCleanup(() => dashboard.close());
  cli.result({ url: dashboard.url, origin: dashboard.origin, readOnly });
  cli.print(
    `Dashboard for ${describeTarget(connection.host, connection.database)}, backups in ${storage.describe()}`,
    `Open ${cli.paint.bold(dashboard.url)}`,
    "  (the URL carries this run's access token: keep it private)",
    ...(readOnly ? ["Read-only: the page does not create or restore backups."] : []),
    "Press Ctrl-C to stop.",
  );
  await stopRequested(cli);
  cli.note("Stopping the dashboard (a running job is aborted and undone)");
  await dashboard.close();
  cli.print("Dashboard stopped.");
  return EXIT.ok;
}

/** Resolves on the first Ctrl-C (the command's signal) or SIGTERM. */
function stopRequested(cli: CliContext): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off("SIGTERM", done);
      cli.signal.removeEventListener("abort", done);
      resolve();
    };
    if (cli.signal.aborted) return resolve();
    cli.signal.addEventListener("abort", done, { once: true });
    process.once("SIGTERM", done);
  });
}
