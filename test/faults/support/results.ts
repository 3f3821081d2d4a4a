/**
 * Trial records of the fault suite. Every trial's outcome is appended to the records file of its
 * run, `.faults/runs/<run id>.jsonl`, as it happens — passed, failed (a guarantee did not hold) or
 * error (something else broke) — so that the report shows failures instead of leaving them out.
 * Each run of the suite has an id of its own (given by its global setup) and a file of its own: a
 * second run, started while one is going, neither deletes nor mixes into the first one's records.
 * The suite's teardown turns its run's records into docs/reliability.md (see report.ts).
 */
import { randomBytes } from "node:crypto";
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ScenarioId } from "./scenarios.js";

/** Where the records files of the runs are kept, one file per run. */
export const RUNS_FOLDER = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", ".faults", "runs");

/**
 * The environment variable naming the current run: set by the suite's global setup, read by the
 * test files (vitest passes the environment of the setup to the workers it starts afterwards).
 */
export const RUN_ID_VARIABLE = "NEO4J_BACKUP_FAULT_RUN";

/** A new run id: sortable by start time, unique across processes. */
export function newRunId(now = new Date()): string {
  const time = now
    .toISOString()
    .replaceAll(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${time}-${process.pid}-${randomBytes(3).toString("hex")}`;
}

/**
 * Starts a run of the suite in this process: a new id, named in the environment for the test
 * files, and the path of its records file. Nothing is deleted — another run's records stay.
 */
export function beginRun(): { runId: string; file: string } {
  const runId = newRunId();
  process.env[RUN_ID_VARIABLE] = runId;
  return { runId, file: resultsFile(runId) };
}

/** The records file of run `runId`. */
export function resultsFile(runId: string): string {
  if (!/^[\w.-]+$/.test(runId)) throw new Error(`not a run id: ${JSON.stringify(runId)}`);
  return join(RUNS_FOLDER, `${runId}.jsonl`);
}

/**
 * The run the records of this process belong to: the one named by {@link RUN_ID_VARIABLE}, or,
 * for a test file run outside the suite's setup, a run of this process alone.
 */
export function currentRunId(): string {
  return process.env[RUN_ID_VARIABLE] || `unattached-${process.pid}`;
}

/** How one trial ended. */
export type TrialOutcome = "passed" | "failed" | "error";

/** One line of the results file. */
export type ResultRecord =
  | { type: "start"; id: ScenarioId; server: string; trials: number }
  | { type: "server"; id: ScenarioId; server: string; version: string }
  | { type: "trial"; id: ScenarioId; server: string; label: string; outcome: TrialOutcome; message?: string }
  | { type: "end"; id: ScenarioId; server: string; notes?: string; stopped?: string };

function append(record: ResultRecord): void {
  const file = resultsFile(currentRunId());
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify(record)}\n`);
}

/** Parses the text of a records file (one JSON record a line). */
export function parseRecords(text: string): ResultRecord[] {
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ResultRecord);
}

/** A failed `expect` (chai's AssertionError) is a guarantee that did not hold; anything else is an error. */
function outcomeOf(error: unknown): TrialOutcome {
  return error instanceof Error && error.name === "AssertionError" ? "failed" : "error";
}

/** One scenario on one server: its trials, recorded one by one. */
export class ScenarioRun {
  private readonly failures: { label: string; error: unknown }[] = [];
  private ran = 0;

  constructor(
    readonly id: ScenarioId,
    readonly server: string,
    readonly trials: number,
  ) {
    append({ type: "start", id, server, trials });
  }

  /** Names the server version when it is known only after the start (a server of its own). */
  serverVersion(version: string): void {
    append({ type: "server", id: this.id, server: this.server, version });
  }

  /**
   * Runs one trial and records its outcome; a failure is kept for {@link finish} and the next
   * trial still runs. Returns the body's result, or undefined when it failed.
   */
  async trial<T>(label: string, body: () => Promise<T>): Promise<T | undefined> {
    this.ran++;
    try {
      const result = await body();
      append({ type: "trial", id: this.id, server: this.server, label, outcome: "passed" });
      return result;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      append({
        type: "trial",
        id: this.id,
        server: this.server,
        label,
        outcome: outcomeOf(error),
        message: message.split("\n")[0]!.slice(0, 300),
      });
      this.failures.push({ label, error });
      return undefined;
    }
  }

  /** Records that the scenario stopped early (outside any trial) with `error`. */
  stopped(error: unknown): void {
    const message = error instanceof Error ? error.message.split("\n")[0]!.slice(0, 300) : String(error);
    append({ type: "end", id: this.id, server: this.server, stopped: message });
  }

  /** Records the end; fails the test when a trial failed or fewer trials ran than were declared. */
  finish(notes?: string): void {
    append({ type: "end", id: this.id, server: this.server, ...(notes ? { notes } : {}) });
    const first = this.failures[0];
    if (first) {
      const more = this.failures.length > 1 ? ` (and ${this.failures.length - 1} more failed trials)` : "";
      if (first.error instanceof Error) {
        first.error.message = `[${first.label}] ${first.error.message}${more}`;
        throw first.error;
      }
      throw new Error(`[${first.label}] ${String(first.error)}${more}`);
    }
    if (this.ran !== this.trials) throw new Error(`${this.ran} trials ran, ${this.trials} were declared`);
  }
}

/** Starts recording a scenario: call it first in the test, before any setup that may fail. */
export function startScenario(id: ScenarioId, server: string, trials: number): ScenarioRun {
  return new ScenarioRun(id, server, trials);
}

/**
 * Records a scenario around `body` (its setup and its trials): when the body stops early — setup
 * failed, the server went away — the end is recorded with the reason, the trials that did not run
 * count as not run, and the error fails the test. `body` returns the row's notes.
 */
export async function runScenario(
  id: ScenarioId,
  server: string,
  trials: number,
  body: (run: ScenarioRun) => Promise<string | undefined>,
): Promise<void> {
  const run = startScenario(id, server, trials);
  let notes: string | undefined;
  try {
    notes = await body(run);
  } catch (error) {
    run.stopped(error);
    throw error;
  }
  run.finish(notes);
}
