/**
 * `neo4j-backup schedule "<cron>"`: a foreground process that backs up at the pattern's times (with
 * `--auto`: when the graph changed enough), one log line per run, optionally serving `/metrics` and
 * `/healthz`. SIGTERM or SIGINT stops it; a backup running then is aborted and publishes nothing.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import type { BackupSchedule, ScheduledRun } from "../../index.js";
import { connect } from "../connection.js";
import type { CliContext } from "../context.js";
import { CliError, describeError } from "../errors.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { addEncodingOptions, addIdentityOption, decryptionFrom, encodingFrom } from "../keys.js";
import { type MetricsServer, startMetricsServer } from "../metrics-server.js";
import {
  addConnectionOptions,
  addLockTimeoutOption,
  addPolicyOptions,
  addSeriesOption,
  addThresholdOptions,
  connectionOptions,
  lockTimeoutMs,
  parseInteger,
  parseKeep,
  parsePositive,
  retentionFrom,
  thresholds,
} from "../options.js";
import { openStorage, runAction } from "../run.js";
import { formatBytes, formatCount, formatDuration } from "../text.js";
import { addThreadsOption, parallelFrom } from "../threads.js";
import { metricsOptions } from "./metrics.js";

/** Adds the `schedule` command to `program`. */
export function registerSchedule(program: Command): void {
  const command = program
    .command("schedule")
    .argument("<cron>", 'when: a cron pattern such as "0 3 * * *" (5 fields, or 6 with seconds first)')
    .description("back up at the times of a cron pattern until SIGTERM or SIGINT; one log line per run")
    .option("--auto", "each run backs up only when the changes since the last backup reach a threshold")
    .option("--timezone <zone>", "IANA time zone of the pattern's times (default: the local time zone)")
    .option("-r, --reason <text>", "why the backups are taken (default: Scheduled backup (<cron>))")
    .option("--prefix <prefix>", "file name prefix (default neo4j_backup)")
    .addOption(
      new Option(
        "--keep <n>",
        "backups of this database, prefix and series to keep, the new one included (default 1)",
      ).argParser(parseKeep),
    )
    .option("--consistent", "fail a run instead of publishing when the database changed during it")
    .option("--snapshot", "each run stores a snapshot: only chunks the storage lacks (see docs/snapshots.md)")
    .addOption(
      new Option(
        "--metrics-port <port>",
        "serve /metrics and /healthz on this port (0: any free port)",
      ).argParser(parsePort),
    )
    .option("--metrics-host <host>", "address to serve them on (default 127.0.0.1)")
    .addOption(
      new Option(
        "--max-age <days>",
        "for the metrics: age of the newest backup that is a problem (default 7)",
      ).argParser(parsePositive),
    );
  addSeriesOption(command);
  addPolicyOptions(command);
  addEncodingOptions(command);
  addIdentityOption(command);
  addThresholdOptions(command);
  addThreadsOption(command, "each run reads and encodes");
  addConnectionOptions(command);
  addLockTimeoutOption(command);
  command.action((pattern: string, _options, cmd: Command) =>
    runAction(cmd, (cli, opts) => schedule(cli, pattern, opts)),
  );
}

function parsePort(value: string): number {
  const port = parseInteger(0)(value);
  if (port > 65535) throw new InvalidArgumentError("expected a port number, 0 to 65535");
  return port;
}

/** SIGTERM stops the schedule as the first Ctrl-C does (runAction handles SIGINT). */
function onTerm(cli: CliContext): () => void {
  let received = false;
  const handler = () => {
    if (received) process.exit(EXIT.interrupted);
    received = true;
    cli.interrupt();
  };
  process.on("SIGTERM", handler);
  return () => process.off("SIGTERM", handler);
}

async function schedule(cli: CliContext, pattern: string, opts: Record<string, unknown>): Promise<ExitCode> {
  const retention = retentionFrom(opts);
  const lib = await import("../../index.js");
  const stopTerm = onTerm(cli);
  cli.onCleanup(stopTerm);
  const storage = await openStorage(cli, false);
  const connection = await connect(cli, connectionOptions(opts), { check: false });
  const log = runLog(cli);
  const parallel = await parallelFrom(opts, connection);
  let handle: BackupSchedule;
  try {
    handle = lib.scheduleBackups({
      driver: connection.driver,
      storage,
      database: connection.database,
      schedule: pattern,
      ...(typeof opts.timezone === "string" ? { timezone: opts.timezone } : {}),
      auto: opts.auto === true,
      ...(await encodingFrom(cli, opts)),
      decryption: await decryptionFrom(cli, opts),
      ...(typeof opts.reason === "string" ? { reason: opts.reason } : {}),
      ...(typeof opts.prefix === "string" ? { prefix: opts.prefix } : {}),
      ...retention,
      requireConsistent: opts.consistent === true,
      ...(opts.snapshot === true ? { snapshot: true } : {}),
      ...(parallel ? { parallel } : {}),
      thresholds: thresholds(opts),
      lockTimeoutMs: lockTimeoutMs(opts),
      logger: cli.logger(),
      onSuccess: (run) => log.run(run, handle),
      onFailure: (run) => log.run(run, handle),
      onSkip: (run) => log.run(run, handle),
    });
  } catch (error) {
    if ((error as { code?: unknown }).code === "INVALID_OPTIONS") {
      const message = (error as Error).message;
      // the message of a bad time zone already says what to use
      const hint = message.startsWith("time zone") ? undefined : 'a pattern such as "0 3 * * *"';
      throw new CliError("USAGE", message, EXIT.usage, hint);
    }
    throw error;
  }
  const server = await serveMetrics(cli, opts, handle, connection, storage).catch(async (error) => {
    await handle.stop({ abort: true });
    throw error;
  });
  log.started(handle, server?.url);
  await new Promise<void>((resolve) => cli.signal.addEventListener("abort", () => resolve(), { once: true }));
  const interrupted = await handle.stop({ abort: true });
  if (interrupted) log.run(interrupted, handle);
  await server?.close();
  const code = interrupted?.outcome === "aborted" ? EXIT.interrupted : EXIT.ok;
  log.stopped(code);
  return code;
}

