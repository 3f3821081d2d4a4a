/**
 * The state of one validation: ids seen, checksum and fingerprint so far, the report. It takes the
 * reader's events one by one, or (parallel validation) the results of batches of record lines
 * checked in worker threads, in file order — with the same outcome.
 */
import { FingerprintBuilder } from "../format/fingerprint.js";
import { IdSet } from "../format/id-set.js";
import type { BackupEvent, Location } from "../format/reader.js";
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
import { isWellFormedNode, isWellFormedRelationship } from "./quick-check.js";
import type { BatchProblem, BatchResult, RecordBatch, SampleCandidate } from "./record-batch.js";
import {
  checkedRecord,
  checkProperties,
  compareCount,
  compareCounts,
  danglingProblem,
} from "./record-checks.js";
import { ReportBuilder, type ValidationReport } from "./report.js";

/** An event of the reader that carries a value: metadata, a record, or the statistics. */
type ValueEvent = Extract<BackupEvent, { value: unknown }>;

/** The state of one validation: ids seen, checksum and fingerprint so far, the report. */
export class FileValidator {
  /** The report and its problems so far. */
  readonly builder: ReportBuilder;
  private readonly nodeIds = new IdSet();
  private readonly relIds = new IdSet();
  private readonly pendingEndpoints: { id: RecordId; location: Location }[] = [];
  private readonly checksum = new ContentChecksum();
  private readonly fingerprint?: FingerprintBuilder;
  /** The value samples, when asked for. */
  readonly sampler?: ValueSampler;
  private version: 1 | 2 | null = null;
  private metadata: Record<string, unknown> | null = null;
  private statistics: Record<string, unknown> | null = null;
  private sawNodesSection = false;
  private metadataLine: number | undefined;

