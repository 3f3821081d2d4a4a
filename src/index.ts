/**
 * neo4j-backup — online, logical, type-exact backups of Neo4j databases over Bolt.
 *
 * The public surface, and nothing else. The file format's codec, reader and naming helpers are
 * public from `neo4j-backup/format`; the storage contract suite from `neo4j-backup/testing`.
 */
export type { BackupProgress, BackupResult } from "./backup/run-backup.js";
export type { DecryptionOptions, EncryptionOptions } from "./codec/age.js";
export type { EncodingOptions } from "./codec/encoded-writer.js";
export { backupLayers, openBackupBytes } from "./codec/open.js";
export { BackupError, type BackupErrorCode } from "./errors.js";
export type { ApocPropertyTypes, ApocValueType } from "./format/apoc.js";
export type { Fingerprint } from "./format/fingerprint.js";
export type { DatabaseIdentity } from "./format/identity.js";
export type { BackupLayers, Compression } from "./format/naming.js";
export type { FileReadOptions, Location, ReadLayout } from "./format/reader.js";
export type {
  BackupMetadata,
  BackupStatistics,
  ConstraintDefinition,
  IndexDefinition,
} from "./format/schema.js";
export type { ValueSample } from "./format/value-kinds.js";
export type { ParallelReadOptions } from "./graph/parallel-read.js";
export { countGraph, readDatabaseIdentity, resolveDatabase } from "./graph/server.js";
export {
  type BackupFailure,
  type BackupIndex,
  type BackupIndexEntry,
  type BackupKind,
  backupKind,
  DISTRIBUTION_BACKUP_NAME,
  DISTRIBUTION_BACKUP_STEM,
  getBackupInfo,
  type IndexOptions,
  listBackups,
  type PendingRestore,
  PRE_RECOVERY_BACKUP_PREFIX,
  PRE_UPGRADE_BACKUP_PREFIX,
  type RestoreIndexEntry,
  readIndex,
  SAFETY_BACKUP_PREFIX,
} from "./lifecycle/backup-index.js";
export {
  type AutoBackupDecision,
  type AutoBackupThresholds,
  type Baseline,
  DEFAULT_AUTO_BACKUP_THRESHOLDS,
  decideAutoBackup,
} from "./lifecycle/change-decision.js";
export {
  type BackupHealth,
  DEFAULT_MAX_BACKUP_AGE_DAYS,
  describeUnfinishedRestore,
} from "./lifecycle/health.js";
export { type LatestBackupOptions, latestBackupName } from "./lifecycle/latest.js";
export {
  applyPolicy,
  assertPolicy,
  type CalendarDuration,
  type Dated,
  isoWeek,
  type PolicyDecision,
  parseCalendarDuration,
  type RetentionPolicy,
} from "./lifecycle/policy.js";
export {
  DEFAULT_KEEP,
  type KeptBackup,
  PRE_UPGRADE_SERIES,
  planRetention,
  type RetentionEntry,
  type RetentionGroup,
  type RetentionScope,
  seriesOf,
} from "./lifecycle/retention.js";
export { measureSnapshotStorage, type SnapshotStorageUse } from "./lifecycle/snapshot-usage.js";
export { type Logger, silentLogger } from "./logger.js";
export {
  type AutoBackupOptions,
  type AutoBackupResult,
  autoBackup,
  type ShouldAutoBackupOptions,
  shouldAutoBackup,
} from "./operations/auto-backup.js";
export type { CreateBackupOptions } from "./operations/backup-under-lock.js";
export { type CopyBackupOptions, type CopyResult, copyBackup } from "./operations/copy-backup.js";
export { createBackup } from "./operations/create-backup.js";
export { type DeleteBackupOptions, type DeleteResult, deleteBackup } from "./operations/delete-backup.js";
export { type CreateDistributionBackupOptions, createDistributionBackup } from "./operations/distribution.js";
export { type ForgetBackupsOptions, type ForgetResult, forgetBackups } from "./operations/forget.js";
export {
  type InitializeDatabaseOptions,
  type InitializeOutcome,
  type InitializeResult,
  initializeDatabase,
} from "./operations/initialize.js";
export { type CollectMetricsOptions, collectMetrics } from "./operations/metrics.js";
export { type PinBackupOptions, pinBackup } from "./operations/pin-backup.js";
export {
  type MetricFamily,
  type MetricSample,
  PROMETHEUS_CONTENT_TYPE,
  renderExposition,
} from "./operations/prometheus-text.js";
export {
  DEFAULT_PRUNE_GRACE_MS,
  type PruneChunksOptions,
  type PruneResult,
  pruneChunks,
} from "./operations/prune.js";
export type { RecoveryResult } from "./operations/recover.js";
export { type RecoverOptions, recoverInterruptedRestore } from "./operations/recover-interrupted.js";
export { restoreBackup } from "./operations/restore-backup.js";
export type { RestoreBackupOptions, RestoreResult } from "./operations/restore-under-lock.js";
export type {
  BackupSchedule,
  ScheduleCallbacks,
  ScheduledRun,
  ScheduledRunCounts,
  ScheduledRunOutcome,
} from "./operations/schedule.js";
export { type ScheduleBackupsOptions, scheduleBackups } from "./operations/schedule-backups.js";
export {
  type BackupHealthOptions,
  type BackupStatus,
  type BackupStatusOptions,
  backupStatus,
  checkBackupHealth,
} from "./operations/status.js";
export {
  type BackupBeforeUpgradeOptions,
  backupBeforeUpgrade,
  type RollbackUpgradeOptions,
  rollbackUpgrade,
} from "./operations/upgrade.js";
export type { RestoreProgress } from "./restore/progress.js";
export {
  assertValidBackupName,
  assertValidChunkId,
  type BackupStorage,
  type BackupWriter,
  type ChunkStorage,
  holdsChunks,
  isBackupStorage,
  type StorageLock,
  type StorageLockOptions,
  type StorageWriteOptions,
  type StoredBackup,
  type StoredChunk,
} from "./storage/contract.js";
export {
  FileSystemStorage,
  type FileSystemStorageOptions,
  INDEX_FILE_NAME,
  type InitResult,
  LOCK_FILE_NAME,
} from "./storage/filesystem.js";
export { MemoryStorage } from "./storage/memory.js";
export type { S3ConnectionOptions, S3Credentials } from "./storage/s3/client.js";
export type { S3FailureReason } from "./storage/s3/errors.js";
export { S3Storage, type S3StorageOptions } from "./storage/s3/s3-storage.js";
export type { LockingOptions } from "./storage/with-lock.js";
export {
  type CheckSnapshotsOptions,
  checkSnapshots,
  type DamagedManifest,
  type SnapshotCheckProgress,
  type SnapshotCheckReport,
  type SnapshotChunkProblem,
} from "./validate/check-snapshots.js";
export {
  type ValidateBackupOptions,
  type ValidationProblem,
  type ValidationReport,
  validateBackup,
} from "./validate/validate-backup.js";
export {
  fingerprintDatabase,
  type RecordDifference,
  type VerifyBackupOptions,
  type VerifyResult,
  verifyBackup,
} from "./verify/verify-backup.js";
export { FORMAT_VERSION, LIBRARY_VERSION } from "./version.js";
