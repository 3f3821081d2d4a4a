/**
 * restoreBackup: validates a backup completely, then writes it into a database with ID remapping,
 * recreates the schema, and verifies the result. In replace mode a safety backup of the current
 * contents is taken first and restored automatically if anything fails.
 *
 * Data flows one way: storage → reader → decoder → batch writer → driver.
 */

import { hostname } from "node:os";
import neo4j, { type Driver } from "neo4j-driver";
import { createBackup } from "../backup/create-backup.js";
import { parseBackupFileName } from "../backup/naming.js";
import { countGraph, readServerInfo } from "../backup/server-info.js";
import { escapeIdentifier, labelFragment } from "../cypher/names.js";
import { BackupError, classifyDriverError, throwIfAborted } from "../errors.js";
import { readBackupEvents } from "../format/reader.js";
import type { BackupMetadata, ConstraintDefinition, IndexDefinition } from "../format/schema.js";
import { decodeV1Properties } from "../format/v1.js";
import { decodeProperties, toSafeNumber } from "../format/values.js";
import { backupKind, markPendingRestore, recordRestore, SAFETY_BACKUP_PREFIX } from "../lifecycle/catalog.js";
import { type LockingOptions, withStorageLock } from "../lifecycle/locking.js";
import { type Logger, silentLogger } from "../logger.js";
import type { BackupStorage } from "../storage/contract.js";
import { type ValidationReport, validateBackup } from "../validate/validate-backup.js";
import { compareWithDatabase, type VerifyResult } from "../verify/verify-backup.js";
import { clearData } from "./clear.js";
import { NodeIdMap } from "./id-map.js";
import { recoverIfInterrupted } from "./recovery.js";
import {
  createSchema,
  dropSchema,
  planSchema,
  readSchemaNames,
  type SchemaProblem,
} from "./schema-restore.js";

/** Progress of a running restore. */
export interface RestoreProgress {
  /** What is being done now; during `validating`, nodes and relationships count the records checked so far. */
  phase:
    | "validating"
    | "safety-backup"
    | "clearing"
    | "nodes"
    | "relationships"
    | "schema"
    | "verifying"
    | "rolling-back"
    | "done";
  /** Nodes written (or checked, while validating). */
  nodes: number;
  /** Relationships written (or checked, while validating). */
  relationships: number;
  /** Nodes in the file (known once validation is done). */
  totalNodes: number;
  /** Relationships that will be written (known once validation is done). */
  totalRelationships: number;
}

/** Options of {@link restoreBackup}. */
export interface RestoreBackupOptions extends LockingOptions {
  driver: Driver;
  storage: BackupStorage;
  /** The backup to restore; default the newest in the storage. */
  name?: string;
  /** Target database; default the home database. */
  database?: string;
  /** `"empty"` (default): refuse a target that holds data. `"replace"`: clear the target first. */
  mode?: "empty" | "replace";
  /** In replace mode, back up the current contents first and restore them on failure (default true). */
  safetyBackup?: boolean;
  /** Records per write transaction (default 5000). */
  batchSize?: number;
  /** Write transactions in flight at once (default 2). */
  concurrency?: number;
  /** Restore a file whose relationships refer to missing nodes, skipping those relationships. */
  allowDanglingRelationships?: boolean;
  /** Only validate and check the target; write nothing. */
  dryRun?: boolean;
  /** Skip the verification at the end (default false). */
  skipVerify?: boolean;
  logger?: Logger;
  onProgress?: (progress: RestoreProgress) => void;
  /** Cancels the restore; in replace mode the previous contents are put back. */
  signal?: AbortSignal;
}

/** What {@link restoreBackup} returns. */
export interface RestoreResult {
  /** The backup that was restored. */
  name: string;
  mode: "empty" | "replace";
  /** Nodes and relationships written. */
  nodeCount: number;
  relationshipCount: number;
  /** Relationships left out because an endpoint is missing (only with allowDanglingRelationships). */
  skippedRelationships: number;
  /** Indexes and constraints created. */
  schemaObjects: number;
  durationMs: number;
  /** Name of the safety backup taken in replace mode. */
  safetyBackup?: string;
  /** The comparison of the restored database with the backup (absent with skipVerify or dryRun). */
  verification?: VerifyResult;
  /** True for a dry run: nothing was written. */
  dryRun: boolean;
  /** The validation report of the file. */
  validation: ValidationReport;
}

