/**
 * The restore pipeline after preparation: get the target ready, write the data, recreate the
 * schema, and verify the result against the file's fingerprint. The operation around it
 * (operations/) holds the lock, takes the safety backup, and undoes a failure.
 */
import type { Driver } from "neo4j-driver";
import type { ReadKeys } from "../codec/age.js";
import { BackupError } from "../errors.js";
import type { ParallelReadOptions } from "../graph/parallel-read.js";
import { createSchema } from "../graph/schema-write.js";
import type { Logger } from "../logger.js";
import type { BackupStorage } from "../storage/contract.js";
import { compareWithDatabase, type VerifyResult, withFirstDifference } from "../verify/verify-backup.js";
import type { PreparedRestore } from "./prepare.js";
import type { ProgressReporter } from "./progress.js";
import { prepareTarget, type TargetChanges } from "./target.js";
import { writeData } from "./write-data.js";

/** What {@link writeAndVerify} needs. */
export interface WriteAndVerifyOptions {
  driver: Driver;
  storage: BackupStorage;
  database?: string;
  mode: "empty" | "replace";
  prepared: PreparedRestore;
  batchSize?: number;
  concurrency?: number;
  /** Skip the verification (the file was then not fingerprinted either). */
  skipVerify?: boolean;
  /** Keys of an encrypted backup. */
  decryption?: ReadKeys;
  signal?: AbortSignal;
  reporter: ProgressReporter;
  /** Filled in with what was changed in the target before writing, for an undo. */
  changes: TargetChanges;
  /** Read the database back on worker threads for the verification. */
  parallel?: ParallelReadOptions;
  logger?: Logger;
}

/** What was written, and the verification. */
export interface WriteOutcome {
  nodeCount: number;
  relationshipCount: number;
  skippedRelationships: number;
  schemaObjects: number;
  verification?: VerifyResult;
}

/**
 * Writes a prepared backup into the target and verifies it.
 * @throws BackupError `RESTORE_FAILED` when the database differs from the file afterwards.
 */
export async function writeAndVerify(options: WriteAndVerifyOptions): Promise<WriteOutcome> {
  const { driver, database, prepared, reporter } = options;
  if (options.mode === "replace") reporter.report("clearing");
  await prepareTarget(driver, database, options.mode, prepared.schema !== null, options.changes);
  const written = await writeData({
    driver,
    storage: options.storage,
    name: prepared.name,
    formatVersion: prepared.validation.formatVersion ?? 2,
    database,
    batchSize: options.batchSize,
    concurrency: options.concurrency,
    decryption: options.decryption,
    signal: options.signal,
    reporter,
    read: prepared.read,
  });
  reporter.report("schema");
  await createSchema(driver, database, prepared.statements);
  const outcome: WriteOutcome = { ...written, schemaObjects: prepared.statements.length };
  if (options.skipVerify) return outcome;
  reporter.report("verifying");
  // the file was fingerprinted while it was validated: only the database is read again
  let verification = await compareWithDatabase(
    driver,
    database,
    prepared.validation.fingerprint!,
    prepared.schema,
    { parallel: options.parallel, logger: options.logger, signal: options.signal },
  );
  if (!verification.equal) {
    const read = { ...prepared.read, signal: options.signal };
    verification = await withFirstDifference(
      verification,
      driver,
      database,
      options.storage,
      prepared.name,
      read,
      options.decryption,
    );
    throw new BackupError(
      "RESTORE_FAILED",
      `the restored database differs from ${prepared.name}: ${verification.differences.join("; ")}`,
      { details: verification },
    );
  }
  return { ...outcome, verification };
}
