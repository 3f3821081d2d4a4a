/**
 * The driver module of parallel backups in the benchmarks (`parallel.driverModule`): every read
 * worker thread calls `createDriver` with the benchmark's URI and credentials.
 */
import neo4j from "neo4j-driver";

/** @param {{ uri: string, user: string, password: string }} data */
export function createDriver(data) {
  return neo4j.driver(data.uri, neo4j.auth.basic(data.user, data.password));
}
