/**
 * `neo4j-backup check [names…] [--read-data]`: are the snapshots whole? Every chunk a snapshot
 * references must be in the folder; with `--read-data` each is read once, decoded and checked
 * against its id. Exit 3 when a chunk is missing or damaged or a manifest cannot be read.
 */
import type { Command } from "commander";
import type { SnapshotCheckReport } from "../../index.js";
import type { CliContext } from "../context.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { addIdentityOption, decryptionFrom } from "../keys.js";
import { openStorage, runAction } from "../run.js";
import { formatCount } from "../text.js";

/** Adds the `check` command to `program`. */
export function registerCheck(program: Command): void {
  const command = program
    .command("check")
    .description(
      "check that every chunk of the snapshots is present (and with --read-data, intact); exit 3 when not",
    )
    .argument("[names...]", "snapshots to check (default: every snapshot in the folder)")
    .option("--read-data", "read every chunk once, decode it and check it against its id");
  addIdentityOption(command);
  command.action((names: string[], _options, cmd: Command) =>
    runAction(cmd, (cli, opts) => check(cli, opts, names)),
  );
}

async function check(cli: CliContext, opts: Record<string, unknown>, names: string[]): Promise<ExitCode> {
  const lib = await import("../../index.js");
  const storage = await openStorage(cli, true);
  const readData = opts.readData === true;
  const progress = cli.progress();
  progress.start(readData ? "Reading snapshot chunks" : "Checking snapshot chunks", undefined, "chunks");
  const report = await lib.checkSnapshots({
    storage,
    ...(names.length > 0 ? { names } : {}),
    readData,
    decryption: await decryptionFrom(cli, opts),
    onProgress: (p) => progress.update(p.chunksRead, p.chunksToRead),
    logger: cli.logger(),
    signal: cli.signal,
  });
  progress.end();
  cli.result({ directory: storage.describe(), readData, ...report });
  cli.print(...describeCheck(cli, storage.describe(), report, readData));
  return report.ok ? EXIT.ok : EXIT.invalid;
}

/** The human summary of a check. */
export function describeCheck(
  cli: CliContext,
  where: string,
  r: SnapshotCheckReport,
  readData: boolean,
): string[] {
  const { paint, sym } = cli;
  const plural = (n: number, word: string) => `${formatCount(n)} ${word}${n === 1 ? "" : "s"}`;
  if (r.snapshots === 0 && r.damagedManifests.length === 0) return [`No snapshots in ${where}.`];
  const how = readData
    ? `${plural(r.chunksRead, "chunk")} read and checked`
    : "chunks present (not read; --read-data reads them)";
  const lines: string[] = [];
  if (r.ok) {
    lines.push(
      `${paint.green(sym.done)}${plural(r.snapshots, "snapshot")} in ${where} ${r.snapshots === 1 ? "is" : "are"} whole: ${plural(r.chunks, "chunk")}, ${how}.`,
    );
  } else {
    const broken = new Set([
      ...r.problems.flatMap((p) => p.snapshots),
      ...r.damagedManifests.map((m) => m.snapshot),
    ]);
    lines.push(
      `${paint.red(sym.fail)}${plural(broken.size, "snapshot")} in ${where} ${broken.size === 1 ? "is" : "are"} damaged (${plural(r.snapshots, "manifest")} read, ${plural(r.chunks, "chunk")}, ${how}):`,
    );
    for (const m of r.damagedManifests) lines.push(`  ${sym.bullet} ${m.snapshot}: ${m.message}`);
    for (const p of r.problems) {
      lines.push(
        `  ${sym.bullet} ${p.message} — ${p.problem === "missing" ? "needed" : "read"} by ${p.snapshots.join(", ")}`,
      );
    }
  }
  if (r.unreferencedChunks) {
    lines.push(
      `  ${plural(r.unreferencedChunks, "chunk")} no snapshot references (\`neo4j-backup prune\` removes them).`,
    );
  }
  return lines;
}
