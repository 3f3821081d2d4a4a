/**
 * `neo4j-backup restore`: restores a backup (the latest by default) after a confirmation that names
 * the target, what it holds now, and what comes in.
 */
import { type Command, Option } from "commander";
import type {
  BackupIndexEntry,
  BackupStorage,
  DatabaseIdentity,
  DecryptionOptions,
  ParallelReadOptions,
} from "../../index.js";
import { type Connection, connect, describeTarget } from "../connection.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { addIdentityOption, decryptionFrom, keysFor } from "../keys.js";
import {
  addConnectionOptions,
  addLockTimeoutOption,
  addReadOptions,
  connectionOptions,
  lockTimeoutMs,
  readOptions,
} from "../options.js";
import { showRestoreProgress } from "../phases.js";
import { confirm } from "../prompt.js";
import { openBackup, openStorage, runAction } from "../run.js";
import { formatAge, formatCount, formatDuration, formatInstant, formatProblem, formatRows } from "../text.js";
import { addThreadsOption, parallelFrom } from "../threads.js";

/** Adds the `restore` command to `program`. */
export function registerRestore(program: Command): void {
  const command = program
    .command("restore")
    .description("restore a backup into the database (default: the latest backup, into an empty database)")
    .option(
      "-f, --file <file>",
      "backup to restore: a name in the backup folder or a path (default: the latest)",
    )
    .addOption(
      new Option(
        "-m, --mode <mode>",
        "empty: refuse a database that holds data; replace: replace its contents",
      )
        .choices(["empty", "replace"])
        .default("empty"),
    )
    .option("-y, --yes", "do not ask for confirmation (needed when not on a terminal)")
    .option("--dry-run", "validate the file and check the target; write nothing");
  addIdentityOption(command);
  addThreadsOption(command, "take the safety backup and read the database back for the verification");
  addConnectionOptions(command);
  addLockTimeoutOption(command);
  addReadOptions(command);
  command.action((_options, cmd: Command) => runAction(cmd, restore));
}

const counts = (nodes: number, relationships: number) =>
  `${formatCount(nodes)} nodes, ${formatCount(relationships)} relationships`;

type Library = typeof import("../../index.js");

/** What a restore is about: the backup, the target and what it holds now. */
interface RestorePlan {
  lib: Library;
  storage: BackupStorage;
  name: string;
  mode: "empty" | "replace";
  connection: Connection;
  database: string;
  current: { nodes: number; relationships: number };
  /** The target, in words. */
  target: string;
  incoming: BackupIndexEntry;
  /** Keys of an encrypted backup (they also open the safety backup on a rollback). */
  decryption: DecryptionOptions;
  /** Where the backup comes from, when it is not the target's own backup. */
  origin?: string;
  /** `--threads` above 1: the safety backup and the verification on worker threads. */
  parallel: ParallelReadOptions | undefined;
}

async function restore(cli: CliContext, opts: Record<string, unknown>): Promise<ExitCode> {
  const plan = await planRestore(cli, opts);
  if (opts.dryRun) return dryRun(cli, plan, opts);
  await refuseBeforeAsking(cli, plan, opts);
  if (!opts.yes) await askToProceed(cli, plan);
  const progress = cli.progress();
  const result = await plan.lib.restoreBackup(restoreOptions(cli, plan, opts, progress));
  progress.end();
  cli.result({
    ...result,
    target: { host: plan.connection.host, database: plan.database },
    origin: plan.origin ?? null,
  });
  const rows: [string, string][] = [
    ["Nodes", formatCount(result.nodeCount)],
    ["Relationships", formatCount(result.relationshipCount)],
    ["Indexes and constraints", formatCount(result.schemaObjects)],
    ["Duration", formatDuration(result.durationMs)],
  ];
  if (result.verification) rows.push(["Verified", "counts, schema and content fingerprint match the file"]);
  if (result.safetyBackup) rows.push(["Safety backup", `${result.safetyBackup} (the previous contents)`]);
  if (result.skippedRelationships)
    rows.push(["Skipped", `${formatCount(result.skippedRelationships)} relationships`]);
  cli.print(
    `${cli.paint.green(cli.sym.done)}Restored ${cli.paint.bold(plan.name)} into ${plan.target}`,
    ...formatRows(rows),
  );
  return EXIT.ok;
}

/** Finds the backup and connects to the target: the database a restore will write and what it holds. */
async function planRestore(cli: CliContext, opts: Record<string, unknown>): Promise<RestorePlan> {
  const lib = await import("../../index.js");
  const { storage, name: named } =
    typeof opts.file === "string"
      ? await openBackup(cli, opts.file)
      : { storage: await openStorage(cli, true), name: undefined };
  const given = await decryptionFrom(cli, opts);
  const connection = await connect(cli, connectionOptions(opts));
  // the home database when none is named, and which database on which server it is
  const { database, identity } = await lib.readDatabaseIdentity(connection.driver, connection.database);
  // the latest backup of this database (not another server's database of the same name)
  const name = named ?? (await lib.latestBackupName(storage, { identity, decryption: given }));
  const decryption = await keysFor(cli, storage, name, given);
  const incoming = await lib.getBackupInfo(storage, name, { decryption });
  return {
    lib,
    storage,
    name,
    mode: opts.mode === "replace" ? "replace" : "empty",
    connection,
    database,
    current: await lib.countGraph(connection.driver, database),
    target: describeTarget(connection.host, database),
    incoming,
    origin: originOf(incoming.identity, identity),
    decryption,
    parallel: await parallelFrom(opts, connection),
  };
}

