/**
 * Reading the names of a target's schema objects, dropping them, and creating planned ones.
 * Every name reaches Cypher escaped.
 */
import type { Driver } from "neo4j-driver";
import { escapeIdentifier } from "./names.js";
import type { SchemaStatement } from "./schema-statements.js";

/** An index as {@link readSchemaNames} reports it. */
export interface IndexName {
  name: string;
  type: string;
  entityType: string;
  /** True when the index backs a constraint (it goes with the constraint). */
  owned: boolean;
}

/** A lookup index, enough to create it again. */
export interface LookupIndex {
  name: string;
  entity: "NODE" | "RELATIONSHIP";
}

/** Names and kinds of the schema objects in a database, lookup indexes marked. */
export async function readSchemaNames(
  driver: Driver,
  database: string | undefined,
): Promise<{ indexes: IndexName[]; constraints: string[] }> {
  const indexes = await driver.executeQuery(
    "SHOW INDEXES YIELD name, type, entityType, owningConstraint",
    {},
    { database },
  );
  const constraints = await driver.executeQuery("SHOW CONSTRAINTS YIELD name", {}, { database });
  return {
    indexes: indexes.records.map((r) => ({
      name: String(r.get("name")),
      type: String(r.get("type")),
      entityType: String(r.get("entityType")),
      owned: r.get("owningConstraint") !== null,
    })),
    constraints: constraints.records.map((r) => String(r.get("name"))),
  };
}

async function dropConstraint(driver: Driver, database: string | undefined, name: string): Promise<void> {
  await driver.executeQuery(`DROP CONSTRAINT ${escapeIdentifier(name)} IF EXISTS`, {}, { database });
}

async function dropIndex(driver: Driver, database: string | undefined, name: string): Promise<void> {
  await driver.executeQuery(`DROP INDEX ${escapeIdentifier(name)} IF EXISTS`, {}, { database });
}

/** Drops every constraint and index of the target (lookup indexes included). */
export async function dropSchema(driver: Driver, database: string | undefined): Promise<void> {
  const current = await readSchemaNames(driver, database);
  for (const name of current.constraints) await dropConstraint(driver, database, name);
  for (const index of current.indexes) {
    if (!index.owned) await dropIndex(driver, database, index.name);
  }
}

/** Drops the named constraints and (not constraint-owned) indexes that exist in the target. */
export async function dropSchemaObjects(
  driver: Driver,
  database: string | undefined,
  names: ReadonlySet<string>,
): Promise<void> {
  const existing = await readSchemaNames(driver, database);
  for (const name of existing.constraints.filter((n) => names.has(n))) {
    await dropConstraint(driver, database, name);
  }
  for (const index of existing.indexes.filter((i) => names.has(i.name) && !i.owned)) {
    await dropIndex(driver, database, index.name);
  }
}

/** Drops the target's lookup indexes and returns them, so that they can be created again. */
export async function dropLookupIndexes(
  driver: Driver,
  database: string | undefined,
): Promise<LookupIndex[]> {
  const existing = await readSchemaNames(driver, database);
  const dropped: LookupIndex[] = [];
  for (const index of existing.indexes.filter((i) => i.type === "LOOKUP")) {
    await dropIndex(driver, database, index.name);
    dropped.push({ name: index.name, entity: index.entityType === "RELATIONSHIP" ? "RELATIONSHIP" : "NODE" });
  }
  return dropped;
}

/** Creates lookup indexes dropped by {@link dropLookupIndexes} again. */
export async function createLookupIndexes(
  driver: Driver,
  database: string | undefined,
  lookups: readonly LookupIndex[],
): Promise<void> {
  for (const lookup of lookups) {
    const target = lookup.entity === "NODE" ? "(e) ON EACH labels(e)" : "()-[e]-() ON EACH type(e)";
    await driver.executeQuery(
      `CREATE LOOKUP INDEX ${escapeIdentifier(lookup.name)} IF NOT EXISTS FOR ${target}`,
      {},
      { database },
    );
  }
}

/** Runs the planned statements and waits until every index is online. */
export async function createSchema(
  driver: Driver,
  database: string | undefined,
  statements: SchemaStatement[],
  awaitSeconds = 3600,
): Promise<void> {
  for (const statement of statements) {
    await driver.executeQuery(statement.cypher, statement.parameters, { database });
  }
  if (statements.length > 0) {
    await driver.executeQuery("CALL db.awaitIndexes($seconds)", { seconds: awaitSeconds }, { database });
  }
}
