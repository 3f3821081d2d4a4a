/**
 * `npm run docs:screenshots`: the dashboard's main views as docs/images/dashboard-*.png, for
 * docs/operations.md. Not part of any test run.
 *
 * Starts a local Neo4j 5.26 Community server from Maven Central jars (or uses NEO4J_URI, whose
 * database it EMPTIES), loads the sample graph, takes two backups, starts the dashboard and takes
 * the pictures in the system's headless Chromium (CHROMIUM_PATH, or `chromium` on PATH): the
 * status and the backups at 1,400 and at 700 px, a backup's details, the restore's confirmation, a
 * restore in progress and done, the read-only page, and the page while the database cannot be
 * reached.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import neo4j, { type Driver } from "neo4j-driver";
import { startDashboard } from "../src/dashboard/index.js";
import { createBackup, FileSystemStorage, resolveDatabase } from "../src/index.js";
import { launchChromium, openDashboard } from "../test/support/browser.js";
import { startNeo4j } from "./neo4j/server.mjs";
import { clearDatabase, loadSampleGraph } from "./sample-graph/index.js";

const OUT = new URL("../docs/images/", import.meta.url).pathname;

async function main(): Promise<void> {
  let stop: (() => Promise<void>) | undefined;
  let uri = process.env.NEO4J_URI;
  let username = process.env.NEO4J_USERNAME ?? "neo4j";
  let password = process.env.NEO4J_PASSWORD ?? "";
  if (!uri) {
    const server = await startNeo4j({ line: "5.26" });
    ({ uri, username, password } = server);
    stop = () => server.stop();
  }
  const driver = neo4j.driver(uri!, neo4j.auth.basic(username, password));
  const root = await mkdtemp(join(tmpdir(), "neo4j-backup-screenshots-"));
  const browser = await launchChromium();
  try {
    await mkdir(OUT, { recursive: true });
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 7, nodes: 40_000, special: false });
    const storage = new FileSystemStorage({ directory: join(root, "fullbackup") });
    const keep = Number.POSITIVE_INFINITY;
    const first = await createBackup({ driver, storage, reason: "Nightly backup", series: "nightly", keep });
    await loadSampleGraph(driver, { seed: 8, nodes: 600, special: false });
    await createBackup({ driver, storage, reason: "Before the bulk import", keep });
    await loadSampleGraph(driver, { seed: 9, nodes: 900, special: false });
    await createBackup({ driver, storage, reason: "Nightly backup", series: "nightly", keep });
    await driver.executeQuery("MATCH (n) WITH n LIMIT 120 DETACH DELETE n");
    const database = await resolveDatabase(driver, undefined);
    await views(browser, { driver, storage, database, name: first.name });
  } finally {
    await browser.close();
    await driver.close();
    await rm(root, { recursive: true, force: true });
    await stop?.();
  }
}

async function views(
  browser: Awaited<ReturnType<typeof launchChromium>>,
  about: { driver: Driver; storage: FileSystemStorage; database: string; name: string },
): Promise<void> {
  const { driver, storage, database, name } = about;
  const dashboard = await startDashboard({ driver, storage, keep: Number.POSITIVE_INFINITY });
  try {
    const page = await openDashboard(browser, dashboard);
    await page.setViewportSize({ width: 1400, height: 900 });
    const shot = (file: string) => page.screenshot({ path: join(OUT, file), fullPage: true });
    await page.locator("#backup-rows tr[data-name]").first().waitFor();
    await shot("dashboard-status.png");
    await page.setViewportSize({ width: 700, height: 900 });
    await shot("dashboard-status-700.png");
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.locator(`tr[data-name="${name}"] button`, { hasText: "Details" }).click();
    await page.waitForSelector("#details:not([hidden])");
    await shot("dashboard-details.png");
    await page.locator(`tr[data-name="${name}"] button`, { hasText: "Restore" }).click();
    await page.waitForSelector("#restore-dialog[open]");
    await page.selectOption("#restore-mode", "replace");
    await page.fill("#restore-confirm", database);
    await page.screenshot({ path: join(OUT, "dashboard-restore-confirm.png") });
    await page.click("#restore-submit");
    // a locator, not a predicate string: the page's content security policy forbids eval
    await page.locator("#job-phase", { hasText: /^(Nodes|Relationships):/ }).waitFor();
    await page.screenshot({ path: join(OUT, "dashboard-restore-progress.png") });
    await page.waitForSelector('#job[data-state="succeeded"]', { timeout: 300_000 });
    await page.waitForSelector('#status-body[aria-busy="false"]');
    await shot("dashboard-restore-done.png");
    await page.close();
  } finally {
    await dashboard.close();
  }
  const readOnly = await startDashboard({ driver, storage, readOnly: true });
  try {
    const page = await openDashboard(browser, readOnly);
    await page.screenshot({ path: join(OUT, "dashboard-read-only.png"), fullPage: true });
    await page.close();
  } finally {
    await readOnly.close();
  }
  // a server that does not answer (nothing listens on port 9 here)
  const down = neo4j.driver("bolt://127.0.0.1:9", neo4j.auth.basic("neo4j", "unused"), {
    connectionTimeout: 2000,
  });
  const offline = await startDashboard({ driver: down, storage });
  try {
    const page = await openDashboard(browser, offline);
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.locator("#database-down").waitFor();
    await page.screenshot({ path: join(OUT, "dashboard-offline.png"), fullPage: true });
    await page.close();
  } finally {
    await offline.close();
    await down.close();
  }
}

await main();
