/**
 * Options shared by several commands, and their parsers.
 */
import { readFileSync } from "node:fs";
import { type Command, InvalidArgumentError, Option } from "commander";
import type { ApocPropertyTypes } from "../index.js";
import { type ConnectionOptions, DEFAULT_URI } from "./connection.js";

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
