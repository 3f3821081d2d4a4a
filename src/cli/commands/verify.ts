/**
 * `neo4j-backup verify [<file>]`: compares the live database with a backup (default: the latest) —
 * counts per label and type, schema, and a content fingerprint.
 */
import type { Command } from "commander";
import { connect, describeTarget } from "../connection.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { addIdentityOption, decryptionFrom, keysFor } from "../keys.js";
import { addConnectionOptions, addReadOptions, connectionOptions, readOptions } from "../options.js";
import { openBackup, openStorage, runAction } from "../run.js";
import { capitalize, formatCount } from "../text.js";
import { addThreadsOption, parallelFrom } from "../threads.js";

/** Adds the `verify` command to `program`. */
export function registerVerify(program: Command): void {
  const command = program
    .command("verify")
    .description("compare the database with a backup (default: the latest); exit 3 when they differ")
    .argument("[file]", "backup file: a name in the backup folder, or a path");
  addIdentityOption(command);
  addThreadsOption(command, "read the database");
  addConnectionOptions(command);
  addReadOptions(command);
  command.action((file: string | undefined, _options, cmd: Command) =>
    runAction(cmd, (cli, opts) => verify(cli, opts, file)),
  );
}

async function verify(
  cli: CliContext,
  opts: Record<string, unknown>,
  file: string | undefined,
): Promise<ExitCode> {
  const lib = await import("../../index.js");
  const { storage, name: named } = file
    ? await openBackup(cli, file)
    : { storage: await openStorage(cli, true), name: undefined };
  // a named file that is not there is said before anything connects or prints (exit 3, as for a
  // file that cannot be read)
  if (named && !(await storage.stat(named))) {
    throw new CliError(
      "NOT_FOUND",
      `backup ${named} not found in ${storage.describe()}; nothing was compared`,
      EXIT.invalid,
      "list the backups with `neo4j-backup list`, or check --dir",
    );
  }
  const given = await decryptionFrom(cli, opts);
  const connection = await connect(cli, connectionOptions(opts));
  const identity = named
    ? null
    : (await lib.readDatabaseIdentity(connection.driver, connection.database)).identity;
  // the latest backup of this database (not another server's database of the same name)
  const name = named ?? (await lib.latestBackupName(storage, { identity, decryption: given }));
  const decryption = await keysFor(cli, storage, name, given);
  const target = describeTarget(connection.host, connection.database);
  const progress = cli.progress();
  progress.start(`Comparing ${target} with ${name}`);
  const result = await lib.verifyBackup({
    driver: connection.driver,
    storage,
    name,
    database: connection.database,
    ...readOptions(opts),
    decryption,
    signal: cli.signal,
    parallel: await parallelFrom(opts, connection),
    logger: cli.logger(),
  });
  progress.end();
  const { backup, database, ...rest } = result;
  cli.result({
    file: name,
    target: { host: connection.host, database: connection.database ?? null },
    ...rest,
    fingerprints: { backup, database },
  });
  const { paint, sym } = cli;
  const what = `${formatCount(database.nodes)} nodes, ${formatCount(database.relationships)} relationships`;
  if (result.equal) {
    const schema = result.schemaCompared ? "schema, " : "";
    cli.print(
      `${paint.green(sym.done)}${capitalize(target)} matches ${paint.bold(name)}: ${what}; counts, ${schema}and content fingerprint are equal.`,
    );
    return EXIT.ok;
  }
  cli.print(
    `${paint.red(sym.fail)}${capitalize(target)} differs from ${paint.bold(name)}:`,
    ...result.differences.map((d) => `  ${sym.bullet} ${d}`),
    `  (database: ${what}; backup: ${formatCount(backup.nodes)} nodes, ${formatCount(backup.relationships)} relationships)`,
  );
  return EXIT.invalid;
}
