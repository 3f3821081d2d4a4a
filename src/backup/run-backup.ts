/**
 * The backup pipeline: an online, full, logical backup over Bolt, published under a new name.
 *
 * Data flows one way: graph reader → record encoder → output (in place, or through a spool) →
 * storage. Nodes and relationships are read in one read transaction with backpressure, encoded
 * exactly, and written as they come; the file is published only after everything was read, so a
 * failure or abort publishes nothing. Locking, the index and retention belong to the operation
 * that calls this (operations/).
 */
import type { Driver } from "neo4j-driver";
import type { ReadKeys } from "../codec/age.js";
import {
  type EncodingOptions,
  isPlain,
  layersOf,
  type ResolvedEncoding,
  resolveEncoding,
} from "../codec/encoded-writer.js";
import { chunkStorageOf } from "../codec/snapshot/read.js";
import { BackupError, classifyDriverError, throwIfAborted } from "../errors.js";
import { IdSet } from "../format/id-set.js";
import { metadataLine, statisticsLine } from "../format/layout.js";
import {
  BACKUP_EXTENSIONS,
  type BackupLayers,
  backupFileName,
  type Compression,
  DEFAULT_BACKUP_PREFIX,
  layersOfName,
} from "../format/naming.js";
import { ContentChecksum, metadataChecksum } from "../format/records.js";
import type { BackupMetadata, BackupStatistics } from "../format/schema.js";
import { type SnapshotSizes, snapshotSizes } from "../format/snapshot-manifest.js";
import {
  type HighestIds,
  type ParallelReadOptions,
  planRangeRead,
  ReadWorkers,
  resolveParallel,
  type WorkerBatch,
} from "../graph/parallel-read.js";
import { GraphReader, type NodeRow, type RelationshipRow } from "../graph/read-graph.js";
import { nodeLine, relationshipLine } from "../graph/record-lines.js";
import { type ChangeMarker, readChangeMarker } from "../graph/server.js";
import { type Logger, silentLogger } from "../logger.js";
import type { BackupStorage, StoredBackup } from "../storage/contract.js";
import { EncodedOutput } from "./encoded-output.js";
import { describeBackup, type MetadataOutcome, reservedMetadataBytes } from "./metadata.js";
import { type BackupOutput, openBackupOutput } from "./output.js";
import { SnapshotOutput, type SnapshotWritten } from "./snapshot-output.js";

/** Progress of a running backup. */
export interface BackupProgress {
  /** What is being done now. */
  phase: "schema" | "nodes" | "relationships" | "publishing" | "done";
  /** Nodes written so far. */
  nodes: number;
  /** Relationships written so far. */
  relationships: number;
  /** Nodes in the database when the backup started (from the count store). */
  totalNodes: number;
  /** Relationships in the database when the backup started. */
  totalRelationships: number;
}

/** Options of the backup pipeline (createBackup adds locking and retention to them). */
export interface BackupPipelineOptions extends EncodingOptions {
  /** A neo4j-driver Driver, owned by the caller (it is not closed). */
  driver: Driver;
  /** Where the backup is published. */
  storage: BackupStorage;
  /** Why the backup is taken; stored in the metadata. */
  reason: string;
  /** Database to back up; default: the user's home database. */
  database?: string;
  /** File name prefix; default `neo4j_backup`. */
  prefix?: string;
  /**
   * Publish under exactly this name instead of `<prefix>_YYYYMMDD_HHMMSS.json` (for example
   * `initial_backup.json`); fails with `BACKUP_EXISTS` when taken. Such backups are not subject to
   * retention. Its extension must name the encoding (`.json.zst.age` for zstd and encryption).
   */
  name?: string;
  /**
   * The series the backup belongs to (`nightly`, `pre-deploy`, …; letters, digits, `_`, `-`),
   * stored as `metadata.series`: retention applies to the backups of one series only.
   */
  series?: string;
  /** Stored as `metadata.source`; default `neo4j-backup`. */
  source?: string;
  /** Fail with code INCONSISTENT instead of publishing when the database changed during the backup. */
  requireConsistent?: boolean;
  /**
   * Folder for the temporary record spool, used only with storages that cannot be written in place
   * (FileSystemStorage can: its records go straight into the new file); default the OS temp folder.
   */
  spoolDirectory?: string;
  /** Records fetched per round trip; default 2000. */
  fetchSize?: number;
  /** A pino-compatible logger; default silent. */
  logger?: Logger;
  /** Called about every 5,000 records and at each phase change. */
  onProgress?: (progress: BackupProgress) => void;
  /** Cancels the backup; nothing is published. */
  signal?: AbortSignal;
  /** Clock, for tests of naming; default `() => new Date()`. */
  now?: () => Date;
  /**
   * Store the backup as a snapshot (`<prefix>_YYYYMMDD_HHMMSS.snapshot`): its byte stream in
   * content-defined chunks, each stored once in the storage, so that a snapshot stores only the
   * chunks the storage does not have yet (docs/snapshots.md). Needs a storage that holds chunks
   * (every storage of this library does); encryption only to recipients.
   */
  snapshot?: boolean;
  /**
   * Read and encode on worker threads, each with a driver of its own from a driver module
   * (docs/api.md#parallel-backups); the file is the same as one read on one thread. Without it,
   * or when the database does not say its identity or its ids are sparse, the backup reads on this thread.
   */
  parallel?: ParallelReadOptions;
}

