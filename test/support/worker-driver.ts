/**
 * The driver module of the parallel-backup tests: each read worker calls `createDriver` for a
 * driver of its own. With `exitAfterRanges` the worker thread exits abruptly (`process.exit` in a
 * worker ends that thread only) when its transaction is asked for one more range than that: a read
 * worker dying in the middle of a backup, for the fault suite.
 */
import neo4j, { type Driver } from "neo4j-driver";

/** What the tests hand to the workers (`parallel.driverData`). */
export interface WorkerDriverData {
  uri: string;
  username: string;
  password: string;
  exitAfterRanges?: number;
}

export function createDriver(data: WorkerDriverData): Driver {
  const driver = neo4j.driver(data.uri, neo4j.auth.basic(data.username, data.password));
  const limit = data.exitAfterRanges;
  if (limit === undefined) return driver;
  let ranges = 0;
  const session = driver.session.bind(driver);
  driver.session = (config) => {
    const opened = session(config);
    const begin = opened.beginTransaction.bind(opened);
    opened.beginTransaction = (txConfig) => {
      const tx = begin(txConfig);
      return tx.then((open) => {
        const run = open.run.bind(open);
        open.run = ((query: string, parameters?: Record<string, unknown>) => {
          if (++ranges > limit) process.exit(70);
          return run(query, parameters);
        }) as typeof open.run;
        return open;
      }) as typeof tx;
    };
    return opened;
  };
  return driver;
}
