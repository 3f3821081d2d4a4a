/**
 * Assertions of the storage contract suite, on top of `node:assert/strict` (so the suite needs no
 * test framework of its own).
 */
import assert from "node:assert/strict";
import { BackupError, type BackupErrorCode } from "neo4j-backup";

/**
 * Awaits `operation` and asserts that it rejects with a {@link BackupError} of `code` — the class
 * exported by neo4j-backup, since the library tells codes apart with `instanceof BackupError`.
 * `what` names the operation in the failure message.
 */
export async function assertRejectsWithCode(
  operation: Promise<unknown>,
  code: BackupErrorCode,
  what: string,
): Promise<BackupError> {
  let rejected = false;
  let error: unknown;
  try {
    await operation;
  } catch (caught) {
    rejected = true;
    error = caught;
  }
  if (!rejected) assert.fail(`${what} resolved; it must reject with a BackupError of code ${code}`);
  assert.ok(
    error instanceof BackupError,
    `${what} must reject with a BackupError of code ${code}; ${describeRejection(error)}`,
  );
  assert.equal(error.code, code, `${what} rejected with code ${error.code}: ${error.message}`);
  return error;
}

/** Awaits `operation` and asserts that it rejects (with anything). */
export async function assertRejects(operation: Promise<unknown>, what: string): Promise<void> {
  let rejected = false;
  await operation.catch(() => {
    rejected = true;
  });
  assert.ok(rejected, `${what} resolved; it must reject`);
}

function describeRejection(error: unknown): string {
  if (!(error instanceof Error)) return `it rejected with ${String(error)}`;
  const code = (error as { code?: unknown }).code;
  if (error.name === "BackupError") {
    return (
      `it rejected with a BackupError (code ${String(code)}) of another copy of neo4j-backup: import ` +
      "BackupError from the same installation and module system (ESM or CommonJS) as this suite"
    );
  }
  return `it rejected with ${error.name}${code === undefined ? "" : ` (code ${String(code)})`}: ${error.message}`;
}
