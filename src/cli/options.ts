/**
 * Options shared by several commands, and their parsers.
 */
import { readFileSync } from "node:fs";
import { type Command, InvalidArgumentError, Option } from "commander";
import type { ApocPropertyTypes, RetentionPolicy } from "../index.js";
import { type ConnectionOptions, DEFAULT_URI } from "./connection.js";
import { CliError } from "./errors.js";
import { EXIT } from "./exit-codes.js";

/** A whole number ≥ `min`. */
export function parseInteger(min: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value.trim()) || Number(value) < min) {
      throw new InvalidArgumentError(`expected a whole number of at least ${min}`);
    }
    return Number(value);
  };
}

/** A number > 0. */
export function parsePositive(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError("expected a number greater than 0");
  }
  return n;
}

/** `--keep`: a whole number ≥ 1, or `all`. */
export function parseKeep(value: string): number {
  if (/^(all|infinity)$/i.test(value.trim())) return Number.POSITIVE_INFINITY;
  return parseInteger(1)(value);
}

/** A retention count: a whole number ≥ 0, or `unlimited` (also `all`, -1). */
export function parseKeepCount(value: string): number {
  if (/^(unlimited|all|infinity|-1)$/i.test(value.trim())) return -1;
  return parseInteger(0)(value);
}

/** `--keep-within`: numbers each followed by y, m, d or h (`30d`, `12h`, `2y5m`), not all zero. */
export function parseKeepWithin(value: string): string {
  const text = value.trim();
  if (!/^(\d+[ymdh])+$/.test(text) || !/[1-9]/.test(text)) {
    throw new InvalidArgumentError("expected a duration such as 30d, 12h or 2y5m (y, m, d, h)");
  }
  return text;
}

/** The policy flags and the rule each sets. */
export const POLICY_FLAGS = [
  ["--keep-last", "keepLast", "the newest n backups"],
  ["--keep-hourly", "keepHourly", "the newest backup of each of the last n hours (UTC) with one"],
  ["--keep-daily", "keepDaily", "the newest backup of each of the last n days (UTC) with one"],
  ["--keep-weekly", "keepWeekly", "the newest backup of each of the last n ISO weeks (UTC) with one"],
  ["--keep-monthly", "keepMonthly", "the newest backup of each of the last n months (UTC) with one"],
  ["--keep-yearly", "keepYearly", "the newest backup of each of the last n years (UTC) with one"],
] as const;

/** Adds `--keep-last`, `--keep-hourly`, … `--keep-yearly` and `--keep-within`: a retention policy. */
export function addPolicyOptions(command: Command): Command {
  for (const [flag, , what] of POLICY_FLAGS) {
    command.addOption(new Option(`${flag} <n>`, `keep ${what}; n or unlimited`).argParser(parseKeepCount));
  }
  return command.addOption(
    new Option(
      "--keep-within <duration>",
      "keep every backup newer than this before the newest (30d, 12h, 2y5m)",
    ).argParser(parseKeepWithin),
  );
}

/** The policy the flags give; undefined when none was given. */
export function policyFrom(opts: Record<string, unknown>): RetentionPolicy | undefined {
  const policy: RetentionPolicy = {};
  for (const [, rule] of POLICY_FLAGS) {
    if (typeof opts[rule] === "number") policy[rule] = opts[rule];
  }
  if (typeof opts.keepWithin === "string") policy.keepWithin = opts.keepWithin;
  return Object.keys(policy).length > 0 ? policy : undefined;
}

/** `--series`: letters, digits, `_` and `-`. */
export function parseSeries(value: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(value)) {
    throw new InvalidArgumentError('expected 1 to 64 letters, digits, "_" and "-"');
  }
  return value;
}

/** Adds `--series <name>`: the series a new backup belongs to. */
export function addSeriesOption(command: Command): Command {
  return command.addOption(
    new Option(
      "--series <name>",
      "the series the backup belongs to (nightly, pre-deploy, …): retention keeps each series apart",
    ).argParser(parseSeries),
  );
}

/**
 * The retention of a new backup from `--series`, `--keep` and the policy flags, as createBackup's
 * options. `--keep` and a policy flag together are a usage error.
 */
export function retentionFrom(opts: Record<string, unknown>): {
  keep?: number;
  policy?: RetentionPolicy;
  series?: string;
} {
  const policy = policyFrom(opts);
  if (policy && typeof opts.keep === "number") {
    throw new CliError(
      "USAGE",
      "--keep goes without --keep-last, --keep-daily, … (--keep n is --keep-last n)",
      EXIT.usage,
    );
  }
  return {
    ...(typeof opts.keep === "number" ? { keep: opts.keep } : {}),
    ...(policy ? { policy } : {}),
    ...(typeof opts.series === "string" ? { series: opts.series } : {}),
  };
}

