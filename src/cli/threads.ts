/**
 * `--threads <n>`: the reading of the database on worker threads (a parallel backup, a parallel
 * verification), each with a driver of its own made by the command's driver module from the same
 * URI and credentials.
 */
import { type Command, Option } from "commander";
import type { ParallelReadOptions } from "../index.js";
import type { Connection } from "./connection.js";
import { parseInteger } from "./options.js";

/** Adds `--threads <n>` to `command`; `what` says what the threads read. */
export function addThreadsOption(command: Command, what: string): void {
  command.addOption(
    new Option(
      "--threads <n>",
      `${what} on n worker threads, each with its own connection (default 1: this thread only)`,
    ).argParser(parseInteger(1)),
  );
}

/** The library's `parallel` option for `--threads` above 1; undefined otherwise. */
export async function parallelFrom(
  opts: Record<string, unknown>,
  connection: Connection,
): Promise<ParallelReadOptions | undefined> {
  const threads = typeof opts.threads === "number" ? opts.threads : 1;
  if (threads < 2) return undefined;
  const { cliDriverModule } = await import("./worker-driver.js");
  return { driverModule: cliDriverModule(), driverData: connection.driverData, threads };
}
