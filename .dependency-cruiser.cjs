/**
 * The layering of src/, checked by `npm run lint` (dependency-cruiser). Arrows only point down:
 *
 *   cli/, testing/  → the public entry points only (src/index.ts, src/format/index.ts) and version.ts
 *   dashboard/      → the web page (neo4j-backup/dashboard): the public API only, like the CLI
 *   operations/     → every public verb that takes the storage lock
 *   backup/ restore/ validate/ verify/ lifecycle/   → the pipelines and the index/retention code
 *   codec/          → the byte-stream layers (compression, encryption) between the pipelines and storage/
 *   format/ storage/ graph/ + errors, logger, version → the bottom: pure format, storages, the Neo4j seam
 *
 * See docs/development.md.
 */
const BOTTOM = "^src/(format|storage|graph|codec)/|^src/(errors|logger|version)\\.ts$";
const ENTRY_POINTS = "^src/index\\.ts$|^src/(format|testing|dashboard)/index\\.ts$";

/** A rule that files matching `from` import nothing but what matches `allowed` (and npm packages, node built-ins). */
const only = (name, comment, from, allowed) => ({
  name,
  comment,
  severity: "error",
  from: { path: from, pathNot: ENTRY_POINTS },
  to: { path: "^src/", pathNot: allowed },
});

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "An import cycle means two modules each sit below the other.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    only(
      "format-is-pure",
      "format/ is the file format: no I/O, nothing above it.",
      "^src/format/",
      "^src/format/|^src/(errors|version)\\.ts$",
    ),
    only(
      "graph-is-the-seam",
      "graph/ talks to Neo4j and encodes with format/; nothing above it.",
      "^src/graph/",
      "^src/(graph|format)/|^src/errors\\.ts$",
    ),
    only(
      "storage-below-pipelines",
      "storage/ knows the contract and the format, nothing above.",
      "^src/storage/",
      "^src/(storage|format)/|^src/(errors|logger)\\.ts$",
    ),
    only(
      "codec-below-pipelines",
      "codec/ is the byte stream's layers: it knows the format's names, the storage contract and errors, nothing above.",
      "^src/codec/",
      "^src/(codec|format)/|^src/storage/contract\\.ts$|^src/errors\\.ts$",
    ),
    {
      name: "storage-does-not-decode",
      comment: "Storages keep bytes as they are: they never import the codec layers.",
      severity: "error",
      from: { path: "^src/(storage|format|graph)/" },
      to: { path: "^src/codec/" },
    },
    only(
      "backup-pipeline",
      "backup/ reads through graph/ and writes through storage/; it never calls an operation.",
      "^src/backup/",
      `^src/backup/|${BOTTOM}`,
    ),
    only("validate-pipeline", "validate/ reads files only.", "^src/validate/", `^src/validate/|${BOTTOM}`),
    only(
      "verify-pipeline",
      "verify/ compares files with databases.",
      "^src/verify/",
      `^src/verify/|${BOTTOM}`,
    ),
    only(
      "restore-pipeline",
      "restore/ validates, writes and verifies; locking, safety backups and the index are the operation's.",
      "^src/restore/",
      `^src/(restore|validate|verify)/|${BOTTOM}`,
    ),
    only(
      "lifecycle-below-operations",
      "lifecycle/ is the index, retention and pure decisions; it reads files through validate/.",
      "^src/lifecycle/",
      `^src/(lifecycle|validate)/|${BOTTOM}`,
    ),
    only(
      "operations-below-cli",
      "operations/ never reach up to the CLI or the entry points.",
      "^src/operations/",
      "^src/(?!cli/)[^/]+/|^src/(errors|logger|version)\\.ts$",
    ),
    {
      name: "cli-uses-the-public-api",
      comment:
        "The CLI is a thin shell: it imports the public entry points and the version constant, nothing else of the library.",
      severity: "error",
      from: { path: "^src/cli/" },
      to: { path: "^src/", pathNot: `^src/cli/|${ENTRY_POINTS}|^src/version\\.ts$` },
    },
    {
      name: "dashboard-uses-the-public-api",
      comment:
        "The dashboard sits above operations/: it calls the public API (src/index.ts) and nothing else of the library.",
      severity: "error",
      from: { path: "^src/dashboard/" },
      to: { path: "^src/", pathNot: "^src/dashboard/|^src/index\\.ts$" },
    },
    {
      name: "only-the-cli-uses-the-dashboard",
      comment: "The dashboard is a shell like the CLI: the library below never imports it.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/(cli|dashboard)/" },
      to: { path: "^src/dashboard/" },
    },
    {
      name: "testing-uses-the-public-api",
      comment: "The storage contract suite tests storages through the package's public API, as its users do.",
      severity: "error",
      from: { path: "^src/testing/" },
      to: { path: "^src/", pathNot: "^src/testing/|^src/index\\.ts$" },
    },
    {
      name: "entry-points-are-not-imported-inside",
      comment:
        "Modules import each other, not the public entry points (only the CLI, the suite and the dashboard do).",
      severity: "error",
      from: { path: "^src/", pathNot: `^src/(cli|testing|dashboard)/|${ENTRY_POINTS}` },
      to: { path: ENTRY_POINTS },
    },
    {
      name: "driver-values-only-in-graph-and-format",
      comment:
        "Sessions and Cypher live in graph/; format/ builds the driver's value types. Elsewhere only type imports of neo4j-driver.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/(graph|format|cli)/" },
      to: { path: "neo4j-driver", dependencyTypesNot: ["type-only"] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    includeOnly: "^src/|neo4j-driver",
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".js", ".mjs", ".cjs", ".d.ts"],
    },
  },
};