async function serveMetrics(
  cli: CliContext,
  opts: Record<string, unknown>,
  handle: BackupSchedule,
  connection: Awaited<ReturnType<typeof connect>>,
  storage: Awaited<ReturnType<typeof openStorage>>,
): Promise<MetricsServer | undefined> {
  if (typeof opts.metricsPort !== "number") return undefined;
  const lib = await import("../../index.js");
  const shared = await metricsOptions(cli, opts);
  const host = typeof opts.metricsHost === "string" ? opts.metricsHost : "127.0.0.1";
  const endpoints = {
    contentType: lib.PROMETHEUS_CONTENT_TYPE,
    schedule: handle,
    metrics: () =>
      lib.collectMetrics({
        storage,
        driver: connection.driver,
        ...(connection.database ? { database: connection.database } : {}),
        schedule: handle,
        ...shared,
      }),
  };
  try {
    return await startMetricsServer(endpoints, host, opts.metricsPort, (error) =>
      cli.logger().warn({ err: describeError(error).message }, "the metrics could not be collected"),
    );
  } catch (error) {
    throw new CliError(
      "USAGE",
      `cannot serve the metrics on ${host}:${opts.metricsPort} (${(error as Error).message})`,
      EXIT.usage,
      "choose another --metrics-port",
    );
  }
}

/** One line per event: human text, or JSON lines with `--json` (stdout; errors stay one line too). */
function runLog(cli: CliContext) {
  const write = (human: string, json: Record<string, unknown>) => {
    const line = cli.json
      ? JSON.stringify({ time: new Date().toISOString(), ...json })
      : `${new Date().toISOString()} ${human}`;
    cli.io.stdout.write(cli.scrub(`${line}\n`));
  };
  return {
    started(handle: BackupSchedule, metricsUrl: string | undefined) {
      const zone = handle.timezone ?? "local time";
      const next = handle.nextRun()?.toISOString() ?? null;
      const serving = metricsUrl ? `; metrics on ${metricsUrl}/metrics` : "";
      write(`scheduled "${handle.pattern}" (${zone}); next run ${next}${serving}`, {
        event: "started",
        schedule: handle.pattern,
        timezone: handle.timezone ?? null,
        nextRun: next,
        metrics: metricsUrl ? `${metricsUrl}/metrics` : null,
      });
    },
    run(run: ScheduledRun, handle: BackupSchedule) {
      const next = handle.nextRun()?.toISOString() ?? null;
      write(`${describeRun(run)}${next ? `; next run ${next}` : ""}`, {
        event: "run",
        ...runJson(run),
        nextRun: next,
      });
    },
    stopped(exitCode: ExitCode) {
      write(`stopped (exit ${exitCode})`, { event: "stopped", exitCode });
    },
  };
}

function describeRun(run: ScheduledRun): string {
  const b = run.backup;
  switch (run.outcome) {
    case "backed-up":
      return `backed up ${b!.name}: ${formatCount(b!.nodeCount)} nodes, ${formatCount(b!.relationshipCount)} relationships, ${formatBytes(b!.bytes)} in ${formatDuration(run.durationMs)}${b!.removed.length ? `; removed ${b!.removed.join(", ")}` : ""}`;
    case "not-needed":
      return `no backup needed: ${run.decision?.reason ?? ""}`;
    case "skipped":
      return `skipped: ${run.skipReason ?? ""}`;
    case "aborted":
      return "aborted: stopped while the backup ran; nothing was published";
    default: {
      const report = describeError(run.error);
      return `failed: ${report.code}: ${report.message}`;
    }
  }
}

function runJson(run: ScheduledRun): Record<string, unknown> {
  const b = run.backup;
  const report = run.outcome === "failed" ? describeError(run.error) : undefined;
  return {
    outcome: run.outcome,
    trigger: run.trigger,
    startedAt: run.startedAt.toISOString(),
    durationMs: run.durationMs,
    backup: b
      ? {
          name: b.name,
          nodeCount: b.nodeCount,
          relationshipCount: b.relationshipCount,
          bytes: b.bytes,
          checksum: b.checksum,
          removed: b.removed,
        }
      : null,
    ...(run.decision ? { decision: { backup: run.decision.backup, reason: run.decision.reason } } : {}),
    ...(report ? { error: { code: report.code, message: report.message } } : {}),
    ...(run.skipReason ? { skipReason: run.skipReason } : {}),
  };
}
