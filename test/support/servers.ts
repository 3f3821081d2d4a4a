/**
 * Access to the Neo4j servers chosen by the global setup, one driver per server.
 */
import neo4j, { type Driver } from "neo4j-driver";
import { inject } from "vitest";

/** A running server the tests may use. */
export interface TestServer {
  /** "5.26", "latest" or "NEO4J_URI". */
  label: string;
  uri: string;
  username: string;
  password: string;
  /** e.g. "5.26.12". */
  version: string;
  /** "community" or "enterprise". */
  edition: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    neo4jServers: TestServer[];
  }
}

/** The servers of this run (at least one). */
export function testServers(): TestServer[] {
  return inject("neo4jServers");
}

/** A new driver for a server; the caller closes it. */
export function driverFor(server: TestServer): Driver {
  return neo4j.driver(server.uri, neo4j.auth.basic(server.username, server.password), {
    disableLosslessIntegers: false,
  });
}
