/**
 * Application start-up: a new installation's empty database gets the bundled initial_backup.json;
 * an existing installation is left alone. Safe when several instances start at once.
 *
 *   NEO4J_PASSWORD=… npx tsx examples/app-startup.ts
 */

import { initializeDatabase } from "neo4j-backup";
import { pino } from "pino";
import { connect, database, storage } from "./connect.js";

const logger = pino({ level: process.env.LOG_LEVEL ?? "info" });
const driver = connect();
try {
  const result = await initializeDatabase({ driver, storage, database, logger });
  // restored: a new installation, now populated; otherwise result.outcome says why nothing was done
  console.log(
    JSON.stringify({ outcome: result.outcome, restored: result.restored, message: result.message }),
  );
} finally {
  await driver.close();
}
