/**
 * One application instance starting up: connects, calls initializeDatabase on a shared backup
 * folder and prints its result as one JSON line. Started several times at once by the tests.
 * Usage: node --import tsx bootstrap-worker.ts <directory>  (server from NEO4J_URI/USERNAME/PASSWORD)
 */
import neo4j from "neo4j-driver";
import { FileSystemStorage, initializeDatabase } from "../../src/index.js";

const [directory] = process.argv.slice(2);
const driver = neo4j.driver(
  process.env.NEO4J_URI!,
  neo4j.auth.basic(process.env.NEO4J_USERNAME!, process.env.NEO4J_PASSWORD!),
);
try {
  // all instances start together: wait for the go signal file time written by the test
  const startAt = Number(process.env.START_AT ?? 0);
  if (startAt > Date.now()) await new Promise((r) => setTimeout(r, startAt - Date.now()));
  const result = await initializeDatabase({ driver, storage: new FileSystemStorage({ directory }) });
  process.stdout.write(
    `${JSON.stringify({ pid: process.pid, outcome: result.outcome, restored: result.restored, nodes: result.restore?.nodeCount ?? null })}\n`,
  );
} finally {
  await driver.close();
}
