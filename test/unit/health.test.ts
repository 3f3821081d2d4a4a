/**
 * The health check against real files: a backup damaged after publication is reported, by the
 * index (its modification time changed) or by the deep check (nothing about the file changed).
 */
import { mkdtemp, open, readFile, rm, stat, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readIndex } from "../../src/lifecycle/backup-index.js";
import { checkBackupHealth } from "../../src/operations/status.js";
import { FileSystemStorage, INDEX_FILE_NAME } from "../../src/storage/filesystem.js";
import { buildDocument, chunks } from "../support/documents.js";

const NAME = "neo4j_backup_20250128_143022.json";
// the sample document was taken on 2025-01-28: a day later it is young enough
const now = () => new Date("2025-01-29T00:00:00Z");

const folders: string[] = [];
afterEach(async () => {
  for (const f of folders.splice(0)) await rm(f, { recursive: true, force: true });
});

async function storageWithBackup(): Promise<{ storage: FileSystemStorage; path: string }> {
  const directory = await mkdtemp(join(tmpdir(), "neo4j-backup-health-"));
  folders.push(directory);
  const storage = new FileSystemStorage({ directory });
  await storage.write(NAME, chunks(buildDocument(), 4096));
  return { storage, path: join(directory, NAME) };
}

/** Changes one byte of a record in place: same size, different content. */
async function damageInPlace(path: string): Promise<void> {
  const text = await readFile(path, "utf8");
  const at = Buffer.byteLength(text.slice(0, text.indexOf("readBlocking")));
  const handle = await open(path, "r+");
  try {
    await handle.write(Buffer.from("R"), 0, 1, at);
  } finally {
    await handle.close();
  }
}

describe("health of a backup damaged after publication", () => {
  it("is reported when the damage changed the file's modification time, at the same size", async () => {
    const { storage, path } = await storageWithBackup();
    expect(await checkBackupHealth({ storage, now })).toMatchObject({ healthy: true, validated: false });
    const before = await stat(path);
    await new Promise((r) => setTimeout(r, 20));
    await damageInPlace(path);
    expect((await stat(path)).size).toBe(before.size);
    const health = await checkBackupHealth({ storage, now });
    expect(health.healthy).toBe(false);
    expect(health.problems).toEqual([`the newest backup ${NAME} does not pass validation`]);
    // the reader saved what it found (the lock was free)
    const raw = JSON.parse((await readFile(join(storage.directory, INDEX_FILE_NAME), "utf8")) as string);
    expect(raw.backups[0]).toMatchObject({ name: NAME, valid: false });
  });

  it("passes the index check when size and modification time were kept; the deep check catches it", async () => {
    const { storage, path } = await storageWithBackup();
    expect(await checkBackupHealth({ storage, now })).toMatchObject({ healthy: true });
    const before = await stat(path);
    await damageInPlace(path);
    await utimes(path, before.atime, before.mtime);
    // documented limit of the cheap check: nothing it looks at changed
    expect(await checkBackupHealth({ storage, now })).toMatchObject({ healthy: true, validated: false });
    const deep = await checkBackupHealth({ storage, now, deep: true });
    expect(deep).toMatchObject({ healthy: false, validated: true });
    expect(deep.problems[0]).toMatch(new RegExp(`^the newest backup ${NAME} does not pass validation \\(`));
    expect(deep.problems[0]).toMatch(/checksum/);
  });

  it("deep reports a valid file that no longer holds what was indexed", async () => {
    const { storage, path } = await storageWithBackup();
    await checkBackupHealth({ storage, now });
    const index = JSON.parse((await storage.readIndex())!);
    index.backups[0].checksum = `sha256:${"0".repeat(64)}`;
    await storage.writeIndex(JSON.stringify(index));
    expect((await stat(path)).size).toBeGreaterThan(0);
    const deep = await checkBackupHealth({ storage, now, deep: true });
    expect(deep.healthy).toBe(false);
    expect(deep.problems[0]).toMatch(/no longer holds what was indexed/);
  });

  it("takes an index written before modification times were recorded as it is, and completes it", async () => {
    const { storage } = await storageWithBackup();
    await readIndex(storage);
    const index = JSON.parse((await storage.readIndex())!);
    const recorded = index.backups[0].modified;
    expect(recorded).toMatch(/^\d{4}-\d\d-\d\dT/);
    delete index.backups[0].modified;
    await storage.writeIndex(JSON.stringify(index));
    const again = await readIndex(storage);
    expect(again.backups[0]!.modified).toBe(recorded);
    expect(JSON.parse((await storage.readIndex())!).backups[0].modified).toBe(recorded);
  });
});
