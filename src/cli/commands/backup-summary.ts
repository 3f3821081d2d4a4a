/**
 * How a new backup is described after `create` and `init --distribution`.
 */
import type { BackupResult } from "../../index.js";
import type { CliContext } from "../context.js";
import { formatBytes, formatCount, formatDuration, formatRows } from "../text.js";

/** Prints what a backup wrote, what retention removed, and whether the database changed meanwhile. */
export function printBackup(cli: CliContext, backup: BackupResult, headline: string): void {
  const { paint, sym } = cli;
  const m = backup.metadata;
  const rows: [string, string][] = [
    ["Folder", backup.location],
    ["Database", `${m.database} (Neo4j ${m.server.version} ${m.server.edition})`],
    ["Reason", m.reason],
    ["Nodes", formatCount(backup.nodeCount)],
    ["Relationships", formatCount(backup.relationshipCount)],
    ...(backup.snapshot
      ? ([
          [
            "Size",
            `${formatBytes(backup.snapshot.logicalBytes)} (the document), ${formatBytes(backup.snapshot.storedBytes)} stored in ${formatCount(backup.snapshot.chunks)} chunks`,
          ],
          [
            "Added",
            `${formatBytes(backup.snapshot.addedBytes)} in ${formatCount(backup.snapshot.addedChunks)} new chunks (the rest was in the storage already)`,
          ],
        ] as [string, string][])
      : ([["Size", formatBytes(backup.bytes)]] as [string, string][])),
    ...(backup.compression !== "none" || backup.encrypted
      ? ([
          [
            "Stored",
            [
              backup.compression !== "none" ? `${backup.compression}-compressed` : "",
              backup.encrypted ? "age-encrypted" : "",
            ]
              .filter(Boolean)
              .join(", "),
          ],
        ] as [string, string][])
      : []),
    ["Duration", formatDuration(backup.durationMs)],
    ["Checksum", backup.checksum],
  ];
  for (const removed of backup.removed) rows.push(["Removed", `${removed} (retention)`]);
  const lines = [`${paint.green(sym.done)}${headline}: ${paint.bold(backup.name)}`, ...formatRows(rows)];
  if (backup.changedDuringBackup) {
    const skipped = backup.skippedRelationships
      ? ` ${formatCount(backup.skippedRelationships)} relationships to nodes created meanwhile were left out.`
      : "";
    lines.push(
      paint.yellow(
        `${sym.warn}The database changed while the backup ran: the file is complete and referentially intact, but not one point in time.${skipped} Use --consistent to refuse such backups.`,
      ),
    );
  }
  cli.print(...lines);
}
