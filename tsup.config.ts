import { defineConfig } from "tsup";

export default defineConfig([
  {
    entry: { index: "src/index.ts", format: "src/format/index.ts" },
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node20",
    platform: "node",
    // entries share one copy of each module (one BackupError class for every entry point)
    splitting: true,
    treeshake: true,
  },
  {
    entry: { cli: "src/cli/bin.ts" },
    format: ["esm"],
    sourcemap: true,
    target: "node20",
    platform: "node",
    splitting: true,
  },
]);
