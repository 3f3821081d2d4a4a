/**
 * The `neo4j-backup` command: a thin shell over the public API.
 */
import { Command } from "commander";
import { LIBRARY_VERSION } from "../version.js";

/** Exit codes of the command. */
export const EXIT = { ok: 0, failure: 1, usage: 2, invalid: 3 } as const;

/** Builds the command-line program (exported for tests). */
export function buildProgram(): Command {
  const program = new Command("neo4j-backup")
    .description("Online, logical, type-exact backups of Neo4j databases")
    .version(LIBRARY_VERSION)
    .option("--dir <folder>", "backup folder", "neo4j/fullbackup")
    .option("--json", "machine-readable output")
    .showHelpAfterError();

  program
    .command("info")
    .description("validate a backup file and show its metadata")
    .argument("<file>", "backup file name in the folder, or a path")
    .action(async (file: string) => {
      const { dirname, basename, resolve } = await import("node:path");
      const { existsSync } = await import("node:fs");
      const { FileSystemStorage } = await import("../storage/filesystem.js");
      const { validateBackup } = await import("../validate/validate-backup.js");
      const opts = program.opts<{ dir: string; json?: boolean }>();
      const asPath = existsSync(file) && (file.includes("/") || !existsSync(resolve(opts.dir, file)));
      const storage = new FileSystemStorage({ directory: asPath ? dirname(resolve(file)) : opts.dir });
      const report = await validateBackup({ storage, name: asPath ? basename(file) : file });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        const m = report.metadata ?? {};
        const lines = [
          `File:          ${file}`,
          `Valid:         ${report.valid ? "yes" : "NO"}`,
          `Format:        ${report.formatVersion ?? "unknown"} (${report.layout ?? "unreadable"})`,
          `Created:       ${String(m.datetime ?? "?")}`,
          `Reason:        ${String(m.reason ?? "")}`,
          `Nodes:         ${report.nodeCount.toLocaleString("en-US")}`,
          `Relationships: ${report.relationshipCount.toLocaleString("en-US")}`,
        ];
        for (const p of report.problems) {
          lines.push(
            `${p.severity}: ${p.message}${p.location.line ? ` (line ${p.location.line})` : ""} [${p.location.path}]`,
          );
        }
        if (report.omittedProblems) lines.push(`… and ${report.omittedProblems} more problems`);
        process.stdout.write(`${lines.join("\n")}\n`);
      }
      process.exitCode = report.valid ? EXIT.ok : EXIT.invalid;
    });
  return program;
}

/** Runs the command with `argv`; sets process.exitCode. */
export async function main(argv: string[] = process.argv): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    if (code.startsWith("commander.")) {
      const help =
        code === "commander.helpDisplayed" || code === "commander.version" || code === "commander.help";
      process.exitCode = help ? EXIT.ok : EXIT.usage;
      return;
    }
    process.stderr.write(`neo4j-backup: ${(error as Error).message}\n`);
    process.exitCode = EXIT.failure;
  }
}
