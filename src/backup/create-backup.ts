/**
 * createBackup: an online, full, logical backup over Bolt.
 *
 * Data flows one way: driver → record encoder → output (in place, or through a spool) → storage. Nodes and relationships are read
 * in one read transaction with backpressure (`for await`), encoded exactly, and spooled; the file
 * is published only after everything was read, so a failure or abort publishes nothing.
 */
import type { Driver, Session, Transaction } from "neo4j-driver";
import { BackupError, classifyDriverError, throwIfAborted } from "../errors.js";
import { IdSet } from "../format/id-set.js";
import { metadataLine, statisticsLine } from "../format/layout.js";
import { ContentChecksum } from "../format/records.js";
import type { BackupMetadata, BackupStatistics } from "../format/schema.js";
import { encodeProperties, toSafeNumber } from "../format/values.js";
import { entryFromResult, recordBackup, updateIndex } from "../lifecycle/catalog.js";
import { type LockingOptions, withStorageLock } from "../lifecycle/locking.js";
import { assertKeep, DEFAULT_KEEP, removeBackups, retentionCandidates } from "../lifecycle/retention.js";
import { type Logger, silentLogger } from "../logger.js";
import { recoverIfInterrupted } from "../restore/recovery.js";
import { assertValidBackupName, type BackupStorage } from "../storage/contract.js";
import { validateBackup } from "../validate/validate-backup.js";
import { FORMAT_NAME, FORMAT_VERSION, LIBRARY_VERSION } from "../version.js";
import { backupFileName, DEFAULT_BACKUP_PREFIX, formatTimestamp } from "./naming.js";
import { type BackupOutput, openBackupOutput } from "./output.js";
import { exportSchema } from "./schema-export.js";
import { readChangeMarker, readServerInfo } from "./server-info.js";

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

/** Options of {@link createBackup}. */
export interface CreateBackupOptions extends LockingOptions {
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
   * `initial_backup.json`); fails with `BACKUP_EXISTS` when taken. Such backups are not subject to retention.
   */
  name?: string;
  /**
   * How many backups with this prefix to keep, the new one included; default 1. Older ones are removed
   * only after the new backup was published and validated. `Infinity` keeps all.
   */
  keep?: number;
  /** Backups retention must not remove (for example the file a restore is reading). */
  protect?: string[];
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
}

/** What {@link createBackup} returns. */
export interface BackupResult {
  /** The published file's name. */
  name: string;
  /** Where it was published (storage description). */
  location: string;
  /** Nodes in the file. */
  nodeCount: number;
  /** Relationships in the file. */
  relationshipCount: number;
  /** Size of the file in bytes. */
  bytes: number;
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
  /** Older backups removed by retention after this one was validated. */
  removed: string[];
}

const PROGRESS_EVERY = 5000;

function assertOptions(options: CreateBackupOptions): void {
  if (!options || typeof options !== "object")
    throw new BackupError("INVALID_OPTIONS", "createBackup needs an options object");
  if (!options.driver || typeof (options.driver as Driver).session !== "function") {
    throw new BackupError("INVALID_OPTIONS", "createBackup needs `driver`: a neo4j-driver Driver");
  }
  if (!options.storage || typeof options.storage.write !== "function") {
    throw new BackupError("INVALID_OPTIONS", "createBackup needs `storage`: a BackupStorage");
  }
  if (typeof options.reason !== "string")
    throw new BackupError("INVALID_OPTIONS", "createBackup needs `reason`: a string");
  if (options.name !== undefined) assertValidBackupName(options.name);
  assertLosslessDriver(options.driver);
}

/** Refuses drivers configured to turn integers into JS numbers: those lose Integer vs Float. */
export function assertLosslessDriver(driver: Driver): void {
  const config = (driver as unknown as { _config?: { disableLosslessIntegers?: boolean } })._config;
  if (config?.disableLosslessIntegers) {
    throw new BackupError(
      "DRIVER_CONFIG",
      "the driver was created with disableLosslessIntegers, which cannot tell Integer from Float; create it without that option (useBigInt is fine)",
    );
  }
}

/**
 * Backs up a whole database: every node, relationship, label, property, index and constraint,
 * into one file in `storage`. See docs/format.md for the file and its consistency guarantee.
 *
 * @throws BackupError — `ABORTED`, `CONNECTION`, `AUTHENTICATION`, `UNSUPPORTED_VALUE`,
 *   `INCONSISTENT` (with `requireConsistent`), `STORAGE`, `INVALID_OPTIONS`, `DRIVER_CONFIG`.
 */