interface PreparedRestore {
  name: string;
  validation: ValidationReport;
  metadata: Record<string, unknown>;
  schema: { indexes: IndexDefinition[]; constraints: ConstraintDefinition[] } | null;
  statements: ReturnType<typeof planSchema>["statements"];
}

/**
 * Picks the backup to restore when none is named: the newest regular or pre-upgrade backup by the
 * timestamp in its name (then suffix, then modification time); safety and distribution backups only
 * when there is nothing else.
 */
export async function latestBackupName(storage: BackupStorage): Promise<string> {
  const all = await storage.list();
  if (all.length === 0) throw new BackupError("NOT_FOUND", `no backups in ${storage.describe()}`);
  all.sort((a, b) => {
    const ka = parseBackupFileName(a.name);
    const kb = parseBackupFileName(b.name);
    if (ka && kb && ka.timestamp !== kb.timestamp) return ka.timestamp < kb.timestamp ? 1 : -1;
    if (ka && kb && ka.attempt !== kb.attempt) return kb.attempt - ka.attempt;
    return b.modified.getTime() - a.modified.getTime();
  });
  const regular = all.find((f) => ["backup", "pre-upgrade"].includes(backupKind(f.name)));
  return (regular ?? all[0]!).name;
}

/**
 * Whether the target can store VECTOR values and this connection can carry them: Bolt 6 or newer,
 * and a database in the block store format (other formats refuse vector properties). Writes nothing.
 */
async function targetSupportsVectors(driver: Driver, database: string): Promise<boolean> {
  try {
    const protocol = await driver.getNegotiatedProtocolVersion();
    if (protocol.getMajor() < 6) return false;
    const { records } = await driver.executeQuery(
      "SHOW DATABASES YIELD name, store WHERE name = $database RETURN store",
      { database },
      { database: "system", routing: neo4j.routing.READ },
    );
    const store = records[0]?.get("store");
    return typeof store === "string" && store.startsWith("block");
  } catch {
    return false;
  }
}

/** Runs async jobs with at most `limit` in flight; the first failure stops new jobs and is thrown. */
class Pipeline {
  private readonly running = new Set<Promise<void>>();
  private failure: unknown;
  constructor(private readonly limit: number) {}

  async submit(job: () => Promise<void>): Promise<void> {
    if (this.failure) throw this.failure;
    while (this.running.size >= this.limit) {
      await Promise.race(this.running);
      if (this.failure) throw this.failure;
    }
    const p: Promise<void> = job()
      .catch((error) => {
        this.failure ??= error;
      })
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }

  async drain(): Promise<void> {
    await Promise.all(this.running);
    if (this.failure) throw this.failure;
  }

