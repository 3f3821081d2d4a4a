/**
 * `neo4j-backup/format`: the backup file format for programs that read or write it themselves —
 * the exact value codec, the streaming reader, the record types, the zod schema and file naming.
 * See docs/format.md.
 */

export type { ApocPropertyTypes, ApocValueType } from "./apoc.js";
export {
  BACKUP_EXTENSIONS,
  type BackupLayers,
  backupExtension,
  backupFileName,
  type Compression,
  DEFAULT_BACKUP_PREFIX,
  formatTimestamp,
  hasBackupExtension,
  layersOfName,
  parseBackupFileName,
} from "./naming.js";
export {
  type BackupEvent,
  BackupFormatError,
  DEFAULT_MAX_LINE_BYTES,
  type Location,
  type ReadLayout,
  type ReadOptions,
  readBackupEvents,
} from "./reader.js";
export type { NodeRecord, RecordId, RelationshipRecord } from "./records.js";
export {
  type BackupMetadata,
  type BackupStatistics,
  backupFileSchema,
  type ConstraintDefinition,
  type IndexDefinition,
} from "./schema.js";
export { decodeValue, type EncodedValue, encodeValue, ValueCodecError } from "./values.js";