export async function createBackup(options: CreateBackupOptions): Promise<BackupResult> {
  assertOptions(options);
  if (options.keep !== undefined) assertKeep(options.keep);
  const logger = options.logger ?? silentLogger;
  const { storage } = options;
  return withStorageLock(
    storage,
    async () => {
      const result = await writeBackupFile(options);
      try {
        await recordBackup(storage, entryFromResult(result), { logger });
      } catch (error) {
        // the backup itself is published and complete; the index is rebuilt from the files when next read
        logger.warn({ err: (error as Error).message }, "the backup index could not be updated");
      }
      if (options.name === undefined) {
        result.removed = await cleanUp(
          storage,
          result.name,
          options.keep ?? DEFAULT_KEEP,
          new Set(options.protect ?? []),
          options.signal,
          logger,
        );
      }
      return result;
    },
    {
      timeoutMs: options.lockTimeoutMs,
      onWait: options.onLockWait,
      signal: options.signal,
      logger,
      onAcquire: () => recoverIfInterrupted(options.driver, storage, logger),
    },
  );
}

/**
 * Retention after a publication: validates the new backup (only when something would be removed),
 * then removes the older ones. An invalid new backup is taken back and the older ones stay.
 */
async function cleanUp(
  storage: BackupStorage,
  name: string,
  keep: number,
  protect: ReadonlySet<string>,
  signal: AbortSignal | undefined,
  logger: Logger,
): Promise<string[]> {
  const candidates = (await retentionCandidates(storage, name, keep)).filter((n) => !protect.has(n));
  if (candidates.length === 0) return [];
  const report = await validateBackup({ storage, name, signal, maxProblems: 5 });
  if (!report.valid) {
    await storage.remove(name);
    await updateIndex(storage, () => {}, { logger }).catch(() => {});
    throw new BackupError(
      "VALIDATION_FAILED",
      `the new backup ${name} failed validation after it was written (${report.problems.map((p) => p.message).join("; ")}); it was removed and the older backups were kept`,
      { details: report },
    );
  }
  const removed = await removeBackups(storage, candidates, logger);
  await updateIndex(storage, () => {}, { logger }).catch((error) => {
    logger.warn({ err: (error as Error).message }, "the backup index could not be updated");
  });
  return removed;
}