/** What a backup returns. */
export interface BackupResult {
  /** The published file's name. */
  name: string;
  /** Where it was published (storage description). */
  location: string;
  /** Nodes in the file. */
  nodeCount: number;
  /** Relationships in the file. */
  relationshipCount: number;
  /** Size of the file in bytes (as stored: compressed and encrypted when it is). */
  bytes: number;
  /** How the file is compressed. */
  compression: Compression;
  /** Whether the file is encrypted (age). */
  encrypted: boolean;
  /** Wall time in milliseconds. */
  durationMs: number;
  /** `sha256:<hex>` content checksum, as in the statistics. */
  checksum: string;
  /** True when writes were committed to the database while the backup ran. */
  changedDuringBackup: boolean;
  /** Relationships left out because an endpoint was created after the node scan. */
  skippedRelationships: number;
  /** The metadata written at the top of the file. */
  metadata: BackupMetadata;
  /** Older backups removed by retention after this one was read back as written. */
  removed: string[];
  /** For a snapshot: its sizes (`bytes` is then the size of its manifest). */
  snapshot?: SnapshotSizes;
}

const PROGRESS_EVERY = 5000;

/** File keys of encrypted backups this process just wrote, by result: for validating them before retention. */
const writtenKeys = new WeakMap<BackupResult, Uint8Array>();
/** What snapshots this process just wrote stored, by result: for checking them before retention. */
const writtenSnapshots = new WeakMap<BackupResult, SnapshotWritten>();
/** The first and last lines of files this process just wrote, by result: for reading them back. */
const writtenEnds = new WeakMap<BackupResult, WrittenEnds>();

/** The first line (metadata, without its padding) and the last (statistics) of a written file, without "\n". */
export interface WrittenEnds {
  firstLine: string;
  lastLine: string;
}

/** The first and last lines of a file this process just wrote (undefined for other backups). */
export function endsWrittenFor(result: BackupResult): WrittenEnds | undefined {
  return writtenEnds.get(result);
}

/** What a snapshot this process just wrote stored (undefined for other backups). */
export function snapshotWrittenFor(result: BackupResult): SnapshotWritten | undefined {
  return writtenSnapshots.get(result);
}

/**
 * The keys that read back a backup this process just wrote (its file key when encrypted), added
 * to `keys`; never stored or logged.
 */
export function readKeysFor(result: BackupResult, keys: ReadKeys = {}): ReadKeys {
  const fileKey = writtenKeys.get(result);
  return fileKey ? { ...keys, fileKeys: [...(keys.fileKeys ?? []), fileKey] } : keys;
}

/** Carries what reads `from` back (its key, its chunks or its first and last lines) over to a copy of its result. */
export function carryReadKey(from: BackupResult, to: BackupResult): BackupResult {
  const fileKey = writtenKeys.get(from);
  if (fileKey) writtenKeys.set(to, fileKey);
  const snapshot = writtenSnapshots.get(from);
  if (snapshot) writtenSnapshots.set(to, snapshot);
  const ends = writtenEnds.get(from);
  if (ends) writtenEnds.set(to, ends);
  return to;
}

/**
 * Backs up a whole database into one new file in `options.storage` and publishes it. The caller
 * holds the storage lock.
 * @throws BackupError — `ABORTED`, `CONNECTION`, `AUTHENTICATION`, `UNSUPPORTED_VALUE`,
 *   `INCONSISTENT` (with `requireConsistent`), `STORAGE`, `BACKUP_EXISTS` (a fixed `name` taken).
 */
