/**
 * `neo4j-backup prune [--dry-run] [--grace <duration>]`: removes the snapshot chunks no snapshot
 * references any more, holding the folder's lock; unreferenced chunks younger than the grace period
 * (default one hour) stay. A manifest that cannot be read stops it before anything is removed.
 */
import { type Command, Option } from "commander";
import type { PruneResult } from "../../index.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { addLockTimeoutOption, lockTimeoutMs, parseDuration } from "../options.js";
import { openStorage, runAction } from "../run.js";
import { formatBytes, formatCount, formatDuration, formatRows } from "../text.js";

/** Adds the `prune` command to `program`. */
export function registerPrune(program: Command): void {
  const command = program
    .command("prune")
    .description("remove the snapshot chunks no snapshot references any more")
    .option("--dry-run", "report what would be removed; remove nothing")
    .addOption(
      new Option(
        "--grace <duration>",
        "keep unreferenced chunks stored less than this long ago: 30m, 1h, 2d, 0 (default 1h)",
      ).argParser(parseDuration),
    );
  addLockTimeoutOption(command);
  command.action((_options, cmd: Command) => runAction(cmd, prune));
}

async function prune(cli: CliContext, opts: Record<string, unknown>): Promise<ExitCode> {
  const lib = await import("../../index.js");
  const storage = await openStorage(cli, true);
  const dryRun = opts.dryRun === true;
  const graceMs = typeof opts.grace === "number" ? opts.grace : lib.DEFAULT_PRUNE_GRACE_MS;
  const progress = cli.progress();
  progress.start(dryRun ? "Looking for unreferenced chunks" : "Pruning unreferenced chunks");
  let result: PruneResult;
  try {
    result = await lib.pruneChunks({
      storage,
      dryRun,
      graceMs,
      lockTimeoutMs: lockTimeoutMs(opts),
      logger: cli.logger(),
      signal: cli.signal,
    });
  } catch (error) {
    const e = error as { code?: unknown; message?: string };
    if (e?.code === "CORRUPT") {
      throw new CliError(
        "CORRUPT",
        e.message ?? String(error),
        EXIT.invalid,
        "`neo4j-backup check` lists every damaged snapshot and chunk",
      );
    }
    throw error;
  }
  progress.end();
  cli.result({ directory: storage.describe(), graceMs, ...result });
  cli.print(...describePrune(cli, storage.describe(), result, graceMs));
  return EXIT.ok;
}

/** A grace period as it is given: `1h`, `30m`, else as other durations are shown. */
function formatGrace(ms: number): string {
  if (ms > 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms > 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  return formatDuration(ms);
}

/** The human summary of a prune. */
export function describePrune(cli: CliContext, where: string, r: PruneResult, graceMs: number): string[] {
  const chunks = (n: number) => `${formatCount(n)} chunk${n === 1 ? "" : "s"}`;
  const { paint, sym } = cli;
  const head = r.dryRun
    ? `Would remove ${chunks(r.removedChunks)} (${formatBytes(r.removedBytes)}) from ${where}; dry run, nothing removed.`
    : `${paint.green(sym.done)}Removed ${chunks(r.removedChunks)} (${formatBytes(r.removedBytes)}) from ${where}.`;
  const lines = [
    head,
    ...formatRows([
      ["Snapshots", formatCount(r.snapshots)],
      ["Referenced chunks", formatCount(r.referencedChunks)],
      ["Kept", `${chunks(r.keptChunks)} (${formatBytes(r.keptBytes)})`],
    ]),
  ];
  if (r.unreferencedYoung > 0) {
    lines.push(
      `  ${chunks(r.unreferencedYoung)} no snapshot references ${r.unreferencedYoung === 1 ? "was" : "were"} stored less than ${formatGrace(graceMs)} ago and stay${r.unreferencedYoung === 1 ? "s" : ""} until a later prune.`,
    );
  }
  if (r.missingChunks > 0) {
    lines.push(
      paint.yellow(
        `${sym.warn}${chunks(r.missingChunks)} that snapshots reference ${r.missingChunks === 1 ? "is" : "are"} missing: run \`neo4j-backup check\` to see which snapshots are damaged.`,
      ),
    );
  }
  return lines;
}
