/**
 * The driver module of the parallel-backup tests: each read worker calls `createDriver` for a
 * driver of its own.
 */
import neo4j, { type Driver } from "neo4j-driver";

/** What the tests hand to the workers (`parallel.driverData`). */
export interface WorkerDriverData {
  uri: string;
  username: string;
  password: string;
}

export function createDriver(data: WorkerDriverData): Driver {
  return neo4j.driver(data.uri, neo4j.auth.basic(data.username, data.password));
}
