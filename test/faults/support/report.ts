/**
 * docs/reliability.md from the trial records of one run: one row per scenario and server, every
 * failed, erroneous or missing trial shown, and a stamp naming the commit that was measured.
 */

import type { ResultRecord, TrialOutcome } from "./results.js";
import { AREAS, SCENARIOS, type ScenarioId } from "./scenarios.js";

/** What one attempt at a scenario on a server came to: its trials, passed or not. */
export interface Attempt {
  trials: number;
  passed: number;
  /** Trials that failed or broke, with their messages. */
  problems: { label: string; outcome: TrialOutcome; message?: string }[];
  /** Declared trials that never reported (the test stopped early). */
  notRun: number;
  /** False when the scenario never reached its end. */
  ended: boolean;
  /** Why the scenario stopped outside its trials (setup failed, an unexpected error). */
  stopped?: string;
}

/**
 * One row of the report: the last attempt at a scenario on a server, and the attempts before it
 * when the scenario ran more than once in the run (a test retried, a file run again).
 */
export interface ReportRow extends Attempt {
  id: ScenarioId;
  server: string;
  notes?: string;
  /** The earlier attempts in the order they ran (empty when the scenario ran once). */
  earlier: Attempt[];
}

const attemptOf = ({ trials, passed, problems, notRun, ended, stopped }: Attempt): Attempt => ({
  trials,
  passed,
  problems,
  notRun,
  ended,
  ...(stopped === undefined ? {} : { stopped }),
});

const countNotRun = (a: Attempt) => {
  a.notRun = Math.max(0, a.trials - a.passed - a.problems.length);
};

/**
 * Builds the rows from the records (in the order written). A scenario started again on the same
 * server keeps its earlier attempts in the row, so that a failed attempt followed by a passing one
 * is still reported.
 */
export function buildRows(records: ResultRecord[]): ReportRow[] {
  const rows = new Map<string, ReportRow>();
  const versions = new Map<string, string>();
  const key = (r: { id: string; server: string }) => `${r.id}\u0000${r.server}`;
  for (const r of records) {
    if (r.type === "start") {
      const before = rows.get(key(r));
      if (before) countNotRun(before);
      rows.set(key(r), {
        id: r.id,
        server: r.server,
        trials: r.trials,
        passed: 0,
        problems: [],
        notRun: 0,
        ended: false,
        earlier: before ? [...before.earlier, attemptOf(before)] : [],
      });
      continue;
    }
    const row = rows.get(key(r));
    if (!row) continue;
    if (r.type === "server") versions.set(key(r), r.version);
    else if (r.type === "trial") {
      if (r.outcome === "passed") row.passed++;
      else
        row.problems.push({
          label: r.label,
          outcome: r.outcome,
          ...(r.message ? { message: r.message } : {}),
        });
    } else {
      row.ended = true;
      if (r.notes) row.notes = r.notes;
      if (r.stopped) row.stopped = r.stopped;
    }
  }
  for (const [k, row] of rows) {
    countNotRun(row);
    row.server = versions.get(k) ?? row.server;
  }
  return [...rows.values()];
}

/** Whether the rows cover every scenario on every server it runs on; what is missing if not. */
export function completeness(rows: ReportRow[], servers: string[]): { complete: boolean; missing: string[] } {
  const missing: string[] = [];
  for (const [id, scenario] of Object.entries(SCENARIOS) as [ScenarioId, (typeof SCENARIOS)[ScenarioId]][]) {
    if (scenario.servers === "each") {
      for (const server of servers)
        if (!rows.some((r) => r.id === id && r.server === server)) missing.push(`${id} on ${server}`);
    } else if (!rows.some((r) => r.id === id)) missing.push(id);
  }
  return { complete: missing.length === 0, missing };
}

const attemptPassed = (a: Attempt) =>
  a.ended && a.stopped === undefined && a.notRun === 0 && a.problems.length === 0 && a.passed === a.trials;

/** A row passes when its every attempt passed: a failure that a rerun did not repeat still counts. */
const rowPassed = (r: ReportRow) => attemptPassed(r) && r.earlier.every(attemptPassed);

function attemptCell(a: Attempt): string {
  if (attemptPassed(a)) return `nothing lost (${a.passed}/${a.trials})`;
  const parts = a.problems.map(
    (p) => `${p.outcome === "failed" ? "failed" : "error"}: ${p.label}${p.message ? ` — ${p.message}` : ""}`,
  );
  if (a.notRun > 0) parts.push(`${a.notRun} not run`);
  if (a.stopped !== undefined) parts.push(`stopped early: ${a.stopped}`);
  else if (!a.ended) parts.push("did not finish");
  return `${a.trials - a.passed}/${a.trials}: ${parts.join("; ")}`;
}

