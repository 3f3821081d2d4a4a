// Runs the storage contract suite from the built package under node:test, as a CommonJS user would:
// neo4j-backup and neo4j-backup/testing resolve through the package's own name to dist/.
const assert = require("node:assert/strict");
const { mkdtemp, rm } = require("node:fs/promises");
const { tmpdir } = require("node:os");
const { join } = require("node:path");
const { describe, it } = require("node:test");
const { FileSystemStorage, MemoryStorage } = require("neo4j-backup");
const { describeStorageContract } = require("neo4j-backup/testing");

assert.match(require.resolve("neo4j-backup/testing"), /\/dist\/testing\.cjs$/);

describeStorageContract(
  { name: "MemoryStorage (CJS)", replace: true, chunks: true, create: () => new MemoryStorage() },
  { describe, it },
);
describeStorageContract(
  {
    name: "FileSystemStorage (CJS)",
    openWriter: true,
    replace: true,
    chunks: true,
    create: async () =>
      new FileSystemStorage({ directory: await mkdtemp(join(tmpdir(), "neo4j-backup-cjs-")) }),
    cleanup: (storage) => rm(storage.directory, { recursive: true, force: true }),
  },
  { describe, it },
);
