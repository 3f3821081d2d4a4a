/**
 * Writing a validated file's nodes and relationships into a database, streaming: records are
 * grouped by label set (nodes) and type (relationships) into batches, written with a few
 * transactions in flight; file ids are mapped to the created nodes' ids as they come back.
 *
 * Data flows one way: storage → reader → decoder → batches → graph writer.
 */
import type { Driver } from "neo4j-driver";
import type { ReadKeys } from "../codec/age.js";
import { openBackupBytes } from "../codec/open.js";
import { BackupError, throwIfAborted } from "../errors.js";
import { NodeIdMap } from "../format/id-map.js";
import { decodeRecordProperties } from "../format/properties.js";
import { type BackupEvent, type ReadOptions, readBackupEvents } from "../format/reader.js";
import type { RecordId } from "../format/records.js";
import { createNodes, createRelationships, type RelationshipWrite } from "../graph/write-batches.js";
import type { BackupStorage } from "../storage/contract.js";
import { BatchQueue } from "./batch-queue.js";
import type { ProgressReporter } from "./progress.js";

/** What {@link writeData} needs. */
export interface WriteDataOptions {
  driver: Driver;
  storage: BackupStorage;
  /** The backup, validated before. */
  name: string;
  formatVersion: 1 | 2;
  database?: string;
  /** Records per write transaction (default 5000). */
  batchSize?: number;
  /** Write transactions in flight at once (default 2). */
  concurrency?: number;
  /** Keys of an encrypted backup (the file is decrypted again, chunk by authenticated chunk). */
  decryption?: ReadKeys;
  signal?: AbortSignal;
  reporter: ProgressReporter;
  /** How the file is read (the same as when it was validated). */
  read?: Omit<ReadOptions, "signal">;
}

/** What {@link writeData} wrote. */
export interface WrittenData {
  nodeCount: number;
  relationshipCount: number;
  /** Relationships left out because an endpoint is missing. */
  skippedRelationships: number;
}

/**
 * Streams the file into the database. On failure it returns only once no batch is still writing,
 * so that undoing never races a write.
 */
export async function writeData(options: WriteDataOptions): Promise<WrittenData> {
  const writer = new DataWriter(options);
  try {
    return await writer.run();
  } catch (error) {
    await writer.settle();
    throw error;
  }
}

/** A node or relationship event of the reader. */
type RecordEvent = Extract<BackupEvent, { kind: "node" | "relationship" }>;

/** A relationship whose end nodes were not created yet when it was read. */
interface WaitingRelationship {
  type: string;
  start: RecordId;
  end: RecordId;
  properties: Record<string, unknown>;
}

interface NodeBucket {
  labels: string[];
  keys: RecordId[];
  properties: Record<string, unknown>[];
}

/** Batches records by label set and type, and writes them through a {@link BatchQueue}. */
class DataWriter {
  private readonly queue: BatchQueue;
  private readonly batchSize: number;
  private readonly ids = new NodeIdMap();
  private readonly nodeBuckets = new Map<string, NodeBucket>();
  private readonly relBuckets = new Map<string, RelationshipWrite[]>();
  private buffered = 0;
  private skipped = 0;
  private inRelationships = false;
  /**
   * Relationships read before their end nodes were created: files that list nodes after
   * relationships (APOC query exports) give each relationship's end nodes just before it, still
   * in a batch. They wait until the nodes are written, at most a batch of them at a time.
   */
  private waiting: WaitingRelationship[] = [];

  constructor(private readonly options: WriteDataOptions) {
    this.queue = new BatchQueue(Math.max(1, options.concurrency ?? 2));
    this.batchSize = options.batchSize ?? 2000;
  }

  private get progress() {
    return this.options.reporter.progress;
  }

  async run(): Promise<WrittenData> {
    const { storage, name, signal, reporter } = this.options;
    reporter.report("nodes");
    const read = { ...this.options.read, signal };
    const source = await openBackupBytes(storage, name, this.options.decryption);
    for await (const event of readBackupEvents(source, read)) {
      if (event.kind === "node") await this.addNode(event);
      else if (event.kind === "relationship") await this.addRelationship(event);
      if (signal?.aborted) throwIfAborted(signal, "the restore");
    }
    await this.resolveWaiting();
    await this.flushAllNodes();
    for (const type of [...this.relBuckets.keys()]) await this.flushRelationships(type);
    await this.queue.drain();
    throwIfAborted(signal, "the restore");
    return {
      nodeCount: this.progress.nodes,
      relationshipCount: this.progress.relationships,
      skippedRelationships: this.skipped,
    };
  }

  /** Waits for batches still in flight, ignoring their outcome. */
  settle(): Promise<void> {
    return this.queue.settle();
  }