function outcomeCell(r: ReportRow): string {
  const cell =
    r.earlier.length === 0
      ? attemptCell(r)
      : [...r.earlier, r]
          .map((a, i) => `attempt ${i + 1} of ${r.earlier.length + 1}: ${attemptCell(a)}`)
          .join("; ");
  return (rowPassed(r) ? cell : `**FAILED** ${cell}`).replaceAll("|", "\\|");
}

/** Paths that do not change what a test suite runs: the documentation (which the suite rewrites). */
const notAnInput = (path: string) => path.startsWith("docs/") || path.endsWith(".md") || path === "LICENSE";

/**
 * The paths with uncommitted changes that can change what the suite runs, from the output of
 * `git status --porcelain` (run from the repository's root, untracked files listed one by one):
 * every changed, added, deleted or untracked path — the sources, the tests, their scripts, the
 * package and lock files, the vitest and TypeScript configurations — except the documentation.
 */
export function uncommittedInputs(porcelain: string): string[] {
  return porcelain
    .split("\n")
    .filter(Boolean)
    .flatMap((line) => line.slice(3).split(" -> "))
    .map((path) => (path.startsWith('"') && path.endsWith('"') ? path.slice(1, -1) : path))
    .filter((path) => !notAnInput(path));
}

/** What the report says about the code it measured. */
export interface Stamp {
  /** The id of the run, naming its records file `.faults/runs/<run>.jsonl`. */
  run: string;
  date: string;
  commit: string;
  srcTree: string;
  /** Paths with uncommitted changes that the suite depends on (empty when clean). */
  dirty: string[];
  node: string;
}

/** The whole report. */
export function renderReport(rows: ReportRow[], stamp: Stamp, servers: string[]): string {
  const rank = (r: ReportRow) => AREAS.indexOf(SCENARIOS[r.id].area);
  const sorted = [...rows].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      SCENARIOS[a.id].title.localeCompare(SCENARIOS[b.id].title) ||
      a.server.localeCompare(b.server),
  );
  const attempts = rows.flatMap((r): Attempt[] => [...r.earlier, r]);
  const trials = attempts.reduce((n, a) => n + a.trials, 0);
  const passed = attempts.reduce((n, a) => n + a.passed, 0);
  const failedRows = rows.filter((r) => !rowPassed(r)).length;
  const retried = rows.filter((r) => r.earlier.length > 0).length;
  const lines = sorted.map((r) => {
    const s = SCENARIOS[r.id];
    return `| ${s.area} | ${s.title} | ${r.server} | ${r.trials} | ${outcomeCell(r)} | ${s.checked}${r.notes ? ` — ${r.notes}` : ""} |`;
  });
  const shown = stamp.dirty.slice(0, 5).join(", ");
  const more = stamp.dirty.length > 5 ? ` and ${stamp.dirty.length - 5} more` : "";
  const dirty = stamp.dirty.length ? `uncommitted changes in ${shown}${more}` : "no uncommitted changes";
  return `# Reliability

This file is written by the fault suite (\`npm run test:faults\`, also run by CI) from the trials of
its last complete run; do not edit it by hand. Every row is a scenario, every trial a real fault against a real
server: a process killed with SIGKILL, a server stopped, a connection cut, a disk that fills, a
damaged file. "Nothing lost" means every guarantee listed in the last column held in every trial;
a trial that failed, broke or did not run makes its row **FAILED** and names it; a scenario that ran
more than once (a retried test) shows every attempt, and a failed one still fails the row. The report is
written here only when every scenario ran on every server (otherwise to \`.faults/reliability.md\`).

Measured: commit \`${stamp.commit}\` (src/ tree \`${stamp.srcTree}\`, ${dirty}) · ${stamp.date} · Node ${stamp.node} · servers: ${servers.join(", ")} · run \`${stamp.run}\`.

Result: ${rows.length} scenario rows · ${trials} trials · ${passed} with nothing lost · ${failedRows === 0 ? "no row failed" : `**${failedRows} rows FAILED**`}${retried ? ` · ${retried} rows ran more than once (every attempt shown)` : ""}.

| area | scenario | server | trials | outcome | checked |
| ---- | -------- | ------ | -----: | ------- | ------- |
${lines.join("\n")}
`;
}
