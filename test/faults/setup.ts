/**
 * Global setup of the fault suite: the same servers as the integration tests, a fresh results
 * file, and at the end docs/reliability.md written from the results of this run.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { TestProject } from "vitest/node";
import serversSetup from "../setup/global-setup.js";
import { RESULTS_FILE, type ScenarioResult } from "./support/results.js";

const REPORT = join(process.cwd(), "docs", "reliability.md");

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  rmSync(RESULTS_FILE, { force: true });
  const teardownServers = await serversSetup(project);
  return async () => {
    await teardownServers();
    if (!existsSync(RESULTS_FILE)) return;
    const results = readFileSync(RESULTS_FILE, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ScenarioResult);
    // a partial run (a filter, one file) must not replace the full report
    const complete = AREAS.every((area) => results.some((r) => r.area === area));
    const target = complete ? REPORT : join(dirname(RESULTS_FILE), "reliability.md");
    writeFileSync(target, renderReport(results));
    console.log(`[faults] ${results.length} scenario results written to ${target}`);
  };
}

const AREAS = ["crash", "server", "network", "disk", "concurrency", "bad file", "security", "codecs"];

function renderReport(unsorted: ScenarioResult[]): string {
  const rank = (r: ScenarioResult) => (AREAS.indexOf(r.area) + AREAS.length + 1) % (AREAS.length + 1);
  const results = [...unsorted].sort(
    (a, b) => rank(a) - rank(b) || a.scenario.localeCompare(b.scenario) || a.server.localeCompare(b.server),
  );
  const trials = results.reduce((n, r) => n + r.trials, 0);
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const servers = [...new Set(results.map((r) => r.server))].join(", ");
  const rows = results.map(
    (r) =>
      `| ${r.area} | ${r.scenario} | ${r.server} | ${r.trials} | ${r.passed === r.trials ? `nothing lost (${r.passed}/${r.trials})` : `**FAILED ${r.trials - r.passed}/${r.trials}**`} | ${r.checked}${r.notes ? ` — ${r.notes}` : ""} |`,
  );
  return `# Reliability

This file is written by the fault suite (\`npm run test:faults\`, also run by CI) from the trials of
its last run; do not edit it by hand. Every row is a scenario, every trial a real fault against a real
server: a process killed with SIGKILL, a server stopped, a connection cut, a disk that fills, a
damaged file. "Nothing lost" means every guarantee listed in the last column held in every trial.

Run: ${new Date().toISOString().slice(0, 10)} · servers: ${servers} · ${results.length} scenarios · ${trials} trials · ${passed} with nothing lost.

| area | scenario | server | trials | outcome | checked |
| ---- | -------- | ------ | -----: | ------- | ------- |
${rows.join("\n")}
`;
}
