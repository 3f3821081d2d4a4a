/**
 * validateBackup: streams through a backup file and reports every problem with its location.
 * It throws only when the storage itself fails; bad content always ends up in the report.
 */
import type { DecryptionOptions, ReadKeys } from "../codec/age.js";
import { openBackupBytes } from "../codec/open.js";
import { BackupError } from "../errors.js";
import { FingerprintBuilder } from "../format/fingerprint.js";
import { IdSet } from "../format/id-set.js";
import {
  type BackupEvent,
  BackupFormatError,
  type FileReadOptions,
  fileReadOptions,
  type Location,
  readBackupEvents,
} from "../format/reader.js";

/** An event of the reader that carries a value: metadata, a record, or the statistics. */
type ValueEvent = Extract<BackupEvent, { value: unknown }>;

import {
  ContentChecksum,
  canonicalNodeLine,
  canonicalRelationshipLine,
  metadataChecksum,
  type NodeRecord,
  type RecordId,
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
import { ValueSampler } from "../format/value-kinds.js";
import { type EncodedValue, encodeProperties } from "../format/values.js";
import type { BackupStorage } from "../storage/contract.js";
import { isWellFormedNode, isWellFormedRelationship } from "./quick-check.js";
import {
  checkedRecord,
  checkProperties,
  compareCount,
  compareCounts,
  danglingProblem,
} from "./record-checks.js";
import { ReportBuilder, type ValidationReport } from "./report.js";

export type { FileReadOptions } from "../format/reader.js";
export type { ValidationProblem, ValidationReport } from "./report.js";

/** Options of {@link validateBackup}: a named backup in a storage, or a byte stream. */
export type ValidateBackupOptions = (
  | { storage: BackupStorage; name: string; source?: undefined }
  | { source: AsyncIterable<Uint8Array | string>; storage?: undefined; name?: undefined }
) & {
  /** How many problems to list before only counting them; default 100. */
  maxProblems?: number;
  /** Also compute the content fingerprint of the file (restoreBackup uses it to verify without a re-read). */
  fingerprint?: boolean;
  /**
   * Also collect the first value of each kind that a server might not hold exactly (special floats,
   * points, zone ids, long years…) into `report.valueSamples`; restoreBackup asks the target about them.
   */
  sampleValues?: boolean;
  /**
   * Identities or the passphrase of an encrypted backup (`.age`); without them such a file fails
   * with `KEY_REQUIRED`, and with keys that do not open it with `DECRYPTION_FAILED`.
   */
  decryption?: DecryptionOptions;
  /**
   * Refuse what can be read but is not protected: a format-2 file without
   * `statistics.metadata_checksum` (written before it existed), whose metadata — reason, counts,
   * schema — could be changed unnoticed, is then an error (`UNPROTECTED`) rather than a warning.
   * Default false.
   */
  strict?: boolean;
  /** Cancels the validation. */
  signal?: AbortSignal;
  /** Called every 10,000 records, and once at the end, with the records seen so far. */
  onProgress?: (progress: { nodes: number; relationships: number }) => void;
} & FileReadOptions;

const PROGRESS_EVERY = 10_000;

/**
 * Validates a backup file record by record: structure (zod schema), exact value encoding, duplicate
 * ids, referential integrity, counts against metadata and statistics, and the content checksum.
 * Accepts files of this library (format 2) in any JSON layout, of the original design (format 1),
 * and APOC's JSON exports.
 *
 * A compressed or encrypted file (found by its name) is read through its layers; damage to a
 * layer (a changed or cut ciphertext, a broken compressed stream) is a `CORRUPT` problem.
 *
 * @returns a report; it lists problems rather than throwing.
 * @throws BackupError with code NOT_FOUND or STORAGE when the file cannot be read at all,
 *   KEY_REQUIRED or DECRYPTION_FAILED when an encrypted file cannot be opened with the keys given.
 */
export async function validateBackup(options: ValidateBackupOptions): Promise<ValidationReport> {
  const validator = new FileValidator(
    options.maxProblems ?? 100,
    options.fingerprint === true,
    options.sampleValues === true,
    options.strict === true,
  );
  const read = fileReadOptions(options);
  const report = validator.builder.report;
  const progress = () => ({ nodes: report.nodeCount, relationships: report.relationshipCount });
  let records = 0;
  try {
    const source =
      options.source ??
      (await openBackupBytes(options.storage, options.name, options.decryption as ReadKeys | undefined));
    for await (const event of readBackupEvents(source, read)) {
      validator.handle(event);
      const isRecord = event.kind === "node" || event.kind === "relationship";
      if (options.onProgress && isRecord && ++records % PROGRESS_EVERY === 0) options.onProgress(progress());
    }
  } catch (error) {
    if (error instanceof BackupFormatError) {
      validator.builder.add("error", "SYNTAX", error.message, error.location);
      return report;
    }
    if (options.signal?.aborted) throw new BackupError("ABORTED", "validation was aborted", { cause: error });
    if (error instanceof BackupError && error.code === "CORRUPT") {
      validator.builder.add("error", "CORRUPT", error.message, { path: "" });
      return report;
    }
    if (error instanceof BackupError) throw error;
    throw new BackupError("STORAGE", `reading the backup failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  options.onProgress?.(progress());
  validator.finish();
  return report;
}

/** The state of one validation: ids seen, checksum and fingerprint so far, the report. */
class FileValidator {
  readonly builder: ReportBuilder;
  private readonly nodeIds = new IdSet();
  private readonly relIds = new IdSet();
  private readonly pendingEndpoints: { id: RecordId; location: Location }[] = [];
  private readonly checksum = new ContentChecksum();
  private readonly fingerprint?: FingerprintBuilder;
  private readonly sampler?: ValueSampler;
  private version: 1 | 2 | null = null;
  private metadata: Record<string, unknown> | null = null;
  private statistics: Record<string, unknown> | null = null;
  private sawNodesSection = false;
  private metadataLine: number | undefined;

  constructor(
    maxProblems: number,
    fingerprint: boolean,
    sampleValues: boolean,
    private readonly strict: boolean,
  ) {
    this.builder = new ReportBuilder(maxProblems);
    if (fingerprint) this.fingerprint = new FingerprintBuilder();
    if (sampleValues) this.sampler = new ValueSampler();
  }

  /** The canonical encoding of a record's decoded properties, when the fingerprint or the samples need it. */
  private encoded(
    properties: Record<string, unknown> | undefined,
    id: RecordId,
    location: Location,
  ): Record<string, EncodedValue> | undefined {
    if (!properties || (!this.fingerprint && !this.sampler)) return undefined;
    const encoded = encodeProperties(properties);
    this.sampler?.addRecord(encoded, id, location);
    return encoded;
  }

  private get report(): ValidationReport {
    return this.builder.report;
  }

  /** Takes one event of the reader. */
  handle(event: BackupEvent): void {
    switch (event.kind) {
      case "metadata":
        this.onMetadata(event);
        break;
      case "node":
        this.onNode(event);
        break;
      case "relationship":
        this.onRelationship(event);
        break;
      case "statistics":
        this.onStatistics(event);
        break;
      case "end":
        this.report.layout = event.layout;
    }
  }

  /** The version of a record: the file's, or (before any metadata) what the record looks like. */
  private versionOf(record: unknown): 1 | 2 {
    if (this.version !== null) return this.version;
    return record !== null && typeof record === "object" && "properties" in record ? 2 : 1;
  }

  private onMetadata(event: ValueEvent): void {
    const value = event.value;
    this.metadataLine = event.location.line;
    this.metadata = value !== null && typeof value === "object" ? (value as Record<string, unknown>) : null;
    this.report.metadata = this.metadata;
    const formatVersion = this.metadata?.format_version;
    if (formatVersion === undefined) this.version = 1;
    else if (formatVersion === 2) this.version = 2;
    else {
      this.builder.add(
        "error",
        "FORMAT_VERSION",
        `unsupported format_version ${JSON.stringify(formatVersion)}`,
        event.location,
      );
      this.version = 2;
    }
    this.report.formatVersion = this.version;
    if (this.version === 2 && this.metadata) this.report.metadataChecksum = metadataChecksum(this.metadata);
    const parsed = (this.version === 2 ? metadataSchema : metadataV1Schema).safeParse(value);
    if (!parsed.success) this.builder.zod(parsed.error, event.location, event.value);
  }

  private onNode(event: ValueEvent): void {
    this.sawNodesSection = true;
    this.report.nodeCount++;
    const v = this.versionOf(event.value);
    const record = checkedRecord<NodeRecord>(
      event,
      v === 2 && isWellFormedNode(event.value),
      v === 2 ? nodeRecordSchema : nodeRecordV1Schema,
      this.builder,
    );
    if (!record) return;
    if (!this.nodeIds.add(record._id)) {
      this.builder.add(
        "error",
        "DUPLICATE_ID",
        `duplicate node _id ${JSON.stringify(record._id)}`,
        event.location,
      );
    }
    for (const label of record._labels) increment(this.report.labelCounts, label);
    const properties = checkProperties(v, record, event.location, this.builder);
    if (v === 2) this.checksum.addNode(canonicalNodeLine(record));
    const encoded = this.encoded(properties, record._id, event.location);
    if (this.fingerprint && encoded) this.fingerprint.addNode(record._id, record._labels, encoded);
  }

  private onRelationship(event: ValueEvent): void {
    if (!this.sawNodesSection) this.report.relationshipsFirst = true;
    this.report.relationshipCount++;
    const v = this.versionOf(event.value);
    const record = checkedRecord<RelationshipRecord>(
      event,
      v === 2 && isWellFormedRelationship(event.value),
      v === 2 ? relationshipRecordSchema : relationshipRecordV1Schema,
      this.builder,
    );
    if (!record) return;
    if (!this.relIds.add(record._id)) {
      this.builder.add(
        "error",
        "DUPLICATE_ID",
        `duplicate relationship _id ${JSON.stringify(record._id)}`,
        event.location,
      );
    }
    increment(this.report.relationshipTypeCounts, record._type);
    this.checkEndpoints(record, event.location);
    const properties = checkProperties(v, record, event.location, this.builder);
    if (v === 2) this.checksum.addRelationship(canonicalRelationshipLine(record));
    // dangling relationships are never restored, so they are not part of the content
    const { _start_id: start, _end_id: end } = record;
    const restored = this.nodeIds.has(start) && this.nodeIds.has(end);
    const encoded = restored ? this.encoded(properties, record._id, event.location) : undefined;
    if (this.fingerprint && encoded) this.fingerprint.addRelationship(record._type, start, end, encoded);
  }

  /** Endpoints not seen yet are dangling — or, when relationships come first, checked at the end. */
  private checkEndpoints(record: RelationshipRecord, location: Location): void {
    for (const end of [record._start_id, record._end_id]) {
      if (this.nodeIds.has(end)) continue;
      if (this.report.relationshipsFirst) this.pendingEndpoints.push({ id: end, location });
      else danglingProblem(this.builder, end, location);
    }
  }

  private onStatistics(event: ValueEvent): void {
    const value = event.value;
    this.statistics = value !== null && typeof value === "object" ? (value as Record<string, unknown>) : null;
    const parsed = ((this.version ?? 2) === 2 ? statisticsSchema : statisticsV1Schema).safeParse(value);
    if (!parsed.success) this.builder.zod(parsed.error, event.location, event.value);
  }

  /** The checks that need the whole file: late endpoints, sections, counts, checksum. */
  finish(): void {
    // a relationship's hash needs its end nodes' hashes: with the relationships first there is none
    if (this.fingerprint && !this.report.relationshipsFirst)
      this.report.fingerprint = this.fingerprint.result();
    if (this.sampler) this.report.valueSamples = this.sampler.samples;
    for (const pending of this.pendingEndpoints) {
      if (!this.nodeIds.has(pending.id)) danglingProblem(this.builder, pending.id, pending.location);
    }
    // an APOC export has no metadata, statistics or checksum: its records are all it says
    if (this.metadata === null && this.report.layout !== "apoc") {
      this.builder.add("error", "MISSING_SECTION", "the metadata section is missing", { path: "document" });
    }
    if (this.statistics === null && this.version === 2) {
      this.builder.add("error", "MISSING_SECTION", "the statistics section is missing", {
        path: "data.statistics",
      });
    }
    this.compareMetadataCounts();
    this.compareStatistics();
    if (this.version === 2) this.compareChecksum();
  }

  private compareMetadataCounts(): void {
    const meta = this.metadata;
    if (!meta) return;
    const { builder, report } = this;
    compareCount(builder, meta.node_count, report.nodeCount, "metadata.node_count", "nodes");
    compareCount(
      builder,
      meta.relationship_count,
      report.relationshipCount,
      "metadata.relationship_count",
      "relationships",
    );
  }

  private compareStatistics(): void {
    const stats = this.statistics;
    if (!stats) return;
    const { builder, report } = this;
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

  /**
   * The content checksum, and the metadata checksum when the file has one; older files do not,
   * which is a warning (`UNPROTECTED`), or an error when strict.
   */
  private compareChecksum(): void {
    this.report.checksum = this.checksum.digest();
    const recorded = this.statistics?.checksum;
    if (typeof recorded === "string" && recorded !== this.report.checksum) {
      this.builder.add(
        "error",
        "CHECKSUM",
        `content checksum ${this.report.checksum} does not match the recorded ${recorded}`,
        { path: "data.statistics.checksum" },
      );
    }
    const recordedMetadata = this.statistics?.metadata_checksum;
    const computed = this.report.metadataChecksum;
    if (recordedMetadata === undefined && this.statistics !== null && computed !== null) {
      this.builder.add(
        this.strict ? "error" : "warning",
        "UNPROTECTED",
        `the file has no metadata_checksum (it was written before the checksum existed): a change to its metadata — reason, counts, schema — cannot be detected${this.strict ? "; strict validation refuses such a file" : ""}`,
        { line: this.metadataLine, path: "metadata" },
      );
    }
    if (typeof recordedMetadata === "string" && computed !== null && recordedMetadata !== computed) {
      this.builder.add(
        "error",
        "CHECKSUM",
        `the metadata does not match its checksum (computed ${computed}, recorded ${recordedMetadata}): it changed after the backup was written`,
        { line: this.metadataLine, path: "metadata" },
      );
    }
  }
}

function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
