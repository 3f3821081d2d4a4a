/**
 * verifyBackup: compares a live database with a backup — counts per label and type, the schema,
 * and a content fingerprint that does not depend on internal ids.
 */
import type { Driver } from "neo4j-driver";
import type { DecryptionOptions, ReadKeys } from "../codec/age.js";
import { openBackupBytes } from "../codec/open.js";
import { BackupError, classifyDriverError } from "../errors.js";
import { type Fingerprint, FingerprintBuilder } from "../format/fingerprint.js";
import { decodeRecordProperties } from "../format/properties.js";
import {
  type FileReadOptions,
  fileReadOptions,
  type ReadOptions,
  readBackupEvents,
} from "../format/reader.js";
import { canonicalValue } from "../format/records.js";
import type { ConstraintDefinition, IndexDefinition } from "../format/schema.js";
import { type EncodedValue, encodeProperties } from "../format/values.js";
import { fingerprintOnWorkers } from "../graph/parallel-fingerprint.js";
import type { ParallelReadOptions } from "../graph/parallel-read.js";
import { readWholeGraph } from "../graph/read-graph.js";
import { readSchema } from "../graph/schema-read.js";
import type { Logger } from "../logger.js";
import type { BackupStorage } from "../storage/contract.js";
import { locateDifference, type RecordDifference } from "./locate.js";

export type { RecordDifference } from "./locate.js";

/** Options of {@link verifyBackup}. */
export interface VerifyBackupOptions extends FileReadOptions {
  driver: Driver;
  storage: BackupStorage;
  /** The backup to compare with. */
  name: string;
  /** Database to compare; default the home database. */
  database?: string;
  /** Identities or the passphrase of an encrypted backup. */
  decryption?: DecryptionOptions;
  /** Cancels the comparison. */
  signal?: AbortSignal;
  /**
   * Read the database on worker threads, each with a driver of its own (as createBackup's
   * `parallel`, docs/api.md#parallel-backups); the same result.
   */
  parallel?: ParallelReadOptions;
  /** A pino-compatible logger; default silent. */
  logger?: Logger;
}

/** What {@link verifyBackup} found. */
export interface VerifyResult {
  /** True when counts, schema and content fingerprint all match. */
  equal: boolean;
  /** The first differences, in words (at most 20). */
  differences: string[];
  /** Fingerprint of the backup file. */
  backup: Fingerprint;
  /** Fingerprint of the live database. */
  database: Fingerprint;
  /** Whether the schema was compared (version-1 files carry none). */
  schemaCompared: boolean;
  /**
   * When the content differs: the first record of the file the database does not hold (its line,
   * path, `_id` and first differing property), or else the first database record the file lacks.
   * Its description is the last of `differences`.
   */
  firstDifference?: RecordDifference;
}

type Schema = { indexes: IndexDefinition[]; constraints: ConstraintDefinition[] };

/** How a live database is read for its fingerprint: on worker threads, and where that is said. */
export interface FingerprintReading {
  parallel?: ParallelReadOptions;
  logger?: Logger;
  signal?: AbortSignal;
}

/**
 * Fingerprints a live database in one read transaction, or with `reading.parallel` on worker
 * threads (one read transaction each; the same fingerprint).
 */
export async function fingerprintDatabase(
  driver: Driver,
  database?: string,
  reading: FingerprintReading = {},
): Promise<Fingerprint> {
  if (reading.parallel) {
    const log =
      reading.logger && ((fields: object, message: string) => reading.logger!.info(fields, message));
    const fingerprint = await fingerprintOnWorkers(driver, database, reading.parallel, log, reading.signal);
    if (fingerprint) return fingerprint;
  }
  const builder = new FingerprintBuilder();
  await readWholeGraph(driver, {
    database,
    onNode: (n) => builder.addNode(n.id, n.labels, encodeProperties(n.properties)),
    onRelationship: (r) => builder.addRelationship(r.type, r.start, r.end, encodeProperties(r.properties)),
  });
  return builder.result();
}

