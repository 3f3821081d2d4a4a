/**
 * An upgrade script: backs up before migrating, migrates, and rolls back to the backup when the
 * migration fails. Pass --fail to see the rollback.
 *
 *   NEO4J_PASSWORD=… npx tsx examples/upgrade.ts 2.0.0 [--fail]
 */

import { backupBeforeUpgrade, rollbackUpgrade } from "neo4j-backup";
import type { Driver } from "neo4j-driver";
import { pino } from "pino";
import { connect, database, storage } from "./connect.js";

const version = process.argv[2] ?? "2.0.0";
const fail = process.argv.includes("--fail");
const logger = pino({ level: process.env.LOG_LEVEL ?? "info" });

/** The application's schema migration for this version. */
async function migrate(driver: Driver): Promise<void> {
  await driver.executeQuery("MATCH (f:Function) SET f.schema_version = $version", { version }, { database });
  if (fail) throw new Error("migration step 2 failed");
}

const driver = connect();
try {
  // throws — and so stops the upgrade — when the backup cannot be made or does not validate
  const backup = await backupBeforeUpgrade({ driver, storage, database, version, logger });
  try {
    await migrate(driver);
    console.log(JSON.stringify({ upgraded: true, backup: backup.name }));
  } catch (error) {
    logger.error({ err: (error as Error).message }, "migration failed; rolling back");
    const restored = await rollbackUpgrade({ driver, storage, database, backup, logger });
    console.log(
      JSON.stringify({ upgraded: false, rolledBackTo: restored.name, error: (error as Error).message }),
    );
    process.exitCode = 1;
  }
} finally {
  await driver.close();
}
