/**
 * The checks of a batch of record lines that need nothing but the lines themselves — parsing, the
 * schema, property values, the canonical line, node hashes and relationship inner hashes, value
 * sample candidates — run in a worker thread (validate-worker.ts). What needs the whole file (ids,
 * endpoints, the checksum stream, the fingerprint's relationships) stays with the file validator,
 * which takes the results in file order. The checks are the very functions of the single-thread
 * path, so problems are worded and located the same way.
 */
import { NodeHashSummer, type NodeHashSums, nodeHash, relationshipInnerHash } from "../format/fingerprint.js";
import { BackupFormatError, type Location, parseRecordLine } from "../format/reader.js";
import {
  canonicalNodeLine,
  canonicalRelationshipLine,
  type NodeRecord,
  type RecordId,
  type RelationshipRecord,
} from "../format/records.js";
import {
  nodeRecordSchema,
  nodeRecordV1Schema,
  relationshipRecordSchema,
  relationshipRecordV1Schema,
} from "../format/schema.js";
import { forEachSampleKind } from "../format/value-kinds.js";
import { type EncodedValue, encodeProperties } from "../format/values.js";
import { isWellFormedNode, isWellFormedRelationship } from "./quick-check.js";
import { checkedRecord, checkProperties } from "./record-checks.js";
import { ReportBuilder, type ValidationProblem } from "./report.js";

/** The message a worker posts once it is loaded and listening. */
export const WORKER_READY = "ready";

/** Consecutive record lines of one section, and what to compute for them. */
export interface RecordBatch {
  kind: "node" | "relationship";
  /** Index of the first record in its section, and its line. */
  firstIndex: number;
  firstLine: number;
  /** The lines, without trailing commas (RawRecordEvent texts). */
  texts: string[];
  /** Whether the last text is the file's last line, without a newline. */
  endsFile: boolean;
  /** The file's format version. */
  version: 1 | 2;
  /** Compute hashes for the fingerprint. */
  fingerprint: boolean;
  /** Collect value sample candidates. */
  sampling: boolean;
  /** Sample kinds found by the validator since the last batch sent to this worker. */
  newKinds: string[];
}

/** A problem of one record, from the schema (phase 0) or from its property values (phase 1). */
export interface BatchProblem {
  record: number;
  phase: 0 | 1;
  problem: ValidationProblem;
}

/** A value that may be the first of its kind (see ValueSampler). */
export interface SampleCandidate {
  record: number;
  key: string;
  value: EncodedValue;
  property: string;
}

/** What the file validator needs of a batch, per record in arrays. */
export interface BatchResult {
  /** Records checked: all, or those before the first that does not parse. */
  count: number;
  /** Whether record `count` does not parse: validation stops there (the validator words it). */
  stopped: boolean;
  /** Each record's `_id`; null where the schema refused the record. */
  ids: (RecordId | null)[];
  /** The canonical line where it differs from the text (format 2); null where it does not. */
  lines: (string | null)[];
  /** Node hash or relationship inner hash (0 without fingerprint); NaN where the properties are unusable. */
  hashes: Float64Array;
  /** Relationships: type and endpoints of each (empty for nodes). */
  types: string[];
  starts: RecordId[];
  ends: RecordId[];
  /** Accepted records per label (nodes) or type (relationships), in order of first appearance. */
  counts: [string, number][];
  /** Sums of the node hashes (nodes, with fingerprint). */
  nodeSums: NodeHashSums | null;
  problems: BatchProblem[];
  samples: SampleCandidate[];
  /** Whether a property holds a VECTOR value. */
  usesVectors: boolean;
  /** An unexpected failure: the validator checks the batch itself. */
  error?: string;
}

/** What a worker keeps between batches: the sample kinds it need not report again. */
export interface WorkerState {
  known: Set<string>;
}

/** Checks a batch; a record that does not parse ends it (`stopped`). */
export function checkBatch(batch: RecordBatch, state: WorkerState): BatchResult {
  for (const kind of batch.newKinds) state.known.add(kind);
  const check = new BatchCheck(batch, state);
  for (let i = 0; i < batch.texts.length; i++) {
    try {
      if (batch.kind === "node") check.node(i);
      else check.relationship(i);
    } catch (error) {
      if (!(error instanceof BackupFormatError)) throw error;
      check.result.stopped = true;
      break;
    }
    check.result.count++;
  }
  return check.finish();
}

/** The state of one batch's checks. */
class BatchCheck {
  readonly result: BatchResult;
  private readonly builder = new ReportBuilder(Number.POSITIVE_INFINITY);
  private readonly counts = new Map<string, number>();
  private readonly summer?: NodeHashSummer;

