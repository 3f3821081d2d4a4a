import { defineConfig } from "tsup";

export default defineConfig([
  {
    // format: the file format (neo4j-backup/format); testing: the storage contract suite (neo4j-backup/testing)
    // validate-worker: the worker thread of a parallel validation, loaded by file name (worker-pool.ts)
    entry: {
      index: "src/index.ts",
      format: "src/format/index.ts",
      testing: "src/testing/index.ts",
      "validate-worker": "src/validate/validate-worker.ts",
    },
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    // import.meta.url in the CommonJS build too (the pool finds the worker file next to its module)
    shims: true,
    target: "node22",
    platform: "node",
    // entries share one copy of each module (one BackupError class for every entry point)
    splitting: true,
    treeshake: true,
    // the suite imports the package by name, so that it checks errors against the very BackupError
    // class the library and the storage under test use, not a copy bundled into it
    external: ["neo4j-backup"],
  },
  {
    entry: { cli: "src/cli/bin.ts" },
    format: ["esm"],
    sourcemap: true,
    target: "node22",
    platform: "node",
    splitting: true,
  },
]);
