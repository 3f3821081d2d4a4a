/**
 * What the dashboard's API does: each answer is one call of the public API (backupStatus,
 * readIndex, createBackup, validateBackup, verifyBackup, restoreBackup, checkBackupHealth, the
 * storage's read). Nothing here decides anything the library does not; keys and passwords stay in
 * this process.
 */
import type { ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  assertValidBackupName,
  BackupError,
  type BackupIndex,
  backupLayers,
  backupStatus,
  checkBackupHealth,
  createBackup,
  deleteBackup,
  LIBRARY_VERSION,
  type Logger,
  measureSnapshotStorage,
  openBackupBytes,
  pinBackup,
  readDatabaseIdentity,
  readIndex,
  resolveDatabase,
  restoreBackup,
  validateBackup,
  verifyBackup,
} from "../index.js";
import { RequestError, SECURITY_HEADERS } from "./http.js";
import { BusyError, type JobControl, type JobSnapshot, type Jobs } from "./jobs.js";
import type { DashboardOptions, DashboardStatus } from "./options.js";

/** What every handler works with. */
export interface DashboardContext {
  options: DashboardOptions;
  /**
   * The database (the name a restore must be confirmed with): resolved at start, or — when the
   * server did not answer then — at the first request it answers; null until then.
   */
  database: string | null;
  jobs: Jobs;
  logger: Logger;
}

/** True for the errors of a database that cannot be reached or refuses the login. */
export function isUnreachable(error: unknown): error is BackupError {
  return error instanceof BackupError && (error.code === "CONNECTION" || error.code === "AUTHENTICATION");
}

/** The database's name, resolving it now if the server did not answer at start; throws when it still does not. */
async function requireDatabase(ctx: DashboardContext): Promise<string> {
  if (ctx.database !== null) return ctx.database;
  ctx.database = await resolveDatabase(ctx.options.driver, ctx.options.database);
  ctx.logger.info({ database: ctx.database }, "dashboard: the database answers");
  return ctx.database;
}

/** Longest reason accepted for a backup. */
const MAX_REASON = 1000;

/** `GET /api/status`. */
export async function readStatus(ctx: DashboardContext): Promise<DashboardStatus> {
  return statusWith(
    ctx,
    await readIndex(ctx.options.storage, { decryption: ctx.options.decryption, logger: ctx.logger }),
  );
}

/** The status answer, with the index already read. */
async function statusWith(ctx: DashboardContext, index: BackupIndex): Promise<DashboardStatus> {
  const { options } = ctx;
  const status = await databaseStatus(ctx).catch(async (error: unknown) => {
    if (!isUnreachable(error)) throw error;
    return storageOnlyStatus(ctx, error);
  });
  const next = options.nextScheduledRun?.();
  const snapshots = await measureSnapshotStorage(options.storage, index.backups);
  // every file as stored; a snapshot's chunks once (they are shared), its manifest in its entry
  const files = index.backups.filter((e) => !e.snapshot).reduce((sum, e) => sum + e.size, 0);
  return {
    ...status,
    storage: {
      backups: index.backups.length,
      bytes: snapshots.storedBytes === null ? null : files + snapshots.storedBytes,
    },
    retention: { prefix: options.prefix ?? "neo4j_backup", keep: options.keep ?? 1 },
    readOnly: options.readOnly === true,
    version: LIBRARY_VERSION,
    ...(next ? { nextScheduledRun: next.toISOString() } : {}),
    ...(snapshots.snapshots > 0 ? { snapshots } : {}),
  };
}

/** backupStatus of the dashboard's database (its name resolved first when it was not yet). */
async function databaseStatus(ctx: DashboardContext) {
  const { options } = ctx;
  const database = await requireDatabase(ctx);
  const status = await backupStatus({
    driver: options.driver,
    storage: options.storage,
    database,
    thresholds: options.thresholds,
    maxAgeDays: options.maxAgeDays,
    decryption: options.decryption,
    logger: ctx.logger,
  });
  return { ...status, databaseUp: true as const };
}

/** What the storage says of the database's backups (by its name) while the server does not answer. */
async function storageOnlyStatus(ctx: DashboardContext, error: BackupError) {
  const { storage, maxAgeDays, decryption } = ctx.options;
  const database = ctx.database ?? ctx.options.database ?? null;
  const health = await checkBackupHealth({
    storage,
    ...(database !== null ? { database } : {}),
    maxAgeDays,
    decryption,
    logger: ctx.logger,
  });
  const last = health.lastBackup;
  return {
    databaseUp: false as const,
    databaseProblem: error.message,
    database,
    identity: null,
    current: null,
    recommendation: null,
    lastBackup: last,
    lastBackupAgeMs: last ? Date.now() - Date.parse(last.created) : null,
    health,
    location: storage.describe(),
  };
}

