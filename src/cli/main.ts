/**
 * The `neo4j-backup` command: a thin shell over the public API. Only commander and small modules
 * load at start-up (so `--help` answers at once); the library and neo4j-driver load inside actions.
 */
import { Command, CommanderError, Option, type OutputConfiguration } from "commander";
import { LIBRARY_VERSION } from "../version.js";
import { registerCheck } from "./commands/check.js";
import { registerCopy } from "./commands/copy.js";
import { registerCreate } from "./commands/create.js";
import { registerForget } from "./commands/forget.js";
import { registerInfo } from "./commands/info.js";
import { registerInit } from "./commands/init.js";
import { registerList } from "./commands/list.js";
import { registerMetrics } from "./commands/metrics.js";
import { registerPrune } from "./commands/prune.js";
import { registerRecover } from "./commands/recover.js";
import { registerRestore } from "./commands/restore.js";
import { registerSchedule } from "./commands/schedule.js";
import { registerStatus } from "./commands/status.js";
import { registerUi } from "./commands/ui.js";
import { registerVerify } from "./commands/verify.js";
import { EXIT } from "./exit-codes.js";
import { addStorageOptions } from "./storage.js";

export { EXIT } from "./exit-codes.js";

/** The default backup folder. */
export const DEFAULT_DIR = "neo4j/fullbackup";

const HELP_AFTER = `
Connection: --uri, --username, --password, --database or NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD,
NEO4J_DATABASE; the password is asked for on a terminal when none is given.

Examples:
  neo4j-backup create --reason "Before the bulk import"
  neo4j-backup create --auto             back up only if the graph changed enough
  neo4j-backup create --series nightly --keep-daily 7 --keep-weekly 4 --keep-monthly 6
  neo4j-backup forget --series pre-deploy --keep-last 5 --dry-run
  neo4j-backup list --detailed
  neo4j-backup restore --mode replace    the latest backup, after a confirmation
  neo4j-backup status --json
  neo4j-backup prune --dry-run           what removing unreferenced snapshot chunks would free
  neo4j-backup check --read-data         read every snapshot chunk and check it
  neo4j-backup schedule "0 3 * * *" --auto   back up every night at 03:00 when needed (foreground)
  neo4j-backup metrics --output /var/lib/node_exporter/neo4j_backup.prom
  neo4j-backup ui                        a web page for backups (prints the URL to open)

Exit codes: 0 ok, 1 failure, 2 usage, 3 invalid backup or verify differs, 4 backup recommended,
5 backups unhealthy, 6 cannot connect or log in, 7 folder locked, 8 refused (nothing written),
130 interrupted. See docs/cli.md; for cron, systemd, Kubernetes and CI see docs/operations.md.`;

/** Options of {@link buildProgram}. */
export interface BuildOptions {
  /** Where commander writes help and usage errors (main keeps secrets out and answers in JSON). */
  output?: OutputConfiguration;
  /** Usage errors are JSON: no hint line after them. */
  json?: boolean;
}

/** Builds the command-line program; commander's exits become exceptions (`CommanderError`). */
export function buildProgram(options: BuildOptions = {}): Command {
  const program = new Command("neo4j-backup")
    .description("Online, logical, type-exact backups of Neo4j databases over Bolt")
    .version(LIBRARY_VERSION, "-V, --version")
    .addOption(new Option("--dir <folder>", "backup folder").env("NEO4J_BACKUP_DIR").default(DEFAULT_DIR))
    .option("--json", "machine-readable output: one JSON document on stdout, errors as JSON on stderr")
    .option("-q, --quiet", "print nothing on success (errors and warnings still go to stderr)")
    .option("-v, --verbose", "log what happens; stack traces with errors")
    .option("--no-color", "no colours (NO_COLOR=1 works too)")
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError(options.json ? false : "(run with --help for usage)")
    .exitOverride();
  addStorageOptions(program);
  if (options.output) program.configureOutput(options.output);
  program.addHelpText("after", HELP_AFTER);
  registerCreate(program);
  registerRestore(program);
  registerRecover(program);
  registerList(program);
  registerInfo(program);
  registerVerify(program);
  registerStatus(program);
  registerInit(program);
  registerCopy(program);
  registerPrune(program);
  registerCheck(program);
  registerForget(program);
  registerSchedule(program);
  registerMetrics(program);
  registerUi(program);
  return program;
}

/** Password and passphrase values on the command line and in the environment, to keep out of every output. */
export function secretsIn(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const secrets: string[] = [];
  if (env.NEO4J_PASSWORD) secrets.push(env.NEO4J_PASSWORD);
  if (env.NEO4J_BACKUP_PASSPHRASE) secrets.push(env.NEO4J_BACKUP_PASSPHRASE);
  argv.forEach((arg, i) => {
    if ((arg === "--password" || arg === "-p") && argv[i + 1] !== undefined) secrets.push(argv[i + 1]!);
    else if (arg.startsWith("--password=")) secrets.push(arg.slice("--password=".length));
    else if (/^-p./.test(arg)) secrets.push(arg.slice(2));
  });
  return secrets.filter((s) => s.length >= 3);
}

/** Runs the command with `argv`; sets `process.exitCode` (see {@link EXIT}). */
export async function main(argv: string[] = process.argv): Promise<void> {
  const json = argv.slice(2).includes("--json");
  const secrets = secretsIn(argv);
  const scrub = (text: string) => secrets.reduce((out, secret) => out.split(secret).join("***"), text);
  const program = buildProgram({
    json,
    output: {
      writeOut: (text) => process.stdout.write(scrub(text)),
      writeErr: (text) => process.stderr.write(scrub(text)),
      outputError: (text, write) => {
        if (!json) return write(text);
        const message = text
          .replace(/^error: /, "")
          .split("\n")[0]!
          .trim();
        write(
          `${JSON.stringify({ code: "USAGE", message, hint: "run with --help for usage", exitCode: EXIT.usage })}\n`,
        );
      },
    },
  });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    // actions report their own errors; this is only reached by a defect
    process.stderr.write(scrub(`neo4j-backup: ${(error as Error)?.stack ?? String(error)}\n`));
    process.exitCode = EXIT.failure;
  }
}
