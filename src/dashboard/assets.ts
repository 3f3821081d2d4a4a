/**
 * The page's files (HTML, CSS, one JavaScript module, and the charting library's script and
 * stylesheet from its package), served by the package itself: no CDN, works offline. In the sources they are in src/dashboard/assets/; the build copies them to
 * dist/dashboard-assets/, beside the built modules (ESM and CJS alike). They are read once, when a
 * dashboard starts.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BackupError } from "../index.js";

/** The files and their content types. */
const ASSET_TYPES: Readonly<Record<string, string>> = {
  "index.html": "text/html; charset=utf-8",
  "style.css": "text/css; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
};

/**
 * Files of the charting library (uPlot, a dependency), served from the package like the page's
 * own: its script sets the global `uPlot`, its stylesheet lays out the legend.
 */
const VENDOR_ASSETS: Readonly<Record<string, { module: string; type: string }>> = {
  "uplot.js": { module: "uplot/dist/uPlot.iife.min.js", type: "text/javascript; charset=utf-8" },
  "uplot.css": { module: "uplot/dist/uPlot.min.css", type: "text/css; charset=utf-8" },
};

/** Where index.html holds the access token; replaced when the page is served. */
const TOKEN_PLACEHOLDER = "__NEO4J_BACKUP_TOKEN__";

/** One file of the page. */
export interface Asset {
  type: string;
  body: Buffer;
}

/**
 * The folder of the page's files: dist/dashboard-assets beside the built module, or
 * src/dashboard/assets beside this source file.
 */
export function assetsDirectory(): string {
  // import.meta.url is the module's own URL: in dist/ (a chunk, ESM or CJS) or in src/dashboard/
  const here = fileURLToPath(new URL(".", import.meta.url));
  const candidates = [join(here, "dashboard-assets"), join(here, "assets")];
  const found = candidates.find((folder) => existsSync(join(folder, "index.html")));
  if (!found) {
    throw new BackupError(
      "INVALID_OPTIONS",
      `the dashboard's page is missing: none of ${candidates.join(", ")} holds index.html (a broken installation?)`,
    );
  }
  return found;
}

/** Reads the page's files. */
export async function loadAssets(directory = assetsDirectory()): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  for (const [name, type] of Object.entries(ASSET_TYPES)) {
    assets.set(name, { type, body: await readFile(join(directory, name)) });
  }
  const require = createRequire(import.meta.url);
  for (const [name, { module, type }] of Object.entries(VENDOR_ASSETS)) {
    assets.set(name, { type, body: await readFile(require.resolve(module)) });
  }
  return assets;
}

/** index.html with the access token in its meta tag (the page sends it with every change). */
export function pageWithToken(page: Asset, token: string): Buffer {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new Error("the access token must be base64url");
  return Buffer.from(page.body.toString("utf8").replace(TOKEN_PLACEHOLDER, token));
}