/**
 * `GET /api/status/events`: what the page shows, sent again whenever it changes — with the id of
 * the job that runs, so that every open page follows it (and waits for it).
 */
export async function readLive(ctx: DashboardContext) {
  const index = await readIndex(ctx.options.storage, {
    decryption: ctx.options.decryption,
    logger: ctx.logger,
  });
  const status = await statusWith(ctx, index);
  const running = ctx.jobs.list().find((job) => job.state === "running");
  return {
    // ages relative to now would make every read differ: the page computes them from the times
    status: { ...status, lastBackupAgeMs: null, health: { ...status.health, ageDays: null } },
    backups: backupsWith(index),
    runningJob: running?.id ?? null,
  };
}

/** One line of the history: a backup taken, a restore, or a failure. */
export interface HistoryEvent {
  at: string;
  kind: "backup" | "restore" | "failure";
  /** The backup (taken, or restored); null for a failure. */
  name: string | null;
  /** In words: what happened, with its counts, duration or error. */
  text: string;
  failed: boolean;
}

/** How many events the history answer holds at most. */
const HISTORY_LENGTH = 30;

/**
 * `GET /api/history`: the backups taken, the restores and the recorded failures, newest first, from
 * the index (which keeps the restores and the last failures).
 */
export async function readHistory(ctx: DashboardContext): Promise<{ events: HistoryEvent[] }> {
  const index = await readIndex(ctx.options.storage, {
    decryption: ctx.options.decryption,
    logger: ctx.logger,
  });
  const seconds = (ms: number | null | undefined) =>
    typeof ms === "number" ? ` in ${(ms / 1000).toFixed(1)} s` : "";
  const events: HistoryEvent[] = [
    ...index.backups.map((b) => ({
      at: b.created,
      kind: "backup" as const,
      name: b.name,
      text: `${b.kind === "safety" ? "safety backup" : b.kind === "backup" ? "backup" : b.kind} of ${b.database ?? "the home database"}${b.series ? ` (series ${b.series})` : ""}: ${b.nodeCount.toLocaleString("en-US")} nodes, ${b.relationshipCount.toLocaleString("en-US")} relationships${seconds(b.durationMs)}${b.valid === false ? "; does not validate" : ""}`,
      failed: b.valid === false,
    })),
    ...index.restores.map((r) => ({
      at: r.restoredAt,
      kind: "restore" as const,
      name: r.name,
      text: `restored into ${r.database ?? "the home database"} (${r.mode}): ${r.nodeCount.toLocaleString("en-US")} nodes, ${r.relationshipCount.toLocaleString("en-US")} relationships${seconds(r.durationMs)}`,
      failed: false,
    })),
    ...(index.failures ?? []).map((f) => ({
      at: f.at,
      kind: "failure" as const,
      name: null,
      text: `${f.operation} of ${f.database ?? "the home database"} failed: ${f.code}: ${f.message}`,
      failed: true,
    })),
  ];
  events.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  return { events: events.slice(0, HISTORY_LENGTH) };
}

/** `GET /api/backups`: every backup, newest first, each saying whether it is pinned. */
export async function readBackups(ctx: DashboardContext) {
  const { storage, decryption } = ctx.options;
  return { backups: backupsWith(await readIndex(storage, { decryption, logger: ctx.logger })) };
}

/** The index's backups, each saying whether it is pinned. */
function backupsWith(index: BackupIndex) {
  const pins = new Set(index.pinned ?? []);
  return index.backups.map((entry) => ({ ...entry, pinned: pins.has(entry.name) }));
}

/** `POST /api/backups/:name/pin` with `{ pinned }`: pinBackup (retention never removes a pinned backup). */
export async function setPinned(ctx: DashboardContext, name: string, body: Record<string, unknown>) {
  refuseWhenReadOnly(ctx, "pin backups");
  await existingBackup(ctx, name);
  if (typeof body.pinned !== "boolean") throw new RequestError(400, "BAD_REQUEST", "pinned is true or false");
  const o = ctx.options;
  const { all } = await pinBackup({
    storage: o.storage,
    name,
    pinned: body.pinned,
    lockTimeoutMs: o.lockTimeoutMs,
    logger: ctx.logger,
  });
  return { name, pinned: body.pinned, all };
}