export async function runBackup(options: BackupPipelineOptions): Promise<BackupResult> {
  throwIfAborted(options.signal, "the backup");
  const run = new BackupRun(options);
  try {
    await run.read();
    return await run.publish();
  } catch (error) {
    throw run.failure(error);
  } finally {
    await run.close();
  }
}

/** The state of one backup, step by step: read, then publish. */
class BackupRun {
  private readonly logger: Logger;
  private readonly now: () => Date;
  private readonly started: Date;
  private readonly startedMs = performance.now();
  private reader?: GraphReader;
  private output?: BackupOutput;
  private readonly encoding: ResolvedEncoding;
  private before?: ChangeMarker;
  private database = "";
  private describe?: (outcome: MetadataOutcome) => BackupMetadata;
  private readonly checksum = new ContentChecksum();
  private readonly labelCounts = new Map<string, number>();
  private readonly typeCounts = new Map<string, number>();
  private readonly nodeIds = new IdSet();
  private skipped = 0;
  private readonly progress: BackupProgress = {
    phase: "schema",
    nodes: 0,
    relationships: 0,
    totalNodes: 0,
    totalRelationships: 0,
  };

  constructor(private readonly options: BackupPipelineOptions) {
    this.logger = options.logger ?? silentLogger;
    this.encoding = resolveEncoding(options);
    this.now = options.now ?? (() => new Date());
    this.started = this.now();
  }

  private report(phase?: BackupProgress["phase"]): void {
    if (phase) this.progress.phase = phase;
    this.options.onProgress?.({ ...this.progress });
  }

  /** Reads schema, nodes and relationships into the output. */
  async read(): Promise<void> {
    const { driver, signal } = this.options;
    const reader = await GraphReader.open(driver, {
      database: this.options.database,
      fetchSize: this.options.fetchSize,
      signal,
    });
    this.reader = reader;
    const server = reader.server;
    this.database = this.options.database ?? server.database;
    this.before = await readChangeMarker(driver, this.database);
    this.logger.info(
      {
        database: this.database,
        server: server.version,
        edition: server.edition,
        reason: this.options.reason,
      },
      "backup started",
    );
    await reader.begin();
    this.progress.totalNodes = this.before.nodes;
    this.progress.totalRelationships = this.before.relationships;
    this.report("schema");
    const schema = await reader.schema();
    this.describe = (outcome) =>
      describeBackup({
        options: this.options,
        started: this.started,
        database: this.database,
        server,
        detection: this.before!.detection,
        schema,
        outcome,
      });
    const headerBytes = reservedMetadataBytes(this.describe);
    this.output = this.options.snapshot
      ? await SnapshotOutput.open(
          chunkStorageOf(this.options.storage, "a snapshot"),
          this.encoding,
          headerBytes,
        )
      : isPlain(this.encoding)
        ? await openBackupOutput(this.options.storage, headerBytes, this.options.spoolDirectory)
        : await EncodedOutput.open(
            this.options.storage,
            this.encoding,
            headerBytes,
            this.options.spoolDirectory,
          );
    const ranges = this.options.parallel ? await this.startWorkers(reader, this.options.parallel) : undefined;
    this.report("nodes");
    if (ranges) await ranges.workers.read("nodes", ranges.highest.node, (b) => this.writeNodes(b), signal);
    else await reader.readNodes((node) => this.writeNode(node));
    throwIfAborted(signal, "the backup");
    this.output.body.startRelationships();
    this.report("relationships");
    if (ranges) {
      ranges.workers.shareNodeIds(this.nodeIds);
      const { workers, highest } = ranges;
      await workers.read("relationships", highest.relationship, (b) => this.writeRelationships(b), signal);
      await workers.close();
      this.workers = undefined;
    } else {
      await reader.readRelationships((relationship) => this.writeRelationship(relationship));
    }
    throwIfAborted(signal, "the backup");
    await reader.commit();
  }

  private workers?: ReadWorkers;

