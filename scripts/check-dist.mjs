/**
 * Loads the built package the way its users do — `import` of dist/index.js and `require` of
 * dist/index.cjs — and reads a re-indented backup document with each, which takes the reader's
 * general path (its streaming tokenizer). Fails on any warning, e.g. one about require(esm).
 *
 *   npm run build && node scripts/check-dist.mjs
 */
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

await check("ESM dist/index.js", await import("../dist/index.js"));
await check("CJS dist/index.cjs", createRequire(import.meta.url)("../dist/index.cjs"));
// warnings are emitted on the next tick
await new Promise((resolve) => setImmediate(resolve));
if (warnings.length) {
  console.error(`warnings while loading the package on Node ${process.version}:\n${warnings.join("\n")}`);
  process.exit(1);
}
console.log(`dist loads on Node ${process.version} without warnings`);
