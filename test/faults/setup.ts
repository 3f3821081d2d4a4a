/**
 * Global setup of the fault suite: the same servers as the integration tests, a run id and a
 * records file of this run's own (another run's records are left alone), and at the end the
 * report of this run — written to docs/reliability.md only when every scenario ran on every
 * server, stamped with the commit it measured.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { TestProject } from "vitest/node";
import serversSetup from "../setup/global-setup.js";
import { buildRows, completeness, renderReport, type Stamp, uncommittedInputs } from "./support/report.js";
import { beginRun, parseRecords } from "./support/results.js";

const REPORT = join(process.cwd(), "docs", "reliability.md");

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { runId, file } = beginRun();
  console.log(`[faults] run ${runId}, records in ${file}`);
  const teardownServers = await serversSetup(project);
  const servers = project.getProvidedContext().neo4jServers.map((s) => s.version);
  const stamp = gitStamp(runId);
  return async () => {
    await teardownServers();
    const records = existsSync(file) ? parseRecords(readFileSync(file, "utf8")) : [];
    const rows = buildRows(records);
    const { complete, missing } = completeness(rows, servers);
    const report = renderReport(rows, stamp, servers);
    const target = complete ? REPORT : join(dirname(dirname(file)), "reliability.md");
    writeFileSync(
      target,
      complete ? report : `<!-- an incomplete run; missing: ${missing.join(", ")} -->\n${report}`,
    );
    console.log(`[faults] ${rows.length} scenario rows written to ${target}`);
    if (!complete)
      console.log(
        `[faults] incomplete run, docs/reliability.md left as it was; missing: ${missing.join(", ")}`,
      );
  };
}

function git(...args: string[]): string {
  try {
    return execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    return "";
  }
}

/** The commit measured, and whether the files that decide what the suite runs differ from it. */
function gitStamp(run: string): Stamp {
  const dirty = uncommittedInputs(git("status", "--porcelain", "--untracked-files=all"));
  return {
    run,
    date: new Date().toISOString().slice(0, 10),
    commit: git("rev-parse", "--short=12", "HEAD").trim() || "unknown",
    srcTree: git("rev-parse", "--short=12", "HEAD:src").trim() || "unknown",
    dirty,
    node: process.version,
  };
}
