/**
 * Trial records of the fault suite. Every trial's outcome is appended to `.faults/results.jsonl`
 * as it happens — passed, failed (a guarantee did not hold) or error (something else broke) — so
 * that the report shows failures instead of leaving them out. The suite's teardown turns the
 * records into docs/reliability.md (see report.ts).
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ScenarioId } from "./scenarios.js";

/** Where the records of the current run are collected. */
export const RESULTS_FILE = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "..",
  ".faults",
  "results.jsonl",
);

/** How one trial ended. */
export type TrialOutcome = "passed" | "failed" | "error";

/** One line of the results file. */
export type ResultRecord =
  | { type: "start"; id: ScenarioId; server: string; trials: number }
  | { type: "server"; id: ScenarioId; server: string; version: string }
  | { type: "trial"; id: ScenarioId; server: string; label: string; outcome: TrialOutcome; message?: string }
  | { type: "end"; id: ScenarioId; server: string; notes?: string; stopped?: string };

function append(record: ResultRecord): void {
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  appendFileSync(RESULTS_FILE, `${JSON.stringify(record)}\n`);
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
