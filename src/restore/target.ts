/**
 * Getting a target ready for the data, and taking a failed restore into an empty target back.
 */
import type { Driver } from "neo4j-driver";
import { clearData } from "../graph/clear.js";
import type { SchemaStatement } from "../graph/schema-statements.js";
import {
  createLookupIndexes,
  dropLookupIndexes,
  dropSchema,
  dropSchemaObjects,
  type LookupIndex,
} from "../graph/schema-write.js";

/** What a restore changed in a target's schema before writing, so that it can be undone. */
export interface TargetChanges {
  /** Lookup indexes of an empty target, dropped for the backup's own. */
  droppedLookups: LookupIndex[];
}

/** Deletes every node and relationship and drops every index and constraint. */
export async function emptyDatabase(driver: Driver, database: string | undefined): Promise<void> {
  await clearData(driver, database);
  await dropSchema(driver, database);
}

/**
 * Replace mode: empties the target. Empty mode with a schema section: the backup's lookup indexes
 * replace the target's defaults, so names match exactly (recorded in `changes`).
 */
export async function prepareTarget(
  driver: Driver,
  database: string | undefined,
  mode: "empty" | "replace",
  hasSchema: boolean,
  changes: TargetChanges,
): Promise<void> {
  if (mode === "replace") await emptyDatabase(driver, database);
  else if (hasSchema) changes.droppedLookups.push(...(await dropLookupIndexes(driver, database)));
}

/** After a failed restore into an empty target: delete the data, drop what was created, put back the lookups. */
export async function undoEmptyRestore(
  driver: Driver,
  database: string | undefined,
  statements: readonly SchemaStatement[],
  changes: TargetChanges,
): Promise<void> {
  await clearData(driver, database);
  await dropSchemaObjects(driver, database, new Set(statements.map((s) => s.name)));
  await createLookupIndexes(driver, database, changes.droppedLookups);
}
