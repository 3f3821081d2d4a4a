/**
 * Reads the database schema — every index and constraint with its name and options — in the form
 * stored in `metadata.schema`. Indexes that back a constraint are left out: the constraint
 * recreates them.
 */
import type { Driver, ManagedTransaction, Transaction } from "neo4j-driver";
import type { ConstraintDefinition, IndexDefinition } from "../format/schema.js";
import { encodeValue } from "../format/values.js";

type Runner = Pick<Transaction | ManagedTransaction, "run">;

function encodeOptions(value: unknown, path: string): unknown {
  if (value === null || value === undefined) return null;
  if (
    typeof value === "object" &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as object).sort()) {
      out[key] = encodeOptions((value as Record<string, unknown>)[key], `${path}.${key}`);
    }
    return out;
  }
  return encodeValue(value, path);
}

function strings(value: unknown): string[] | null {
  return Array.isArray(value) ? value.map(String) : null;
}

/** Exports indexes and constraints through an open transaction. */
export async function exportSchema(
  tx: Runner,
): Promise<{ indexes: IndexDefinition[]; constraints: ConstraintDefinition[] }> {
  const indexResult = await tx.run("SHOW INDEXES YIELD *");
  const indexes: IndexDefinition[] = [];
  for (const record of indexResult.records) {
    const get = (key: string): unknown => (record.has(key) ? record.get(key) : null);
    if (get("owningConstraint") !== null) continue;
    const name = String(get("name"));
    indexes.push({
      name,
      type: String(get("type")),
      entity_type: get("entityType") === "RELATIONSHIP" ? "RELATIONSHIP" : "NODE",
      labels_or_types: strings(get("labelsOrTypes")),
      properties: strings(get("properties")),
      options: (encodeOptions(get("options") ?? {}, `schema.indexes.${name}.options`) ?? {}) as Record<
        string,
        unknown
      >,
      create_statement: (get("createStatement") as string | null) ?? null,
    });
  }
  const constraintResult = await tx.run("SHOW CONSTRAINTS YIELD *");
  const constraints: ConstraintDefinition[] = [];
  for (const record of constraintResult.records) {
    const get = (key: string): unknown => (record.has(key) ? record.get(key) : null);
    const name = String(get("name"));
    constraints.push({
      name,
      type: String(get("type")),
      entity_type: get("entityType") === "RELATIONSHIP" ? "RELATIONSHIP" : "NODE",
      labels_or_types: strings(get("labelsOrTypes")) ?? [],
      properties: strings(get("properties")) ?? [],
      property_type: (get("propertyType") as string | null) ?? null,
      options: encodeOptions(get("options"), `schema.constraints.${name}.options`) as Record<
        string,
        unknown
      > | null,
      create_statement: (get("createStatement") as string | null) ?? null,
    });
  }
  indexes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  constraints.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { indexes, constraints };
}

/** Exports the indexes and constraints of a database in a read transaction of its own. */
export async function readSchema(
  driver: Driver,
  database: string | undefined,
): Promise<{ indexes: IndexDefinition[]; constraints: ConstraintDefinition[] }> {
  const session = driver.session({ database, defaultAccessMode: "READ" });
  try {
    return await session.executeRead((tx) => exportSchema(tx));
  } finally {
    await session.close();
  }
}
