/**
 * A replace restore started from the dashboard in a real browser (headless Chromium), and the page
 * closed while the restore writes. The restore runs in the dashboard's process, not in the page:
 * it goes on to the end — or, when the dashboard is stopped too (Ctrl-C on `neo4j-backup ui`), it
 * is undone and the previous contents are back. Never half: the database's fingerprint is the
 * backup's or the previous contents', and no restore is left pending.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Driver } from "neo4j-driver";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearDatabase, loadSampleGraph } from "../../scripts/sample-graph/index.js";
import { type Dashboard, type JobSnapshot, startDashboard, TOKEN_HEADER } from "../../src/dashboard/index.js";
import {
  createBackup,
  FileSystemStorage,
  fingerprintDatabase,
  readIndex,
  resolveDatabase,
} from "../../src/index.js";
import { launchChromium, openDashboard, restoreFromPage } from "../support/browser.js";
import { driverFor, testServers } from "../support/servers.js";
import { runScenario } from "./support/results.js";

/** Waits until the page shows the restore writing (nodes or relationships); returns the phase text. */
async function whileWriting(page: Page): Promise<string> {
  // a locator, not a predicate string: the page's content security policy forbids eval
  await page.locator("#job-phase", { hasText: /^(Nodes|Relationships):/ }).waitFor({ timeout: 120_000 });
  return (await page.textContent("#job-phase")) ?? "";
}

/** The dashboard's jobs, read through its API (as a page would, with the token). */
async function jobs(dashboard: Dashboard): Promise<JobSnapshot[]> {
  const response = await fetch(`${dashboard.origin}/api/jobs`, {
    headers: { [TOKEN_HEADER]: dashboard.token },
  });
  return ((await response.json()) as { jobs: JobSnapshot[] }).jobs;
}

/** Waits until the dashboard's restore job has ended; returns it. */
async function restoreEnd(dashboard: Dashboard): Promise<JobSnapshot> {
  for (let i = 0; i < 3000; i++) {
    const job = (await jobs(dashboard)).find((j) => j.kind === "restore");
    if (job && job.state !== "running") return job;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the restore did not end within 5 minutes");
}

describe.each(testServers())("a dashboard restore and a closed page on Neo4j $version ($label)", (server) => {
  let driver: Driver;
  let root: string;
  let browser: Browser | undefined;

  beforeAll(async () => {
    driver = driverFor(server);
    root = await mkdtemp(join(tmpdir(), "neo4j-backup-dashboard-fault-"));
  });

  afterAll(async () => {
    await browser?.close();
    await driver?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("the page closed during a replace restore: the restore goes on, or is undone when the dashboard stops — never half", async () => {
    await runScenario("dashboard.restore-page-closed", server.version, 2, async (scenario) => {
      browser = await launchChromium();
      const database = await resolveDatabase(driver, undefined);
      const storage = new FileSystemStorage({ directory: join(root, "backups") });
      await clearDatabase(driver);
      await loadSampleGraph(driver, { seed: 81, nodes: 30_000, special: false });
      const backupPrint = (await fingerprintDatabase(driver, database)).total;
      const source = await createBackup({ driver, storage, reason: "to restore", prefix: "source" });
      /** Puts other contents in the database: what a restore replaces. */
      const otherContents = async () => {
        await clearDatabase(driver);
        await loadSampleGraph(driver, { seed: 82, nodes: 2_000, special: false });
        return (await fingerprintDatabase(driver, database)).total;
      };
      const notes: string[] = [];

      await scenario.trial("page closed: the restore goes on to the end", async () => {
        const previous = await otherContents();
        const dashboard = await startDashboard({ driver, storage });
        try {
          const page = await openDashboard(browser!, dashboard);
          await restoreFromPage(page, source.name, database, "replace");
          notes.push(`closed at "${(await whileWriting(page)).split(":")[0]}"`);
          await page.close();
          const job = await restoreEnd(dashboard);
          expect(job.state, job.error?.message).toBe("succeeded");
          const now = (await fingerprintDatabase(driver, database)).total;
          expect([backupPrint, previous]).toContain(now);
          expect(now).toBe(backupPrint);
          expect((await readIndex(storage)).pendingRestores).toEqual([]);
          // a page opened again shows how it ended
          const again = await openDashboard(browser!, dashboard);
          expect(await again.textContent("#recommendation")).toBeTruthy();
          await again.close();
        } finally {
          await dashboard.close();
        }
      });

      await scenario.trial("page closed, then the dashboard stopped: the restore is undone", async () => {
        const previous = await otherContents();
        const dashboard = await startDashboard({ driver, storage });
        let stopped = false;
        try {
          const page = await openDashboard(browser!, dashboard);
          await restoreFromPage(page, source.name, database, "replace");
          notes.push(`stopped at "${(await whileWriting(page)).split(":")[0]}"`);
          await page.close();
          const running = (await jobs(dashboard)).find((j) => j.kind === "restore")!;
          expect(running.state).toBe("running");
          // what Ctrl-C on `neo4j-backup ui` does: abort the running job and wait for it
          await dashboard.close();
          stopped = true;
          const now = (await fingerprintDatabase(driver, database)).total;
          expect([backupPrint, previous]).toContain(now);
          expect(now).toBe(previous);
          expect((await readIndex(storage)).pendingRestores).toEqual([]);
        } finally {
          if (!stopped) await dashboard.close();
        }
      });
      return notes.join("; ");
    });
  });
});
