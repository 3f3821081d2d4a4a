/**
 * The dashboard in a real browser (headless Chromium through playwright-core) against a real
 * Neo4j: the page opened with its token shows the status; a backup created from the page; its
 * restore confirmed by typing the database's name, its progress followed to the end; validate,
 * verify, download; refused without the token; read-only hides and refuses create and restore;
 * a restore killed part-way shown as unfinished on its own database's page and as another
 * database's on the page of a database sharing the storage.
 * Started without a reachable database: the storage's part works, the database's says why and
 * fills in when the server answers. And `neo4j-backup ui` as a process: the URL it prints,
 * SIGTERM, --host and --allow-remote, a busy port.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, truncate } from "node:fs/promises";
import { createRequire } from "node:module";
import { connect as connectSocket, createServer as createNetServer } from "node:net";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import neo4j, { type Driver } from "neo4j-driver";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearDatabase, loadSampleGraph } from "../../scripts/sample-graph/index.js";
import { type Dashboard, startDashboard, TOKEN_HEADER } from "../../src/dashboard/index.js";
import {
  countGraph,
  createBackup,
  type DatabaseIdentity,
  FileSystemStorage,
  fingerprintDatabase,
  listBackups,
  readDatabaseIdentity,
  readIndex,
  recoverInterruptedRestore,
  resolveDatabase,
  verifyBackup,
} from "../../src/index.js";
import { markPendingRestore } from "../../src/lifecycle/backup-index.js";
import { withStorageLock } from "../../src/storage/with-lock.js";
import { chromiumPath, jobEnd, launchChromium, openDashboard, restoreFromPage } from "../support/browser.js";
import { cliCommand, disposeCli, prepareCli, ROOT, serverEnv } from "../support/cli-run.js";
import { runCrashWorker } from "../support/crash.js";
import { closedPort } from "../support/ports.js";
import { driverFor, testServers } from "../support/servers.js";

const haveChromium = chromiumPath() !== undefined;

/** A reason a page must show as text, never as markup. */
const HOSTILE_REASON = `<img src=x onerror="window.__injected=1"> before the "bulk" import & more`;

/** Every response body the page received, to search for secrets. */
function recordBodies(page: Page): string[] {
  const bodies: string[] = [];
  page.on("response", async (response) => {
    const type = response.headers()["content-type"] ?? "";
    if (/json|html|javascript|css/.test(type)) bodies.push(await response.text().catch(() => ""));
  });
  return bodies;
}

/** A POST from inside the page, as its own script would send it. */
function postFromPage(page: Page, path: string, body: unknown, token: string): Promise<number> {
  return page.evaluate(
    async ({ path, body, token, header }) =>
      (
        await fetch(path, {
          method: "POST",
          headers: { "content-type": "application/json", [header]: token },
          body: JSON.stringify(body),
        })
      ).status,
    { path, body, token, header: TOKEN_HEADER },
  );
}

