/**
 * Loads the built package the way its users do — `import` of dist/index.js and `require` of
 * dist/index.cjs — and reads a re-indented backup document with each, which takes the reader's
 * general path (its streaming tokenizer), and a large document in this library's line layout,
 * whose records are checked in worker threads (dist/validate-worker.js, .cjs). Fails on any
 * warning, e.g. one about require(esm), or the one saying the validation workers did not start.
 *
 *   npm run build && node scripts/check-dist.mjs
 */
import { createHash } from "node:crypto";
import { createRequire } from "node:module";

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

async function* source(text = document, size = 16) {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** A valid format-2 document in the line layout with enough records (over 4 MiB) for worker threads. */
function largeDocument(nodes = 80_000) {
  const sha = (text) => createHash("sha256").update(text).digest("hex");
  const lines = [];
  for (let i = 0; i < nodes; i++) {
    lines.push(
      JSON.stringify({ _id: i, _labels: ["Item"], properties: { name: `item ${i}`, rank: i % 97 } }),
    );
  }
  const metadata = {
    format: "neo4j-backup",
    format_version: 2,
    timestamp: "20250128_143022",
    datetime: "2025-01-28T14:30:22.123Z",
    reason: "check-dist",
    node_count: nodes,
    relationship_count: 0,
    version: "0.1.0",
    backup_type: "full",
    source: "check-dist",
    database: "neo4j",
    server: { version: "5.26.0", edition: "community" },
    started_at: "2025-01-28T14:30:22.123Z",
    finished_at: "2025-01-28T14:30:23.000Z",
    duration_ms: 877,
    consistency: { changed_during_backup: false, detection: "bookmark", skipped_relationships: 0 },
    schema: { indexes: [], constraints: [] },
  };
  const statistics = {
    node_count: nodes,
    relationship_count: 0,
    label_counts: { Item: nodes },
    relationship_type_counts: {},
    checksum: `sha256:${sha(`${sha(lines.map((l) => `${l}\n`).join(""))}:${sha("")}`)}`,
  };
  return `{"metadata":${JSON.stringify(metadata)},\n"data":{"nodes":[\n${lines.join(",\n")}\n],\n"relationships":[\n],\n"statistics":${JSON.stringify(statistics)}}}\n`;
}
const large = largeDocument();

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
  const big = await api.validateBackup({ source: source(large, 65536), fingerprint: true });
  if (!big.valid || big.layout !== "lines" || big.nodeCount !== 80_000 || !big.fingerprint) {
    throw new Error(`${kind}: unexpected report of the large file ${JSON.stringify(big.problems)}`);
  }
  console.log(
    `${kind}: ${Object.keys(api).length} exports, a re-indented document and a large one (worker threads) validate`,
  );
}

await check("ESM dist/index.js", await import("../dist/index.js"));
await check("CJS dist/index.cjs", createRequire(import.meta.url)("../dist/index.cjs"));
// warnings are emitted on the next tick
await new Promise((resolve) => setImmediate(resolve));
if (warnings.length) {
  console.error(`warnings while loading the package on Node ${process.version}:\n${warnings.join("\n")}`);
  process.exit(1);
}
console.log(`dist loads on Node ${process.version} without warnings`);
