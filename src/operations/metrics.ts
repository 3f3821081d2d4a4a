/**
 * collectMetrics: what checkBackupHealth, shouldAutoBackup and readIndex report, as Prometheus
 * metrics (text exposition format 0.0.4). Reads only; takes no lock.
 */
import type { Driver } from "neo4j-driver";
import type { DecryptionOptions } from "../codec/age.js";
import { BackupError } from "../errors.js";
import type { DatabaseIdentity } from "../format/identity.js";
import { readServerInfo } from "../graph/server.js";
import {
  type BackupFailure,
  type BackupIndex,
  type BackupIndexEntry,
  readIndex,
} from "../lifecycle/backup-index.js";
import {
  type AutoBackupDecision,
  type AutoBackupThresholds,
  changeRatio,
} from "../lifecycle/change-decision.js";
import {
  type BackupHealth,
  type HealthScope,
  inScope,
  isJobBackup,
  newestSuccess,
} from "../lifecycle/health.js";
import { seriesOf } from "../lifecycle/retention.js";
import { measureSnapshotStorage } from "../lifecycle/snapshot-usage.js";
import { type Logger, silentLogger } from "../logger.js";
import type { BackupStorage } from "../storage/contract.js";
import { shouldAutoBackup } from "./auto-backup.js";
import { type MetricFamily, renderExposition } from "./prometheus-text.js";
import type { BackupSchedule } from "./schedule.js";
import { checkBackupHealth } from "./status.js";

/** Options of {@link collectMetrics}. */
export interface CollectMetricsOptions {
  storage: BackupStorage;
  /**
   * With a driver: the database's current counts, the changes since the last backup and the
   * recommendation too. Without: what the storage alone says.
   */
  driver?: Driver;
  /** The database the metrics are about (label `database`); with a driver, default its home database. */
  database?: string;
  /** For the health metrics; default 7. */
  maxAgeDays?: number;
  /** For the recommendation; default as for autoBackup. */
  thresholds?: Partial<AutoBackupThresholds>;
  /** A running schedule: its next run and its runs by outcome are added. */
  schedule?: BackupSchedule;
  /** Keys for encrypted backups the index does not know yet (see IndexOptions). */
  decryption?: DecryptionOptions;
  now?: () => Date;
  logger?: Logger;
}

const seconds = (iso: string) => Date.parse(iso) / 1000;
const flag = (value: boolean) => (value ? 1 : 0);

/**
 * Prometheus metrics of a storage's backups (and, with a driver, of the database), all named
 * `neo4j_backup_…`: the last successful backup (time, size, counts, duration), the backups kept,
 * the time of the last recorded failure, the health, and the changes since the last backup. The
 * storage must be readable; a database that cannot be reached shows as `neo4j_backup_database_up 0`.
 * See docs/operations.md for every metric.
 */
export async function collectMetrics(options: CollectMetricsOptions): Promise<string> {
  if (!options?.storage) throw new BackupError("INVALID_OPTIONS", "collectMetrics needs `storage`");
  const logger = options.logger ?? silentLogger;
  const { storage, decryption } = options;
  const identity = options.driver ? await readIdentity(options, logger) : null;
  const decision = options.driver ? await readDecision(options, logger) : undefined;
  const database = decision?.database ?? options.database;
  const scope: HealthScope = { identity, ...(database !== undefined ? { database } : {}) };
  const health = await checkBackupHealth({
    storage,
    ...scope,
    ...(options.maxAgeDays !== undefined ? { maxAgeDays: options.maxAgeDays } : {}),
    ...(options.now ? { now: options.now } : {}),
    decryption,
    logger,
  });
  const index = await readIndex(storage, { logger, decryption });
  // the label does not depend on the server answering: named, else the home database the server
  // reports, else (server down, or no driver) the database of the storage's newest backup
  const labelled = database ?? identity?.name ?? index.backups.find((e) => e.database)?.database;
  const labels = labelled ? { database: labelled } : undefined;
  return renderExposition([
    ...backupFamilies(health, index, scope, labels),
    ...(await snapshotFamilies(storage, index, logger)),
    ...(options.driver ? databaseFamilies(decision, labels) : []),
    ...(options.schedule ? scheduleFamilies(options.schedule) : []),
  ]);
}

/**
 * The identity of the database, or null when it cannot be read (then its backups are told by name,
 * as without a driver).
 */
async function readIdentity(
  options: CollectMetricsOptions,
  logger: Logger,
): Promise<DatabaseIdentity | null> {
  try {
    return (await readServerInfo(options.driver!, options.database)).identity;
  } catch (error) {
    logger.warn({ err: (error as Error)?.message }, "metrics: the database's identity could not be read");
    return null;
  }
}

