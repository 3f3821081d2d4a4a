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
export { type Logger, silentLogger } from "./logger.js";
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
  isBackupStorage,
  type StorageWriteOptions,
  type StoredBackup,
} from "./storage/contract.js";
export { FileSystemStorage, type FileSystemStorageOptions, INDEX_FILE_NAME } from "./storage/filesystem.js";
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
