/**
 * The zod schema of a backup file (format version 2, and the original version 1 layout).
 * docs/backup-file.schema.json is generated from it (`npm run schema`).
 */
import { z } from "zod";

/** The text of a `$int` wrapper. */
export const DECIMAL_INTEGER_TEXT = /^-?\d+$/;
/** The text of a `$float` wrapper (and of a point's or vector's coordinate given as text). */
export const FLOAT_TEXT = /^(?:NaN|-?Infinity|-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)$/;
/** The text of a `$bytes` wrapper. */
export const BASE64_TEXT = /^[A-Za-z0-9+/]*={0,2}$/;

const decimalInteger = z.string().regex(DECIMAL_INTEGER_TEXT, "a decimal integer");
const floatText = z.string().regex(FLOAT_TEXT, "a float in text form");
const coordinate = z.union([z.number(), floatText]);

/** Typed wrappers: one key each; see docs/format.md for every form. */
export const typedWrapperSchema = z.union([
  z.strictObject({ $int: decimalInteger }).describe("Integer outside ±(2^53-1)"),
  z
    .strictObject({ $float: floatText })
    .describe("Float that plain JSON cannot carry: integral, -0, NaN, ±Infinity"),
  z.strictObject({ $bytes: z.string().regex(BASE64_TEXT) }).describe("byte array, base64"),
  z.strictObject({ $date: z.string() }).describe("Date: YYYY-MM-DD"),
  z.strictObject({ $time: z.string() }).describe("Time: HH:MM:SS[.nnnnnnnnn]±HH:MM[:SS] or Z"),
  z.strictObject({ $localtime: z.string() }).describe("LocalTime: HH:MM:SS[.nnnnnnnnn]"),
  z.strictObject({ $datetime: z.string() }).describe("DateTime: local date-time, offset and/or [zone id]"),
  z.strictObject({ $localdatetime: z.string() }).describe("LocalDateTime: YYYY-MM-DDTHH:MM:SS[.nnnnnnnnn]"),
  z.strictObject({ $duration: z.string() }).describe("Duration: P<months>M<days>DT<seconds>S"),
  z
    .strictObject({
      $point: z.strictObject({
        srid: z.union([z.literal(7203), z.literal(9157), z.literal(4326), z.literal(4979)]),
        x: coordinate,
        y: coordinate,
        z: coordinate.optional(),
      }),
    })
    .describe("Point: Cartesian (7203, 9157) or WGS-84 (4326, 4979)"),
  z
    .strictObject({
      $vector: z.strictObject({
        type: z.enum(["INT8", "INT16", "INT32", "INT64", "FLOAT32", "FLOAT64"]),
        values: z.array(coordinate),
      }),
    })
    .describe("Vector of the given element type; INT64 values as decimal strings"),
]);

const scalarValue = z.union([z.string(), z.number(), z.boolean(), typedWrapperSchema]);

/** A property value: a scalar or a homogeneous list of scalars (lists never nest). */
export const propertyValueSchema = z.union([scalarValue, z.array(scalarValue)]);

/** Record identifiers: non-negative integers (as written here) or non-empty strings. */
export const recordIdSchema = z.union([z.number().int().nonnegative(), z.string().min(1)]);

/** A node record. */
export const nodeRecordSchema = z.strictObject({
  _id: recordIdSchema,
  _labels: z.array(z.string().min(1)),
  properties: z.record(z.string(), propertyValueSchema),
});

/** A relationship record. */
export const relationshipRecordSchema = z.strictObject({
  _id: recordIdSchema,
  _type: z.string().min(1),
  _start_id: recordIdSchema,
  _end_id: recordIdSchema,
  properties: z.record(z.string(), propertyValueSchema),
});

/** An index as exported from `SHOW INDEXES`, without the indexes that back constraints. */
export const indexSchema = z.object({
  name: z.string().min(1),
  type: z.string().min(1),
  entity_type: z.enum(["NODE", "RELATIONSHIP"]),
  labels_or_types: z.array(z.string()).nullable(),
  properties: z.array(z.string()).nullable(),
  options: z.record(z.string(), z.unknown()),
  create_statement: z.string().nullable(),
});

/** A constraint as exported from `SHOW CONSTRAINTS`. */
export const constraintSchema = z.object({
  name: z.string().min(1),
  type: z.string().min(1),
  entity_type: z.enum(["NODE", "RELATIONSHIP"]),
  labels_or_types: z.array(z.string()),
  properties: z.array(z.string()),
  property_type: z.string().nullable(),
  options: z.record(z.string(), z.unknown()).nullable(),
  create_statement: z.string().nullable(),
});

