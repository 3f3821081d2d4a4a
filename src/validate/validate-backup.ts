/**
 * validateBackup: streams through a backup file and reports every problem with its location.
 * It throws only when the storage itself fails; bad content always ends up in the report.
 */
import { isVector } from "neo4j-driver";
import type { z } from "zod";
import { BackupError } from "../errors.js";
import { IdSet } from "../format/id-set.js";
import { type BackupEvent, BackupFormatError, type Location, readBackupEvents } from "../format/reader.js";
import {
  ContentChecksum,
  canonicalNodeLine,
  canonicalRelationshipLine,
  type NodeRecord,
  type RelationshipRecord,
} from "../format/records.js";
import {
  metadataSchema,
  metadataV1Schema,
  nodeRecordSchema,
  nodeRecordV1Schema,
  relationshipRecordSchema,
  relationshipRecordV1Schema,
  statisticsSchema,
  statisticsV1Schema,
} from "../format/schema.js";
import { decodeV1Properties } from "../format/v1.js";
import {
  decodeProperties,
  decodeValue,
  type EncodedValue,
  encodeProperties,
  ValueCodecError,
} from "../format/values.js";
import type { BackupStorage } from "../storage/contract.js";
import { type Fingerprint, FingerprintBuilder } from "../verify/fingerprint.js";
import { isWellFormedNode, isWellFormedRelationship } from "./quick-check.js";

/** One problem found in a file. */
export interface ValidationProblem {
  /** `error` makes the file invalid; `warning` is informational (e.g. a v1 value read best-effort). */
  severity: "error" | "warning";
  /** Stable code, e.g. `SCHEMA`, `DUPLICATE_ID`, `DANGLING_RELATIONSHIP`, `COUNT_MISMATCH`, `CHECKSUM`. */
  code: string;
  /** What is wrong, in words. */
  message: string;
  /** Where: line (when known) and path such as `data.nodes[12].properties.age`. */
  location: Location;
}

/** The result of {@link validateBackup}. */
export interface ValidationReport {
  /** True when no problem of severity `error` was found. */
  valid: boolean;
  /** 2 for files of this library, 1 for the original layout, null when unknown. */
  formatVersion: 1 | 2 | null;
  /** How the file was read: line by line (this library's layout) or by the general parser. */
  layout: "lines" | "general" | null;
  /** The metadata object as found in the file (unvalidated when invalid). */
  metadata: Record<string, unknown> | null;
  /** Records actually present. */
  nodeCount: number;
  /** Relationships actually present. */
  relationshipCount: number;
  /** Nodes per label, as counted. */
  labelCounts: Record<string, number>;
  /** Relationships per type, as counted. */
  relationshipTypeCounts: Record<string, number>;
  /** Relationships whose start or end node is not in the file. */
  danglingRelationships: number;
  /** True when the relationship array comes before the node array (readable, but not restorable as it streams). */
  relationshipsFirst: boolean;
  /** Whether any property holds a VECTOR value (the target must support them). */
  usesVectors: boolean;
  /** The checksum computed over the content (format 2 only). */
  checksum: string | null;
  /** The content fingerprint of the file, when asked for with `fingerprint: true` (see verifyBackup). */
  fingerprint?: Fingerprint;
  /** Problems, at most `maxProblems` of them. */
  problems: ValidationProblem[];
  /** How many further problems were found but not listed. */
  omittedProblems: number;
}

/** Options of {@link validateBackup}: a named backup in a storage, or a byte stream. */
export type ValidateBackupOptions = (
  | { storage: BackupStorage; name: string; source?: undefined }
  | { source: AsyncIterable<Uint8Array | string>; storage?: undefined; name?: undefined }
) & {
  /** How many problems to list before only counting them; default 100. */
  maxProblems?: number;
  /** Also compute the content fingerprint of the file (restoreBackup uses it to verify without a re-read). */
  fingerprint?: boolean;
  /** Cancels the validation. */
  signal?: AbortSignal;
  /** Called every `progressEvery` records with the records seen so far. */
  onProgress?: (progress: { nodes: number; relationships: number }) => void;
};

type Version = 1 | 2;

