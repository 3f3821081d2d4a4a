/**
 * The connection to Neo4j: options and environment, the password prompt, and a driver that is
 * checked once (reachable, credentials accepted) before any work and closed at the end.
 */
import type { Driver } from "neo4j-driver";
import type { CliContext } from "./context.js";
import { CliError } from "./errors.js";
import { EXIT } from "./exit-codes.js";
import { readSecret } from "./prompt.js";
import type { CliDriverData } from "./worker-driver.js";

/** Connection options as the command line and environment give them. */
export interface ConnectionOptions {
  uri: string;
  username: string;
  password?: string;
  database?: string;
}

/** An open, checked connection. */
export interface Connection {
  driver: Driver;
  /** What the driver was made from: for drivers of its own in other threads (`create --threads`). */
  driverData: CliDriverData;
  /** `host:port`, for messages. */
  host: string;
  /** The database named on the command line; undefined means the user's home database. */
  database: string | undefined;
  /** `Neo4j/5.26.0`, as the server reports itself. */
  serverAgent: string;
}

/** The default Bolt URI. */
export const DEFAULT_URI = "neo4j://localhost:7687";

/** `host:port` of a Bolt URI, never its credentials (`neo4j+s://u:p@db.example.com` → `db.example.com`). */
export function displayHost(uri: string): string {
  try {
    const url = new URL(uri.includes("://") ? uri : `bolt://${uri}`);
    if (url.host) return url.host;
  } catch {
    // not a URL: fall through
  }
  return uri.replace(/^[a-z+]+:\/\//i, "").replace(/^[^@/]*@/, "");
}

/** The URI without the credentials some people put in it (`neo4j://user:secret@host` → `neo4j://host`). */
export function redactUri(uri: string): string {
  return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, "$1");
}

/** `database neo4j at localhost:7687` (or `the home database at …`). */
export function describeTarget(host: string, database: string | undefined): string {
  return `${database ? `database ${database}` : "the home database"} at ${host}`;
}

/**
 * Opens a driver for `options`: asks for the password on a terminal when none was given, checks that
 * the server answers and accepts the credentials, and registers closing the driver at the end of the
 * command. The URI is passed to neo4j-driver unchanged (`bolt+s://`, `neo4j+s://` and their `+ssc`
 * forms keep their encryption settings); integers stay lossless. With `check: false` the server is
 * not asked at once (the command's operations report an unreachable server themselves).
 */
export async function connect(
  cli: CliContext,
  options: ConnectionOptions,
  how: { check?: boolean } = {},
): Promise<Connection> {
  const host = displayHost(options.uri);
  let password = options.password;
  if (password === undefined && cli.canPrompt()) {
    password = await readSecret(`Password for ${options.username} at ${host}: `, {
      input: cli.io.stdin,
      output: cli.io.stderr,
    });
  }
  if (password) cli.addSecret(password);
  Object.assign(cli.errorContext, {
    host,
    username: options.username,
    passwordGiven: password !== undefined && password !== "",
    database: options.database,
  });
  const { createDriver } = await import("./worker-driver.js");
  const driverData: CliDriverData = { uri: options.uri, username: options.username, password };
  let driver: Driver;
  try {
    driver = createDriver(driverData);
  } catch (error) {
    throw new CliError(
      "USAGE",
      `--uri ${JSON.stringify(redactUri(options.uri))} is not a Bolt URI (${(error as Error).message})`,
      EXIT.usage,
      "use bolt://, bolt+s://, neo4j:// or neo4j+s:// followed by host:port",
    );
  }
  cli.onCleanup(() => driver.close());
  // a long-running command (schedule) starts without the server: each run reports what it finds
  if (how.check === false)
    return { driver, driverData, host, database: options.database, serverAgent: "Neo4j" };
  const info = await driver.getServerInfo(options.database ? { database: options.database } : {});
  return { driver, driverData, host, database: options.database, serverAgent: info.agent ?? "Neo4j" };
}