const timestampSchema = z.string().regex(/^\d{8}_\d{6}$/, "YYYYMMDD_HHMMSS");

/** Metadata of a format-2 file; written first, on the file's first line. */
export const metadataSchema = z.object({
  format: z.literal("neo4j-backup"),
  format_version: z.literal(2),
  timestamp: timestampSchema,
  datetime: z.string().min(1),
  reason: z.string(),
  node_count: z.number().int().nonnegative(),
  relationship_count: z.number().int().nonnegative(),
  version: z.string().min(1),
  backup_type: z.literal("full"),
  source: z.string(),
  database: z.string().min(1),
  /**
   * The series the backup was made in (`nightly`, `pre-deploy`, …): retention keeps series apart.
   * Absent when it was made without one (and in files written before series existed).
   */
  series: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, "1 to 64 letters, digits, _ and -")
    .optional(),
  /**
   * Which database on which server this is (absent in files written before it was recorded): the id
   * and creation date of `db.info()`, and the server's address as the driver saw it.
   */
  database_identity: z
    .object({
      id: z.string().min(1),
      created: z.string().nullable(),
      address: z.string(),
    })
    .optional(),
  server: z.object({
    version: z.string(),
    edition: z.string(),
  }),
  started_at: z.string(),
  finished_at: z.string(),
  duration_ms: z.number().nonnegative(),
  consistency: z.object({
    changed_during_backup: z.boolean(),
    detection: z.enum(["bookmark", "counts"]),
    skipped_relationships: z.number().int().nonnegative(),
  }),
  schema: z.object({
    indexes: z.array(indexSchema),
    constraints: z.array(constraintSchema),
  }),
});

const sha256Text = z.string().regex(/^sha256:[0-9a-f]{64}$/);

/**
 * Statistics of a format-2 file; written last. No other fields: a damaged field name must not pass
 * for a file written before `metadata_checksum` existed.
 */
export const statisticsSchema = z.strictObject({
  node_count: z.number().int().nonnegative(),
  relationship_count: z.number().int().nonnegative(),
  label_counts: z.record(z.string(), z.number().int().nonnegative()),
  relationship_type_counts: z.record(z.string(), z.number().int().nonnegative()),
  checksum: sha256Text.describe("content checksum over the canonical record lines"),
  metadata_checksum: sha256Text
    .optional()
    .describe("checksum of the metadata object's canonical JSON; absent in files written before it existed"),
});

/** Metadata of an original (version 1) file: the original design's fields. */
export const metadataV1Schema = z.looseObject({
  timestamp: z.string().optional(),
  datetime: z.string().optional(),
  reason: z.string().optional(),
  node_count: z.number().int().nonnegative(),
  relationship_count: z.number().int().nonnegative(),
  version: z.string().optional(),
  backup_type: z.string().optional(),
  source: z.string().optional(),
});

/** Statistics of a version-1 file. */
export const statisticsV1Schema = z.looseObject({
  node_count: z.number().int().nonnegative().optional(),
  relationship_count: z.number().int().nonnegative().optional(),
  label_counts: z.record(z.string(), z.number()).optional(),
});

/** A version-1 node: properties flattened beside `_labels` and `_id`, untyped values. */
export const nodeRecordV1Schema = z.looseObject({
  _id: recordIdSchema,
  _labels: z.array(z.string().min(1)),
});

/** A version-1 relationship: properties flattened beside `_type`, `_id`, `_start_id`, `_end_id`. */
export const relationshipRecordV1Schema = z.looseObject({
  _id: recordIdSchema,
  _type: z.string().min(1),
  _start_id: recordIdSchema,
  _end_id: recordIdSchema,
});

/** The whole format-2 document, for JSON Schema export and documentation. */
export const backupFileSchema = z.object({
  metadata: metadataSchema,
  data: z.object({
    nodes: z.array(nodeRecordSchema),
    relationships: z.array(relationshipRecordSchema),
    statistics: statisticsSchema,
  }),
});

/** Parsed format-2 metadata. */
export type BackupMetadata = z.infer<typeof metadataSchema>;
/** Parsed format-2 statistics. */
export type BackupStatistics = z.infer<typeof statisticsSchema>;
/** An exported index definition. */
export type IndexDefinition = z.infer<typeof indexSchema>;
/** An exported constraint definition. */
export type ConstraintDefinition = z.infer<typeof constraintSchema>;
