// Runs the storage contract suite from the built package under node:test, as an ESM user would:
// neo4j-backup and neo4j-backup/testing resolve through the package's own name to dist/.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { FileSystemStorage, MemoryStorage } from "neo4j-backup";
import { describeStorageContract } from "neo4j-backup/testing";

assert.match(import.meta.resolve("neo4j-backup/testing"), /\/dist\/testing\.js$/);

describeStorageContract(
  { name: "MemoryStorage (ESM)", replace: true, chunks: true, create: () => new MemoryStorage() },
  { describe, it },
);
describeStorageContract(
  {
    name: "FileSystemStorage (ESM)",
    openWriter: true,
    replace: true,
    chunks: true,
    create: async () =>
      new FileSystemStorage({ directory: await mkdtemp(join(tmpdir(), "neo4j-backup-esm-")) }),
    cleanup: (storage) => rm(storage.directory, { recursive: true, force: true }),
  },
  { describe, it },
);
