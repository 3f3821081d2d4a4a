/**
 * Loads the built package the way its users do — `import` of dist/index.js and `require` of
 * dist/index.cjs — and reads a re-indented backup document with each, which takes the reader's
 * general path (its streaming tokenizer); and starts the dashboard (neo4j-backup/dashboard) of each
 * build, which must find its page (dist/dashboard-assets) from there. Fails on any warning, e.g.
 * one about require(esm).
 *
 *   npm run build && node scripts/check-dist.mjs
 */
import { createRequire } from "node:module";
import neo4j from "neo4j-driver";

const warnings = [];
process.on("warning", (w) => warnings.push(`${w.name}: ${w.message}`));

// a version-1 document (no checksum), re-indented so that the line reader does not take it
const document = JSON.stringify(
  {
    metadata: { timestamp: "20250128_143022", node_count: 2, relationship_count: 1, backup_type: "full" },
    data: {
      nodes: [
        { name: "a", usage_count: 1, _labels: ["Function"], _id: 1 },
        { name: "b", tags: ["x"], _labels: ["Function"], _id: 2 },
      ],
      relationships: [{ confidence: 0.5, _type: "USES", _id: 3, _start_id: 1, _end_id: 2 }],
      statistics: { node_count: 2, relationship_count: 1, label_counts: { Function: 2 } },
    },
  },
  null,
  2,
);

async function* source() {
  const bytes = Buffer.from(document);
  for (let i = 0; i < bytes.length; i += 16) yield bytes.subarray(i, i + 16);
}

async function check(kind, api) {
  if (typeof api.validateBackup !== "function") throw new Error(`${kind}: validateBackup is not exported`);
  const report = await api.validateBackup({ source: source() });
  if (
    !report.valid ||
    report.layout !== "general" ||
    report.nodeCount !== 2 ||
    report.relationshipCount !== 1
  ) {
    throw new Error(`${kind}: unexpected report ${JSON.stringify(report, null, 2)}`);
  }
  console.log(`${kind}: ${Object.keys(api).length} exports, a re-indented document validates`);
}

/** Starts the dashboard of one build and fetches its page and files (no database is contacted). */
async function checkDashboard(kind, api, library) {
  // a driver is created lazily: with the database named, starting the dashboard contacts no server
  const driver = neo4j.driver("bolt://127.0.0.1:9", neo4j.auth.basic("neo4j", "unused"));
  const dashboard = await api.startDashboard({
    driver,
    storage: new library.MemoryStorage(),
    database: "neo4j",
  });
  try {
    const expect = async (path, status, type, headers = {}) => {
      const response = await fetch(new URL(path, dashboard.origin), { headers, redirect: "manual" });
      const body = await response.text();
      if (response.status !== status || !(response.headers.get("content-type") ?? "").startsWith(type)) {
        throw new Error(
          `${kind}: ${path} answered ${response.status} ${response.headers.get("content-type")}`,
        );
      }
      return body;
    };
    const withToken = { "x-neo4j-backup-token": dashboard.token };
    await expect("/", 401, "text/html");
    const page = await expect("/", 200, "text/html", withToken);
    if (!page.includes(dashboard.token)) throw new Error(`${kind}: the page does not carry the token`);
    await expect("/assets/app.js", 200, "text/javascript", withToken);
    await expect("/assets/style.css", 200, "text/css", withToken);
    await expect("/healthz", 503, "application/json");
  } finally {
    await dashboard.close();
    await driver.close();
  }
  console.log(`${kind}: the dashboard serves its page`);
}

const esm = await import("../dist/index.js");
const require = createRequire(import.meta.url);
const cjs = require("../dist/index.cjs");
await check("ESM dist/index.js", esm);
await check("CJS dist/index.cjs", cjs);
await checkDashboard("ESM dist/dashboard.js", await import("../dist/dashboard.js"), esm);
await checkDashboard("CJS dist/dashboard.cjs", require("../dist/dashboard.cjs"), cjs);
// warnings are emitted on the next tick
await new Promise((resolve) => setImmediate(resolve));
if (warnings.length) {
  console.error(`warnings while loading the package on Node ${process.version}:\n${warnings.join("\n")}`);
  process.exit(1);
}
console.log(`dist loads on Node ${process.version} without warnings`);
