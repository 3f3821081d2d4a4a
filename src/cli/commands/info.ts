/**
 * `neo4j-backup info <file>`: validates a backup file record by record and shows its metadata and
 * every problem with its line.
 */
import type { Command } from "commander";
import type { BackupLayers, BackupStorage, DecryptionOptions, ValidationReport } from "../../index.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { addIdentityOption, decryptionFrom, keysFor } from "../keys.js";
import { addReadOptions, readOptions } from "../options.js";
import { showValidationProgress } from "../phases.js";
import { openBackup, runAction } from "../run.js";
import { noteUnfinishedUploads } from "../storage.js";
import {
  formatBytes,
  formatCount,
  formatDuration,
  formatInstant,
  formatProblem,
  formatRows,
} from "../text.js";

/** Adds the `info` command to `program`. */
export function registerInfo(program: Command): void {
  const command = program
    .command("info")
    .description("validate a backup file and show its metadata")
    .argument("<file>", "backup file: a name in the backup folder, or a path");
  command.option(
    "--strict",
    "refuse (exit 3) a file whose metadata no checksum protects (written before metadata_checksum existed)",
  );
  addIdentityOption(command);
  addReadOptions(command);
  command.action((file: string, _options, cmd: Command) =>
    runAction(cmd, (cli, opts) => info(cli, opts, file)),
  );
}

/** The node and relationship counts the file's metadata announces (for the progress totals). */
async function announcedCounts(
  storage: BackupStorage,
  name: string,
  decryption: DecryptionOptions,
  maxLineBytes: number | undefined,
): Promise<{ nodes?: number; relationships?: number }> {
  const { readBackupEvents } = await import("../../format/index.js");
  const { openBackupBytes } = await import("../../index.js");
  let source: AsyncIterable<Uint8Array>;
  try {
    source = await openBackupBytes(storage, name, decryption);
  } catch {
    return {}; // an unreadable file: validation reports why
  }
  try {
    // only the first event is needed: stopping here closes the file
    for await (const event of readBackupEvents(source, { maxLineBytes })) {
      if (event.kind !== "metadata") break;
      const m = event.value as { node_count?: unknown; relationship_count?: unknown } | null;
      return {
        nodes: typeof m?.node_count === "number" ? m.node_count : undefined,
        relationships: typeof m?.relationship_count === "number" ? m.relationship_count : undefined,
      };
    }
  } catch {
    // an unreadable file: validation reports why
  } finally {
    await (source as AsyncGenerator<Uint8Array>).return?.(undefined);
  }
  return {};
}

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined;

function labelSummary(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return "";
  const shown = entries.slice(0, 6).map(([k, v]) => `${k || "(no label)"} ${formatCount(v)}`);
  return ` (${shown.join(", ")}${entries.length > 6 ? `, +${entries.length - 6} more` : ""})`;
}

async function info(cli: CliContext, opts: Record<string, unknown>, file: string): Promise<ExitCode> {
  const lib = await import("../../index.js");
  const { storage, name } = await openBackup(cli, file);
  const stat = await storage.stat(name);
  if (!stat) {
    throw new CliError(
      "NOT_FOUND",
      `backup ${name} not found in ${storage.describe()}`,
      EXIT.failure,
      "list the backups with `neo4j-backup list`, or check --dir",
    );
  }
  const decryption = await keysFor(cli, storage, name, await decryptionFrom(cli, opts));
  const progress = cli.progress();
  const read = readOptions(opts);
  const totals = await announcedCounts(storage, name, decryption, read.maxLineBytes);
  const report: ValidationReport = await lib.validateBackup({
    storage,
    name,
    ...read,
    decryption,
    strict: opts.strict === true,
    signal: cli.signal,
    onProgress: showValidationProgress(progress, totals),
  });
  progress.end();
  const unfinishedUploads = await noteUnfinishedUploads(cli, storage);
  cli.result({
    file: name,
    directory: storage.describe(),
    size: stat.size,
    ...report,
    ...(unfinishedUploads === undefined ? {} : { unfinishedUploads }),
  });
  cli.print(...describeReport(cli, name, storage.describe(), stat.size, report, lib.backupLayers(name)));
  return report.valid ? EXIT.ok : EXIT.invalid;
}

/** The format and how the file was read, e.g. `2 (line layout)`, `APOC export (JSON lines)`. */
function formatName(report: ValidationReport): string {
  if (report.layout === "apoc") return "APOC export (JSON lines)";
  const layout =
    report.layout === "lines" ? "line layout" : report.layout === "general" ? "general JSON" : "unreadable";
  return `${report.formatVersion ?? "unknown"} (${layout})`;
}

/** How a file is stored: `zstd-compressed, age-encrypted`; undefined when plain. */
function storedAs(layers: BackupLayers): string | undefined {
  const parts = [
    layers.compression === "none" ? "" : `${layers.compression}-compressed`,
    layers.encrypted ? "age-encrypted" : "",
  ].filter(Boolean);
  return parts.length ? parts.join(", ") : undefined;
}

function describeReport(
  cli: CliContext,
  name: string,
  directory: string,
  size: number | undefined,
  report: ValidationReport,
  layers: BackupLayers,
): string[] {
  const { paint, sym } = cli;
  const m = report.metadata ?? {};
  const server = m.server as { version?: unknown; edition?: unknown } | undefined;
  const consistency = m.consistency as { changed_during_backup?: unknown } | undefined;
  const errors = report.problems.filter((p) => p.severity === "error").length + report.omittedProblems;
  const verdict = report.valid
    ? paint.green(`${sym.done}valid`)
    : paint.red(`invalid: ${formatCount(errors)} problem${errors === 1 ? "" : "s"}`);
  const rows: [string, string][] = [
    ["Folder", directory],
    ["Format", formatName(report)],
    ["Created", text(m.datetime) ? formatInstant(String(m.datetime)) : "?"],
    ["Reason", text(m.reason) ?? "-"],
    ...(text(m.series) ? [["Series", String(m.series)] as [string, string]] : []),
    ["Database", text(m.database) ?? "-"],
    [
      "Server",
      typeof server?.version === "string"
        ? `Neo4j ${server.version} ${String(server.edition ?? "")}`.trim()
        : "-",
    ],
    ["Nodes", `${formatCount(report.nodeCount)}${labelSummary(report.labelCounts)}`],
    [
      "Relationships",
      `${formatCount(report.relationshipCount)}${labelSummary(report.relationshipTypeCounts)}`,
    ],
  ];
  if (size !== undefined) rows.push(["Size", formatBytes(size)]);
  const stored = storedAs(layers);
  if (stored) rows.push(["Stored", stored]);
  if (report.checksum) rows.push(["Checksum", report.checksum]);
  if (typeof m.duration_ms === "number") rows.push(["Duration", formatDuration(m.duration_ms)]);
  if (typeof consistency?.changed_during_backup === "boolean") {
    rows.push(["Changed during backup", consistency.changed_during_backup ? "yes" : "no"]);
  }
  const lines = [`${paint.bold(name)}: ${verdict}`, ...formatRows(rows)];
  if (report.problems.length) lines.push("", "Problems:");
  for (const p of report.problems) {
    const severity = p.severity === "error" ? paint.red("error") : paint.yellow("warning");
    lines.push(`  ${sym.bullet} ${severity} ${p.code}: ${formatProblem(p)}`);
  }
  if (report.omittedProblems) {
    lines.push(`  ${sym.bullet} and ${formatCount(report.omittedProblems)} more problems not listed`);
  }
  return lines;
}
