/**
 * `neo4j-backup list`: the backups in the folder, newest first.
 */
import type { Command } from "commander";
import type { BackupIndexEntry } from "../../index.js";
import type { CliContext } from "../context.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { addIdentityOption, decryptionFrom } from "../keys.js";
import { openStorage, runAction } from "../run.js";
import { noteUnfinishedUploads } from "../storage.js";
import {
  formatAge,
  formatBytes,
  formatCount,
  formatDuration,
  formatInstant,
  formatRows,
  formatTable,
} from "../text.js";

/** Adds the `list` command to `program`. */
export function registerList(program: Command): void {
  const command = program
    .command("list")
    .description("list the backups in the folder, newest first")
    .option(
      "--detailed",
      "add reason, database, counts, size, checksum, server version, compression, encryption and validity",
    );
  addIdentityOption(command);
  command.action((_options, cmd: Command) => runAction(cmd, list));
}

async function list(cli: CliContext, opts: Record<string, unknown>): Promise<ExitCode> {
  const lib = await import("../../index.js");
  const storage = await openStorage(cli, true);
  const decryption = await decryptionFrom(cli, opts);
  const index = await lib.readIndex(storage, { logger: cli.logger(), signal: cli.signal, decryption });
  const backups = index.backups;
  const unfinishedUploads = await noteUnfinishedUploads(cli, storage);
  cli.result({
    directory: storage.describe(),
    backups,
    pendingRestores: index.pendingRestores,
    ...(unfinishedUploads === undefined ? {} : { unfinishedUploads }),
  });
  const unfinished = index.pendingRestores.map((p) =>
    cli.paint.yellow(`${cli.sym.warn}${lib.describeUnfinishedRestore(p)}`),
  );
  if (backups.length === 0) {
    cli.print(`No backups in ${storage.describe()}.`);
    return EXIT.ok;
  }
  const now = Date.now();
  const age = (e: BackupIndexEntry) => formatAge(now - Date.parse(e.created));
  const header = `${backups.length} backup${backups.length === 1 ? "" : "s"} in ${storage.describe()}, newest first:`;
  if (!opts.detailed) {
    printTable(cli, backups, header, age, unfinished);
    return EXIT.ok;
  }
  const blocks: string[] = [header];
  for (const e of backups) {
    const valid =
      e.valid === null
        ? cli.paint.yellow("unknown (encrypted; no --identity or passphrase given opens it)")
        : e.valid
          ? cli.paint.green("yes")
          : cli.paint.red("NO");
    blocks.push(
      "",
      cli.paint.bold(e.name),
      ...formatRows([
        ["Created", `${formatInstant(e.created)} (${age(e)})`],
        ["Kind", e.kind],
        ...(e.series !== undefined ? [["Series", e.series] as [string, string]] : []),
        ["Reason", e.reason || "-"],
        [
          "Database",
          e.identity
            ? `${e.identity.name} at ${e.identity.address} (id ${e.identity.id})`
            : `${e.database ?? "-"} (server not recorded)`,
        ],
        ["Nodes", formatCount(e.nodeCount)],
        ["Relationships", formatCount(e.relationshipCount)],
        ...(e.snapshot
          ? ([
              [
                "Size",
                `${formatBytes(e.snapshot.logicalBytes)} (the document); ${formatBytes(e.snapshot.storedBytes)} in ${formatCount(e.snapshot.chunks)} chunks`,
              ],
              [
                "Added",
                `${formatBytes(e.snapshot.addedBytes)} in ${formatCount(e.snapshot.addedChunks)} new chunks when it was made`,
              ],
            ] as [string, string][])
          : ([["Size", formatBytes(e.size)]] as [string, string][])),
        ["Compression", e.compression],
        ["Encrypted", e.encrypted ? "yes (age)" : "no"],
        ["Checksum", e.checksum ?? "-"],
        ["Server", e.server ? `Neo4j ${e.server.version} ${e.server.edition}` : "-"],
        ["Format", e.formatVersion === null ? "-" : String(e.formatVersion)],
        ["Duration", e.durationMs === null ? "-" : formatDuration(e.durationMs)],
        [
          "Changed during backup",
          e.changedDuringBackup === null ? "-" : e.changedDuringBackup ? "yes" : "no",
        ],
        ["Valid", valid],
      ]),
    );
  }
  cli.print(...blocks, ...(unfinished.length ? ["", ...unfinished] : []));
  return EXIT.ok;
}

/** The short listing: one row per backup. */
function printTable(
  cli: CliContext,
  backups: BackupIndexEntry[],
  header: string,
  age: (e: BackupIndexEntry) => string,
  unfinished: string[],
): void {
  // which database each backup holds, when the storage holds more than one
  const databases = new Set(backups.map((e) => e.identity?.id ?? ""));
  const shared = databases.size > 1;
  // with snapshots: the size of each backup's document and what each stored that was not there
  const snapshots = backups.some((e) => e.snapshot);
  // the series, when any backup was made in one
  const series = backups.some((e) => e.series !== undefined);
  const rows = backups.map((e) => [
    e.name,
    formatInstant(e.created),
    age(e),
    e.kind,
    ...(series ? [e.series ?? "-"] : []),
    ...(snapshots
      ? [formatBytes(e.snapshot?.logicalBytes ?? e.size), formatBytes(e.snapshot?.addedBytes ?? e.size)]
      : []),
    ...(shared ? [e.identity ? `${e.identity.name} at ${e.identity.address}` : "unknown"] : []),
  ]);
  const [head, ...body] = formatTable(
    [
      "NAME",
      "CREATED",
      "AGE",
      "KIND",
      ...(series ? ["SERIES"] : []),
      ...(snapshots ? ["SIZE", "ADDED"] : []),
      ...(shared ? ["DATABASE"] : []),
    ],
    rows,
  );
  cli.print(header, "", cli.paint.bold(head!), ...body, ...(unfinished.length ? ["", ...unfinished] : []));
}