class ReportBuilder {
  readonly report: ValidationReport = {
    valid: true,
    formatVersion: null,
    layout: null,
    metadata: null,
    nodeCount: 0,
    relationshipCount: 0,
    labelCounts: {},
    relationshipTypeCounts: {},
    danglingRelationships: 0,
    usesVectors: false,
    relationshipsFirst: false,
    checksum: null,
    problems: [],
    omittedProblems: 0,
  };
  constructor(private readonly maxProblems: number) {}

  add(severity: "error" | "warning", code: string, message: string, location: Location): void {
    if (severity === "error") this.report.valid = false;
    if (this.report.problems.length < this.maxProblems) {
      this.report.problems.push({ severity, code, message, location });
    } else {
      this.report.omittedProblems++;
    }
  }

  zod(error: z.ZodError, location: Location, value?: unknown): void {
    for (const issue of error.issues.slice(0, 5)) {
      const sub = issue.path.length ? `${location.path}.${issue.path.join(".")}` : location.path;
      this.add("error", "SCHEMA", explainIssue(issue, value), { ...location, path: sub });
    }
  }
}

/** A property value that fails the schema is explained by the value codec, which says what is wrong. */
function explainIssue(issue: z.core.$ZodIssue, value: unknown): string {
  const [field, key] = issue.path;
  if (field !== "properties" || typeof key !== "string" || value === null || typeof value !== "object") {
    return issue.message;
  }
  const properties = (value as { properties?: unknown }).properties;
  if (!properties || typeof properties !== "object") return issue.message;
  try {
    decodeValue((properties as Record<string, unknown>)[key] as EncodedValue, key);
  } catch (error) {
    if (error instanceof ValueCodecError) return error.message;
  }
  return issue.message;
}

function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/**
 * Validates a backup file record by record: structure (zod schema), exact value encoding, duplicate
 * ids, referential integrity, counts against metadata and statistics, and the content checksum.
 * Accepts files of this library (format 2) and of the original design (format 1).
 *
 * @returns a report; it lists problems rather than throwing.
 * @throws BackupError with code NOT_FOUND or STORAGE when the file cannot be read at all.
 */
