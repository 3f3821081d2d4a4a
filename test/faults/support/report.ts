/**
 * docs/reliability.md from the trial records of one run: one row per scenario and server, every
 * failed, erroneous or missing trial shown, and a stamp naming the commit that was measured.
 */

import type { ResultRecord, TrialOutcome } from "./results.js";
import { AREAS, SCENARIOS, type ScenarioId } from "./scenarios.js";

/** One row of the report. */
export interface ReportRow {
  id: ScenarioId;
  server: string;
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
  notes?: string;
}

/** Builds the rows from the records (in the order written). */
export function buildRows(records: ResultRecord[]): ReportRow[] {
  const rows = new Map<string, ReportRow>();
  const versions = new Map<string, string>();
  const key = (r: { id: string; server: string }) => `${r.id}\u0000${r.server}`;
  for (const r of records) {
    if (r.type === "start") {
      rows.set(key(r), {
        id: r.id,
        server: r.server,
        trials: r.trials,
        passed: 0,
        problems: [],
        notRun: 0,
        ended: false,
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
    row.notRun = Math.max(0, row.trials - row.passed - row.problems.length);
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

const rowPassed = (r: ReportRow) =>
  r.ended && r.stopped === undefined && r.notRun === 0 && r.problems.length === 0 && r.passed === r.trials;

function outcomeCell(r: ReportRow): string {
  if (rowPassed(r)) return `nothing lost (${r.passed}/${r.trials})`;
  const parts = r.problems.map(
    (p) => `${p.outcome === "failed" ? "failed" : "error"}: ${p.label}${p.message ? ` — ${p.message}` : ""}`,
  );
  if (r.notRun > 0) parts.push(`${r.notRun} not run`);
  if (r.stopped !== undefined) parts.push(`stopped early: ${r.stopped}`);
  else if (!r.ended) parts.push("did not finish");
  return `**FAILED** ${r.trials - r.passed}/${r.trials}: ${parts.join("; ")}`.replaceAll("|", "\\|");
}

/** What the report says about the code it measured. */
export interface Stamp {
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
  const trials = rows.reduce((n, r) => n + r.trials, 0);
  const passed = rows.reduce((n, r) => n + r.passed, 0);
  const failedRows = rows.filter((r) => !rowPassed(r)).length;
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
a trial that failed, broke or did not run makes its row **FAILED** and names it. The report is
written here only when every scenario ran on every server (otherwise to \`.faults/reliability.md\`).

Measured: commit \`${stamp.commit}\` (src/ tree \`${stamp.srcTree}\`, ${dirty}) · ${stamp.date} · Node ${stamp.node} · servers: ${servers.join(", ")}.

Result: ${rows.length} scenario rows · ${trials} trials · ${passed} with nothing lost · ${failedRows === 0 ? "no row failed" : `**${failedRows} rows FAILED**`}.

| area | scenario | server | trials | outcome | checked |
| ---- | -------- | ------ | -----: | ------- | ------- |
${lines.join("\n")}
`;
}
