/**
 * `neo4j-backup recover`: finishes an interrupted restore into the database it connects to — the
 * previous contents back (replace mode) or the complete restore (empty mode), after saving what the
 * database holds — and says which unfinished restores into other databases the storage records.
 */
import type { Command } from "commander";
import { connect, describeTarget } from "../connection.js";
import type { CliContext } from "../context.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { addIdentityOption, decryptionFrom } from "../keys.js";
import { addConnectionOptions, addLockTimeoutOption, connectionOptions, lockTimeoutMs } from "../options.js";
import { openStorage, runAction } from "../run.js";
import { formatRows } from "../text.js";

/** Adds the `recover` command to `program`. */
export function registerRecover(program: Command): void {
  const command = program
    .command("recover")
    .description(
      "finish an interrupted restore into this database (previous contents back, or the complete restore)",
    )
    .option(
      "--claim",
      "an unfinished restore recorded without its server (by an older version) was into this database: recover it here",
    );
  addIdentityOption(command);
  addConnectionOptions(command);
  addLockTimeoutOption(command);
  command.action((_options, cmd: Command) => runAction(cmd, recover));
}

async function recover(cli: CliContext, opts: Record<string, unknown>): Promise<ExitCode> {
  const lib = await import("../../index.js");
  const storage = await openStorage(cli, true);
  const decryption = await decryptionFrom(cli, opts);
  const connection = await connect(cli, connectionOptions(opts));
  const { database, identity } = await lib.readDatabaseIdentity(connection.driver, connection.database);
  const target = describeTarget(connection.host, database);
  const recovered = await lib.recoverInterruptedRestore({
    driver: connection.driver,
    storage,
    database,
    decryption,
    claimUnidentified: opts.claim === true,
    lockTimeoutMs: lockTimeoutMs(opts),
    logger: cli.logger(),
  });
  const remaining = (await lib.readIndex(storage, { decryption })).pendingRestores;
  cli.result({
    target: { host: connection.host, database, identity },
    recovered: recovered ?? null,
    remaining,
  });
  const { paint, sym } = cli;
  const lines: string[] = [];
  if (recovered) {
    const outcome =
      recovered.outcome === "previous-contents"
        ? `the previous contents are back (from ${recovered.restoredFrom})`
        : `the restore of ${recovered.restoredFrom} is complete`;
    lines.push(
      `${paint.green(sym.done)}Recovered the interrupted restore of ${paint.bold(recovered.interrupted.name)} into ${target}: ${outcome}`,
      ...formatRows([
        ["Interrupted", `restore started ${recovered.interrupted.started}`],
        [
          "Saved first",
          recovered.savedAs
            ? `${recovered.savedAs} (what the database held)`
            : "nothing (the database was empty)",
        ],
      ]),
    );
  } else {
    lines.push(`${paint.green(sym.done)}No unfinished restore into ${target}; nothing was written.`);
  }
  for (const pending of remaining) lines.push(`${sym.warn}${lib.describeUnfinishedRestore(pending)}`);
  cli.print(...lines);
  return EXIT.ok;
}