async function writeBackupFile(options: CreateBackupOptions): Promise<BackupResult> {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? (() => new Date());
  const { driver, storage, signal } = options;
  const started = now();
  const startedMs = performance.now();
  throwIfAborted(signal, "the backup");

  let output: BackupOutput | undefined;
  let session: Session | undefined;
  let tx: Transaction | undefined;
  try {
    session = driver.session({
      database: options.database,
      defaultAccessMode: "READ",
      fetchSize: options.fetchSize ?? 2000,
    });
    const server = await readServerInfo(session);
    const database = options.database ?? server.database;
    const before = await readChangeMarker(driver, database);
    logger.info(
      { database, server: server.version, edition: server.edition, reason: options.reason },
      "backup started",
    );

    tx = await session.beginTransaction();
    const abortTx = () => {
      tx?.close().catch(() => {});
    };
    signal?.addEventListener("abort", abortTx, { once: true });
    try {
      const progress: BackupProgress = {
        phase: "schema",
        nodes: 0,
        relationships: 0,
        totalNodes: before.nodes,
        totalRelationships: before.relationships,
      };
      const report = () => options.onProgress?.({ ...progress });
      report();
      const schema = await exportSchema(tx);

      const describe = (outcome: MetadataOutcome): BackupMetadata => ({
        format: FORMAT_NAME,
        format_version: FORMAT_VERSION,
        timestamp: formatTimestamp(started),
        datetime: started.toISOString(),
        reason: options.reason,
        node_count: outcome.nodes,
        relationship_count: outcome.relationships,
        version: LIBRARY_VERSION,
        backup_type: "full",
        source: options.source ?? "neo4j-backup",
        database,
        server: { version: server.version, edition: server.edition },
        started_at: started.toISOString(),
        finished_at: outcome.finished,
        duration_ms: outcome.durationMs,
        consistency: {
          changed_during_backup: outcome.changed,
          detection: before.detection,
          skipped_relationships: outcome.skipped,
        },
        schema,
      });
      // the metadata line is written last; its size is bounded by the widest values it can take
      const headerBytes = Buffer.byteLength(metadataLine(describe(WIDEST_OUTCOME)));
      output = await openBackupOutput(storage, headerBytes, options.spoolDirectory);
      const body = output.body;

      const checksum = new ContentChecksum();
      const labelCounts = new Map<string, number>();
      const typeCounts = new Map<string, number>();
      const nodeIds = new IdSet();

      progress.phase = "nodes";
      report();
      const nodes = tx.run("MATCH (n) RETURN id(n) AS id, labels(n) AS labels, properties(n) AS props");
      for await (const record of nodes) {
        const id = toSafeNumber(record.get(0));
        const labels = record.get(1) as string[];
        const properties = encodeWithContext(record.get(2), `node ${id}`);
        const line = JSON.stringify({ _id: id, _labels: labels, properties });
        checksum.addNode(line);
        nodeIds.add(id);
        for (const label of labels) labelCounts.set(label, (labelCounts.get(label) ?? 0) + 1);
        await body.append(line);
        if (++progress.nodes % PROGRESS_EVERY === 0) {
          throwIfAborted(signal, "the backup");
          report();
        }
      }
      throwIfAborted(signal, "the backup");
      body.startRelationships();

      progress.phase = "relationships";
      report();
      let skipped = 0;
      const rels = tx.run(
        "MATCH (a)-[r]->(b) RETURN id(r) AS id, type(r) AS type, id(a) AS start, id(b) AS end, properties(r) AS props",
      );
      for await (const record of rels) {
        const id = toSafeNumber(record.get(0));
        const start = toSafeNumber(record.get(2));
        const end = toSafeNumber(record.get(3));
        if (!nodeIds.has(start) || !nodeIds.has(end)) {
          // an endpoint was created after the node scan passed it: leave the relationship out so the
          // file stays referentially intact; the change is recorded below
          skipped++;
          continue;
        }
        const type = record.get(1) as string;
        const properties = encodeWithContext(record.get(4), `relationship ${id}`);
        const line = JSON.stringify({ _id: id, _type: type, _start_id: start, _end_id: end, properties });
        checksum.addRelationship(line);
        typeCounts.set(type, (typeCounts.get(type) ?? 0) + 1);
        await body.append(line);
        if (++progress.relationships % PROGRESS_EVERY === 0) {
          throwIfAborted(signal, "the backup");
          report();
        }
      }
      throwIfAborted(signal, "the backup");
      await tx.commit();
      tx = undefined;
      signal?.removeEventListener("abort", abortTx);

      const after = await readChangeMarker(driver, database);
      const changed = skipped > 0 || before.marker !== after.marker;
      if (changed && options.requireConsistent) {
        throw new BackupError(
          "INCONSISTENT",
          `the database changed while it was backed up (${skipped} relationships skipped); nothing was published — retry when writes are paused`,
        );
      }

      const sortedCounts = (m: Map<string, number>) =>
        Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      const metadata = describe({
        nodes: progress.nodes,
        relationships: progress.relationships,
        finished: now().toISOString(),
        durationMs: Math.round(performance.now() - startedMs),
        changed,
        skipped,
      });
      const statistics: BackupStatistics = {
        node_count: progress.nodes,
        relationship_count: progress.relationships,
        label_counts: sortedCounts(labelCounts),
        relationship_type_counts: sortedCounts(typeCounts),
        checksum: checksum.digest(),
      };

      progress.phase = "publishing";
      report();
      await output.finish(metadataLine(metadata), statisticsLine(statistics));
      const target = output;
      const stored =
        options.name !== undefined
          ? await target.publish(options.name, signal)
          : await publish(options.prefix ?? DEFAULT_BACKUP_PREFIX, started, storage, (name) =>
              target.publish(name, signal),
            );
      progress.phase = "done";
      report();
      const result: BackupResult = {
        name: stored.name,
        location: storage.describe(),
        nodeCount: progress.nodes,
        relationshipCount: progress.relationships,
        bytes: stored.size,
        durationMs: Math.round(performance.now() - startedMs),
        checksum: statistics.checksum,
        changedDuringBackup: changed,
        skippedRelationships: skipped,
        metadata,
        removed: [],
      };
      logger.info(
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
    } finally {
      signal?.removeEventListener("abort", abortTx);
    }
  } catch (error) {
    if (tx) await tx.close().catch(() => {});
    const mapped =
      signal?.aborted && !(error instanceof BackupError && error.code !== "ABORTED")
        ? new BackupError("ABORTED", "the backup was aborted; nothing was published", { cause: error })
        : classifyDriverError(error, "backup");
    logger.error(
      { err: mapped instanceof Error ? mapped.message : String(mapped) },
      "backup failed; nothing was published",
    );
    throw mapped;
  } finally {
    await output?.discard();
    await session?.close().catch(() => {});
  }
}

/** What the metadata can only say at the end of a backup. */
interface MetadataOutcome {
  nodes: number;
  relationships: number;
  finished: string;
  durationMs: number;
  changed: boolean;
  skipped: number;
}

/** The widest outcome the metadata line can hold: its size is the room reserved for that line. */
const WIDEST_OUTCOME: MetadataOutcome = {
  nodes: Number.MAX_SAFE_INTEGER,
  relationships: Number.MAX_SAFE_INTEGER,
  // the longest form Date.prototype.toISOString produces
  finished: new Date(-8.64e15).toISOString(),
  durationMs: Number.MAX_SAFE_INTEGER,
  changed: false,
  skipped: Number.MAX_SAFE_INTEGER,
};

function encodeWithContext(props: unknown, where: string): ReturnType<typeof encodeProperties> {
  try {
    return encodeProperties(props as Record<string, unknown>, "properties");
  } catch (error) {
    throw new BackupError("UNSUPPORTED_VALUE", `${where}: ${(error as Error).message}`, { cause: error });
  }
}

/** Publishes under the first free `<prefix>_YYYYMMDD_HHMMSS[_n].json` name. */
async function publish(
  prefix: string,
  started: Date,
  storage: BackupStorage,
  publishAs: (name: string) => Promise<{ name: string; size: number }>,
): Promise<{ name: string; size: number }> {
  for (let attempt = 1; attempt <= 100; attempt++) {
    const name = backupFileName(prefix, started, attempt);
    if (await storage.stat(name)) continue;
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