  /**
   * Starts the read workers of a parallel backup, or returns undefined (logged) when the graph is
   * read on this thread after all (see planRangeRead).
   */
  private async startWorkers(
    reader: GraphReader,
    parallel: ParallelReadOptions,
  ): Promise<{ workers: ReadWorkers; highest: HighestIds } | undefined> {
    const { threads, rangeSize } = resolveParallel(parallel);
    const plan = await planRangeRead(reader, this.before!);
    if ("why" in plan) {
      this.logger.info({ database: this.database, why: plan.why }, "backup reads on one thread");
      return undefined;
    }
    this.workers = await ReadWorkers.start(parallel, this.database, plan.identity, this.options.fetchSize);
    this.logger.info({ database: this.database, threads, rangeSize }, "backup reads on worker threads");
    return { workers: this.workers, highest: plan.highest };
  }

  /** Node lines a worker read, in order. */
  private writeNodes(batch: WorkerBatch): Promise<void> {
    this.checksum.addNodeLines(batch.text);
    for (const id of batch.ids!) this.nodeIds.add(id);
    addCounts(this.labelCounts, batch.counts);
    this.advance("nodes", batch.count);
    return this.output!.body.appendLines(batch.text);
  }

  /** Relationship lines a worker read, in order (those it left out counted as skipped). */
  private writeRelationships(batch: WorkerBatch): Promise<void> {
    this.checksum.addRelationshipLines(batch.text);
    addCounts(this.typeCounts, batch.counts);
    this.skipped += batch.skipped;
    this.advance("relationships", batch.count);
    return this.output!.body.appendLines(batch.text);
  }

  /** Counts `count` more records, with a checkpoint each time a multiple of the progress step is passed. */
  private advance(kind: "nodes" | "relationships", count: number): void {
    const before = this.progress[kind];
    this.progress[kind] += count;
    if (Math.floor(before / PROGRESS_EVERY) !== Math.floor(this.progress[kind] / PROGRESS_EVERY))
      this.checkpoint();
  }

  private writeNode(node: NodeRow): Promise<void> {
    const line = nodeLine(node);
    this.checksum.addNode(line);
    this.nodeIds.add(node.id);
    for (const label of node.labels) this.labelCounts.set(label, (this.labelCounts.get(label) ?? 0) + 1);
    if (++this.progress.nodes % PROGRESS_EVERY === 0) this.checkpoint();
    return this.output!.body.append(line);
  }

  private writeRelationship(rel: RelationshipRow): Promise<void> | undefined {
    if (!this.nodeIds.has(rel.start) || !this.nodeIds.has(rel.end)) {
      // an endpoint was created after the node scan passed it: leave the relationship out so the
      // file stays referentially intact; the change is recorded in the metadata
      this.skipped++;
      return undefined;
    }
    const line = relationshipLine(rel);
    this.checksum.addRelationship(line);
    this.typeCounts.set(rel.type, (this.typeCounts.get(rel.type) ?? 0) + 1);
    if (++this.progress.relationships % PROGRESS_EVERY === 0) this.checkpoint();
    return this.output!.body.append(line);
  }

  /** Every few thousand records: stop when aborted, and report progress. */
  private checkpoint(): void {
    throwIfAborted(this.options.signal, "the backup");
    this.report();
  }

  /** Checks consistency, writes metadata and statistics, and publishes the file. */
  async publish(): Promise<BackupResult> {
    const changed = await this.changedDuringBackup();
    const metadata = this.describe!({
      nodes: this.progress.nodes,
      relationships: this.progress.relationships,
      finished: this.now().toISOString(),
      durationMs: Math.round(performance.now() - this.startedMs),
      changed,
      skipped: this.skipped,
    });
    const statistics = this.statistics(metadata);
    this.report("publishing");
    const ends = { firstLine: metadataLine(metadata), lastLine: statisticsLine(statistics) };
    await this.output!.finish(ends.firstLine, ends.lastLine);
    const stored = await this.publishOutput();
    this.report("done");
    const result: BackupResult = {
      name: stored.name,
      location: this.options.storage.describe(),
      nodeCount: this.progress.nodes,
      relationshipCount: this.progress.relationships,
      bytes: stored.size,
      compression: this.encoding.compression,
      encrypted: this.encoding.encryption !== undefined,
      durationMs: Math.round(performance.now() - this.startedMs),
      checksum: statistics.checksum,
      changedDuringBackup: changed,
      skippedRelationships: this.skipped,
      metadata,
      removed: [],
    };
    const fileKey = this.output instanceof EncodedOutput ? this.output.fileKey : undefined;
    if (fileKey) writtenKeys.set(result, fileKey);
    const written = this.output instanceof SnapshotOutput ? this.output.written : undefined;
    if (written) {
      writtenSnapshots.set(result, written);
      result.snapshot = snapshotSizes(written.manifest);
    } else {
      writtenEnds.set(result, { firstLine: ends.firstLine.trimEnd(), lastLine: ends.lastLine.trimEnd() });
    }
    this.logger.info(
      {
        name: result.name,
        nodes: result.nodeCount,
        relationships: result.relationshipCount,
        bytes: result.bytes,
        ms: result.durationMs,
        changed,
      },
      "backup published",
    );
    return result;
  }

