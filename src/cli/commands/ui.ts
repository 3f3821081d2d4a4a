/**
 * `neo4j-backup ui`: the dashboard — a local web page for backup management — until Ctrl-C or
 * SIGTERM. Prints the URL to open once; it carries the access token.
 */
import { hostname } from "node:os";
import { type Command, Option } from "commander";
import type { BackupSchedule, ScheduledRun } from "../../index.js";
import { connect, describeTarget } from "../connection.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
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
    .option(
      "--allow-remote",
      "let --host name an address other machines reach (plain HTTP: put it behind TLS, see docs/operations.md)",
    )
    .option("--read-only", "no create and no restore: the page shows and checks backups only")
    .option(
      "--schedule <cron>",
      'also back up at the times of a cron pattern such as "0 3 * * *" while the page runs (it shows the next run)',
    )
    .option("--timezone <zone>", "IANA time zone of --schedule's times (default: the local time zone)")
    .option("--auto", "with --schedule: a run backs up only when the changes reach a threshold")
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

/** True for an address only this machine reaches. */
function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** True for an address that listens on every interface. */
const isWildcard = (host: string) => host === "0.0.0.0" || host === "::";

/** Refuses a non-loopback `--host` without `--allow-remote`; warns when it is allowed. */
function checkHost(cli: CliContext, host: string | undefined, allowRemote: boolean): void {
  if (host === undefined || isLoopback(host)) return;
  if (!allowRemote) {
    throw new CliError(
      "USAGE",
      `--host ${host} would serve the dashboard to other machines over plain HTTP`,
      EXIT.usage,
      "add --allow-remote to do so (better: an SSH tunnel, or a reverse proxy with TLS — docs/operations.md)",
    );
  }
  cli.note(
    `Warning: listening on ${host} over plain HTTP: whoever reaches this port and has the URL's token can restore; put it behind TLS (docs/operations.md)`,
  );
}

/** What the error of listening says to do (a busy port, a port or address not allowed here). */
function listenError(error: unknown, opts: Record<string, unknown>): unknown {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === "EADDRINUSE")
    return new CliError(
      "USAGE",
      `port ${String(opts.port)} is in use`,
      EXIT.usage,
      "pick another --port, or leave it out for a free one",
    );
  if (code === "EACCES")
    return new CliError(
      "USAGE",
      `port ${String(opts.port)} may not be used by this user`,
      EXIT.usage,
      "pick a port above 1023",
    );
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND")
    return new CliError("USAGE", `--host ${String(opts.host)} is not an address of this machine`, EXIT.usage);
  return error;
}

async function ui(cli: CliContext, opts: Record<string, unknown>): Promise<ExitCode> {
  const { startDashboard } = await import("../../dashboard/index.js");
  const lib = await import("../../index.js");
  const host = typeof opts.host === "string" ? opts.host : undefined;
  checkHost(cli, host, opts.allowRemote === true);
  const readOnly = opts.readOnly === true;
  if (readOnly && typeof opts.schedule === "string")
    throw new CliError("USAGE", "--schedule backs up: it does not go with --read-only", EXIT.usage);
  const storage = await openStorage(cli, readOnly);
  const encoding = readOnly ? {} : await encodingFrom(cli, opts);
  const decryption = await decryptionFrom(cli, opts);
  // the page starts without the database too: it shows the storage and fills in the database's
  // part when the server answers
  const connection = await connect(cli, connectionOptions(opts), { check: false });
  const schedule =
    typeof opts.schedule === "string"
      ? startSchedule(cli, lib, opts, storage, connection, encoding, decryption)
      : undefined;
  cli.onCleanup(async () => {
    await schedule?.stop({ abort: true });
  });
  const dashboard = await startDashboard({
    driver: connection.driver,
    storage,
    database: connection.database,
    ...(host !== undefined ? { host } : {}),
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
    ...(schedule ? { nextScheduledRun: () => schedule.nextRun() } : {}),
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
        ...(schedule ? { schedule } : {}),
      }),
  }).catch((error: unknown) => {
    throw listenError(error, opts);
  });
  cli.onCleanup(() => dashboard.close());
  cli.result({ url: dashboard.url, origin: dashboard.origin, readOnly });
  cli.print(
    `Dashboard for ${describeTarget(connection.host, connection.database)}, backups in ${storage.describe()}`,
    `Open ${cli.paint.bold(dashboard.url)}`,
    // on every interface: the address other machines use is this machine's name
    ...(host !== undefined && isWildcard(host)
      ? [
          `  from other machines: ${cli.paint.bold(dashboard.url.replace(/\/\/[^/]+\//, `//${hostname()}:${dashboard.port}/`))}`,
        ]
      : []),
    "  (the URL carries this run's access token: keep it private)",
    ...(readOnly ? ["Read-only: the page does not create or restore backups."] : []),
    ...(schedule
      ? [`Backing up at "${String(opts.schedule)}"; next run ${schedule.nextRun()?.toISOString() ?? "none"}`]
      : []),
    "Press Ctrl-C to stop.",
  );
  await stopRequested(cli);
  cli.note("Stopping the dashboard (a running job is aborted and undone)");
  await schedule?.stop({ abort: true });
  await dashboard.close();
  cli.print("Dashboard stopped.");
  return EXIT.ok;
}

/** `--schedule`: scheduleBackups in this process, with the page's prefix, retention and encoding. */
function startSchedule(
  cli: CliContext,
  lib: typeof import("../../index.js"),
  opts: Record<string, unknown>,
  storage: Awaited<ReturnType<typeof openStorage>>,
  connection: Awaited<ReturnType<typeof connect>>,
  encoding: Awaited<ReturnType<typeof encodingFrom>> | Record<string, never>,
  decryption: Awaited<ReturnType<typeof decryptionFrom>>,
): BackupSchedule {
  const logger = cli.logger();
  const report = (run: ScheduledRun) =>
    (run.outcome === "failed" ? logger.warn : logger.info)(
      { outcome: run.outcome, ...(run.backup ? { name: run.backup.name } : {}) },
      `scheduled backup: ${run.outcome}`,
    );
  try {
    return lib.scheduleBackups({
      driver: connection.driver,
      storage,
      database: connection.database,
      schedule: String(opts.schedule),
      ...(typeof opts.timezone === "string" ? { timezone: opts.timezone } : {}),
      auto: opts.auto === true,
      ...encoding,
      decryption,
      ...(typeof opts.prefix === "string" ? { prefix: opts.prefix } : {}),
      ...(typeof opts.keep === "number" ? { keep: opts.keep } : {}),
      thresholds: thresholds(opts),
      lockTimeoutMs: lockTimeoutMs(opts),
      logger,
      onSuccess: report,
      onFailure: report,
      onSkip: report,
    });
  } catch (error) {
    if ((error as { code?: unknown }).code === "INVALID_OPTIONS")
      throw new CliError("USAGE", (error as Error).message, EXIT.usage);
    throw error;
  }
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