/** The auto-backup decision, or null when the database cannot be read. */
async function readDecision(
  options: CollectMetricsOptions,
  logger: Logger,
): Promise<AutoBackupDecision | null> {
  try {
    return await shouldAutoBackup({
      driver: options.driver!,
      storage: options.storage,
      ...(options.database !== undefined ? { database: options.database } : {}),
      ...(options.thresholds ? { thresholds: options.thresholds } : {}),
      decryption: options.decryption,
      logger,
    });
  } catch (error) {
    logger.warn({ err: (error as Error)?.message }, "metrics: the database could not be read");
    return null;
  }
}

function gauge(
  name: string,
  help: string,
  value: number | null,
  labels?: Record<string, string>,
): MetricFamily {
  return {
    name,
    help,
    type: "gauge",
    samples: value === null ? [] : [{ value, ...(labels ? { labels } : {}) }],
  };
}

/** The newest failure recorded for `database` (failures recorded without a database count for any). */
function lastFailure(index: BackupIndex, database: string | undefined): BackupFailure | undefined {
  return (index.failures ?? [])
    .filter((f) => database === undefined || f.database === null || f.database === database)
    .reduce<BackupFailure | undefined>((newest, f) => (!newest || f.at > newest.at ? f : newest), undefined);
}

/**
 * The newest successful backup of each series of the scope ({@link newestSuccess}), newest series
 * first; a scope without backups has the one series `""` with none.
 */
function lastSuccessBySeries(
  index: BackupIndex,
  scope: HealthScope,
): { series: string; last: BackupIndexEntry | null }[] {
  const bySeries = new Map<string, BackupIndexEntry[]>();
  // the series of the backups jobs took: a safety backup or a bundled file makes no series of its own
  for (const entry of index.backups.filter((e) => inScope(e, scope) && isJobBackup(e))) {
    const series = seriesOf(entry);
    bySeries.set(series, [...(bySeries.get(series) ?? []), entry]);
  }
  if (bySeries.size === 0) return [{ series: "", last: null }];
  return [...bySeries].map(([series, entries]) => ({ series, last: newestSuccess(entries) }));
}

function backupFamilies(
  health: BackupHealth,
  index: BackupIndex,
  scope: HealthScope,
  labels: Record<string, string> | undefined,
): MetricFamily[] {
  const failure = lastFailure(index, scope.database);
  const kept = index.backups.filter((e) => inScope(e, scope)).length;
  const safety = index.backups.find((e) => inScope(e, scope) && e.kind === "safety");
  const p = "neo4j_backup_";
  const series = lastSuccessBySeries(index, scope);
  /** One sample per series: `value` of its last success (series without one: `none`, or no sample). */
  const perSeries = (
    name: string,
    help: string,
    value: (e: BackupIndexEntry) => number | null | undefined,
    none?: number,
  ): MetricFamily => ({
    name: `${p}${name}`,
    help,
    type: "gauge",
    samples: series.flatMap(({ series, last }) => {
      const v = last ? value(last) : none;
      // backups made without a series: no `series` label (Prometheus reads an empty value as none)
      const sampleLabels = series ? { ...labels, series } : labels;
      return v === null || v === undefined
        ? []
        : [{ value: v, ...(sampleLabels ? { labels: sampleLabels } : {}) }];
    }),
  });
  return [
    perSeries(
      "last_success_timestamp_seconds",
      "When the newest valid backup of the series was taken (Unix time); 0 when it has none. Safety backups and newer invalid files do not count.",
      (e) => seconds(e.created),
      0,
    ),
    perSeries("last_success_size_bytes", "Size of that backup as stored.", (e) => e.size),
    perSeries("last_success_nodes", "Nodes in that backup.", (e) => e.nodeCount),
    perSeries("last_success_relationships", "Relationships in that backup.", (e) => e.relationshipCount),
    perSeries("last_success_duration_seconds", "How long that backup took.", (e) =>
      e.durationMs != null ? e.durationMs / 1000 : null,
    ),
    gauge(
      `${p}last_safety_backup_timestamp_seconds`,
      "When the newest safety backup (taken before a restore replaced the database) was taken (Unix time); 0 when there is none.",
      safety ? seconds(safety.created) : 0,
      labels,
    ),
    gauge(`${p}backups_kept`, "Backups of this database in the storage (all kinds).", kept, labels),
    gauge(
      `${p}last_failure_timestamp_seconds`,
      "When the last recorded backup failure happened (Unix time); 0 when none is recorded.",
      failure ? seconds(failure.at) : 0,
      labels,
    ),
    gauge(
      `${p}healthy`,
      "1 when the newest backup is valid, the newest valid one young enough and no restore is unfinished, else 0.",
      flag(health.healthy),
      labels,
    ),
    gauge(`${p}health_problems`, "Problems the health check found.", health.problems.length, labels),
    gauge(
      `${p}max_age_seconds`,
      "How old the newest valid backup may be before it is a health problem.",
      health.maxAgeDays * 86400,
      labels,
    ),
    gauge(
      `${p}pending_restore`,
      "1 while a restore into this database that started has not finished, else 0.",
      flag(health.pendingRestore !== null),
      labels,
    ),
    gauge(
      `${p}storage_pending_restores`,
      "Unfinished restores recorded in the storage, into any database that shares it.",
      health.pendingRestores.length,
    ),
  ];
}