/** Adds `--uri`, `--username`, `--password`, `--database` (each with its environment variable). */
export function addConnectionOptions(command: Command): Command {
  return command
    .addOption(new Option("--uri <uri>", "Bolt URI of the server").env("NEO4J_URI").default(DEFAULT_URI))
    .addOption(new Option("-u, --username <name>", "user name").env("NEO4J_USERNAME").default("neo4j"))
    .addOption(
      new Option(
        "-p, --password <password>",
        "password (prefer the environment variable; asked for on a terminal when absent)",
      ).env("NEO4J_PASSWORD"),
    )
    .addOption(
      new Option("-d, --database <name>", "database (default: the user's home database)").env(
        "NEO4J_DATABASE",
      ),
    );
}

/** Picks the connection options out of a command's parsed options. */
export function connectionOptions(opts: Record<string, unknown>): ConnectionOptions {
  return {
    uri: String(opts.uri ?? DEFAULT_URI),
    username: String(opts.username ?? "neo4j"),
    password: typeof opts.password === "string" ? opts.password : undefined,
    database: typeof opts.database === "string" && opts.database !== "" ? opts.database : undefined,
  };
}

/** Adds `--lock-timeout <seconds>`. */
export function addLockTimeoutOption(command: Command): Command {
  return command.addOption(
    new Option(
      "--lock-timeout <seconds>",
      "how long to wait for another backup or restore on the same folder (default 1800)",
    ).argParser(parsePositive),
  );
}

/** Seconds from `--lock-timeout` as milliseconds. */
export function lockTimeoutMs(opts: Record<string, unknown>): number | undefined {
  return typeof opts.lockTimeout === "number" ? Math.round(opts.lockTimeout * 1000) : undefined;
}

/** Adds the auto-backup threshold options. */
export function addThresholdOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        "--node-threshold <n>",
        "nodes added or deleted that call for a backup (default 50)",
      ).argParser(parseInteger(1)),
    )
    .addOption(
      new Option(
        "--relationship-threshold <n>",
        "relationships added or deleted that call for a backup (default 100)",
      ).argParser(parseInteger(1)),
    )
    .addOption(
      new Option(
        "--percent-threshold <p>",
        "change in percent that calls for a backup (default 10)",
      ).argParser(parsePositive),
    );
}

/** The thresholds given on the command line (the library fills in the rest). */
export function thresholds(opts: Record<string, unknown>): {
  nodes?: number;
  relationships?: number;
  percent?: number;
} {
  const out: { nodes?: number; relationships?: number; percent?: number } = {};
  if (typeof opts.nodeThreshold === "number") out.nodes = opts.nodeThreshold;
  if (typeof opts.relationshipThreshold === "number") out.relationships = opts.relationshipThreshold;
  if (typeof opts.percentThreshold === "number") out.percent = opts.percentThreshold;
  return out;
}

/** `--apoc-types <file>`: a JSON file `{"nodes": {label: {key: type}}, "relationships": {type: {key: type}}}`. */
export function parseApocTypes(file: string): ApocPropertyTypes {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new InvalidArgumentError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const isMap = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
  const ok =
    isMap(parsed) &&
    Object.entries(parsed as Record<string, unknown>).every(
      ([side, byName]) =>
        (side === "nodes" || side === "relationships") &&
        isMap(byName) &&
        Object.values(byName as Record<string, unknown>).every(
          (keys) => isMap(keys) && Object.values(keys as object).every((t) => typeof t === "string"),
        ),
    );
  if (!ok) {
    throw new InvalidArgumentError(
      `${file} is not {"nodes": {label: {key: type}}, "relationships": {type: {key: type}}}`,
    );
  }
  return parsed as ApocPropertyTypes;
}

/** Adds `--max-line-bytes` and `--apoc-types`: how a backup file is read. */
export function addReadOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        "--max-line-bytes <n>",
        "longest line accepted where a file is read line by line (default 268435456)",
      ).argParser(parseInteger(1)),
    )
    .addOption(
      new Option(
        "--apoc-types <file>",
        "JSON file naming the types of an APOC export's strings (temporal values, byte arrays, NaN); see docs/format.md",
      ).argParser(parseApocTypes),
    );
}

/** The read options given on the command line. */
export function readOptions(opts: Record<string, unknown>): {
  maxLineBytes?: number;
  apocPropertyTypes?: ApocPropertyTypes;
} {
  const out: { maxLineBytes?: number; apocPropertyTypes?: ApocPropertyTypes } = {};
  if (typeof opts.maxLineBytes === "number") out.maxLineBytes = opts.maxLineBytes;
  if (opts.apocTypes && typeof opts.apocTypes === "object")
    out.apocPropertyTypes = opts.apocTypes as ApocPropertyTypes;
  return out;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration such as `1h`, `30m`, `1h30m`, `45s`, `2d` or `0`, in milliseconds. */
export function parseDuration(value: string): number {
  const text = value.trim();
  if (text === "0") return 0;
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(text)) {
    throw new InvalidArgumentError("expected a duration such as 30m, 1h, 1h30m, 45s or 2d");
  }
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) {
    ms += Number(amount) * DURATION_UNITS[unit!]!;
  }
  return Math.round(ms);
}