export async function validateBackup(options: ValidateBackupOptions): Promise<ValidationReport> {
  const builder = new ReportBuilder(options.maxProblems ?? 100);
  const report = builder.report;
  const source = options.source ?? (await options.storage.read(options.name));
  const nodeIds = new IdSet();
  const relIds = new IdSet();
  const pendingEndpoints: { id: string | number; location: Location }[] = [];
  const checksum = new ContentChecksum();
  const fingerprint = options.fingerprint ? new FingerprintBuilder() : undefined;
  let version: Version | null = null;
  let metadata: Record<string, unknown> | null = null;
  let statistics: Record<string, unknown> | null = null;
  let sawNodesSection = false;
  let relationshipsBeforeNodesEnded = false;

  const inferVersion = (record: unknown): Version =>
    record !== null && typeof record === "object" && "properties" in record ? 2 : 1;

  const handle = (event: BackupEvent): void => {
    switch (event.kind) {
      case "metadata": {
        const value = event.value;
        metadata = value !== null && typeof value === "object" ? (value as Record<string, unknown>) : null;
        report.metadata = metadata;
        const formatVersion = metadata?.format_version;
        if (formatVersion === undefined) version = 1;
        else if (formatVersion === 2) version = 2;
        else {
          builder.add(
            "error",
            "FORMAT_VERSION",
            `unsupported format_version ${JSON.stringify(formatVersion)}`,
            event.location,
          );
          version = 2;
        }
        report.formatVersion = version;
        const parsed = (version === 2 ? metadataSchema : metadataV1Schema).safeParse(value);
        if (!parsed.success) builder.zod(parsed.error, event.location, event.value);
        break;
      }
      case "node": {
        sawNodesSection = true;
        report.nodeCount++;
        const v = version ?? inferVersion(event.value);
        const record = checkedRecord<NodeRecord>(
          event,
          v === 2 && isWellFormedNode(event.value),
          v === 2 ? nodeRecordSchema : nodeRecordV1Schema,
          builder,
        );
        if (!record) return;
        if (!nodeIds.add(record._id)) {
          builder.add(
            "error",
            "DUPLICATE_ID",
            `duplicate node _id ${JSON.stringify(record._id)}`,
            event.location,
          );
        }
        for (const label of record._labels) increment(report.labelCounts, label);
        const nodeProps = checkProperties(v, record, event.location, builder);
        if (v === 2) checksum.addNode(canonicalNodeLine(record));
        if (fingerprint && nodeProps)
          fingerprint.addNode(record._id, record._labels, encodeProperties(nodeProps));
        break;
      }
      case "relationship": {
        if (!sawNodesSection) {
          relationshipsBeforeNodesEnded = true;
          report.relationshipsFirst = true;
        }
        report.relationshipCount++;
        const v = version ?? inferVersion(event.value);
        const record = checkedRecord<RelationshipRecord>(
          event,
          v === 2 && isWellFormedRelationship(event.value),
          v === 2 ? relationshipRecordSchema : relationshipRecordV1Schema,
          builder,
        );
        if (!record) return;
        if (!relIds.add(record._id)) {
          builder.add(
            "error",
            "DUPLICATE_ID",
            `duplicate relationship _id ${JSON.stringify(record._id)}`,
            event.location,
          );
        }
        increment(report.relationshipTypeCounts, record._type);
        for (const end of [record._start_id, record._end_id]) {
          if (nodeIds.has(end)) continue;
          if (relationshipsBeforeNodesEnded) pendingEndpoints.push({ id: end, location: event.location });
          else danglingProblem(builder, end, event.location);
        }
        const relProps = checkProperties(v, record, event.location, builder);
        if (v === 2) checksum.addRelationship(canonicalRelationshipLine(record));
        // dangling relationships are never restored, so they are not part of the content
        if (fingerprint && relProps && nodeIds.has(record._start_id) && nodeIds.has(record._end_id)) {
          fingerprint.addRelationship(
            record._type,
            record._start_id,
            record._end_id,
            encodeProperties(relProps),
          );
        }
        break;
      }
      case "statistics": {
        statistics =
          event.value !== null && typeof event.value === "object"
            ? (event.value as Record<string, unknown>)
            : null;
        const parsed = ((version ?? 2) === 2 ? statisticsSchema : statisticsV1Schema).safeParse(event.value);
        if (!parsed.success) builder.zod(parsed.error, event.location, event.value);
        break;
      }
      case "end":
        report.layout = event.layout;
        break;
    }
  };

  let progressCounter = 0;
  try {
    for await (const event of readBackupEvents(source, { signal: options.signal })) {
      handle(event);
      if (
        options.onProgress &&
        (event.kind === "node" || event.kind === "relationship") &&
        ++progressCounter % 10000 === 0
      ) {
        options.onProgress({ nodes: report.nodeCount, relationships: report.relationshipCount });
      }
    }
  } catch (error) {
    if (error instanceof BackupFormatError) {
      builder.add("error", "SYNTAX", error.message, error.location);
      return report;
    }
    if (options.signal?.aborted) throw new BackupError("ABORTED", "validation was aborted", { cause: error });
    if (error instanceof BackupError) throw error;
    throw new BackupError("STORAGE", `reading the backup failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  options.onProgress?.({ nodes: report.nodeCount, relationships: report.relationshipCount });
  if (fingerprint) report.fingerprint = fingerprint.result();

  for (const pending of pendingEndpoints) {
    if (!nodeIds.has(pending.id)) danglingProblem(builder, pending.id, pending.location);
  }

  const documentLocation = { path: "document" };
  if (metadata === null)
    builder.add("error", "MISSING_SECTION", "the metadata section is missing", documentLocation);
  if (statistics === null && version === 2) {
    builder.add("error", "MISSING_SECTION", "the statistics section is missing", { path: "data.statistics" });
  }
  const meta = metadata as Record<string, unknown> | null;
  if (meta) {
    compareCount(builder, meta.node_count, report.nodeCount, "metadata.node_count", "nodes");
    compareCount(
      builder,
      meta.relationship_count,
      report.relationshipCount,
      "metadata.relationship_count",
      "relationships",
    );
  }
  const stats = statistics as Record<string, unknown> | null;
  if (stats) {
    if (stats.node_count !== undefined) {
      compareCount(builder, stats.node_count, report.nodeCount, "data.statistics.node_count", "nodes");
    }
    if (stats.relationship_count !== undefined) {
      compareCount(
        builder,
        stats.relationship_count,
        report.relationshipCount,
        "data.statistics.relationship_count",
        "relationships",
      );
    }
    compareCounts(builder, stats.label_counts, report.labelCounts, "data.statistics.label_counts");
    compareCounts(
      builder,
      stats.relationship_type_counts,
      report.relationshipTypeCounts,
      "data.statistics.relationship_type_counts",
    );
  }
  if (version === 2) {
    report.checksum = checksum.digest();
    if (stats && typeof stats.checksum === "string" && stats.checksum !== report.checksum) {
      builder.add(
        "error",
        "CHECKSUM",
        `content checksum ${report.checksum} does not match the recorded ${stats.checksum}`,
        {
          path: "data.statistics.checksum",
        },
      );
    }
  }
  return report;
}

/**
 * A record that passed the quick check as it is, or else what the schema makes of it; a record the
 * schema refuses is reported and `undefined` returned.
 */
function checkedRecord<T>(
  event: { value: unknown; location: Location },
  wellFormed: boolean,
  schema: z.ZodType,
  builder: ReportBuilder,
): (T & Record<string, unknown>) | undefined {
  if (wellFormed) return event.value as T & Record<string, unknown>;
  const parsed = schema.safeParse(event.value);
  if (parsed.success) return parsed.data as T & Record<string, unknown>;
  builder.zod(parsed.error, event.location, event.value);
  return undefined;
}

function danglingProblem(builder: ReportBuilder, id: string | number, location: Location): void {
  builder.report.danglingRelationships++;
  builder.add(
    "error",
    "DANGLING_RELATIONSHIP",
    `relationship refers to node _id ${JSON.stringify(id)} which is not in the file`,
    location,
  );
}

function checkProperties(
  version: Version,
  record: Record<string, unknown>,
  location: Location,
  builder: ReportBuilder,
): Record<string, unknown> | undefined {
  try {
    if (version === 2) {
      const decoded = decodeProperties(
        record.properties as Record<string, unknown>,
        `${location.path}.properties`,
      );
      if (!builder.report.usesVectors) {
        for (const key in decoded) if (isVector(decoded[key])) builder.report.usesVectors = true;
      }
      return decoded;
    } else {
      if ("properties" in record && typeof record.properties === "object" && record.properties !== null) {
        builder.add(
          "error",
          "V1_AMBIGUOUS",
          "a v1 record with an object under `properties` is ambiguous",
          location,
        );
        return undefined;
      }
      const { properties, dropped } = decodeV1Properties(record, location.path);
      for (const key of dropped) {
        builder.add(
          "warning",
          "V1_NULL",
          `property ${JSON.stringify(key)} is null and will be skipped`,
          location,
        );
      }
      return properties;
    }
  } catch (error) {
    if (error instanceof ValueCodecError) {
      builder.add("error", "VALUE", error.message, { ...location, path: error.path });
      return undefined;
    }
    throw error;
  }
}

function compareCount(
  builder: ReportBuilder,
  recorded: unknown,
  actual: number,
  path: string,
  what: string,
): void {
  if (typeof recorded === "number" && recorded !== actual) {
    builder.add("error", "COUNT_MISMATCH", `${path} says ${recorded} but the file holds ${actual} ${what}`, {
      path,
    });
  }
}

function compareCounts(
  builder: ReportBuilder,
  recorded: unknown,
  actual: Record<string, number>,
  path: string,
): void {
  if (recorded === undefined || recorded === null || typeof recorded !== "object") return;
  const rec = recorded as Record<string, unknown>;
  for (const key of new Set([...Object.keys(rec), ...Object.keys(actual)])) {
    const r = rec[key] ?? 0;
    const a = actual[key] ?? 0;
    if (r !== a) {
      builder.add(
        "error",
        "COUNT_MISMATCH",
        `${path} says ${JSON.stringify(key)}: ${String(r)} but the file holds ${a}`,
        {
          path: `${path}.${key}`,
        },
      );
    }
  }
}
