/**
 * A learning-system job: bulk-imports what it learned, then backs up only if the graph changed
 * significantly (50 nodes, 100 relationships or 10 % by default).
 *
 *   NEO4J_PASSWORD=… npx tsx examples/learning-job.ts [patterns-to-import]
 */

import { autoBackup } from "neo4j-backup";
import { pino } from "pino";
import { connect, database, storage } from "./connect.js";

const count = Number(process.argv[2] ?? 100);
const logger = pino({ level: process.env.LOG_LEVEL ?? "info" });
const driver = connect();
try {
  // the job's own work: a bulk import of learned patterns
  await driver.executeQuery(
    `UNWIND range(1, $count) AS i
     MERGE (p:Pattern {key: 'learned-' + toString(i)})
     SET p.confidence = 0.5 + rand() / 2, p.learned_at = datetime()`,
    { count },
    { database },
  );
  // then: back up if that was a significant change
  const { decision, backup } = await autoBackup({ driver, storage, database, logger });
  console.log(
    JSON.stringify({ backedUp: Boolean(backup), reason: decision.reason, name: backup?.name ?? null }),
  );
} finally {
  await driver.close();
}
