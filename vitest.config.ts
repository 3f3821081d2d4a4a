import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// src/testing imports the package by name (as its built form does); in tests that is the source
const resolve = {
  alias: [{ find: /^neo4j-backup$/, replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)) }],
};

export default defineConfig({
  test: {
    projects: [
      {
        resolve,
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          // no server, but some tests derive age's scrypt keys (about a second each) or start
          // processes: a busy machine must not turn them into timeouts
          testTimeout: 60_000,
        },
      },
      {
        resolve,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/setup/global-setup.ts", "test/setup/s3-setup.ts"],
          // every file shares the same servers and clears their database: run files one at a time
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
      {
        resolve,
        test: {
          name: "faults",
          include: ["test/faults/**/*.test.ts"],
          globalSetup: ["test/faults/setup.ts", "test/setup/s3-setup.ts"],
          fileParallelism: false,
          testTimeout: 900_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