/**
 * Where a backup comes from, when that is not the target itself: another database (prod into
 * staging), or a file that does not say (written before identities were recorded).
 */
function originOf(backup: DatabaseIdentity | null, target: DatabaseIdentity | null): string | undefined {
  if (!backup) return "not recorded in the file (written by an older version)";
  if (target && backup.id === target.id) return undefined;
  return `database ${backup.name} on server ${backup.address} (id ${backup.id.slice(0, 12)}…) — another database than the target`;
}

function restoreOptions(
  cli: CliContext,
  plan: RestorePlan,
  opts: Record<string, unknown>,
  progress: ReturnType<CliContext["progress"]>,
) {
  return {
    driver: plan.connection.driver,
    storage: plan.storage,
    name: plan.name,
    database: plan.database,
    mode: plan.mode,
    decryption: plan.decryption,
    ...(plan.parallel ? { parallel: plan.parallel } : {}),
    lockTimeoutMs: lockTimeoutMs(opts),
    logger: cli.logger(),
    onProgress: showRestoreProgress(progress),
    ...readOptions(opts),
    signal: cli.signal,
  };
}

async function dryRun(cli: CliContext, plan: RestorePlan, opts: Record<string, unknown>): Promise<ExitCode> {
  const progress = cli.progress();
  const result = await plan.lib.restoreBackup({ ...restoreOptions(cli, plan, opts, progress), dryRun: true });
  progress.end();
  const { current } = plan;
  cli.result({
    ...result,
    target: { host: plan.connection.host, database: plan.database },
    current,
    origin: plan.origin ?? null,
  });
  cli.print(
    `${cli.paint.green(cli.sym.done)}Dry run: ${plan.name} is valid and ${plan.target} can take it; nothing was written.`,
    ...formatRows([
      ["Would write", counts(result.validation.nodeCount, result.validation.relationshipCount)],
      [
        plan.mode === "replace" ? "Would replace" : "Target holds",
        counts(current.nodes, current.relationships),
      ],
      ...(plan.origin ? ([["Backup of", cli.paint.yellow(plan.origin)]] as [string, string][]) : []),
    ]),
  );
  return EXIT.ok;
}

/** What the library would refuse anyway is refused before the question. */
async function refuseBeforeAsking(
  cli: CliContext,
  plan: RestorePlan,
  opts: Record<string, unknown>,
): Promise<void> {
  const { current, name } = plan;
  if (plan.mode === "empty" && (current.nodes > 0 || current.relationships > 0)) {
    throw new CliError(
      "TARGET_NOT_EMPTY",
      `${plan.target} holds ${counts(current.nodes, current.relationships)}; nothing was written`,
      EXIT.refused,
      "restore with --mode replace to replace the contents (a safety backup is taken first)",
    );
  }
  if (plan.incoming.valid) return;
  const report = await plan.lib.validateBackup({
    storage: plan.storage,
    name,
    decryption: plan.decryption,
    maxProblems: 1,
    ...readOptions(opts),
    signal: cli.signal,
  });
  const first = report.problems.find((p) => p.severity === "error");
  if (!report.valid && first) {
    throw new CliError(
      "VALIDATION_FAILED",
      `backup ${name} fails validation: ${formatProblem(first)}; nothing was written`,
      EXIT.invalid,
      "see every problem with `neo4j-backup info <file>`",
    );
  }
}

/** Asks on the terminal; refuses without one (scripts pass --yes). */
async function askToProceed(cli: CliContext, about: RestorePlan): Promise<void> {
  const { target, name, mode, incoming, current } = about;
  if (!cli.canPrompt()) {
    throw new CliError(
      "CONFIRMATION_REQUIRED",
      `restoring ${name} writes to ${target} and needs a confirmation, but there is no terminal to ask on; nothing was written`,
      EXIT.usage,
      "pass --yes to confirm",
    );
  }
  const { errPaint: paint, errSym: sym } = cli;
  const created = `${formatInstant(incoming.created)}, ${formatAge(Date.now() - Date.parse(incoming.created))}`;
  const lines = [
    "",
    `${paint.bold(`Restore ${name}`)} into ${paint.bold(target)} (${about.connection.serverAgent})`,
    ...formatRows([
      [
        mode === "replace" ? "Replaces" : "Target",
        mode === "replace"
          ? `${paint.yellow(counts(current.nodes, current.relationships))} now in the database (a safety backup is taken first)`
          : "empty",
      ],
      ["With", `${counts(incoming.nodeCount, incoming.relationshipCount)} from ${name}`],
      ...(about.origin ? ([["Backup of", paint.yellow(about.origin)]] as [string, string][]) : []),
      ["Backup taken", created],
      ...(incoming.reason ? ([["Reason", incoming.reason]] as [string, string][]) : []),
    ]),
    "",
  ];
  cli.io.stderr.write(cli.scrub(`${lines.join("\n")}\n`));
  const question = `${mode === "replace" ? sym.warn : ""}Proceed? [y/N] `;
  if (!(await confirm(question, { input: cli.io.stdin, output: cli.io.stderr }))) {
    throw new CliError("NOT_CONFIRMED", "restore not confirmed; nothing was written", EXIT.failure);
  }
}
