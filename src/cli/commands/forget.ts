/**
 * `neo4j-backup forget`: applies a retention policy (restic's rules, in UTC) to each group of
 * backups — one database, one prefix, one series — and removes what it does not keep.
 */
import { type Command, Option } from "commander";
import type { RetentionGroup } from "../../index.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { addIdentityOption, decryptionFrom } from "../keys.js";
import {
  addLockTimeoutOption,
  addPolicyOptions,
  lockTimeoutMs,
  parseSeries,
  policyFrom,
} from "../options.js";
import { openStorage, runAction } from "../run.js";

/** Adds the `forget` command to `program`. */
export function registerForget(program: Command): void {
  const command = program
    .command("forget")
    .description("remove the backups a retention policy does not keep, in each series of each database")
    .addOption(
      new Option("--series <name>", 'only this series ("" for backups made without one)').argParser((v) =>
        v === "" ? v : parseSeries(v),
      ),
    )
    .option("--prefix <prefix>", "only backups with this file name prefix")
    .option("--database <name>", "only backups of databases with this name")
    .option("--dry-run", "say what would be kept and removed; remove nothing");
  addPolicyOptions(command);
  addIdentityOption(command);
  addLockTimeoutOption(command);
  command.action((_options, cmd: Command) => runAction(cmd, forget));
}

async function forget(cli: CliContext, opts: Record<string, unknown>): Promise<ExitCode> {
  const policy = policyFrom(opts);
  if (!policy) {
    throw new CliError(
      "USAGE",
      "forget needs a policy: at least one of --keep-last, --keep-hourly, --keep-daily, --keep-weekly, --keep-monthly, --keep-yearly, --keep-within",
      EXIT.usage,
      "for example: neo4j-backup forget --series nightly --keep-daily 7 --keep-weekly 4",
    );
  }
  const lib = await import("../../index.js");
  const storage = await openStorage(cli, false);
  const decryption = await decryptionFrom(cli, opts);
  const result = await lib.forgetBackups({
    storage,
    policy,
    ...(typeof opts.series === "string" ? { series: opts.series } : {}),
    ...(typeof opts.prefix === "string" ? { prefix: opts.prefix } : {}),
    ...(typeof opts.database === "string" ? { database: opts.database } : {}),
    dryRun: opts.dryRun === true,
    decryption,
    lockTimeoutMs: lockTimeoutMs(opts),
    logger: cli.logger(),
    signal: cli.signal,
  });
  cli.result({ directory: storage.describe(), policy, ...result });
  if (result.groups.length === 0) {
    cli.print(`No backups in ${storage.describe()} that the policy applies to.`);
    return EXIT.ok;
  }
  for (const group of result.groups) cli.print(...describeGroup(group, result.dryRun));
  const removed = result.groups.reduce((n, g) => n + g.removed.length, 0);
  cli.print(
    result.dryRun
      ? `Dry run: ${removed} backup${removed === 1 ? "" : "s"} would be removed; nothing was.`
      : `${removed} backup${removed === 1 ? "" : "s"} removed.`,
  );
  return EXIT.ok;
}

/** One group as lines: a heading, each kept backup with its reasons, each removed one. */
function describeGroup(group: RetentionGroup, dryRun: boolean): string[] {
  const series = group.series === "" ? "no series" : `series ${group.series}`;
  const lines = [
    `${group.identity.name} at ${group.identity.address}, prefix ${group.prefix}, ${series}:`,
    ...group.kept.map((k) => `  keep    ${k.name}  (${k.reasons.join(", ")})`),
    ...group.removed.map((r) => `  ${dryRun ? "would remove" : "remove"}  ${r.name}`),
    "",
  ];
  return lines;
}