  constructor(maxProblems: number, fingerprint: boolean, sampleValues: boolean) {
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

  /** The file's format version, once its metadata was read. */
  get formatVersion(): 1 | 2 | null {
    return this.version;
  }

  /** Whether the fingerprint is computed. */
  get fingerprinting(): boolean {
    return this.fingerprint !== undefined;
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
    this.checkEndpoints(record._start_id, record._end_id, event.location);
    const properties = checkProperties(v, record, event.location, this.builder);
    if (v === 2) this.checksum.addRelationship(canonicalRelationshipLine(record));
    // dangling relationships are never restored, so they are not part of the content
    const { _start_id: start, _end_id: end } = record;
    const restored = this.nodeIds.has(start) && this.nodeIds.has(end);
    const encoded = restored ? this.encoded(properties, record._id, event.location) : undefined;
    if (this.fingerprint && encoded) this.fingerprint.addRelationship(record._type, start, end, encoded);
  }

  /** Endpoints not seen yet are dangling — or, when relationships come first, checked at the end. */
  private checkEndpoints(start: RecordId, end: RecordId, location: Location): void {
    this.checkEndpoint(start, location);
    this.checkEndpoint(end, location);
  }

  private checkEndpoint(id: RecordId, location: Location): void {
    if (this.nodeIds.has(id)) return;
    if (this.report.relationshipsFirst) this.pendingEndpoints.push({ id, location });
    else danglingProblem(this.builder, id, location);
  }

  /**
   * Takes the result of a batch of record lines checked apart (record-batch.ts), record by record in
   * file order, as {@link handle} takes their events: the same problems in the same order, the same
   * counts, checksum, fingerprint and samples. `onRecord` is called after each record. Records after
   * one that does not parse are not in the result; the caller stops there.
   */
  applyBatch(batch: RecordBatch, result: BatchResult, onRecord: () => void): void {
    const replay = new BatchReplay(this.builder, result);
    const counts = batch.kind === "node" ? this.report.labelCounts : this.report.relationshipTypeCounts;
    for (let i = 0; i < result.count; i++) {
      if (batch.kind === "node") this.applyNode(batch, result, replay, i);
      else this.applyRelationship(batch, result, replay, i);
      onRecord();
    }
    for (const [name, n] of result.counts) counts[name] = (counts[name] ?? 0) + n;
    if (result.nodeSums) this.fingerprint?.addNodeSums(result.nodeSums);
    if (result.usesVectors) this.report.usesVectors = true;
  }

  private applyNode(batch: RecordBatch, result: BatchResult, replay: BatchReplay, i: number): void {
    this.sawNodesSection = true;
    this.report.nodeCount++;
    replay.problems(i, 0);
    const id = result.ids[i];
    if (id === null || id === undefined) return;
    const location = () => batchLocation(batch, i);
    if (!this.nodeIds.add(id)) {
      this.builder.add("error", "DUPLICATE_ID", `duplicate node _id ${JSON.stringify(id)}`, location());
    }
    replay.problems(i, 1);
    if (this.version === 2) this.checksum.addNode(result.lines[i] ?? batch.texts[i]!);
    if (this.sampler) replay.samples(i, this.sampler, id, location);
    const hash = result.hashes[i]!;
    if (this.fingerprint && !Number.isNaN(hash)) this.fingerprint.setNodeHash(id, hash);
  }

  private applyRelationship(batch: RecordBatch, result: BatchResult, replay: BatchReplay, i: number): void {
    if (!this.sawNodesSection) this.report.relationshipsFirst = true;
    this.report.relationshipCount++;
    replay.problems(i, 0);
    const id = result.ids[i];
    if (id === null || id === undefined) return;
    const location = () => batchLocation(batch, i);
    if (!this.relIds.add(id)) {
      this.builder.add(
        "error",
        "DUPLICATE_ID",
        `duplicate relationship _id ${JSON.stringify(id)}`,
        location(),
      );
    }
    const start = result.starts[i]!;
    const end = result.ends[i]!;
    if (!this.nodeIds.has(start) || !this.nodeIds.has(end)) this.checkEndpoints(start, end, location());
    replay.problems(i, 1);
    if (this.version === 2) this.checksum.addRelationship(result.lines[i] ?? batch.texts[i]!);
    // dangling relationships are never restored, so they are not part of the content
    if (!this.nodeIds.has(start) || !this.nodeIds.has(end)) return;
    if (this.sampler) replay.samples(i, this.sampler, id, location);
    const hash = result.hashes[i]!;
    if (this.fingerprint && !Number.isNaN(hash)) {
      this.fingerprint.addRelationshipHash(result.types[i]!, start, end, hash);
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
    if (this.fingerprint) this.report.fingerprint = this.fingerprint.result();
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

  /** The content checksum, and the metadata checksum when the file has one (older files do not). */
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

/** The location of record `i` of a batch. */
function batchLocation(batch: RecordBatch, i: number): Location {
  const section = batch.kind === "node" ? "nodes" : "relationships";
  return { line: batch.firstLine + i, path: `data.${section}[${batch.firstIndex + i}]` };
}

/** Walks a batch result's problems and sample candidates in record order. */
class BatchReplay {
  private problem = 0;
  private sample = 0;

  constructor(
    private readonly builder: ReportBuilder,
    private readonly result: BatchResult,
  ) {}

  /** Adds the problems of record `i` found in `phase`. */
  problems(i: number, phase: 0 | 1): void {
    const all: BatchProblem[] = this.result.problems;
    while (
      this.problem < all.length &&
      all[this.problem]!.record === i &&
      all[this.problem]!.phase === phase
    ) {
      const { severity, code, message, location } = all[this.problem++]!.problem;
      this.builder.add(severity, code, message, location);
    }
  }

  /** Offers the sample candidates of record `i` to the sampler (those of records skipped before are dropped). */
  samples(i: number, sampler: ValueSampler, id: RecordId, location: () => Location): void {
    const all: SampleCandidate[] = this.result.samples;
    while (this.sample < all.length && all[this.sample]!.record < i) this.sample++;
    let at: Location | undefined;
    while (this.sample < all.length && all[this.sample]!.record === i) {
      const { key, value, property } = all[this.sample++]!;
      at ??= location();
      sampler.add(key, value, id, at, property);
    }
  }
}
