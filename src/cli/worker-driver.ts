/**
 * The command's driver: made here for the command itself ({@link connect}) and, as the driver
 * module of a parallel backup (`create --threads`), once in every read worker thread, from the same
 * URI and credentials. Nothing here logs or prints.
 */
import neo4j, { type Driver } from "neo4j-driver";
import { LIBRARY_VERSION } from "../version.js";

/** What a driver is made from; the password stays in memory (a worker gets it as its data). */
export interface CliDriverData {
  uri: string;
  username: string;
  /** No password: the Bolt "none" scheme (servers with authentication off accept it). */
  password?: string;
}

/** A driver for `data`, with lossless integers and the command's user agent. */
export function createDriver(data: CliDriverData): Driver {
  const auth = data.password
    ? neo4j.auth.basic(data.username, data.password)
    : { scheme: "none", principal: "", credentials: "" };
  return neo4j.driver(data.uri, auth, { userAgent: `neo4j-backup/${LIBRARY_VERSION}` });
}

/** This module as the worker threads import it: built beside the command, or its source. */
export function cliDriverModule(): URL {
  return import.meta.url.endsWith(".ts")
    ? new URL(import.meta.url)
    : new URL("./cli-driver.js", import.meta.url);
}