describe.skipIf(!haveChromium).each(testServers())(
  "the dashboard in Chromium on Neo4j $version ($label)",
  (server) => {
    let driver: Driver;
    let browser: Browser;
    let root: string;
    let storage: FileSystemStorage;
    let dashboard: Dashboard;
    let database: string;

    beforeAll(async () => {
      driver = driverFor(server);
      browser = await launchChromium();
      root = await mkdtemp(join(tmpdir(), "neo4j-backup-dashboard-"));
      storage = new FileSystemStorage({ directory: join(root, "backups") });
      await clearDatabase(driver);
      await loadSampleGraph(driver, { seed: 71, nodes: 3000 });
      database = await resolveDatabase(driver, undefined);
      // the live status checks every 300 ms here (5 s by default)
      dashboard = await startDashboard({
        driver,
        storage,
        keep: Number.POSITIVE_INFINITY,
        statusIntervalMs: 300,
      });
    });

    afterAll(async () => {
      await dashboard?.close();
      await browser?.close();
      await driver?.close();
      await rm(root, { recursive: true, force: true });
    });

    it("without the token: the page, its files and the API are refused", async () => {
      const page = await browser.newPage();
      try {
        const bare = await page.goto(`${dashboard.origin}/`);
        expect(bare!.status()).toBe(401);
        expect(await page.textContent("body")).toContain("access token");
        const wrong = await page.goto(`${dashboard.origin}/?token=${"A".repeat(32)}`);
        expect(wrong!.status()).toBe(401);
        for (const path of ["/assets/app.js", "/api/status", "/api/backups"]) {
          expect((await page.request.get(`${dashboard.origin}${path}`)).status(), path).toBe(401);
        }
      } finally {
        await page.close();
      }
    });

    it("opened with the token: the token leaves the address bar and the status shows counts, recommendation and health", async () => {
      const page = await openDashboard(browser, dashboard);
      try {
        expect(page.url()).toBe(`${dashboard.origin}/`);
        const counts = await countGraph(driver, database);
        const status = await page.textContent("#status-body");
        expect(status).toContain(`${counts.nodes.toLocaleString("en-US")} nodes`);
        expect(status).toContain(`${counts.relationships.toLocaleString("en-US")} relationships`);
        expect(status).toContain("Last backup");
        expect(await page.textContent("#recommendation")).toBe("Backup recommended");
        expect(await page.textContent("#health")).toBe("1 problem");
        expect(await page.isVisible("#create-form")).toBe(true);
        expect(await page.textContent("#target")).toContain(`database ${database}`);
      } finally {
        await page.close();
      }
    });

    it("writes as the CLI does: sizes in kB/MB, times in UTC, the server in the header, file names as written", async () => {
      const made = await createBackup({ driver, storage, reason: "units", keep: Number.POSITIVE_INFINITY });
      const page = await openDashboard(browser, dashboard);
      try {
        const row = page.locator(`tr[data-name="${made.name}"]`);
        await row.waitFor();
        const cells = await row.locator("td").allTextContents();
        // powers of 1000, one decimal, like formatBytes
        const expected =
          made.bytes < 1000
            ? `${made.bytes} B`
            : made.bytes < 1e6
              ? `${(made.bytes / 1e3).toFixed(1)} kB`
              : `${(made.bytes / 1e6).toFixed(1)} MB`;
        expect(cells).toContain(expected);
        const created = (await listBackups(storage)).find((e) => e.name === made.name)!.created;
        expect(await row.locator("td").nth(2).getAttribute("title")).toBe(
          `${created.slice(0, 19).replace("T", " ")} UTC`,
        );
        const identity = (await readDatabaseIdentity(driver, database)).identity!;
        expect(await page.textContent("#target")).toContain(`database ${database} on ${identity.address}`);
        // the baseline's name is shown as written, not in the headings' capitals
        expect(await page.textContent("#baseline")).toBe(made.name);
        expect(
          await page.evaluate(`getComputedStyle(document.getElementById("baseline")).textTransform`),
        ).toBe("none");
      } finally {
        await page.close();
      }
    });

    it("the restore dialog: the CLI's default (empty) and its Replaces line; no restore for an invalid backup; buttons wait for a running job", async () => {
      const made = await createBackup({ driver, storage, reason: "dialog", keep: Number.POSITIVE_INFINITY });
      const counts = await countGraph(driver, database);
      const page = await openDashboard(browser, dashboard);
      try {
        const row = page.locator(`tr[data-name="${made.name}"]`);
        await row.waitFor();
        await row.locator("button", { hasText: "Restore" }).click();
        await page.waitForSelector("#restore-dialog[open]");
        expect(await page.inputValue("#restore-mode")).toBe("empty");
        expect(await page.textContent("#restore-effect")).toContain("will be refused; choose replace");
        await page.selectOption("#restore-mode", "replace");
        expect(await page.textContent("#restore-effect")).toBe(
          `Replaces: ${counts.nodes.toLocaleString("en-US")} nodes, ${counts.relationships.toLocaleString("en-US")} relationships now in the database (a safety backup is taken first)`,
        );
        await page.click("#restore-cancel");
        // a validation runs: every button that starts a job waits for it, and is back afterwards
        // (watched from inside the page: a short job may end before a poll from here would look)
        await page.evaluate(`{
          window.__allDisabled = false;
          new MutationObserver(() => {
            const buttons = [...document.querySelectorAll(".job-action")];
            if (buttons.length > 0 && buttons.every((b) => b.disabled)) window.__allDisabled = true;
          }).observe(document.body, { attributes: true, subtree: true, attributeFilter: ["disabled"] });
        }`);
        await row.locator("button", { hasText: "Validate" }).click();
        expect(await jobEnd(page)).toBe("succeeded");
        expect(await page.evaluate("window.__allDisabled")).toBe(true);
        await page.waitForFunction(`[...document.querySelectorAll(".job-action")].every((b) => !b.disabled)`);
        // a backup that does not validate: the index says so, and the page offers no restore of it
        const bad = await createBackup({
          driver,
          storage,
          reason: "to be cut",
          keep: Number.POSITIVE_INFINITY,
        });
        await truncate(join(storage.directory, bad.name), 1000);
        await page.click("#refresh");
        const badRow = page.locator(`tr[data-name="${bad.name}"]`);
        await badRow.locator("text=invalid").waitFor();
        expect(await badRow.locator("button", { hasText: "Restore" }).count()).toBe(0);
        await storage.remove(bad.name);
        await listBackups(storage);
      } finally {
        await page.close();
      }
    });

    it("keeps itself current: a backup taken elsewhere appears without a reload, health first in a banner, the history lists it", async () => {
      const page = await openDashboard(browser, dashboard);
      try {
        await page.locator("#live", { hasText: "live" }).waitFor();
        const before = await page.locator("#backup-rows tr[data-name]").count();
        const made = await createBackup({
          driver,
          storage,
          reason: "taken by another process",
          series: "nightly",
          keep: Number.POSITIVE_INFINITY,
        });
        const row = page.locator(`tr[data-name="${made.name}"]`);
        await row.waitFor({ timeout: 10_000 });
        expect(await page.locator("#backup-rows tr[data-name]").count()).toBe(before + 1);
        expect(await row.locator("td.kind").textContent()).toBe("backup · nightly");
        // a backup is there, and then nothing changes: one status event, not one per check (every 300 ms here)
        const quiet = await page.evaluate(`new Promise((resolve) => {
          let n = 0;
          const events = new EventSource("/api/status/events");
          events.addEventListener("status", () => n++);
          setTimeout(() => { events.close(); resolve(n); }, 2000);
        })`);
        expect(quiet).toBe(1);
        // the newest backup is valid and young: healthy, said first
        await page.locator("#health-banner", { hasText: "Backups healthy" }).waitFor();
        const banner = await page.locator("main > *:not([hidden])").first().getAttribute("id");
        expect(banner).toBe("health-banner");
        await page.click("#refresh");
        await page.locator("#history-rows li", { hasText: made.name }).waitFor();
        expect(
          await page.locator(`#history-rows li[data-kind="backup"]`, { hasText: made.name }).textContent(),
        ).toContain("(series nightly)");
        // a failed backup is recorded and listed, marked as a failure
        const down = neo4j.driver(
          `bolt://127.0.0.1:${await closedPort()}`,
          neo4j.auth.basic("neo4j", "unused"),
          {
            connectionTimeout: 2000,
            maxTransactionRetryTime: 0,
          },
        );
        try {
          await createBackup({ driver: down, storage, reason: "fails", recordFailure: true }).catch(
            () => undefined,
          );
        } finally {
          await down.close();
        }
        await page.click("#refresh");
        const failure = page.locator('#history-rows li[data-kind="failure"]').first();
        await failure.waitFor();
        expect(await failure.getAttribute("class")).toBe("bad");
        expect(await failure.textContent()).toMatch(/backup of the home database failed: CONNECTION: /);
      } finally {
        await page.close();
      }
    });

    it("sorts and filters the backups, and shows a job's result under the row it was started from", async () => {
      await createBackup({
        driver,
        storage,
        reason: "sorted",
        series: "nightly",
        keep: Number.POSITIVE_INFINITY,
      });
      const page = await openDashboard(browser, dashboard);
      try {
        const all = await listBackups(storage);
        await page.locator("#backup-rows tr[data-name]").first().waitFor();
        const names = async () =>
          page
            .locator("#backup-rows tr[data-name]")
            .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-name")));
        // newest first by default; by name, ascending, after a click on its header
        expect(await names()).toEqual(all.map((e) => e.name));
        await page.click('th[data-sort="name"] button');
        expect(await names()).toEqual(all.map((e) => e.name).sort());
        expect(await page.getAttribute('th[data-sort="name"]', "aria-sort")).toBe("ascending");
        // filtered by text (series, reason) and by kind
        await page.fill("#filter-text", "nightly");
        const nightly = all.filter((e) =>
          [e.name, e.reason, e.series ?? ""].some((v) => v.toLowerCase().includes("nightly")),
        );
        expect(nightly.length).toBeGreaterThan(0);
        expect((await names()).sort()).toEqual(nightly.map((e) => e.name).sort());
        expect(await page.textContent("#backup-count")).toBe(`${nightly.length} of ${all.length}`);
        await page.fill("#filter-text", "");
        await page.selectOption("#filter-kind", "snapshot");
        expect(await names()).toEqual(
          all
            .filter((e) => e.snapshot)
            .map((e) => e.name)
            .sort(),
        );
        await page.selectOption("#filter-kind", "");
        // a validation's result under its row
        const name = all.find((e) => !e.snapshot && e.valid)!.name;
        await page.locator(`tr[data-name="${name}"] button`, { hasText: "Validate" }).click();
        expect(await jobEnd(page)).toBe("succeeded");
        const result = page.locator(`tr.row-result[data-for="${name}"]`);
        await result.waitFor();
        expect(await result.textContent()).toContain("Validation succeeded");
        expect(await result.textContent()).toContain("Valid:");
      } finally {
        await page.close();
      }
    });

    it("every main view at 1,400 and 700 px: a screenshot, no sideways scrolling, no console error, no serious or critical axe-core violation", async () => {
      const shots = join(ROOT, "test-results", "dashboard", server.label);
      await mkdir(shots, { recursive: true });
      const axe = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
      const names = (await listBackups(storage)).map((e) => e.name);
      // the views: the page (status, charts, backups, history), a backup's details, the restore dialog
      const views: [string, (page: Page) => Promise<void>][] = [
        ["status", async () => {}],
        [
          "details",
          async (page) => {
            await page.locator(`tr[data-name="${names[0]}"] button`, { hasText: "Details" }).click();
            await page.waitForSelector("#details:not([hidden])");
          },
        ],
        [
          "restore-dialog",
          async (page) => {
            await page.locator(`tr[data-name="${names[0]}"] button`, { hasText: "Restore" }).click();
            await page.waitForSelector("#restore-dialog[open]");
            await page.selectOption("#restore-mode", "replace");
          },
        ],
      ];
      for (const width of [1400, 700]) {
        // axe's script is added to the page by the test: the page's own policy allows only its files
        const context = await browser.newContext({ viewport: { width, height: 1000 }, bypassCSP: true });
        try {
          for (const [view, open] of views) {
            const page = await context.newPage();
            const errors: string[] = [];
            page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
            page.on("pageerror", (e) => errors.push(e.message));
            await page.goto(dashboard.url);
            await page.waitForSelector('#status-body[aria-busy="false"]');
            await page.locator("#backup-rows tr[data-name]").first().waitFor();
            await open(page);
            const where = `${view} at ${width} px`;
            expect(
              await page.evaluate("document.documentElement.scrollWidth - window.innerWidth"),
              where,
            ).toBeLessThanOrEqual(0);
            await page.screenshot({ path: join(shots, `${view}-${width}.png`), fullPage: true });
            await page.addScriptTag({ content: axe });
            const violations = (await page.evaluate(
              `axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id + ": " + v.nodes.map((n) => n.target.join(" ")).join(", ")))`,
            )) as string[];
            expect(violations, where).toEqual([]);
            expect(errors, where).toEqual([]);
            await page.close();
          }
        } finally {
          await context.close();
        }
      }
    });

    it("deletes a backup after a confirmation (cancel keeps it), pins and unpins one; the chart and the Storage panel follow the backups", async () => {
      const made = await createBackup({
        driver,
        storage,
        reason: "to delete",
        keep: Number.POSITIVE_INFINITY,
      });
      const page = await openDashboard(browser, dashboard);
      try {
        const all = await listBackups(storage);
        // the chart of the backups the jobs took: drawn by the charting library from the package
        await page.waitForSelector("#charts:not([hidden]) #chart-size canvas");
        expect(await page.locator("#chart-counts canvas").count()).toBeGreaterThan(0);
        const library = await page.request.get(`${dashboard.origin}/assets/uplot.js`);
        expect([library.status(), library.headers()["content-type"]]).toEqual([
          200,
          "text/javascript; charset=utf-8",
        ]);
        const stored = all.filter((e) => !e.snapshot).reduce((sum, e) => sum + e.size, 0);
        expect(await page.textContent("#storage-use")).toContain(`in ${all.length} backups`);
        expect(stored).toBeGreaterThan(0);
        const row = page.locator(`tr[data-name="${made.name}"]`);
        await row.locator("button", { hasText: "Delete" }).click();
        await page.waitForSelector("#delete-dialog[open]");
        expect(await page.textContent("#delete-summary")).toContain(made.name);
        await page.click("#delete-cancel");
        expect(await storage.stat(made.name)).toBeDefined();
        await row.locator("button", { hasText: "Delete" }).click();
        await page.click("#delete-submit");
        await row.waitFor({ state: "detached" });
        expect(await storage.stat(made.name)).toBeUndefined();
        expect((await listBackups(storage)).map((e) => e.name)).not.toContain(made.name);
        // pinned: marked, not offered for deletion, kept by retention (the index says so); unpinned again
        const pin = (await listBackups(storage)).find((e) => !e.snapshot)!.name;
        const pinRow = page.locator(`tr[data-name="${pin}"]`);
        await pinRow.locator("button", { hasText: "Pin" }).click();
        await pinRow.locator("td.kind", { hasText: "pinned" }).waitFor();
        expect(await pinRow.locator("button", { hasText: "Delete" }).count()).toBe(0);
        expect((await readIndex(storage)).pinned).toEqual([pin]);
        await pinRow.locator("button", { hasText: "Unpin" }).click();
        await pinRow.locator("button", { hasText: "Delete" }).waitFor();
        expect((await readIndex(storage)).pinned).toEqual([]);
        // the server wants the name as the confirmation
        const other = (await listBackups(storage)).find((e) => !e.snapshot)!.name;
        expect(
          await postFromPage(page, `/api/backups/${other}/delete`, { confirm: "yes" }, dashboard.token),
        ).toBe(400);
        expect(await storage.stat(other)).toBeDefined();
      } finally {
        await page.close();
      }
    });

    it("shows the schedule's next run when one is set, and nothing of the kind when none is", async () => {
      const next = new Date(Date.now() + 3 * 3600_000);
      const scheduled = await startDashboard({
        driver,
        storage,
        readOnly: true,
        nextScheduledRun: () => next,
      });
      try {
        const page = await openDashboard(browser, scheduled);
        // in UTC, as the CLI writes times
        expect(await page.textContent("#next-run")).toBe(
          `${next.toISOString().slice(0, 19).replace("T", " ")} UTC`,
        );
        await page.close();
        const plain = await openDashboard(browser, dashboard);
        expect(await plain.locator("#next-run").count()).toBe(0);
        await plain.close();
      } finally {
        await scheduled.close();
      }
    });

    it("creates a backup with a reason (shown as text, never as markup) and follows it to the end", async () => {
      const page = await openDashboard(browser, dashboard);
      const bodies = recordBodies(page);
      try {
        await page.fill("#create-reason", HOSTILE_REASON);
        await page.click("#create-form button[type=submit]");
        expect(await jobEnd(page)).toBe("succeeded");
        expect(await page.textContent("#job-what")).toBe("Backup");
        const [backup] = await listBackups(storage);
        expect(backup!.reason).toBe(HOSTILE_REASON);
        expect(await page.textContent("#job-result")).toContain(`Created ${backup!.name}`);
        const row = page.locator(`tr[data-name="${backup!.name}"]`);
        await row.waitFor();
        expect(await row.locator("td").nth(7).textContent()).toBe(HOSTILE_REASON);
        expect(await page.locator("#backup-rows img").count()).toBe(0);
        expect(await page.evaluate("window.__injected")).toBeUndefined();
        await page.locator("#health", { hasText: /^OK$/ }).waitFor();
        expect(await page.textContent("#recommendation")).toBe("No backup needed");
        expect(bodies.join("\n")).not.toContain(server.password);
      } finally {
        await page.close();
      }
    });

    it("validates and verifies the backup from the page", async () => {
      const [backup] = await listBackups(storage);
      const page = await openDashboard(browser, dashboard);
      try {
        const row = page.locator(`tr[data-name="${backup!.name}"]`);
        await row.locator("button", { hasText: "Validate" }).click();
        expect(await jobEnd(page)).toBe("succeeded");
        expect(await page.textContent("#job-result")).toContain(
          `Valid: ${backup!.nodeCount.toLocaleString("en-US")} nodes`,
        );
        await row.locator("button", { hasText: "Verify" }).click();
        await page.waitForSelector('#job[data-state="running"], #job-what:has-text("Verification")');
        expect(await jobEnd(page)).toBe("succeeded");
        expect(await page.textContent("#job-result")).toContain("The database matches the backup");
        await row.locator("button", { hasText: "Details" }).click();
        await page.waitForSelector("#details:not([hidden])");
        expect(await page.textContent("#details-body")).toContain(backup!.checksum!);
      } finally {
        await page.close();
      }
    });

    it("restores it when the database's name is typed, with live progress to the end", async () => {
      const [backup] = await listBackups(storage);
      const expected = (await fingerprintDatabase(driver, database)).total;
      await driver.executeQuery("MATCH (n) WITH n LIMIT 500 DETACH DELETE n", {}, { database });
      expect((await fingerprintDatabase(driver, database)).total).not.toBe(expected);
      const page = await openDashboard(browser, dashboard);
      const bodies = recordBodies(page);
      try {
        await page.locator(`tr[data-name="${backup!.name}"] button`, { hasText: "Restore" }).click();
        await page.waitForSelector("#restore-dialog[open]");
        expect(await page.isDisabled("#restore-submit")).toBe(true);
        await page.fill("#restore-confirm", `${database}x`);
        expect(await page.isDisabled("#restore-submit")).toBe(true);
        await page.click("#restore-cancel");
        // every phase text the page shows, in order
        await page.evaluate(`(() => {
          const seen = (window.__phases = []);
          const bars = (window.__bars = []);
          const phase = document.getElementById("job-phase");
          const bar = document.getElementById("job-progress");
          new MutationObserver(() => {
            seen.push(phase.textContent);
            bars.push([phase.textContent, bar.getAttribute("value")]);
          }).observe(phase, {
            childList: true,
            characterData: true,
            subtree: true,
          });
        })()`);
        await restoreFromPage(page, backup!.name, database, "replace");
        expect(await jobEnd(page)).toBe("succeeded");
        const phases = (await page.evaluate("window.__phases")) as string[];
        expect(phases.some((p) => p.startsWith("Nodes:"))).toBe(true);
        expect(phases.at(-1)).toMatch(/^Done: /);
        // the safety backup and the clearing are not counted: their text has no "0 / N" and their
        // bar runs without a value
        const bars = (await page.evaluate("window.__bars")) as [string, string | null][];
        const uncounted = bars.filter(([text]) =>
          /^(Taking a safety backup|Clearing the database)/.test(text),
        );
        expect(uncounted.length).toBeGreaterThan(0);
        for (const [text, value] of uncounted) {
          expect(text).not.toMatch(/\d+ \/ \d/);
          expect(value).toBeNull();
        }
        expect(await page.getAttribute("#job-progress", "value")).toBe("1");
        const result = await page.textContent("#job-result");
        expect(result).toContain(`Restored ${backup!.name}`);
        expect(result).toContain("Verified: counts, schema and content match the file.");
        expect(result).toMatch(/Safety backup of the previous contents: safety_backup_/);
        expect((await fingerprintDatabase(driver, database)).total).toBe(expected);
        expect((await verifyBackup({ driver, storage, name: backup!.name, database })).equal).toBe(true);
        expect((await readIndex(storage)).pendingRestores).toEqual([]);
        expect(bodies.join("\n")).not.toContain(server.password);
      } finally {
        await page.close();
      }
    });

    it("a job started on one page is followed on every open page, whose buttons wait for it", async () => {
      const backup = (await listBackups(storage)).find((e) => e.kind === "backup" && !e.snapshot && e.valid)!;
      const first = await openDashboard(browser, dashboard);
      const second = await openDashboard(browser, dashboard);
      try {
        await second.locator("#live", { hasText: "live" }).waitFor();
        await restoreFromPage(first, backup.name, database, "replace");
        // the other page learns of it from the live status and follows it
        await second.waitForSelector('#job[data-state="running"]', { timeout: 10_000 });
        expect(await second.textContent("#job-what")).toBe(`Restore of ${backup.name}`);
        expect(
          await second.evaluate(`[...document.querySelectorAll(".job-action")].every((b) => b.disabled)`),
        ).toBe(true);
        // one job at a time: the server refuses a second one
        expect(await postFromPage(second, `/api/backups/${backup.name}/validate`, {}, dashboard.token)).toBe(
          409,
        );
        expect(await jobEnd(first)).toBe("succeeded");
        expect(await jobEnd(second)).toBe("succeeded");
        await second.waitForFunction(
          `[...document.querySelectorAll(".job-action")].every((b) => !b.disabled)`,
        );
      } finally {
        await first.close();
        await second.close();
      }
    });

    it("downloads a backup: the bytes the storage holds", async () => {
      const [backup] = await listBackups(storage);
      const page = await openDashboard(browser, dashboard);
      try {
        const [download] = await Promise.all([
          page.waitForEvent("download"),
          page.locator(`tr[data-name="${backup!.name}"] a`, { hasText: "Download" }).click(),
        ]);
        expect(download.suggestedFilename()).toBe(backup!.name);
        const saved = join(root, "downloaded.json");
        await download.saveAs(saved);
        expect(await readFile(saved)).toEqual(await readFile(join(root, "backups", backup!.name)));
      } finally {
        await page.close();
      }
    });

    it("a snapshot: its row shows the document's size with what it stored and added, its details say so, and it downloads as the plain document", async () => {
      const snapshot = await createBackup({
        driver,
        storage,
        reason: "snapshot for the page",
        snapshot: true,
        compression: "zstd",
        keep: Number.POSITIVE_INFINITY,
      });
      const sizes = snapshot.snapshot!;
      const page = await openDashboard(browser, dashboard);
      try {
        // the status: the storage's snapshots, what their documents hold and what they take
        await expect.poll(() => page.locator("#snapshot-use").textContent()).toBe("1 snapshot");
        expect(await page.locator("main").textContent()).toMatch(/stored in .+ \(\d+\.\d× deduplication\)/);
        const row = page.locator(`tr[data-name="${snapshot.name}"]`);
        const sizeCell = row.locator("td.num").nth(2);
        await expect
          .poll(() => sizeCell.getAttribute("title"))
          .toMatch(/^snapshot: .+ in \d+ chunks; it added /);
        expect(Number((await sizeCell.textContent())!.replace(/[^0-9.]/g, ""))).toBeGreaterThan(0);
        await row.locator("button", { hasText: "Details" }).click();
        await expect
          .poll(() => page.locator("body").textContent())
          .toContain(`in ${sizes.chunks.toLocaleString("en-US")} chunks`);
        const [download] = await Promise.all([
          page.waitForEvent("download"),
          row.locator("a", { hasText: "Download" }).click(),
        ]);
        expect(download.suggestedFilename()).toBe(snapshot.name.replace(/\.snapshot$/, ".json"));
        const saved = join(root, "snapshot.json");
        await download.saveAs(saved);
        const document = await readFile(saved);
        expect(document.length).toBe(sizes.logicalBytes);
        expect(JSON.parse(document.toString("utf8")).data.statistics.checksum).toBe(snapshot.checksum);
      } finally {
        await page.close();
        await storage.remove(snapshot.name);
        // the index forgets it now, not in the middle of the next test's first request
        await listBackups(storage);
      }
    });

    it("without a reachable database: the backups are listed, validated and downloaded, the database's part says why, and fills in when the server answers", async () => {
      // a port where nothing listens yet; later a proxy to the server opens there
      const port = await closedPort();
      const target = new URL(server.uri);
      const down = neo4j.driver(
        `bolt://127.0.0.1:${port}`,
        neo4j.auth.basic(server.username, server.password),
        {
          connectionTimeout: 2000,
          maxTransactionRetryTime: 0,
        },
      );
      await createBackup({
        driver,
        storage,
        reason: "before the server went away",
        keep: Number.POSITIVE_INFINITY,
      });
      const names = (await listBackups(storage)).map((b) => b.name);
      const offline = await startDashboard({ driver: down, storage });
      const page = await openDashboard(browser, offline);
      let proxy: ReturnType<typeof createNetServer> | undefined;
      try {
        expect(await page.textContent("#database-down")).toBe("Cannot be reached");
        expect(await page.textContent("#status-body")).toContain("Backups can still be listed");
        expect(await page.isVisible("#create")).toBe(false);
        const row = page.locator(`tr[data-name="${names[0]}"]`);
        await row.waitFor();
        expect(await row.locator("button", { hasText: "Validate" }).isVisible()).toBe(true);
        expect(await row.locator("button", { hasText: "Verify" }).isVisible()).toBe(false);
        expect(await row.locator("button", { hasText: "Restore" }).isVisible()).toBe(false);
        // the server refuses what needs the database, naming why
        expect(await postFromPage(page, "/api/backups", { reason: "x" }, offline.token)).toBe(502);
        const download = await page.request.get(`${offline.origin}/api/backups/${names[0]}/download`);
        expect(download.status()).toBe(200);
        expect((await download.body()).length).toBe((await storage.stat(names[0]!))!.size);
        await row.locator("button", { hasText: "Validate" }).click();
        expect(await jobEnd(page)).toBe("succeeded");
        // the server comes back (a proxy to it opens on that port): the page fills in by itself
        proxy = createNetServer((socket) => {
          const upstream = connectSocket(Number(target.port), target.hostname);
          socket.pipe(upstream).pipe(socket);
          const end = () => {
            socket.destroy();
            upstream.destroy();
          };
          socket.on("error", end);
          upstream.on("error", end);
        });
        await new Promise<void>((resolve) => proxy!.listen(port, "127.0.0.1", resolve));
        await page.waitForSelector("#recommendation", { timeout: 30_000 });
        expect(await page.isVisible("#database-down")).toBe(false);
        const counts = await countGraph(driver, database);
        expect(await page.textContent("#status-body")).toContain(
          `${counts.nodes.toLocaleString("en-US")} nodes`,
        );
        expect(await row.locator("button", { hasText: "Restore" }).isVisible()).toBe(true);
        expect(await page.textContent("#target")).toContain(`database ${database}`);
      } finally {
        await page.close();
        await offline.close();
        await down.close();
        await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
      }
    });

    it("read-only: the page offers no create and no restore, and the server refuses both", async () => {
      const readOnly = await startDashboard({ driver, storage, readOnly: true });
      const page = await openDashboard(browser, readOnly);
      try {
        const names = (await listBackups(storage)).map((b) => b.name);
        expect(await page.isVisible("#read-only-badge")).toBe(true);
        expect(await page.isVisible("#create")).toBe(false);
        const row = page.locator(`tr[data-name="${names[0]}"]`);
        // the rows arrive with the page's first request for the list
        await row.waitFor();
        expect(await row.locator("button", { hasText: "Validate" }).isVisible()).toBe(true);
        expect(await row.locator("button", { hasText: "Restore" }).isVisible()).toBe(false);
        expect(await row.locator("button", { hasText: "Delete" }).isVisible()).toBe(false);
        expect(await postFromPage(page, "/api/backups", { reason: "x" }, readOnly.token)).toBe(403);
        expect(
          await postFromPage(page, `/api/backups/${names[0]}/delete`, { confirm: names[0] }, readOnly.token),
        ).toBe(403);
        expect(
          await postFromPage(
            page,
            `/api/backups/${names[0]}/restore`,
            { confirm: database, mode: "replace" },
            readOnly.token,
          ),
        ).toBe(403);
        expect((await listBackups(storage)).map((b) => b.name)).toEqual(names);
      } finally {
        await page.close();
        await readOnly.close();
      }
    });

    describe("a restore into this database killed while it writes nodes", () => {
      let folder: string;
      let killed: FileSystemStorage;
      let identity: DatabaseIdentity;
      let backupName: string;
      let before: string;
      let recovered = false;

      beforeAll(async () => {
        // the backup and the record of its killed restore in a storage of their own
        folder = await mkdtemp(join(root, "killed-"));
        killed = new FileSystemStorage({ directory: folder });
        identity = (await readDatabaseIdentity(driver, database)).identity!;
        before = (await fingerprintDatabase(driver, database)).total;
        backupName = (await createBackup({ driver, storage: killed, reason: "before the killed restore" }))
          .name;
        const point = { label: "mid-nodes", progress: { phase: "nodes", nodes: 400 } };
        const run = await runCrashWorker(server, "restore", point, { directory: folder }, [backupName]);
        expect(run.out).toContain("killed:mid-nodes");
      });

      afterAll(async () => {
        // the database as the backup (and the tests that follow) had it, even after a failure
        if (!recovered) await recoverInterruptedRestore({ driver, storage: killed });
      });

      it("the database's own page warns of the unfinished restore, names the backup and `neo4j-backup recover`, and the health counts it as a problem", async () => {
        const [pending] = (await readIndex(killed)).pendingRestores;
        expect(pending).toMatchObject({ name: backupName, mode: "replace", target: identity });
        const own = await startDashboard({ driver, storage: killed, readOnly: true });
        const page = await openDashboard(browser, own);
        try {
          const warning = page.locator("#unfinished-restore");
          expect(await warning.isVisible()).toBe(true);
          expect(await warning.textContent()).toBe(
            `Unfinished restore into this database: ${backupName} did not finish. Run \`neo4j-backup recover\` against this database to finish it.`,
          );
          expect(await page.locator("#status-body p.warn", { hasText: "Another database:" }).count()).toBe(0);
          expect(await page.textContent("#health")).toBe("1 problem");
          const status = await page.textContent("#status-body");
          expect(status).toContain(
            `• a restore of ${backupName} into database ${identity.name} at ${identity.address}`,
          );
        } finally {
          await page.close();
          await own.close();
        }
      });

      it("the page of another database sharing the storage shows it as another database's, with that database's address, and no unfinished restore of its own", async () => {
        const otherServer = testServers().find((s) => s.uri !== server.uri);
        let otherDriver: Driver;
        let shared: FileSystemStorage;
        if (otherServer) {
          // the other test server's database, over the storage holding the killed restore
          otherDriver = driverFor(otherServer);
          shared = killed;
        } else {
          // one server only: the same record, its target another database (other id, other address)
          otherDriver = driverFor(server);
          shared = new FileSystemStorage({ directory: await mkdtemp(join(root, "other-")) });
          const [pending] = (await readIndex(killed)).pendingRestores;
          const target = { ...identity, id: `${identity.id}FF`, address: "standby.invalid:7687" };
          await withStorageLock(shared, () => markPendingRestore(shared, { ...pending!, target }));
        }
        const other = await startDashboard({ driver: otherDriver, storage: shared, readOnly: true });
        const page = await openDashboard(browser, other);
        try {
          const [recorded] = (await readIndex(shared)).pendingRestores;
          // the record's target is not the database the page shows
          const shown = (await readDatabaseIdentity(otherDriver)).identity!;
          expect(recorded!.target!.id).not.toBe(shown.id);
          const notices = page.locator("#status-body p.warn", { hasText: "Another database:" });
          expect(await notices.count()).toBe(1);
          const notice = await notices.textContent();
          expect(notice).toMatch(
            new RegExp(`^Another database: a restore of ${backupName.replace(/\./g, "\\.")} into `),
          );
          expect(notice).toContain(
            `into database ${recorded!.target!.name} at ${recorded!.target!.address} (id `,
          );
          expect(notice).toContain("`neo4j-backup recover`");
          expect(await page.locator("#unfinished-restore").count()).toBe(0);
          expect(await page.textContent("#status-body")).not.toContain(
            "Unfinished restore into this database",
          );
        } finally {
          await page.close();
          await other.close();
          await otherDriver.close();
        }
      });

      it("recovered, the database holds what it held before and its page shows no unfinished restore", async () => {
        expect((await recoverInterruptedRestore({ driver, storage: killed }))?.interrupted.name).toBe(
          backupName,
        );
        recovered = true;
        expect((await fingerprintDatabase(driver, database)).total).toBe(before);
        expect((await readIndex(killed)).pendingRestores).toEqual([]);
        const own = await startDashboard({ driver, storage: killed, readOnly: true });
        const page = await openDashboard(browser, own);
        try {
          expect(await page.locator("#unfinished-restore").count()).toBe(0);
          expect(await page.locator("#status-body p.warn", { hasText: "Another database:" }).count()).toBe(0);
          expect(await page.textContent("#health")).toBe("OK");
        } finally {
          await page.close();
          await own.close();
        }
      });
    });
  },
);

