import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The projects Stryker runs (its vitest runner runs every project of the config it is given).
// By default the unit project of vitest.config.ts alone, kept in step with it, less docs.test.ts
// (it checks the documentation against the sources, and its check of the snippet checker expects
// the paths of the repository, not of Stryker's copy of it) and the slow files below. With
// MUTATION_SERVERS=1 the integration project too, with its servers (see "Mutation testing" in
// docs/development.md).
const resolve = {
  alias: [{ find: /^neo4j-backup$/, replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)) }],
};

// The unit tests that take most of the project's time and reach the mutated code only through
// other layers (codecs, storages, metrics, locks, the layering rules): left out unless
// MUTATION_ALL_TESTS=1, so that a mutant is tested in seconds, not minutes.
const slow = [
  "test/unit/codec.test.ts",
  "test/unit/storage-contract.test.ts",
  "test/unit/storage-contract-failures.test.ts",
  "test/unit/metrics.test.ts",
  "test/unit/file-lock.test.ts",
  "test/unit/layering.test.ts",
];

const unit = {
  resolve,
  test: {
    name: "unit",
    include: ["test/unit/**/*.test.ts"],
    exclude: ["test/unit/docs.test.ts", ...(process.env.MUTATION_ALL_TESTS === "1" ? [] : slow)],
    testTimeout: 60_000,
  },
};

const integration = {
  resolve,
  test: {
    name: "integration",
    include: ["test/integration/**/*.test.ts"],
    globalSetup: ["test/setup/global-setup.ts", "test/setup/s3-setup.ts"],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 600_000,
  },
};

export default defineConfig({
  test: { projects: process.env.MUTATION_SERVERS === "1" ? [unit, integration] : [unit] },
});