  /** Whether anything was committed while the database was read; throws with `requireConsistent`. */
  private async changedDuringBackup(): Promise<boolean> {
    const after = await readChangeMarker(this.options.driver, this.database);
    const changed = this.skipped > 0 || this.before!.marker !== after.marker;
    if (changed && this.options.requireConsistent) {
      throw new BackupError(
        "INCONSISTENT",
        `the database changed while it was backed up (${this.skipped} relationships skipped); nothing was published — retry when writes are paused`,
      );
    }
    return changed;
  }

  private statistics(metadata: BackupMetadata): BackupStatistics {
    const sortedCounts = (m: Map<string, number>) =>
      Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return {
      node_count: this.progress.nodes,
      relationship_count: this.progress.relationships,
      label_counts: sortedCounts(this.labelCounts),
      relationship_type_counts: sortedCounts(this.typeCounts),
      checksum: this.checksum.digest(),
      metadata_checksum: metadataChecksum(metadata),
    };
  }

  private publishOutput(): Promise<StoredBackup> {
    const { name, prefix, storage, signal } = this.options;
    const output = this.output!;
    const layers = { ...layersOf(this.encoding), ...(this.options.snapshot ? { snapshot: true } : {}) };
    if (name !== undefined) return output.publish(name, signal);
    return publishUnderFreeName(prefix ?? DEFAULT_BACKUP_PREFIX, this.started, storage, layers, (n) =>
      output.publish(n, signal),
    );
  }

  /** The error to throw for `error`, logged; an abort is always reported as `ABORTED`. */
  failure(error: unknown): unknown {
    const { signal } = this.options;
    const mapped =
      signal?.aborted && !(error instanceof BackupError && error.code !== "ABORTED")
        ? new BackupError("ABORTED", "the backup was aborted; nothing was published", { cause: error })
        : classifyDriverError(error, "backup");
    this.logger.error(
      { err: mapped instanceof Error ? mapped.message : String(mapped) },
      "backup failed; nothing was published",
    );
    return mapped;
  }

  /** Discards an unpublished output and closes the reader. */
  async close(): Promise<void> {
    await this.workers?.terminate();
    await this.reader?.close();
    await this.output?.discard();
  }
}

function addCounts(into: Map<string, number>, counts: Record<string, number>): void {
  for (const [key, count] of Object.entries(counts)) into.set(key, (into.get(key) ?? 0) + count);
}

/** Whether a backup with the stem of `name` exists under any extension. */
async function stemTaken(storage: BackupStorage, name: string): Promise<boolean> {
  const stem = layersOfName(name)!.stem;
  for (const extension of BACKUP_EXTENSIONS) if (await storage.stat(`${stem}${extension}`)) return true;
  return false;
}

/**
 * Publishes under the first free `<prefix>_YYYYMMDD_HHMMSS[_n].<extension>` name; a name is taken
 * when a backup of that stem exists with any extension, so that the suffix orders them.
 */
async function publishUnderFreeName(
  prefix: string,
  started: Date,
  storage: BackupStorage,
  layers: BackupLayers,
  publishAs: (name: string) => Promise<StoredBackup>,
): Promise<StoredBackup> {
  for (let attempt = 1; attempt <= 100; attempt++) {
    const name = backupFileName(prefix, started, attempt, layers);
    if (await stemTaken(storage, name)) continue;
    try {
      return await publishAs(name);
    } catch (error) {
      if (error instanceof BackupError && error.code === "BACKUP_EXISTS") continue;
      throw error instanceof BackupError
        ? error
        : new BackupError("STORAGE", `publishing the backup failed: ${(error as Error).message}`, {
            cause: error,
          });
    }
  }
  throw new BackupError("STORAGE", "could not find a free backup name after 100 attempts");
}
