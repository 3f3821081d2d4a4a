/**
 * Options shared by several commands, and their parsers.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
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
