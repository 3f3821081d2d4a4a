/**
 * A real browser for the dashboard's tests: the system's headless Chromium (Debian: `chromium`;
 * CHROMIUM_PATH points elsewhere), driven by playwright-core — which downloads no browser of its
 * own. Where Chromium is missing those tests are skipped on a developer's machine and fail under
 * `.ci/run` (see tools.ts).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";
import type { Dashboard } from "../../src/dashboard/index.js";
import { haveTools } from "./tools.js";

/** The Chromium executable: CHROMIUM_PATH, or `chromium` on PATH. */
export function chromiumPath(): string | undefined {
  const given = process.env.CHROMIUM_PATH;
  if (given && !existsSync(given) && process.env.NEO4J_BACKUP_REQUIRE_TOOLS === "1") {
    throw new Error(`CHROMIUM_PATH ${given} does not exist`);
  }
  if (given) return existsSync(given) ? given : undefined;
  if (!haveTools("chromium")) return undefined;
  return spawnSync("sh", ["-c", "command -v chromium"]).stdout.toString().trim() || undefined;
}

/** Starts headless Chromium (no sandbox: CI runs as root). */
export function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error("Chromium is not installed (Debian: apt-get install chromium)");
  return chromium.launch({ executablePath, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
}

/** Opens the dashboard's URL (with its token) in a new page and waits until the status is shown. */
export async function openDashboard(browser: Browser, dashboard: Dashboard): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(dashboard.url);
  await page.waitForSelector('#status-body[aria-busy="false"]', { timeout: 60_000 });
  return page;
}

/** Waits until the job shown on `page` has ended; returns its state. */
export async function jobEnd(page: Page, timeout = 300_000): Promise<string> {
  await page.waitForSelector('#job[data-state="succeeded"], #job[data-state="failed"]', { timeout });
  return (await page.getAttribute("#job", "data-state")) ?? "";
}

/** Starts a restore of `name` from the page: the dialog, the mode, the database's name typed. */
export async function restoreFromPage(
  page: Page,
  name: string,
  database: string,
  mode: "replace" | "empty" = "replace",
): Promise<void> {
  await page.locator(`tr[data-name="${name}"] button`, { hasText: "Restore" }).click();
  await page.waitForSelector("#restore-dialog[open]");
  await page.selectOption("#restore-mode", mode);
  await page.fill("#restore-confirm", database);
  await page.click("#restore-submit");
  await page.waitForSelector('#job[data-state="running"], #job[data-state="succeeded"]');
}