  /** Waits for every job still running, ignoring their outcome (used before undoing a failed restore). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.running);
  }
}

/** Validates the file and checks the target; throws before anything is written. */
async function prepare(
  options: RestoreBackupOptions,
  name: string,
  target: { version: string; edition: string; database: string },
  onValidated?: (seen: { nodes: number; relationships: number }) => void,
): Promise<PreparedRestore> {
  const validation = await validateBackup({
    storage: options.storage,
    name,
    signal: options.signal,
    fingerprint: !options.skipVerify,
    onProgress: onValidated,
  });
  const errors = validation.problems.filter((p) => p.severity === "error");
  const onlyDangling = errors.length > 0 && errors.every((p) => p.code === "DANGLING_RELATIONSHIP");
  if (
    !validation.valid &&
    !(onlyDangling && options.allowDanglingRelationships && validation.omittedProblems === 0)
  ) {
    const first = errors[0];
    const where = first
      ? ` — first problem: ${first.message} (${first.location.line ? `line ${first.location.line}, ` : ""}${first.location.path})`
      : "";
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
  const metadata = (validation.metadata ?? {}) as Record<string, unknown>;
  const schema = validation.formatVersion === 2 ? ((metadata as BackupMetadata).schema ?? null) : null;
  const sourceServer = (metadata as Partial<BackupMetadata>).server;
  const plan = schema
    ? planSchema(schema, target, sourceServer)
    : { statements: [], problems: [] as SchemaProblem[] };
  const problems = plan.problems.map((p) => `${p.kind} ${JSON.stringify(p.name)}: ${p.message}`);
  if (validation.usesVectors && !(await targetSupportsVectors(options.driver, target.database))) {
    problems.push(
      `the backup holds VECTOR property values, which this target cannot store: they need Bolt 6 and a database in the block store format (Neo4j ${target.version} ${target.edition})`,
    );
  }
  if (problems.length > 0) {
    throw new BackupError(
      "UNSUPPORTED_TARGET",
      `the target cannot hold this backup: ${problems.join("; ")}; nothing was written`,
      {
        details: problems,
      },
    );
  }
  return { name, validation, metadata, schema, statements: plan.statements };
}

/**
 * Restores a backup into a database. See docs/restore.md for the guarantees.
 *
 * @throws BackupError — `VALIDATION_FAILED` (nothing written), `TARGET_NOT_EMPTY`, `UNSUPPORTED_TARGET`,
 *   `NOT_FOUND`, `ABORTED` / `RESTORE_FAILED` (replace mode: previous contents restored — see
 *   `details.safetyBackup`), `ROLLBACK_FAILED` (the message names the safety backup), `CONNECTION`.
 */
export async function restoreBackup(options: RestoreBackupOptions): Promise<RestoreResult> {
  if (!options?.storage || typeof options.storage.lock !== "function") {
    throw new BackupError("INVALID_OPTIONS", "restoreBackup needs `storage`: a BackupStorage");
  }
  return withStorageLock(options.storage, () => restoreLocked(options), {
    timeoutMs: options.lockTimeoutMs,
    onWait: options.onLockWait,
    signal: options.signal,
    logger: options.logger,
    onAcquire: () => recoverIfInterrupted(options.driver, options.storage, options.logger),
  });
}

async function restoreLocked(options: RestoreBackupOptions): Promise<RestoreResult> {
  if (!options?.driver || typeof options.driver.session !== "function") {
    throw new BackupError("INVALID_OPTIONS", "restoreBackup needs `driver`: a neo4j-driver Driver");
  }
  if (!options.storage || typeof options.storage.read !== "function") {
    throw new BackupError("INVALID_OPTIONS", "restoreBackup needs `storage`: a BackupStorage");
  }
  const mode = options.mode ?? "empty";
  if (mode !== "empty" && mode !== "replace")
    throw new BackupError("INVALID_OPTIONS", `unknown mode ${JSON.stringify(mode)}`);
  const logger = options.logger ?? silentLogger;
  const { driver, storage, database, signal } = options;
  const started = performance.now();
  const progress: RestoreProgress = {
    phase: "validating",
    nodes: 0,
    relationships: 0,
    totalNodes: 0,
    totalRelationships: 0,
  };
  const report = (phase?: RestoreProgress["phase"]) => {
    if (phase) progress.phase = phase;
    options.onProgress?.({ ...progress });
  };

  let name: string;
  let prepared: PreparedRestore;
  let target: { version: string; edition: string; database: string };
  try {
    name = options.name ?? (await latestBackupName(storage));
    const session = driver.session({ database, defaultAccessMode: "READ" });
    try {
      target = await readServerInfo(session);
    } finally {
      await session.close();
    }
    report("validating");
    prepared = await prepare(options, name, target, (seen) => {
      // while validating, the counts are the records checked so far
      progress.nodes = seen.nodes;
      progress.relationships = seen.relationships;
      report();
    });
    progress.nodes = 0;
    progress.relationships = 0;
    progress.totalNodes = prepared.validation.nodeCount;
    progress.totalRelationships =
      prepared.validation.relationshipCount - prepared.validation.danglingRelationships;
    throwIfAborted(signal, "the restore");
    const current = await countGraph(driver, database);
    if (mode === "empty") {
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
      const clashes = prepared.statements.filter((s) => taken.has(s.name)).map((s) => s.name);
      if (clashes.length) {
        throw new BackupError(
          "TARGET_NOT_EMPTY",
          `the target already has schema objects named ${clashes.map((c) => JSON.stringify(c)).join(", ")}; nothing was written`,
        );
      }
    }
  } catch (error) {
    throw classifyDriverError(error, "restore");
  }

  const base = { name, mode, dryRun: false, validation: prepared.validation } as const;
  if (options.dryRun) {
    return {
      ...base,
      nodeCount: 0,
      relationshipCount: 0,
      skippedRelationships: 0,
      schemaObjects: 0,
      durationMs: Math.round(performance.now() - started),
      dryRun: true,
    };
  }

  let safetyBackup: string | undefined;
  if (mode === "replace" && options.safetyBackup !== false) {
    report("safety-backup");
    const safety = await createBackup({
      driver,
      storage,
      database,
      prefix: SAFETY_BACKUP_PREFIX,
      reason: `Safety backup before restoring ${name}`,
      protect: [name],
      logger,
      signal,
    });
    safetyBackup = safety.name;
    logger.info({ safetyBackup }, "safety backup taken");
  }

  const undo: Undo = { droppedLookups: [] };
  const catalog = { logger };
  await markPendingRestore(
    storage,
    {
      name,
      database: target.database,
      safetyBackup: safetyBackup ?? null,
      started: new Date().toISOString(),
      pid: process.pid,
      host: hostname(),
    },
    catalog,
  );
  try {
    const written = await writeBackup(options, prepared, mode, progress, report, undo);
    let verification: VerifyResult | undefined;
    if (!options.skipVerify) {
      report("verifying");
      // the file was fingerprinted while it was validated: only the database is read again
      verification = await compareWithDatabase(
        driver,
        database,
        prepared.validation.fingerprint!,
        prepared.schema,
      );
      if (!verification.equal) {
        throw new BackupError(
          "RESTORE_FAILED",
          `the restored database differs from ${name}: ${verification.differences.join("; ")}`,
          {
            details: verification,
          },
        );
      }
    }
    report("done");
    await recordRestore(
      storage,
      {
        name,
        database: target.database,
        mode,
        restoredAt: new Date().toISOString(),
        nodeCount: written.nodeCount,
        relationshipCount: written.relationshipCount,
        durationMs: Math.round(performance.now() - started),
        initial: backupKind(name) === "distribution",
        safetyBackup: safetyBackup ?? null,
      },
      catalog,
    ).catch((error) =>
      logger.warn({ err: (error as Error).message }, "the backup index could not be updated"),
    );
    const result: RestoreResult = {
      ...base,
      ...written,
      durationMs: Math.round(performance.now() - started),
      ...(safetyBackup ? { safetyBackup } : {}),
      ...(verification ? { verification } : {}),
    };
    logger.info(
      { name, nodes: result.nodeCount, relationships: result.relationshipCount, ms: result.durationMs },
      "restore finished",
    );
    return result;
  } catch (failure) {
    const cause = signal?.aborted
      ? new BackupError("ABORTED", "the restore was aborted", { cause: failure })
      : classifyDriverError(failure, "restore");
    logger.error({ err: (cause as Error).message }, "restore failed");
    if (mode === "replace" && safetyBackup) {
      report("rolling-back");
      try {
        await rollBack(driver, storage, database, safetyBackup);
        await markPendingRestore(storage, null, catalog).catch(() => {});
      } catch (rollbackError) {
        throw new BackupError(
          "ROLLBACK_FAILED",
          `the restore failed (${(cause as Error).message}) and putting back the previous contents failed too (${(rollbackError as Error).message}); restore the safety backup ${safetyBackup} from ${storage.describe()} by hand`,
          { cause: rollbackError, details: { safetyBackup } },
        );
      }
      const code = cause instanceof BackupError && cause.code === "ABORTED" ? "ABORTED" : "RESTORE_FAILED";
      throw new BackupError(
        code,
        `the restore of ${name} ${code === "ABORTED" ? "was aborted" : `failed (${(cause as Error).message})`}; the previous contents were restored from the safety backup ${safetyBackup}`,
        { cause, details: { safetyBackup, rolledBack: true } },
      );
    }
    if (mode === "empty") {
      // the target was empty: take back what this restore wrote, nothing else
      await undoEmptyRestore(driver, database, prepared, undo)
        .then(() => markPendingRestore(storage, null, catalog))
        .catch((error) => {
          logger.error(
            { err: (error as Error).message },
            "emptying the target after the failed restore failed",
          );
        });
    }
    throw cause;
  }
}

/** After a failed restore into an empty target: delete the data, drop what was created, put back the lookups. */
async function undoEmptyRestore(
  driver: Driver,
  database: string | undefined,
  prepared: PreparedRestore,
  undo: Undo,
): Promise<void> {
  await clearData(driver, database);
  const created = new Set(prepared.statements.map((s) => s.name));
  const existing = await readSchemaNames(driver, database);
  for (const name of existing.constraints.filter((n) => created.has(n))) {
    await driver.executeQuery(`DROP CONSTRAINT ${escapeIdentifier(name)} IF EXISTS`, {}, { database });
  }
  for (const index of existing.indexes.filter((i) => created.has(i.name) && !i.owned)) {
    await driver.executeQuery(`DROP INDEX ${escapeIdentifier(index.name)} IF EXISTS`, {}, { database });
  }
  for (const lookup of undo.droppedLookups) {
    const target = lookup.entity === "NODE" ? "(e) ON EACH labels(e)" : "()-[e]-() ON EACH type(e)";
    await driver.executeQuery(
      `CREATE LOOKUP INDEX ${escapeIdentifier(lookup.name)} IF NOT EXISTS FOR ${target}`,
      {},
      { database },
    );
  }
}

/** Puts the safety backup back: clear the target, restore into it, verify. */
async function rollBack(
  driver: Driver,
  storage: BackupStorage,
  database: string | undefined,
  safetyBackup: string,
): Promise<void> {
  await clearData(driver, database);
  await dropSchema(driver, database);
  await restoreBackup({ driver, storage, database, name: safetyBackup, mode: "empty", safetyBackup: false });
}

/** What an empty-mode restore changed in the schema, to be undone if it fails. */
interface Undo {
  droppedLookups: { name: string; entity: "NODE" | "RELATIONSHIP" }[];
}

interface Written {
  nodeCount: number;
  relationshipCount: number;
  skippedRelationships: number;
  schemaObjects: number;
}

/** Writes the data and schema; on failure, returns only once no batch is still writing. */
async function writeBackup(
  options: RestoreBackupOptions,
  prepared: PreparedRestore,
  mode: "empty" | "replace",
  progress: RestoreProgress,
  report: (phase?: RestoreProgress["phase"]) => void,
  undo: Undo,
): Promise<Written> {
  const pipeline = new Pipeline(Math.max(1, options.concurrency ?? 2));
  try {
    return await writeWith(pipeline, options, prepared, mode, progress, report, undo);
  } catch (error) {
    // undoing must not race a batch that is still being written
    await pipeline.settle();
    throw error;
  }
}

async function writeWith(
  pipeline: Pipeline,
  options: RestoreBackupOptions,
  prepared: PreparedRestore,
  mode: "empty" | "replace",
  progress: RestoreProgress,
  report: (phase?: RestoreProgress["phase"]) => void,
  undo: Undo,
): Promise<Written> {
  const { driver, storage, database, signal } = options;
  const batchSize = options.batchSize ?? 5000;
  if (mode === "replace") {
    report("clearing");
    await clearData(driver, database);
    await dropSchema(driver, database);
  } else if (prepared.schema) {
    // the backup's lookup indexes replace the target's defaults, so names match exactly
    const existing = await readSchemaNames(driver, database);
    for (const index of existing.indexes.filter((i) => i.type === "LOOKUP")) {
      await driver.executeQuery(`DROP INDEX ${escapeIdentifier(index.name)} IF EXISTS`, {}, { database });
      undo.droppedLookups.push({
        name: index.name,
        entity: index.entityType === "RELATIONSHIP" ? "RELATIONSHIP" : "NODE",
      });
    }
  }

  const ids = new NodeIdMap();
  const version = prepared.validation.formatVersion ?? 2;
  const nodeBuckets = new Map<
    string,
    { labels: string[]; rows: { k: number | string; p: Record<string, unknown> }[] }
  >();
  const relBuckets = new Map<string, { s: number; e: number; p: Record<string, unknown> }[]>();
  let buffered = 0;
  let skipped = 0;

  const writeSession = async <T>(
    work: (tx: import("neo4j-driver").ManagedTransaction) => Promise<T>,
  ): Promise<T> => {
    const session = driver.session({ database, defaultAccessMode: "WRITE" });
    try {
      return await session.executeWrite(work);
    } finally {
      await session.close();
    }
  };

  const flushNodes = async (key: string) => {
    const bucket = nodeBuckets.get(key);
    if (!bucket || bucket.rows.length === 0) return;
    nodeBuckets.delete(key);
    buffered -= bucket.rows.length;
    const rows = bucket.rows.map((r, i) => ({ i, p: r.p }));
    const keys = bucket.rows.map((r) => r.k);
    const cypher = `UNWIND $rows AS row CREATE (n${labelFragment(bucket.labels)}) SET n = row.p RETURN row.i AS i, id(n) AS id`;
    await pipeline.submit(async () => {
      const result = await writeSession((tx) => tx.run(cypher, { rows }));
      for (const record of result.records) {
        ids.set(keys[toSafeNumber(record.get(0))]!, toSafeNumber(record.get(1)));
      }
      progress.nodes += rows.length;
      report();
    });
  };

  const flushRelationships = async (type: string) => {
    const rows = relBuckets.get(type);
    if (!rows || rows.length === 0) return;
    relBuckets.delete(type);
    buffered -= rows.length;
    const cypher = `UNWIND $rows AS row MATCH (a) WHERE id(a) = row.s MATCH (b) WHERE id(b) = row.e CREATE (a)-[r:${escapeIdentifier(type)}]->(b) SET r = row.p RETURN count(r) AS created`;
    await pipeline.submit(async () => {
      const result = await writeSession((tx) => tx.run(cypher, { rows }));
      const created = toSafeNumber(result.records[0]!.get(0));
      if (created !== rows.length) {
        throw new BackupError(
          "RESTORE_FAILED",
          `a batch of ${type} relationships created ${created} of ${rows.length}`,
        );
      }
      progress.relationships += rows.length;
      report();
    });
  };

  const flushLargest = async () => {
    let largest: string | undefined;
    let size = 0;
    for (const [k, b] of nodeBuckets) if (b.rows.length > size) [largest, size] = [k, b.rows.length];
    if (largest !== undefined) return flushNodes(largest);
    for (const [k, rows] of relBuckets) if (rows.length > size) [largest, size] = [k, rows.length];
    if (largest !== undefined) await flushRelationships(largest);
  };

  report("nodes");
  let inRelationships = false;
  for await (const event of readBackupEvents(await storage.read(prepared.name), { signal })) {
    if (event.kind === "node") {
      const r = event.value as {
        _id: number | string;
        _labels: string[];
        properties?: Record<string, unknown>;
      };
      const p =
        version === 2
          ? decodeProperties(r.properties ?? {}, `${event.location.path}.properties`)
          : decodeV1Properties(r as Record<string, unknown>, event.location.path).properties;
      const labels = [...r._labels].sort();
      const key = labels.join("\u0000");
      let bucket = nodeBuckets.get(key);
      if (!bucket) {
        bucket = { labels, rows: [] };
        nodeBuckets.set(key, bucket);
      }
      bucket.rows.push({ k: r._id, p });
      buffered++;
      if (bucket.rows.length >= batchSize) await flushNodes(key);
      else if (buffered >= batchSize * 4) await flushLargest();
    } else if (event.kind === "relationship") {
      if (!inRelationships) {
        inRelationships = true;
        for (const key of [...nodeBuckets.keys()]) await flushNodes(key);
        await pipeline.drain();
        throwIfAborted(signal, "the restore");
        report("relationships");
      }
      const r = event.value as {
        _type: string;
        _start_id: number | string;
        _end_id: number | string;
        properties?: Record<string, unknown>;
      };
      const s = ids.get(r._start_id);
      const e = ids.get(r._end_id);
      if (s === undefined || e === undefined) {
        skipped++;
        continue;
      }
      const p =
        version === 2
          ? decodeProperties(r.properties ?? {}, `${event.location.path}.properties`)
          : decodeV1Properties(r as Record<string, unknown>, event.location.path).properties;
      let rows = relBuckets.get(r._type);
      if (!rows) {
        rows = [];
        relBuckets.set(r._type, rows);
      }
      rows.push({ s, e, p });
      buffered++;
      if (rows.length >= batchSize) await flushRelationships(r._type);
      else if (buffered >= batchSize * 4) await flushLargest();
    }
    if (signal?.aborted) throwIfAborted(signal, "the restore");
  }
  for (const key of [...nodeBuckets.keys()]) await flushNodes(key);
  await pipeline.drain();
  for (const type of [...relBuckets.keys()]) await flushRelationships(type);
  await pipeline.drain();
  throwIfAborted(signal, "the restore");

  report("schema");
  await createSchema(driver, database, prepared.statements);
  return {
    nodeCount: progress.nodes,
    relationshipCount: progress.relationships,
    skippedRelationships: skipped,
    schemaObjects: prepared.statements.length,
  };
}