  private decode(event: RecordEvent): Record<string, unknown> {
    const record = event.value as Record<string, unknown>;
    return decodeRecordProperties(this.options.formatVersion, record, event.location.path).properties;
  }

  private async addNode(event: RecordEvent): Promise<void> {
    const r = event.value as { _id: RecordId; _labels: string[] };
    const labels = [...r._labels].sort();
    const key = labels.join("\u0000");
    let bucket = this.nodeBuckets.get(key);
    if (!bucket) {
      bucket = { labels, keys: [], properties: [] };
      this.nodeBuckets.set(key, bucket);
    }
    bucket.keys.push(r._id);
    bucket.properties.push(this.decode(event));
    this.buffered++;
    if (bucket.keys.length >= this.batchSize) await this.flushNodes(key);
    else if (this.buffered >= this.batchSize * 2) await this.flushLargest();
  }

  private async addRelationship(event: RecordEvent): Promise<void> {
    if (!this.inRelationships) await this.startRelationships();
    const r = event.value as { _type: string; _start_id: RecordId; _end_id: RecordId };
    const properties = this.decode(event);
    const s = this.ids.get(r._start_id);
    const e = this.ids.get(r._end_id);
    if (s === undefined || e === undefined) {
      this.waiting.push({ type: r._type, start: r._start_id, end: r._end_id, properties });
      if (this.waiting.length >= this.batchSize) await this.resolveWaiting();
      return;
    }
    await this.addRow(r._type, { s, e, p: properties });
  }

  private async addRow(type: string, row: RelationshipWrite): Promise<void> {
    let rows = this.relBuckets.get(type);
    if (!rows) {
      rows = [];
      this.relBuckets.set(type, rows);
    }
    rows.push(row);
    this.buffered++;
    if (rows.length >= this.batchSize) await this.flushRelationships(type);
    else if (this.buffered >= this.batchSize * 2) await this.flushLargest();
  }

  /**
   * Writes the nodes still buffered, then the waiting relationships; one whose end node is still
   * unknown refers to a node the file does not hold (only with allowDanglingRelationships) and is
   * left out.
   */
  private async resolveWaiting(): Promise<void> {
    if (this.waiting.length === 0) return;
    const waiting = this.waiting;
    this.waiting = [];
    await this.flushAllNodes();
    for (const w of waiting) {
      const s = this.ids.get(w.start);
      const e = this.ids.get(w.end);
      if (s === undefined || e === undefined) this.skipped++;
      else await this.addRow(w.type, { s, e, p: w.properties });
    }
  }

  /** Every node is written (and its id known) before the first relationship. */
  private async startRelationships(): Promise<void> {
    this.inRelationships = true;
    await this.flushAllNodes();
    throwIfAborted(this.options.signal, "the restore");
    this.options.reporter.report("relationships");
  }

  private async flushAllNodes(): Promise<void> {
    for (const key of [...this.nodeBuckets.keys()]) await this.flushNodes(key);
    await this.queue.drain();
  }

  private async flushNodes(key: string): Promise<void> {
    const bucket = this.nodeBuckets.get(key);
    if (!bucket || bucket.keys.length === 0) return;
    this.nodeBuckets.delete(key);
    this.buffered -= bucket.keys.length;
    const { driver, database, reporter } = this.options;
    await this.queue.submit(async () => {
      const created = await createNodes(driver, database, bucket.labels, bucket.properties);
      for (let i = 0; i < created.length; i++) {
        if (created[i] !== undefined) this.ids.set(bucket.keys[i]!, created[i]!);
      }
      this.progress.nodes += bucket.keys.length;
      reporter.report();
    });
  }

  private async flushRelationships(type: string): Promise<void> {
    const rows = this.relBuckets.get(type);
    if (!rows || rows.length === 0) return;
    this.relBuckets.delete(type);
    this.buffered -= rows.length;
    const { driver, database, reporter } = this.options;
    await this.queue.submit(async () => {
      const created = await createRelationships(driver, database, type, rows);
      if (created !== rows.length) {
        throw new BackupError(
          "RESTORE_FAILED",
          `a batch of ${type} relationships created ${created} of ${rows.length}`,
        );
      }
      this.progress.relationships += rows.length;
      reporter.report();
    });
  }

  /** Writes the largest bucket, to keep the records held in memory bounded. */
  private async flushLargest(): Promise<void> {
    let largest: string | undefined;
    let size = 0;
    for (const [k, b] of this.nodeBuckets) if (b.keys.length > size) [largest, size] = [k, b.keys.length];
    if (largest !== undefined) return this.flushNodes(largest);
    for (const [k, rows] of this.relBuckets) if (rows.length > size) [largest, size] = [k, rows.length];
    if (largest !== undefined) await this.flushRelationships(largest);
  }
}
