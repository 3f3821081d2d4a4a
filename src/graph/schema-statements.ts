/**
 * The CREATE statements that recreate indexes and constraints from a backup's schema section, and
 * the plan of what a target can hold. Pure: nothing here talks to a server. Every name reaches
 * Cypher escaped; options travel as parameters.
 */

import type { ConstraintDefinition, IndexDefinition } from "../format/schema.js";
import { decodeValue } from "../format/values.js";
import { alternatives, escapeIdentifier, labelFragment } from "./names.js";

/** A schema statement ready to run. */
export interface SchemaStatement {
  /** Index or constraint name. */
  name: string;
  kind: "index" | "constraint";
  cypher: string;
  parameters: Record<string, unknown>;
}

/** Why a schema object cannot be recreated on the target. */
export interface SchemaProblem {
  name: string;
  kind: "index" | "constraint";
  message: string;
}

const PROPERTY_TYPE_RE = /^[A-Z0-9_ <>|,]+$/;

function decodeOptions(
  options: Record<string, unknown> | null | undefined,
  keepProvider: boolean,
  path: string,
) {
  const out: Record<string, unknown> = {};
  if (!options) return out;
  const config = options.indexConfig as Record<string, unknown> | undefined;
  if (config && Object.keys(config).length > 0) {
    const decoded: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config))
      decoded[key] = decodeValue(value, `${path}.indexConfig.${key}`);
    out.indexConfig = decoded;
  }
  if (keepProvider && typeof options.indexProvider === "string") out.indexProvider = options.indexProvider;
  return out;
}

function pattern(entity: "NODE" | "RELATIONSHIP", tokens: readonly string[]): string {
  if (entity === "NODE") return tokens.length ? `(e${labelFragment(tokens.slice(0, 1))})` : "(e)";
  return tokens.length ? `()-[e:${escapeIdentifier(tokens[0]!)}]-()` : "()-[e]-()";
}

function props(properties: readonly string[]): string {
  return properties.map((p) => `e.${escapeIdentifier(p)}`).join(", ");
}

/**
 * Builds the CREATE statement of an index.
 * @param keepProvider - pass the original index provider (only when restoring into the same version).
 */
export function indexStatement(index: IndexDefinition, keepProvider: boolean): SchemaStatement {
  const name = escapeIdentifier(index.name);
  const tokens = index.labels_or_types ?? [];
  const properties = index.properties ?? [];
  const options = decodeOptions(index.options, keepProvider, `schema.indexes.${index.name}.options`);
  const withOptions = Object.keys(options).length ? " OPTIONS $options" : "";
  let cypher: string;
  switch (index.type) {
    case "LOOKUP":
      cypher =
        index.entity_type === "NODE"
          ? `CREATE LOOKUP INDEX ${name} FOR (e) ON EACH labels(e)`
          : `CREATE LOOKUP INDEX ${name} FOR ()-[e]-() ON EACH type(e)`;
      break;
    case "FULLTEXT": {
      const tokenList = alternatives(tokens);
      const target = index.entity_type === "NODE" ? `(e:${tokenList})` : `()-[e:${tokenList}]-()`;
      cypher = `CREATE FULLTEXT INDEX ${name} FOR ${target} ON EACH [${props(properties)}]${withOptions}`;
      break;
    }
    case "RANGE":
    case "TEXT":
    case "POINT":
    case "VECTOR":
      cypher = `CREATE ${index.type} INDEX ${name} FOR ${pattern(index.entity_type, tokens)} ON (${props(properties)})${withOptions}`;
      break;
    default:
      throw new Error(`unknown index type ${index.type}`);
  }
  return { name: index.name, kind: "index", cypher, parameters: withOptions ? { options } : {} };
}

/** Builds the CREATE statement of a constraint. */
export function constraintStatement(
  constraint: ConstraintDefinition,
  keepProvider: boolean,
): SchemaStatement {
  const name = escapeIdentifier(constraint.name);
  const target = pattern(constraint.entity_type, constraint.labels_or_types);
  const list =
    constraint.properties.length === 1 ? props(constraint.properties) : `(${props(constraint.properties)})`;
  const options = decodeOptions(
    constraint.options,
    keepProvider,
    `schema.constraints.${constraint.name}.options`,
  );
  const withOptions = Object.keys(options).length ? " OPTIONS $options" : "";
  const type = constraint.type;
  let requirement: string;
  if (/PROPERTY_TYPE/.test(type)) {
    const propertyType = constraint.property_type ?? "";
    if (!PROPERTY_TYPE_RE.test(propertyType))
      throw new Error(`invalid property type ${JSON.stringify(propertyType)}`);
    requirement = `${list} IS :: ${propertyType}`;
  } else if (/EXISTENCE/.test(type)) {
    requirement = `${list} IS NOT NULL`;
  } else if (/KEY/.test(type)) {
    requirement = `${list} IS ${constraint.entity_type === "NODE" ? "NODE" : "RELATIONSHIP"} KEY`;
  } else if (/UNIQUE/.test(type)) {
    requirement = `${list} IS UNIQUE`;
  } else {
    throw new Error(`unknown constraint type ${type}`);
  }
  return {
    name: constraint.name,
    kind: "constraint",
    cypher: `CREATE CONSTRAINT ${name} FOR ${target} REQUIRE ${requirement}${/EXISTENCE|PROPERTY_TYPE/.test(type) ? "" : withOptions}`,
    parameters: withOptions && !/EXISTENCE|PROPERTY_TYPE/.test(type) ? { options } : {},
  };
}

/** Kinds that only Enterprise Edition can hold. */
function enterpriseOnly(constraint: ConstraintDefinition): boolean {
  return /EXISTENCE|KEY|PROPERTY_TYPE/.test(constraint.type);
}

/** Plans the schema statements for a target and lists what it cannot hold, before anything is written. */
export function planSchema(
  schema: { indexes: IndexDefinition[]; constraints: ConstraintDefinition[] },
  target: { edition: string; version: string },
  source: { version: string } | undefined,
): { statements: SchemaStatement[]; problems: SchemaProblem[] } {
  const keepProvider = source?.version === target.version;
  const statements: SchemaStatement[] = [];
  const problems: SchemaProblem[] = [];
  for (const constraint of schema.constraints) {
    if (target.edition !== "enterprise" && enterpriseOnly(constraint)) {
      problems.push({
        name: constraint.name,
        kind: "constraint",
        message: `${constraint.type} constraints need Neo4j Enterprise Edition; the target is ${target.edition}`,
      });
      continue;
    }
    try {
      statements.push(constraintStatement(constraint, keepProvider));
    } catch (error) {
      problems.push({ name: constraint.name, kind: "constraint", message: (error as Error).message });
    }
  }
  for (const index of schema.indexes) {
    try {
      statements.push(indexStatement(index, keepProvider));
    } catch (error) {
      problems.push({ name: index.name, kind: "index", message: (error as Error).message });
    }
  }
  return { statements, problems };
}