/** `GET /api/backups/:name`: one backup and the restores of it. */
export async function readBackup(ctx: DashboardContext, name: string) {
  assertValidBackupName(name);
  const index = await readIndex(ctx.options.storage, {
    decryption: ctx.options.decryption,
    logger: ctx.logger,
  });
  const backup = index.backups.find((entry) => entry.name === name);
  if (!backup) throw new RequestError(404, "NOT_FOUND", `there is no backup ${name}`);
  return { backup, restores: index.restores.filter((restore) => restore.name === name) };
}

/** A backup name from the path that names a stored backup. */
async function existingBackup(ctx: DashboardContext, name: string): Promise<number> {
  assertValidBackupName(name);
  const stored = await ctx.options.storage.stat(name);
  if (!stored) throw new RequestError(404, "NOT_FOUND", `there is no backup ${name}`);
  return stored.size;
}

function refuseWhenReadOnly(ctx: DashboardContext, what: string): void {
  if (ctx.options.readOnly) {
    throw new RequestError(403, "READ_ONLY", `the dashboard is read-only: it does not ${what}`);
  }
}

function startJob(
  ctx: DashboardContext,
  kind: JobSnapshot["kind"],
  backup: string | null,
  work: (control: JobControl) => Promise<unknown>,
): JobSnapshot {
  try {
    const job = ctx.jobs.start(kind, backup, work);
    ctx.logger.info({ job: job.id, kind, backup }, `dashboard: ${kind} started`);
    return job;
  } catch (error) {
    if (error instanceof BusyError) throw new RequestError(409, "BUSY", error.message);
    throw error;
  }
}

/** `POST /api/backups` with `{ reason }`: a backup, as a job. */
export async function startCreate(
  ctx: DashboardContext,
  body: Record<string, unknown>,
): Promise<JobSnapshot> {
  refuseWhenReadOnly(ctx, "create backups");
  const reason = typeof body.reason === "string" ? body.reason.trim() : "";
  if (reason === "") throw new RequestError(400, "BAD_REQUEST", "say why the backup is taken (a reason)");
  if (reason.length > MAX_REASON) {
    throw new RequestError(400, "BAD_REQUEST", `the reason is longer than ${MAX_REASON} characters`);
  }
  const o = ctx.options;
  const database = await requireDatabase(ctx);
  return startJob(ctx, "create", null, (control) =>
    createBackup({
      driver: o.driver,
      storage: o.storage,
      database,
      reason,
      compression: o.compression,
      compressionLevel: o.compressionLevel,
      encryption: o.encryption,
      decryption: o.decryption,
      ...(o.prefix !== undefined ? { prefix: o.prefix } : {}),
      ...(o.keep !== undefined ? { keep: o.keep } : {}),
      lockTimeoutMs: o.lockTimeoutMs,
      logger: ctx.logger,
      onProgress: control.progress,
      signal: control.signal,
    }),
  );
}

/** `POST /api/backups/:name/validate`: the file checked record by record, as a job. */
export async function startValidate(ctx: DashboardContext, name: string): Promise<JobSnapshot> {
  await existingBackup(ctx, name);
  const { storage, decryption } = ctx.options;
  return startJob(ctx, "validate", name, (control) =>
    validateBackup({ storage, name, decryption, signal: control.signal, onProgress: control.progress }),
  );
}

/** `POST /api/backups/:name/verify`: the database compared with the backup, as a job. */
export async function startVerify(ctx: DashboardContext, name: string): Promise<JobSnapshot> {
  await existingBackup(ctx, name);
  const { driver, storage, decryption } = ctx.options;
  const database = await requireDatabase(ctx);
  return startJob(ctx, "verify", name, (control) =>
    verifyBackup({ driver, storage, name, database, decryption, signal: control.signal }),
  );
}

/**
 * `POST /api/backups/:name/restore` with `{ confirm, mode }`: `confirm` must be the database's
 * name, typed by the user. Runs as a job: closing the page does not stop it.
 */
export async function startRestore(
  ctx: DashboardContext,
  name: string,
  body: Record<string, unknown>,
): Promise<JobSnapshot> {
  refuseWhenReadOnly(ctx, "restore backups");
  await existingBackup(ctx, name);
  const database = await requireDatabase(ctx);
  if (body.confirm !== database) {
    throw new RequestError(
      400,
      "CONFIRMATION_MISMATCH",
      `type the name of the database (${database}) to confirm the restore; nothing was written`,
    );
  }
  const mode = body.mode ?? "empty";
  if (mode !== "empty" && mode !== "replace") {
    throw new RequestError(400, "BAD_REQUEST", 'mode is "empty" or "replace"');
  }
  const o = ctx.options;
  return startJob(ctx, "restore", name, (control) =>
    restoreBackup({
      driver: o.driver,
      storage: o.storage,
      name,
      database,
      mode,
      decryption: o.decryption,
      lockTimeoutMs: o.lockTimeoutMs,
      logger: ctx.logger,
      onProgress: control.progress,
      signal: control.signal,
    }),
  );
}

