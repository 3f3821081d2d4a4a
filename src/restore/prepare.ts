/**
 * Everything a restore checks before its first write: the whole file validated (and fingerprinted
 * for the verification), the schema planned for the target, the kinds of value the target must
 * hold — one value of each kind sent through the target, which must give it back unchanged — and,
 * into an empty database, that the target is empty indeed.
 */
import type { Driver } from "neo4j-driver";
import type { ReadKeys } from "../codec/age.js";
import { BackupError } from "../errors.js";
import type { FileReadOptions } from "../format/reader.js";
import type { BackupMetadata, ConstraintDefinition, IndexDefinition } from "../format/schema.js";
import { planSchema, type SchemaProblem, type SchemaStatement } from "../graph/schema-statements.js";
import { readSchemaNames } from "../graph/schema-write.js";
import { countGraph, type ServerInfo, targetSupportsVectors } from "../graph/server.js";
import type { BackupStorage } from "../storage/contract.js";
import { type ValidationReport, validateBackup } from "../validate/validate-backup.js";
import { valuesTheTargetChanges } from "./probe-target.js";

/** A backup's schema section. */
export type BackupSchema = { indexes: IndexDefinition[]; constraints: ConstraintDefinition[] };

/** A file found good for a target, with what writing it needs. */
export interface PreparedRestore {
  name: string;
  validation: ValidationReport;
  /** The schema section (null for version-1 files, which carry none). */
  schema: BackupSchema | null;
  /** The statements that recreate the schema on this target. */
  statements: SchemaStatement[];
  /** How the file is read, when it is written as when it was validated. */
  read: FileReadOptions;
}

/** What {@link prepareRestore} needs. */
export interface PrepareOptions {
  driver: Driver;
  storage: BackupStorage;
  name: string;
  database?: string;
  /** The target server, as read before. */
  target: ServerInfo;
  /** Also fingerprint the file, for the verification after writing. */
  fingerprint: boolean;
  allowDanglingRelationships?: boolean;
  /** How the file is read. */
  read?: FileReadOptions;
  /** Keys of an encrypted backup. */
  decryption?: ReadKeys;
  signal?: AbortSignal;
  /** Records checked so far, while validating. */
  onValidated?: (seen: { nodes: number; relationships: number }) => void;
}

/**
 * Validates the file and plans the schema for the target; throws before anything is written.
 * @throws BackupError `VALIDATION_FAILED`, `FORMAT`, `UNSUPPORTED_TARGET`.
 */
export async function prepareRestore(options: PrepareOptions): Promise<PreparedRestore> {
  const { name, target } = options;
  const read = options.read ?? {};
  const validation = await validateBackup({
    storage: options.storage,
    name,
    ...read,
    decryption: options.decryption,
    signal: options.signal,
    fingerprint: options.fingerprint,
    sampleValues: true,
    onProgress: options.onValidated,
  });
  assertRestorable(name, validation, options.allowDanglingRelationships === true);
  const metadata = (validation.metadata ?? {}) as Partial<BackupMetadata>;
  const schema = validation.formatVersion === 2 ? (metadata.schema ?? null) : null;
  const plan = schema
    ? planSchema(schema, target, metadata.server)
    : { statements: [], problems: [] as SchemaProblem[] };
  const problems = plan.problems.map((p) => `${p.kind} ${JSON.stringify(p.name)}: ${p.message}`);
  const server = `Neo4j ${target.version}`;
  const samples = validation.valueSamples ?? [];
  problems.push(...(await valuesTheTargetChanges(options.driver, target.database, samples, server)));
  if (validation.usesVectors && !(await targetSupportsVectors(options.driver, target.database))) {
    problems.push(
      `the backup holds VECTOR property values, which this target cannot store: they need Bolt 6 and a database in the block store format (Neo4j ${target.version} ${target.edition})`,
    );
  }
  if (problems.length > 0) {
    throw new BackupError(
      "UNSUPPORTED_TARGET",
      `the target cannot hold this backup: ${problems.join("; ")}; nothing was written`,
      { details: problems },
    );
  }
  return { name, validation, schema, statements: plan.statements, read };
}

/** Throws unless the report allows a restore (dangling relationships only when allowed). */
function assertRestorable(name: string, validation: ValidationReport, allowDangling: boolean): void {
  const errors = validation.problems.filter((p) => p.severity === "error");
  const onlyDangling = errors.length > 0 && errors.every((p) => p.code === "DANGLING_RELATIONSHIP");
  if (!validation.valid && !(onlyDangling && allowDangling && validation.omittedProblems === 0)) {
    const first = errors[0];
    const place = first
      ? [first.location.line ? `line ${first.location.line}` : "", first.location.path]
          .filter(Boolean)
          .join(", ")
      : "";
    const where = first ? ` — first problem: ${first.message}${place ? ` (${place})` : ""}` : "";
    const hint = onlyDangling ? "; pass allowDanglingRelationships to skip those relationships" : "";
    throw new BackupError(
      "VALIDATION_FAILED",
      `backup ${name} fails validation with ${errors.length + validation.omittedProblems} problem(s)${where}${hint}; nothing was written`,
      { details: validation },
    );
  }
  if (validation.relationshipsFirst) {
    throw new BackupError(
      "FORMAT",
      `backup ${name} lists relationships before nodes; a restore streams nodes first — rewrite the file with "nodes" before "relationships"; nothing was written`,
    );
  }
}

/**
 * Refuses a target that holds data, or schema objects named like the backup's.
 * @throws BackupError `TARGET_NOT_EMPTY`.
 */
export async function assertEmptyTarget(
  driver: Driver,
  database: string | undefined,
  statements: readonly SchemaStatement[],
): Promise<void> {
  const current = await countGraph(driver, database);
  if (current.nodes > 0 || current.relationships > 0) {
    throw new BackupError(
      "TARGET_NOT_EMPTY",
      `the target database holds ${current.nodes} nodes and ${current.relationships} relationships; restore into an empty database or use mode "replace"`,
    );
  }
  const existing = await readSchemaNames(driver, database);
  const taken = new Set([
    ...existing.constraints,
    ...existing.indexes.filter((i) => i.type !== "LOOKUP").map((i) => i.name),
  ]);
  const clashes = statements.filter((s) => taken.has(s.name)).map((s) => s.name);
  if (clashes.length) {
    throw new BackupError(
      "TARGET_NOT_EMPTY",
      `the target already has schema objects named ${clashes.map((c) => JSON.stringify(c)).join(", ")}; nothing was written`,
    );
  }
}
