/**
 * neo4j-backup — online, logical, type-exact backups of Neo4j databases over Bolt.
 *
 * The public surface, and nothing else.
 */
export {
  type BackupProgress,
  type BackupResult,
  type CreateBackupOptions,
  createBackup,
} from "./backup/create-backup.js";
export {
  backupFileName,
  DEFAULT_BACKUP_PREFIX,
  formatTimestamp,
  parseBackupFileName,
} from "./backup/naming.js";
export { countGraph, resolveDatabase } from "./backup/server-info.js";
export { BackupError, type BackupErrorCode } from "./errors.js";
export { type BackupEvent, BackupFormatError, type Location, readBackupEvents } from "./format/reader.js";
export type { NodeRecord, RecordId, RelationshipRecord } from "./format/records.js";
export {
  type BackupMetadata,
  type BackupStatistics,
  backupFileSchema,
  type ConstraintDefinition,
  type IndexDefinition,
} from "./format/schema.js";
export { decodeValue, type EncodedValue, encodeValue, ValueCodecError } from "./format/values.js";
export {
  type AutoBackupDecision,
  type AutoBackupOptions,
  type AutoBackupResult,
  type AutoBackupThresholds,
  autoBackup,
  type Baseline,
  DEFAULT_AUTO_BACKUP_THRESHOLDS,
  decideAutoBackup,
  type ShouldAutoBackupOptions,
  shouldAutoBackup,
} from "./lifecycle/auto-backup.js";
export {
  type BackupIndex,
  type BackupIndexEntry,
  type BackupKind,
  backupKind,
  type CatalogOptions,
  DISTRIBUTION_BACKUP_NAME,
  getBackupInfo,
  listBackups,
  type PendingRestore,
  PRE_UPGRADE_BACKUP_PREFIX,
  type RestoreIndexEntry,
  readIndex,
  SAFETY_BACKUP_PREFIX,
} from "./lifecycle/catalog.js";
export {
  type CreateDistributionBackupOptions,
  createDistributionBackup,
  type InitializeDatabaseOptions,
  type InitializeOutcome,
  type InitializeResult,
  initializeDatabase,
} from "./lifecycle/initialize.js";
export type { LockingOptions } from "./lifecycle/locking.js";
export { DEFAULT_KEEP } from "./lifecycle/retention.js";
export {
  type BackupHealth,
  type BackupHealthOptions,
  type BackupStatus,
  type BackupStatusOptions,
  backupStatus,
  checkBackupHealth,
  DEFAULT_MAX_BACKUP_AGE_DAYS,
} from "./lifecycle/status.js";
export {
  type BackupBeforeUpgradeOptions,
  backupBeforeUpgrade,
  type RollbackUpgradeOptions,
  rollbackUpgrade,
} from "./lifecycle/upgrade.js";
export { type Logger, silentLogger } from "./logger.js";
export {
  type RecoverOptions,
  type RecoveryResult,
  recoverInterruptedRestore,
} from "./restore/recovery.js";
export {
  latestBackupName,
  type RestoreBackupOptions,
  type RestoreProgress,
  type RestoreResult,
  restoreBackup,
} from "./restore/restore-backup.js";
export {
  assertValidBackupName,
  type BackupStorage,
  type BackupWriter,
  isBackupStorage,
  type StorageLock,
  type StorageLockOptions,
  type StorageWriteOptions,
  type StoredBackup,
} from "./storage/contract.js";
export {
  FileSystemStorage,
  type FileSystemStorageOptions,
  INDEX_FILE_NAME,
  type InitResult,
  LOCK_FILE_NAME,
} from "./storage/filesystem.js";
export { MemoryStorage } from "./storage/memory.js";
export {
  type ValidateBackupOptions,
  type ValidationProblem,
  type ValidationReport,
  validateBackup,
} from "./validate/validate-backup.js";
export type { Fingerprint } from "./verify/fingerprint.js";
export {
  fingerprintDatabase,
  type VerifyBackupOptions,
  type VerifyResult,
  verifyBackup,
} from "./verify/verify-backup.js";
export { FORMAT_VERSION, LIBRARY_VERSION } from "./version.js";