/**
 * `POST /api/backups/:name/delete` with `{ confirm }`: `confirm` must be the backup's name (the page
 * asks first). Removes it with deleteBackup, holding the storage lock; refused while an unfinished
 * restore needs it, and while a job runs (it may be reading it).
 */
export async function removeBackup(ctx: DashboardContext, name: string, body: Record<string, unknown>) {
  refuseWhenReadOnly(ctx, "delete backups");
  await existingBackup(ctx, name);
  if (body.confirm !== name) {
    throw new RequestError(
      400,
      "CONFIRMATION_MISMATCH",
      `confirm with the backup's name (${name}); nothing was removed`,
    );
  }
  if (ctx.jobs.list().some((job) => job.state === "running"))
    throw new RequestError(409, "BUSY", "a job is running; delete the backup when it has ended");
  const o = ctx.options;
  const result = await deleteBackup({
    storage: o.storage,
    name,
    lockTimeoutMs: o.lockTimeoutMs,
    logger: ctx.logger,
  });
  ctx.logger.info({ name }, "dashboard: backup deleted");
  return result;
}

/**
 * `GET /api/backups/:name/download`: the file as stored (compressed and encrypted when it is); a
 * snapshot as the plain document its chunks reassemble to (`<stem>.json`), opened with the
 * dashboard's keys when it is encrypted.
 */
export async function sendDownload(ctx: DashboardContext, name: string, response: ServerResponse) {
  const size = await existingBackup(ctx, name);
  const { storage, decryption } = ctx.options;
  const snapshot = backupLayers(name).snapshot === true;
  const bytes = snapshot ? await openBackupBytes(storage, name, decryption ?? {}) : await storage.read(name);
  // names are plain file names (letters, digits, "._-"): nothing to quote
  const filename = snapshot ? name.replace(/\.snapshot$/, ".json") : name;
  response.writeHead(200, {
    ...SECURITY_HEADERS,
    "Content-Type": snapshot ? "application/json" : "application/octet-stream",
    ...(snapshot ? {} : { "Content-Length": size }),
    "Content-Disposition": `attachment; filename="${filename}"`,
  });
  try {
    await pipeline(Readable.from(bytes, { objectMode: false }), response);
  } catch (error) {
    // a download cancelled by the browser is not an error of the dashboard
    if (!response.destroyed) throw error;
  }
}

/**
 * `GET /healthz` (open, for scrapers): checkBackupHealth's verdict in counts and times only — no
 * names, no messages. 200 when healthy, 503 when not.
 */
export async function readHealth(ctx: DashboardContext) {
  const { storage, maxAgeDays, decryption } = ctx.options;
  // this database's backups by its identity; by name when the database cannot be reached
  const database = ctx.database ?? ctx.options.database;
  const identity = await readDatabaseIdentity(ctx.options.driver, database).then(
    (read) => read.identity,
    () => null,
  );
  const health = await checkBackupHealth({
    storage,
    identity,
    ...(database !== undefined ? { database } : {}),
    maxAgeDays,
    decryption,
    logger: ctx.logger,
  });
  const last = health.lastBackup;
  return {
    status: health.healthy ? 200 : 503,
    body: {
      healthy: health.healthy,
      problems: health.problems.length,
      lastBackup: last
        ? { created: last.created, nodeCount: last.nodeCount, relationshipCount: last.relationshipCount }
        : null,
      ageDays: health.ageDays,
      maxAgeDays: health.maxAgeDays,
      pendingRestore: health.pendingRestore !== null,
      pendingRestores: health.pendingRestores.length,
    },
  };
}

/** The HTTP status for a library error a request ended with. */
export function statusOf(error: BackupError): number {
  switch (error.code) {
    case "INVALID_OPTIONS":
      return 400;
    case "NOT_FOUND":
      return 404;
    case "LOCKED":
    case "TARGET_NOT_EMPTY":
      return 409;
    case "CONNECTION":
    case "AUTHENTICATION":
      return 502;
    default:
      return 500;
  }
}

/**
 * An error as the page sees it: the library's and the dashboard's errors with their code and
 * message (which never hold secrets); anything else only as "unexpected", the details in the log.
 */
export function describeError(error: unknown, logger: Logger): { code: string; message: string } {
  if (error instanceof BackupError || error instanceof RequestError) {
    return { code: error.code, message: error.message };
  }
  logger.error({ err: error }, "dashboard: unexpected error");
  return { code: "INTERNAL", message: "unexpected error; the dashboard's log has the details" };
}
