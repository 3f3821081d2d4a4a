/**
 * Trial results of the fault suite: each scenario appends one line to `.faults/results.jsonl`;
 * the suite's teardown turns them into docs/reliability.md.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Where the results of the current run are collected. */
export const RESULTS_FILE = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "..",
  ".faults",
  "results.jsonl",
);

/** One scenario's outcome over its trials. */
export interface ScenarioResult {
  area: string;
  scenario: string;
  server: string;
  trials: number;
  /** Trials in which every guarantee held. */
  passed: number;
  /** What was checked, in a few words. */
  checked: string;
  /** Per-trial notes, e.g. which state the database ended in. */
  notes?: string;
}

/** Appends a scenario result (called once per scenario, after its trials). */
export function record(result: ScenarioResult): void {
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  appendFileSync(RESULTS_FILE, `${JSON.stringify(result)}\n`);
}
