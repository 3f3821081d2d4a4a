/**
 * validateBackup: streams through a backup file and reports every problem with its location.
 * It throws only when the storage itself fails; bad content always ends up in the report.
 */
import type { DecryptionOptions, ReadKeys } from "../codec/age.js";
import { openBackupBytes } from "../codec/open.js";
import { BackupError } from "../errors.js";
import {
  type BackupEvent,
  BackupFormatError,
  type FileReadOptions,
  fileReadOptions,
  type RawRecordEvent,
  readBackupEvents,
  readBackupEventsRaw,
} from "../format/reader.js";
import type { BackupStorage } from "../storage/contract.js";
import { FileValidator } from "./file-validator.js";
import { defaultParallelOptions, type ParallelOptions, RecordLines } from "./parallel-records.js";
import type { ValidationReport } from "./report.js";

export type { FileReadOptions } from "../format/reader.js";
export type { ValidationProblem, ValidationReport } from "./report.js";

/** Options of {@link validateBackup}: a named backup in a storage, or a byte stream. */
export type ValidateBackupOptions = (
  | { storage: BackupStorage; name: string; source?: undefined }
  | { source: AsyncIterable<Uint8Array | string>; storage?: undefined; name?: undefined }
) & {
  /** How many problems to list before only counting them; default 100. */
  maxProblems?: number;
  /** Also compute the content fingerprint of the file (restoreBackup uses it to verify without a re-read). */
  fingerprint?: boolean;
  /**
   * Also collect the first value of each kind that a server might not hold exactly (special floats,
   * points, zone ids, long years…) into `report.valueSamples`; restoreBackup asks the target about them.
   */
  sampleValues?: boolean;
  /**
   * Identities or the passphrase of an encrypted backup (`.age`); without them such a file fails
   * with `KEY_REQUIRED`, and with keys that do not open it with `DECRYPTION_FAILED`.
   */
  decryption?: DecryptionOptions;
  /** Cancels the validation. */
  signal?: AbortSignal;
  /** Called every 10,000 records, and once at the end, with the records seen so far. */
  onProgress?: (progress: { nodes: number; relationships: number }) => void;
} & FileReadOptions;

const PROGRESS_EVERY = 10_000;

/**
 * Validates a backup file record by record: structure (zod schema), exact value encoding, duplicate
 * ids, referential integrity, counts against metadata and statistics, and the content checksum.
 * Accepts files of this library (format 2) in any JSON layout, of the original design (format 1),
 * and APOC's JSON exports.
 *
 * A compressed or encrypted file (found by its name) is read through its layers; damage to a
 * layer (a changed or cut ciphertext, a broken compressed stream) is a `CORRUPT` problem.
 *
 * @returns a report; it lists problems rather than throwing.
 * @throws BackupError with code NOT_FOUND or STORAGE when the file cannot be read at all,
 *   KEY_REQUIRED or DECRYPTION_FAILED when an encrypted file cannot be opened with the keys given.
 */
export async function validateBackup(options: ValidateBackupOptions): Promise<ValidationReport> {
  return validateWith(options, defaultParallelOptions());
}

/**
 * {@link validateBackup} with record lines checked in worker threads as `parallel` says (null: on
 * this thread only). The report is the same either way.
 */
export async function validateWith(
  options: ValidateBackupOptions,
  parallel: ParallelOptions | null,
): Promise<ValidationReport> {
  const validator = new FileValidator(
    options.maxProblems ?? 100,
    options.fingerprint === true,
    options.sampleValues === true,
  );
  const read = fileReadOptions(options);
  const report = validator.builder.report;
  const progress = () => ({ nodes: report.nodeCount, relationships: report.relationshipCount });
  let records = 0;
  const onRecord = () => {
    if (options.onProgress && ++records % PROGRESS_EVERY === 0) options.onProgress(progress());
  };
  const lines = new RecordLines(validator, parallel, onRecord, options.signal);
  try {
    const source =
      options.source ??
      (await openBackupBytes(options.storage, options.name, options.decryption as ReadKeys | undefined));
    const events = parallel ? readBackupEventsRaw(source, read) : readBackupEvents(source, read);
    await readAll(events, validator, lines, onRecord, options.signal);
  } catch (error) {
    if (error instanceof BackupFormatError) {
      validator.builder.add("error", "SYNTAX", error.message, error.location);
      return report;
    }
    if (options.signal?.aborted) throw new BackupError("ABORTED", "validation was aborted", { cause: error });
    if (error instanceof BackupError && error.code === "CORRUPT") {
      validator.builder.add("error", "CORRUPT", error.message, { path: "" });
      return report;
    }
    if (error instanceof BackupError) throw error;
    throw new BackupError("STORAGE", `reading the backup failed: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    await lines.close();
  }
  options.onProgress?.(progress());
  validator.finish();
  return report;
}

/**
 * Feeds the reader's events to the validator, record lines through `lines`. When reading fails,
 * the lines read before come first: one of them that does not parse is what the report says, as
 * when every line is parsed as it is read.
 */
async function readAll(
  events: AsyncGenerator<BackupEvent | RawRecordEvent>,
  validator: FileValidator,
  lines: RecordLines,
  onRecord: () => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  try {
    for (;;) {
      let next: IteratorResult<BackupEvent | RawRecordEvent>;
      try {
        next = await events.next();
      } catch (error) {
        if (!signal?.aborted) await lines.drain();
        throw error;
      }
      if (next.done) break;
      const event = next.value;
      if (event.kind === "rawNode" || event.kind === "rawRelationship") {
        const pending = lines.add(event);
        if (pending) await pending;
        continue;
      }
      await lines.drain();
      validator.handle(event as BackupEvent);
      if (event.kind === "node" || event.kind === "relationship") onRecord();
    }
    await lines.drain();
  } finally {
    // stopping early closes the reader, and with it the source
    await events.return(undefined);
  }
}