/** `neo4j-backup ui` as a process: resolves with the first match of `pattern` in its output. */
function startUi(uiArgs: string[], env: NodeJS.ProcessEnv, pattern: RegExp) {
  const { command, args } = cliCommand();
  const child = spawn(command, [...args, "ui", ...uiArgs], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = { stdout: "", stderr: "" };
  child.stderr.on("data", (d) => (output.stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  const found = new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (d) => {
      output.stdout += d;
      const match = pattern.exec(output.stdout);
      if (match) resolve(match[1]!);
    });
    void exited.then((code) =>
      reject(new Error(`ui exited with ${code}: ${output.stdout}\n${output.stderr}`)),
    );
  });
  return { child, output, exited, found };
}

describe.each(testServers())("neo4j-backup ui on Neo4j $version ($label)", (server) => {
  let root: string;

  beforeAll(async () => {
    await prepareCli();
    root = await mkdtemp(join(tmpdir(), "neo4j-backup-ui-cli-"));
  });

  afterAll(async () => {
    await disposeCli();
    await rm(root, { recursive: true, force: true });
  });

  it("--host beyond this machine needs --allow-remote, then warns and prints the address others use; a busy port is a usage error", async () => {
    const { command, args } = cliCommand();
    const dir = join(root, "host");
    await mkdir(dir);
    const options = ["--dir", dir, "--read-only"];
    const run = (extra: string[]) =>
      spawnSync(command, [...args, "ui", ...options, ...extra], {
        cwd: ROOT,
        env: serverEnv(server),
        encoding: "utf8",
        timeout: 60_000,
      });
    const refused = run(["--host", "0.0.0.0"]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(
      "--host 0.0.0.0 would serve the dashboard to other machines over plain HTTP",
    );
    expect(refused.stderr).toContain("--allow-remote");
    const busy = createNetServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const taken = run(["--port", String(port)]);
      expect([taken.status, taken.stdout]).toEqual([2, ""]);
      expect(taken.stderr).toContain(
        `port ${port} is in use; pick another --port, or leave it out for a free one`,
      );
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
    const ui = startUi(
      [...options, "--host", "0.0.0.0", "--allow-remote"],
      serverEnv(server),
      /from other machines: (http:\/\/\S+)/,
    );
    const { child, exited } = ui;
    try {
      const remote = await ui.found;
      const url = new URL(remote);
      expect(url.hostname).toBe(hostname().toLowerCase());
      expect(ui.output.stderr).toContain("Warning: listening on 0.0.0.0 over plain HTTP");
      // the address it prints reaches it (here through the loopback interface, as 0.0.0.0 includes it)
      const token = url.searchParams.get("token")!;
      const answer = await fetch(`http://127.0.0.1:${url.port}/api/status`, {
        headers: { [TOKEN_HEADER]: token },
      });
      expect(answer.status).toBe(200);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("--schedule backs up while the page runs, which shows the next run; not with --read-only", async () => {
    const dir = join(root, "scheduled");
    await mkdir(dir);
    const { command, args } = cliCommand();
    const refused = spawnSync(
      command,
      [...args, "ui", "--dir", dir, "--read-only", "--schedule", "0 3 * * *"],
      {
        cwd: ROOT,
        env: serverEnv(server),
        encoding: "utf8",
      },
    );
    expect([refused.status, refused.stderr]).toEqual([
      2,
      expect.stringContaining("does not go with --read-only"),
    ]);
    // every 2 seconds; --auto: after the first backup, only when the graph changed
    const ui = startUi(
      ["--dir", dir, "--schedule", "*/2 * * * * *", "--auto", "--timezone", "UTC"],
      serverEnv(server),
      /Open (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32})/,
    );
    try {
      const url = new URL(await ui.found);
      expect(ui.output.stdout).toMatch(/Backing up at "\*\/2 \* \* \* \* \*"; next run \d{4}-/);
      const storage = new FileSystemStorage({ directory: dir });
      const deadline = Date.now() + 60_000;
      while ((await listBackups(storage)).length === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 250));
      expect(await listBackups(storage)).toHaveLength(1);
      const status = await fetch(`${url.origin}/api/status`, {
        headers: { [TOKEN_HEADER]: url.searchParams.get("token")! },
      });
      const body = (await status.json()) as { nextScheduledRun?: string };
      expect(Date.parse(body.nextScheduledRun!)).toBeGreaterThan(Date.now() - 2000);
      ui.child.kill("SIGTERM");
      expect(await ui.exited).toBe(0);
    } finally {
      ui.child.kill("SIGKILL");
    }
  });

  it("prints the URL with the token once, answers with it and refuses without it, and stops on SIGTERM", async () => {
    // a read-only dashboard wants an existing folder, as `status` does
    await mkdir(join(root, "backups"));
    const ui = startUi(
      ["--dir", join(root, "backups"), "--read-only", "--port", "0"],
      serverEnv(server),
      /Open (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32})/,
    );
    const { child, exited } = ui;
    try {
      const url = await ui.found;
      const { origin, searchParams } = new URL(url);
      const token = searchParams.get("token")!;
      expect((await fetch(`${origin}/api/status`)).status).toBe(401);
      const status = await fetch(`${origin}/api/status`, { headers: { [TOKEN_HEADER]: token } });
      expect(status.status).toBe(200);
      const body = await status.text();
      expect(JSON.parse(body)).toMatchObject({ readOnly: true, current: { nodes: expect.any(Number) } });
      expect(body).not.toContain(server.password);
      expect(ui.output.stdout.split(token).length - 1).toBe(1);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(ui.output.stdout).toContain("Dashboard stopped.");
      expect(`${ui.output.stdout}${ui.output.stderr}`).not.toContain(server.password);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
