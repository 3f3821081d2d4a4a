/**
 * Real schema objects for the crash scenarios — a uniqueness constraint on nodes and one on
 * relationships, and RANGE, TEXT, POINT, FULLTEXT and VECTOR indexes on nodes and relationships —
 * and the schema as the server reports it, read independently of the library, to compare after
 * every recovery.
 */
import type { Driver } from "neo4j-driver";

/** The schema of the database before a restore ("A"): what a recovery to the previous contents must bring back. */
export const SCHEMA_A = [
  "CREATE CONSTRAINT crash_a_session_id IF NOT EXISTS FOR (n:Session) REQUIRE n.session_id IS UNIQUE",
  "CREATE RANGE INDEX crash_a_function_category IF NOT EXISTS FOR (n:Function) ON (n.category)",
  "CREATE TEXT INDEX crash_a_template_name IF NOT EXISTS FOR (n:Template) ON (n.name)",
  "CREATE FULLTEXT INDEX crash_a_pattern_text IF NOT EXISTS FOR (n:Pattern) ON EACH [n.name]",
  "CREATE RANGE INDEX crash_a_uses_weight IF NOT EXISTS FOR ()-[r:USES]-() ON (r.weight)",
];

/** The schema of the backup being restored ("B"): other names, other kinds. */
export const SCHEMA_B = [
  "CREATE CONSTRAINT crash_b_session_id IF NOT EXISTS FOR (n:Session) REQUIRE n.session_id IS UNIQUE",
  "CREATE CONSTRAINT crash_b_matches_ref IF NOT EXISTS FOR ()-[r:MATCHES]-() REQUIRE r.ref IS UNIQUE",
  "CREATE POINT INDEX crash_b_function_location IF NOT EXISTS FOR (n:Function) ON (n.location)",
  "CREATE RANGE INDEX crash_b_pattern_name IF NOT EXISTS FOR (n:Pattern) ON (n.name)",
  "CREATE FULLTEXT INDEX crash_b_co_occurs_note IF NOT EXISTS FOR ()-[r:CO_OCCURS_WITH]-() ON EACH [r.note]",
  "CREATE VECTOR INDEX crash_b_function_embedding IF NOT EXISTS FOR (n:Function) ON (n.embedding) OPTIONS {indexConfig: {`vector.dimensions`: 4, `vector.similarity_function`: 'cosine'}}",
];

/** Creates `statements` (idempotent: the driver may retry one) and waits until every index is online. */
export async function createSchema(driver: Driver, statements: string[]): Promise<void> {
  for (const statement of statements) await driver.executeQuery(statement);
  await driver.executeQuery("CALL db.awaitIndexes(300)");
}

/**
 * The schema as sorted lines: every constraint (name, type, entity, labels or types, properties)
 * and every index (name, type, entity, labels or types, properties, state — online or not).
 */
export async function schemaSignature(driver: Driver): Promise<string[]> {
  const constraints = await driver.executeQuery(
    "SHOW CONSTRAINTS YIELD name, type, entityType, labelsOrTypes, properties RETURN *",
  );
  const indexes = await driver.executeQuery(
    "SHOW INDEXES YIELD name, type, entityType, labelsOrTypes, properties, state, owningConstraint RETURN *",
  );
  const line = (kind: string, r: { get(key: string): unknown }, extra: string[] = []) =>
    [
      kind,
      r.get("name"),
      r.get("type"),
      r.get("entityType"),
      JSON.stringify(r.get("labelsOrTypes")),
      JSON.stringify(r.get("properties")),
      ...extra,
    ].join(" ");
  return [
    ...constraints.records.map((r) => line("constraint", r)),
    ...indexes.records.map((r) =>
      line("index", r, [String(r.get("state")), r.get("owningConstraint") ? "owned" : "own"]),
    ),
  ].sort();
}

/** The names of the schema objects a backup holds: constraints, and indexes that no constraint owns. */
export async function schemaNames(driver: Driver): Promise<string[]> {
  const constraints = await driver.executeQuery("SHOW CONSTRAINTS YIELD name RETURN name");
  const indexes = await driver.executeQuery(
    "SHOW INDEXES YIELD name, owningConstraint WHERE owningConstraint IS NULL RETURN name",
  );
  return [
    ...constraints.records.map((r) => `constraint ${r.get("name")}`),
    ...indexes.records.map((r) => `index ${r.get("name")}`),
  ].sort();
}

/** The same names from a backup's metadata. */
export function schemaNamesInFile(metadata: Record<string, unknown> | null): string[] {
  const schema = (metadata?.schema ?? {}) as {
    indexes?: { name: string }[];
    constraints?: { name: string }[];
  };
  return [
    ...(schema.constraints ?? []).map((c) => `constraint ${c.name}`),
    ...(schema.indexes ?? []).map((i) => `index ${i.name}`),
  ].sort();
}