  constructor(
    private readonly batch: RecordBatch,
    private readonly state: WorkerState,
  ) {
    this.result = {
      count: 0,
      stopped: false,
      ids: [],
      lines: [],
      hashes: new Float64Array(batch.texts.length),
      types: [],
      starts: [],
      ends: [],
      counts: [],
      nodeSums: null,
      problems: [],
      samples: [],
      usesVectors: false,
    };
    if (batch.kind === "node" && batch.fingerprint) this.summer = new NodeHashSummer();
  }

  private location(i: number): Location {
    const section = this.batch.kind === "node" ? "nodes" : "relationships";
    return { line: this.batch.firstLine + i, path: `data.${section}[${this.batch.firstIndex + i}]` };
  }

  /** Parses record `i` and runs the schema on it (phase 0 problems); undefined when refused. */
  private parsed<T>(i: number, location: Location, wellFormed: (value: unknown) => boolean): T | undefined {
    const { batch } = this;
    const last = batch.endsFile && i === batch.texts.length - 1;
    const value = parseRecordLine(batch.texts[i]!, location, last);
    const v2 = batch.version === 2;
    const schema =
      batch.kind === "node"
        ? v2
          ? nodeRecordSchema
          : nodeRecordV1Schema
        : v2
          ? relationshipRecordSchema
          : relationshipRecordV1Schema;
    const record = checkedRecord<T>({ value, location }, v2 && wellFormed(value), schema, this.builder);
    this.tag(i, 0);
    if (!record) {
      this.result.ids.push(null);
      this.result.lines.push(null);
      this.result.hashes[i] = Number.NaN;
    }
    return record;
  }

  /** Moves the problems the builder collected for record `i` into the result. */
  private tag(i: number, phase: 0 | 1): void {
    const found = this.builder.report.problems;
    for (const problem of found) this.result.problems.push({ record: i, phase, problem });
    found.length = 0;
  }

  node(i: number): void {
    const location = this.location(i);
    const record = this.parsed<NodeRecord & Record<string, unknown>>(i, location, isWellFormedNode);
    if (!record) return;
    this.result.ids.push(record._id);
    for (const label of record._labels) this.count(label);
    const properties = checkProperties(this.batch.version, record, location, this.builder);
    this.tag(i, 1);
    this.line(i, () => canonicalNodeLine(record));
    const encoded = this.encoded(i, properties);
    let hash = properties ? 0 : Number.NaN;
    if (encoded && this.summer) {
      const sorted = [...record._labels].sort();
      hash = nodeHash(sorted, encoded);
      this.summer.add(sorted, hash);
    }
    this.result.hashes[i] = hash;
  }

  relationship(i: number): void {
    const location = this.location(i);
    const record = this.parsed<RelationshipRecord & Record<string, unknown>>(
      i,
      location,
      isWellFormedRelationship,
    );
    const { result } = this;
    if (!record) {
      result.types.push("");
      result.starts.push(0);
      result.ends.push(0);
      return;
    }
    result.ids.push(record._id);
    result.types.push(record._type);
    result.starts.push(record._start_id);
    result.ends.push(record._end_id);
    this.count(record._type);
    const properties = checkProperties(this.batch.version, record, location, this.builder);
    this.tag(i, 1);
    this.line(i, () => canonicalRelationshipLine(record));
    const encoded = this.encoded(i, properties);
    let hash = properties ? 0 : Number.NaN;
    if (encoded && this.batch.fingerprint) hash = relationshipInnerHash(record._type, encoded);
    result.hashes[i] = hash;
  }

  private count(name: string): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }

  /** The canonical line for the checksum (format 2), sent only where the text is not already it. */
  private line(i: number, canonical: () => string): void {
    if (this.batch.version !== 2) {
      this.result.lines.push(null);
      return;
    }
    const line = canonical();
    this.result.lines.push(line === this.batch.texts[i] ? null : line);
  }

  /**
   * The encoded properties when the fingerprint or the samples need them, noting sample candidates:
   * a node's kinds are reported once per worker (every node with usable properties is sampled), a
   * relationship's until the validator says it has a sample (a dangling one is not sampled).
   */
  private encoded(
    i: number,
    properties: Record<string, unknown> | undefined,
  ): Record<string, EncodedValue> | undefined {
    const { batch, state, result } = this;
    if (!properties || (!batch.fingerprint && !batch.sampling)) return undefined;
    const encoded = encodeProperties(properties);
    if (batch.sampling) {
      const isNode = batch.kind === "node";
      forEachSampleKind(encoded, (key, value, property) => {
        if (state.known.has(key)) return;
        if (isNode) state.known.add(key);
        result.samples.push({ record: i, key, value, property });
      });
    }
    return encoded;
  }

  finish(): BatchResult {
    this.result.counts = [...this.counts];
    this.result.nodeSums = this.summer?.sums() ?? null;
    this.result.usesVectors = this.builder.report.usesVectors;
    return this.result;
  }
}