/** The snapshots of the storage (every database's): see {@link measureSnapshotStorage}. */
async function snapshotFamilies(
  storage: BackupStorage,
  index: BackupIndex,
  logger: Logger,
): Promise<MetricFamily[]> {
  const use = await measureSnapshotStorage(storage, index.backups).catch((error: unknown) => {
    logger.warn({ err: (error as Error)?.message }, "metrics: the snapshot chunks could not be listed");
    return undefined;
  });
  const p = "neo4j_backup_";
  return [
    gauge(`${p}snapshots`, "Snapshots in the storage (of every database).", use?.snapshots ?? null),
    gauge(
      `${p}snapshots_logical_bytes`,
      "Bytes of the documents the snapshots in the storage reassemble to, added up.",
      use?.logicalBytes ?? null,
    ),
    gauge(
      `${p}snapshots_stored_bytes`,
      "Bytes the snapshots take in the storage: their manifests and every chunk (referenced or not yet pruned).",
      use?.storedBytes ?? null,
    ),
    gauge(
      `${p}snapshots_deduplication_ratio`,
      "Logical bytes of the snapshots per stored byte (absent without snapshots).",
      use?.deduplicationRatio ?? null,
    ),
  ];
}

/**
 * What the database says now. The same series whether it answers or not: while it cannot be read
 * every value but `database_up` is NaN (unknown), as are the changes when nothing was backed up yet.
 */
function databaseFamilies(
  decision: AutoBackupDecision | null | undefined,
  labels: Record<string, string> | undefined,
): MetricFamily[] {
  const p = "neo4j_backup_";
  const unknown = Number.NaN;
  const changes = decision?.changes ?? null;
  const baseline = decision?.baseline ?? null;
  const element = (name: string) => ({ ...labels, element: name });
  const byElement = (name: string, help: string, nodes: number, relationships: number): MetricFamily => ({
    name: `${p}${name}`,
    help,
    type: "gauge",
    samples: [
      { labels: element("nodes"), value: nodes },
      { labels: element("relationships"), value: relationships },
    ],
  });
  return [
    gauge(`${p}database_up`, "1 when the database's counts could be read, else 0.", flag(!!decision), labels),
    gauge(
      `${p}database_nodes`,
      "Nodes in the database now (NaN while it cannot be read).",
      decision ? decision.current.nodes : unknown,
      labels,
    ),
    gauge(
      `${p}database_relationships`,
      "Relationships in the database now (NaN while it cannot be read).",
      decision ? decision.current.relationships : unknown,
      labels,
    ),
    byElement(
      "changes_since_last_backup",
      "Signed change of the count since the last backup or restore (NaN when unknown).",
      changes ? changes.nodes : unknown,
      changes ? changes.relationships : unknown,
    ),
    byElement(
      "changes_since_last_backup_ratio",
      "Size of that change relative to the count then, 0 to 1 and beyond (NaN when unknown).",
      changes && baseline ? changeRatio(changes.nodes, baseline.nodes) : unknown,
      changes && baseline ? changeRatio(changes.relationships, baseline.relationships) : unknown,
    ),
    gauge(
      `${p}backup_recommended`,
      "1 when the changes reach a threshold of the auto-backup, else 0 (NaN while the database cannot be read).",
      decision ? flag(decision.backup) : unknown,
      labels,
    ),
  ];
}

function scheduleFamilies(schedule: BackupSchedule): MetricFamily[] {
  const next = schedule.nextRun();
  return [
    gauge(
      "neo4j_backup_schedule_next_run_timestamp_seconds",
      "When the schedule runs next (Unix time).",
      next ? next.getTime() / 1000 : null,
    ),
    gauge(
      "neo4j_backup_schedule_running",
      "1 while a scheduled backup runs, else 0.",
      flag(schedule.running),
    ),
    {
      name: "neo4j_backup_schedule_runs_total",
      help: "Scheduled runs since the process started, by outcome.",
      type: "counter",
      samples: Object.entries(schedule.counts).map(([outcome, value]) => ({ labels: { outcome }, value })),
    },
  ];
}