/** Fingerprints a stored backup; also returns its schema section (null for version-1 files). */
export async function fingerprintBackup(
  storage: BackupStorage,
  name: string,
  read: ReadOptions = {},
  decryption?: ReadKeys,
): Promise<{ fingerprint: Fingerprint; schema: Schema | null }> {
  const builder = new FingerprintBuilder();
  let version: 1 | 2 = 2;
  let schema: Schema | null = null;
  /** Whether a relationship came before any node (then the nodes that follow cannot be used). */
  let relationshipsFirst = false;
  for await (const event of readBackupEvents(await openBackupBytes(storage, name, decryption), read)) {
    if (event.kind === "metadata") {
      const m = event.value as Record<string, unknown>;
      version = m.format_version === undefined ? 1 : 2;
      schema = version === 2 ? ((m.schema as Schema | undefined) ?? null) : null;
    } else if (event.kind === "node") {
      if (relationshipsFirst) throw relationshipsFirstError(name);
      const r = event.value as {
        _id: number | string;
        _labels: string[];
        properties?: Record<string, unknown>;
      };
      builder.addNode(
        r._id,
        r._labels,
        normalise(version, r as Record<string, unknown>, event.location.path),
      );
    } else if (event.kind === "relationship") {
      if (builder.nodeCount === 0) relationshipsFirst = true;
      const r = event.value as { _type: string; _start_id: number | string; _end_id: number | string };
      builder.addRelationship(
        r._type,
        r._start_id,
        r._end_id,
        normalise(version, r as Record<string, unknown>, event.location.path),
      );
    }
  }
  return { fingerprint: builder.result(), schema };
}

/** A file whose relationships come before its nodes cannot be fingerprinted as it streams. */
function relationshipsFirstError(name: string): BackupError {
  return new BackupError(
    "FORMAT",
    `backup ${name} lists relationships before nodes; a relationship's fingerprint needs its end nodes — rewrite the file with "nodes" before "relationships"`,
  );
}

/** Re-encodes a record's properties so that files and databases compare on one canonical form. */
function normalise(
  version: 1 | 2,
  record: Record<string, unknown>,
  path: string,
): Record<string, EncodedValue> {
  return encodeProperties(decodeRecordProperties(version, record, path).properties);
}

function constraintKind(c: ConstraintDefinition): string {
  if (/PROPERTY_TYPE/.test(c.type)) return `type ${c.property_type}`;
  if (/EXISTENCE/.test(c.type)) return "exists";
  if (/KEY/.test(c.type)) return "key";
  return "unique";
}

/** The names of schema objects mapped to the keys of their `indexConfig`. */
type ConfigKeys = Map<string, string[]>;

function configsByName(schema: Schema): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const i of schema.indexes) out.set(`index ${JSON.stringify(i.name)}`, indexConfig(i.options));
  for (const c of schema.constraints) out.set(`constraint ${JSON.stringify(c.name)}`, indexConfig(c.options));
  return out;
}

/**
 * The configuration keys compared, per schema object: those both sides have. A newer server adds
 * settings with their defaults, and renames some (5.26's `vector.quantization.enabled` is
 * `vector.quantization.type` in calendar releases); a setting the database does not report is
 * one it does not know, not a difference.
 */
function sharedConfigKeys(backup: Schema, database: Schema): ConfigKeys {
  const live = configsByName(database);
  const out: ConfigKeys = new Map();
  for (const [name, config] of configsByName(backup)) {
    const other = live.get(name) ?? {};
    out.set(
      name,
      Object.keys(config).filter((key) => Object.hasOwn(other, key)),
    );
  }
  return out;
}

function indexConfig(options: unknown): Record<string, unknown> {
  const config = (options as { indexConfig?: unknown } | null | undefined)?.indexConfig;
  return config !== null && typeof config === "object" ? (config as Record<string, unknown>) : {};
}

/** The index configuration of a schema object, limited to `keys` (see sharedConfigKeys); canonical. */
function configSignature(options: unknown, keys: readonly string[] | undefined): unknown {
  const config = indexConfig(options);
  const out: Record<string, unknown> = {};
  for (const key of keys ?? Object.keys(config)) out[key] = config[key] ?? null;
  return canonicalValue(out);
}

/**
 * What is compared of every index and constraint, by name: kind, entity type, labels or types,
 * properties, and the index configuration (`keys`: the configuration keys compared, per name).
 */
function schemaSignatures(schema: Schema, keys?: ConfigKeys): Map<string, string> {
  const out = new Map<string, string>();
  for (const i of schema.indexes) {
    const key = `index ${JSON.stringify(i.name)}`;
    out.set(
      key,
      JSON.stringify([
        i.type,
        i.entity_type,
        i.labels_or_types,
        i.properties,
        configSignature(i.options, keys?.get(key)),
      ]),
    );
  }
  for (const c of schema.constraints) {
    const key = `constraint ${JSON.stringify(c.name)}`;
    out.set(
      key,
      JSON.stringify([
        constraintKind(c),
        c.entity_type,
        c.labels_or_types,
        c.properties,
        configSignature(c.options, keys?.get(key)),
      ]),
    );
  }
  return out;
}

function compareRecords(
  what: string,
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  out: string[],
): void {
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (a[key] !== b[key])
      out.push(
        `${what} ${JSON.stringify(key)}: backup ${String(a[key] ?? 0)}, database ${String(b[key] ?? 0)}`,
      );
  }
}

