/**
 * `neo4j-backup copy`: a backup from the backup storage (`--storage` or `--dir`) into another one
 * (`--to`), e.g. a folder into a bucket and back; validated on arrival, never overwriting. An
 * encrypted backup is validated with `--identity` (or the passphrase in the environment); without
 * a key its copy is checked byte for byte.
 */
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { addEncodingOptions, addIdentityOption, decryptionFrom, encodingFrom } from "../keys.js";
import { addLockTimeoutOption, lockTimeoutMs } from "../options.js";
import { openLocation, openStorage, runAction } from "../run.js";
import { formatBytes, formatDuration, formatRows } from "../text.js";

/** Adds the `copy` command to `program`. */
export function registerCopy(program: Command): void {
  const command = program
    .command("copy")
    .description("copy a backup (default: the latest) into another storage: a folder or s3://bucket/prefix")
    .argument("[name]", "the backup to copy (default: the latest)")
    .requiredOption("--to <storage>", "where the copy goes: a folder, or s3://bucket/prefix")
    .option(
      "--as-file",
      "copy as one ordinary file (a snapshot reassembled), encoded as --compression and --recipient say",
    );
  addEncodingOptions(command);
  addIdentityOption(command);
  addLockTimeoutOption(command);
  command.action((name: string | undefined, _options, cmd: Command) =>
    runAction(cmd, (cli, opts) => copy(cli, opts, name)),
  );
}

async function copy(
  cli: CliContext,
  opts: Record<string, unknown>,
  name: string | undefined,
): Promise<ExitCode> {
  const lib = await import("../../index.js");
  const from = await openStorage(cli, true);
  const to = await openLocation(cli, String(opts.to), false);
  const progress = cli.progress();
  progress.start(`Copying ${name ?? "the latest backup"} to ${to.describe()}`);
  const result = await lib.copyBackup({
    from,
    to,
    ...(opts.asFile === true ? { asFile: true, ...(await encodingFrom(cli, opts)) } : {}),
    ...(name ? { name } : {}),
    decryption: await decryptionFrom(cli, opts),
    lockTimeoutMs: lockTimeoutMs(opts),
    logger: cli.logger(),
    signal: cli.signal,
  });
  progress.end();
  cli.result(result);
  cli.print(
    `${cli.paint.green(cli.sym.done)}Copied ${cli.paint.bold(result.name)}`,
    ...formatRows([
      ["From", result.from],
      ["To", result.to],
      ["Size", formatBytes(result.size)],
      ...(result.chunks
        ? ([
            [
              "Chunks",
              `${result.chunks.copied} copied (${formatBytes(result.chunks.copiedBytes)}), ${result.chunks.present} already there`,
            ],
          ] as [string, string][])
        : []),
      ["Duration", formatDuration(result.durationMs)],
      ["Checksum", result.entry.checksum ?? "-"],
    ]),
  );
  return EXIT.ok;
}
