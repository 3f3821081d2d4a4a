/**
 * `neo4j-backup status`: current counts, the last backup and its age, the changes since, a
 * recommendation, the thresholds, and the health of the backups.
 */
import type { Command } from "commander";
import { Option } from "commander";
import type { BackupStatus } from "../../index.js";
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
import { formatAge, formatCount, formatPercent, formatSigned } from "../text.js";

/** Adds the `status` command to `program`. */
export function registerStatus(program: Command): void {
  const command = program
    .command("status")
    .description(
      "show counts, the last backup, changes since, a recommendation and health (exit 4 or 5 to act)",
    )
    .addOption(
      new Option(
        "--max-age <days>",
        "age of the newest backup that counts as a problem (default 7)",
      ).argParser(parsePositive),
    )
    .option("--deep", "also validate the newest backup in full (reads the whole file)");
  addThresholdOptions(command);
  addIdentityOption(command);
  addConnectionOptions(command);
  command.action((_options, cmd: Command) => runAction(cmd, status));
}

/** Exit code of a status: health problems first, then a recommended backup. */
export function statusExitCode(status: Pick<BackupStatus, "health" | "recommendation">): ExitCode {
  if (!status.health.healthy) return EXIT.unhealthy;
  if (status.recommendation.backup) return EXIT.backupRecommended;
  return EXIT.ok;
}

async function status(cli: CliContext, opts: Record<string, unknown>): Promise<ExitCode> {
  const lib = await import("../../index.js");
  const storage = await openStorage(cli, true);
  const decryption = await decryptionFrom(cli, opts);
  const connection = await connect(cli, connectionOptions(opts));
  const result = await lib.backupStatus({
    decryption,
    driver: connection.driver,
    storage,
    database: connection.database,
    thresholds: thresholds(opts),
    ...(typeof opts.maxAge === "number" ? { maxAgeDays: opts.maxAge } : {}),
    deep: opts.deep === true,
    logger: cli.logger(),
  });
  cli.result({ ...result, target: { host: connection.host, database: result.database } });
  cli.print(...describeStatus(cli, result, `${result.database} at ${connection.host}`));
  return statusExitCode(result);
}

/** The status as the original design's `status` command shows it, plus health. */
export function describeStatus(cli: CliContext, s: BackupStatus, target: string): string[] {
  const { paint, sym } = cli;
  const emoji = cli.stdoutTerm.unicode;
  const b = sym.bullet;
  const now = Date.now();
  const lines: string[] = [
    paint.bold(`${emoji ? "📊 " : ""}Database Backup Status`),
    `Database: ${target}${s.identity ? ` (id ${s.identity.id})` : ""}`,
    `Backups:  ${s.location}`,
    "",
  ];
  if (s.health.pendingRestore) {
    lines.push(
      paint.yellow(
        `${sym.warn}Unfinished restore: ${s.health.pendingRestore.name} was being restored here and did not finish.`,
      ),
      `  Finish it: neo4j-backup recover (puts back ${s.health.pendingRestore.safetyBackup ? `the previous contents from ${s.health.pendingRestore.safetyBackup}` : `a complete restore of ${s.health.pendingRestore.name}`}; what the database holds now is saved first)`,
      "",
    );
  }
  lines.push(
    paint.bold("Current Database:"),
    `${b} Nodes: ${formatCount(s.current.nodes)}`,
    `${b} Relationships: ${formatCount(s.current.relationships)}`,
    "",
  );
  if (s.lastBackup) {
    const age = s.lastBackupAgeMs === null ? "" : ` (${formatAge(s.lastBackupAgeMs)})`;
    lines.push(
      `${paint.bold("Last Backup:")} ${s.lastBackup.name}${age}`,
      `${b} Nodes: ${formatCount(s.lastBackup.nodeCount)}`,
      `${b} Relationships: ${formatCount(s.lastBackup.relationshipCount)}`,
    );
  } else {
    lines.push(`${paint.bold("Last Backup:")} none`);
  }
  const { baseline, changes } = s.recommendation;
  if (baseline && changes) {
    const since =
      baseline.source === "restore"
        ? `Restoring ${baseline.name} (${formatAge(now - Date.parse(baseline.at))})`
        : baseline.name === s.lastBackup?.name
          ? "Last Backup"
          : baseline.name;
    lines.push(
      `${b} Changes Since ${since}:`,
      `  ${b} Nodes: ${formatSigned(changes.nodes)} (${formatPercent(changes.nodesPercent)})`,
      `  ${b} Relationships: ${formatSigned(changes.relationships)} (${formatPercent(changes.relationshipsPercent)})`,
    );
  }
  const recommended = s.recommendation.backup;
  const verdict = recommended
    ? paint.yellow(`${emoji ? "⚠️  " : ""}Backup recommended`)
    : paint.green(`${emoji ? "✅ " : ""}No backup needed`);
  const t = s.recommendation.thresholds;
  lines.push(
    "",
    `${paint.bold("Backup Recommendation:")} ${verdict}`,
    `${b} ${s.recommendation.reason}`,
    "",
    paint.bold(`${emoji ? "⚙️  " : ""}Configuration`),
    "Auto-Backup Thresholds:",
    `${b} Nodes: ${formatCount(t.nodes)} added or deleted`,
    `${b} Relationships: ${formatCount(t.relationships)} added or deleted`,
    `${b} Percentage: ${formatPercent(t.percent)} change`,
    `Maximum backup age: ${formatCount(s.health.maxAgeDays)} days`,
    "",
  );
  if (s.health.healthy) {
    lines.push(`${paint.bold("Health:")} ${paint.green(`${emoji ? "✅ " : ""}OK`)}`);
  } else {
    const n = s.health.problems.length;
    lines.push(
      `${paint.bold("Health:")} ${paint.red(`${emoji ? "❌ " : ""}${n} problem${n === 1 ? "" : "s"}`)}`,
    );
    for (const problem of s.health.problems) lines.push(`${b} ${problem}`);
  }
  if (s.health.notices.length) {
    lines.push("", paint.bold("Other databases in this storage:"));
    for (const notice of s.health.notices) lines.push(`${b} ${paint.yellow(notice)}`);
  }
  return lines;
}
