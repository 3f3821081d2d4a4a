import { cp } from "node:fs/promises";
import { defineConfig } from "tsup";

/**
 * The dashboard's page (HTML, CSS, JS), found at run time beside the built modules
 * (src/dashboard/assets.ts). Both builds below copy it when they finish, one after the other: two
 * copies at once race to create the folder.
 */
let copied: Promise<void> = Promise.resolve();
const copyDashboardAssets = (): Promise<void> => {
  copied = copied.then(() =>
    cp("src/dashboard/assets", "dist/dashboard-assets", { recursive: true, force: true }),
  );
  return copied;
};

export default defineConfig([
  {
    // format: the file format (neo4j-backup/format); testing: the storage contract suite
    // (neo4j-backup/testing); dashboard: the web page for backup management (neo4j-backup/dashboard)
    entry: {
      index: "src/index.ts",
      format: "src/format/index.ts",
      testing: "src/testing/index.ts",
      dashboard: "src/dashboard/index.ts",
      // the thread a parallel backup reads in, found beside the built modules (graph/parallel-read.ts)
      "read-worker": "src/graph/read-worker.ts",
    },
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node22",
    platform: "node",
    // entries share one copy of each module (one BackupError class for every entry point)
    splitting: true,
    treeshake: true,
    // the suite imports the package by name, so that it checks errors against the very BackupError
    // class the library and the storage under test use, not a copy bundled into it
    external: ["neo4j-backup"],
    // import.meta.url in the CJS build (the dashboard finds its page beside the module)
    shims: true,
    onSuccess: copyDashboardAssets,
  },
  {
    // cli-driver: the driver module the read workers of `create --threads` import
    entry: { cli: "src/cli/bin.ts", "cli-driver": "src/cli/worker-driver.ts" },
    format: ["esm"],
    // `neo4j-backup ui` bundles the dashboard too; its page is the copy made above
    onSuccess: copyDashboardAssets,
    sourcemap: true,
    target: "node22",
    platform: "node",
    splitting: true,
  },
]);