/** Compares two fingerprints and schemas; returns the differences in words. */
export function compareFingerprints(
  backup: Fingerprint,
  database: Fingerprint,
  backupSchema: Schema | null,
  databaseSchema: Schema | null,
): string[] {
  const out: string[] = [];
  if (backup.nodes !== database.nodes)
    out.push(`node count: backup ${backup.nodes}, database ${database.nodes}`);
  if (backup.relationships !== database.relationships) {
    out.push(`relationship count: backup ${backup.relationships}, database ${database.relationships}`);
  }
  compareRecords("nodes with label", backup.labelCounts, database.labelCounts, out);
  compareRecords("relationships of type", backup.typeCounts, database.typeCounts, out);
  if (backupSchema && databaseSchema) {
    const keys = sharedConfigKeys(backupSchema, databaseSchema);
    const a = schemaSignatures(backupSchema, keys);
    const b = schemaSignatures(databaseSchema, keys);
    for (const [key, sig] of a) {
      if (!b.has(key)) out.push(`${key} is missing from the database`);
      else if (b.get(key) !== sig) out.push(`${key} differs: backup ${sig}, database ${b.get(key)}`);
    }
    for (const key of b.keys()) if (!a.has(key)) out.push(`${key} is in the database but not in the backup`);
  }
  if (backup.total !== database.total) {
    const before = out.length;
    for (const label of new Set([...Object.keys(backup.byLabel), ...Object.keys(database.byLabel)])) {
      if (backup.byLabel[label] !== database.byLabel[label]) {
        out.push(
          `content of nodes ${label === "" ? "without labels" : `with label ${JSON.stringify(label)}`} differs`,
        );
      }
    }
    for (const type of new Set([...Object.keys(backup.byType), ...Object.keys(database.byType)])) {
      if (backup.byType[type] !== database.byType[type])
        out.push(`content of relationships of type ${JSON.stringify(type)} differs`);
    }
    if (out.length === before) out.push("content fingerprint differs");
  }
  return out.slice(0, 20);
}

/**
 * Compares a live database with a backup already fingerprinted (e.g. during validation): reads the
 * database once.
 */
export async function compareWithDatabase(
  driver: Driver,
  database: string | undefined,
  backup: Fingerprint,
  backupSchema: Schema | null,
  reading: FingerprintReading = {},
): Promise<VerifyResult> {
  const live = await fingerprintDatabase(driver, database, reading);
  const liveSchema = backupSchema ? await readSchema(driver, database) : null;
  const differences = compareFingerprints(backup, live, backupSchema, liveSchema);
  return {
    equal: differences.length === 0,
    differences,
    backup,
    database: live,
    schemaCompared: backupSchema !== null,
  };
}

/**
 * Adds the first differing record to a result whose content differs (reading the file and the
 * database once more); a result that is equal, or differs only in its schema, is returned as it is.
 */
export async function withFirstDifference(
  result: VerifyResult,
  driver: Driver,
  database: string | undefined,
  storage: BackupStorage,
  name: string,
  read: ReadOptions,
  decryption?: ReadKeys,
): Promise<VerifyResult> {
  if (result.backup.total === result.database.total) return result;
  const first = await locateDifference(driver, database, storage, name, read, decryption);
  if (!first) return result;
  return { ...result, differences: [...result.differences, first.description], firstDifference: first };
}

/**
 * Compares a live database with a backup: counts per label and relationship type, the schema (for
 * format-2 files), and the content fingerprint; when the content differs, the first differing
 * record and property.
 *
 * @throws BackupError with `NOT_FOUND`, `CONNECTION`, `AUTHENTICATION`, `FORMAT` (an unreadable file, or
 *   one that lists its relationships before its nodes),
 *   `CORRUPT` (a damaged compressed or encrypted layer), `KEY_REQUIRED` or `DECRYPTION_FAILED`.
 */
export async function verifyBackup(options: VerifyBackupOptions): Promise<VerifyResult> {
  const { driver, storage, name, database } = options;
  const read = fileReadOptions(options);
  try {
    const decryption = options.decryption as ReadKeys | undefined;
    const file = await fingerprintBackup(storage, name, read, decryption);
    const result = await compareWithDatabase(driver, database, file.fingerprint, file.schema, {
      parallel: options.parallel,
      logger: options.logger,
      signal: options.signal,
    });
    return await withFirstDifference(result, driver, database, storage, name, read, decryption);
  } catch (error) {
    if (error instanceof BackupError) throw error;
    if ((error as Error).name === "BackupFormatError" || (error as Error).name === "ValueCodecError") {
      throw new BackupError("FORMAT", `backup ${name} cannot be read: ${(error as Error).message}`, {
        cause: error,
      });
    }
    throw classifyDriverError(error, "verify");
  }
}
