/**
 * Snapshots on a real Neo4j: the round trip is exact with every value type, reading a snapshot
 * gives the bytes of a backup, a snapshot after edits stores only the chunks around them, an
 * encrypted snapshot's chunk ids are keyed, and a missing or changed chunk makes restore refuse
 * before it writes, naming the chunk.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clearDatabase,
  detectCapabilities,
  loadSampleGraph,
  type ServerCapabilities,
} from "../../scripts/sample-graph/index.js";
import { openBackupBytes } from "../../src/codec/open.js";
import { decodeWhole } from "../../src/codec/snapshot/chunk-codec.js";
import { plainChunkId } from "../../src/codec/snapshot/ids.js";
import { readManifest } from "../../src/codec/snapshot/read.js";
import { countGraph } from "../../src/graph/server.js";
import { listBackups } from "../../src/lifecycle/backup-index.js";
import { copyBackup } from "../../src/operations/copy-backup.js";
import { createBackup } from "../../src/operations/create-backup.js";
import { collectMetrics } from "../../src/operations/metrics.js";
import { restoreBackup } from "../../src/operations/restore-backup.js";
import { collectChunks } from "../../src/storage/chunk-table.js";
import { FileSystemStorage } from "../../src/storage/filesystem.js";
import { MemoryStorage } from "../../src/storage/memory.js";
import { validateBackup } from "../../src/validate/validate-backup.js";
import { fingerprintDatabase } from "../../src/verify/verify-backup.js";
import { disposeCli, jsonOf, prepareCli, runCli, serverEnv } from "../support/cli-run.js";
import { newS3Storage, removePrefix } from "../support/s3.js";
import { driverFor, testServers } from "../support/servers.js";
import { haveTools } from "../support/tools.js";

async function bytesOf(storage: MemoryStorage, name: string, identities?: string[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of await openBackupBytes(storage, name, identities ? { identities } : {}))
    parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

describe.each(testServers())("snapshots on Neo4j $version ($label)", (server) => {
  let driver: Driver;
  let capabilities: ServerCapabilities;
  let dir: string;

  beforeAll(async () => {
    driver = driverFor(server);
    capabilities = await detectCapabilities(driver);
    dir = mkdtempSync(join(tmpdir(), "neo4j-backup-snapshots-"));
    await prepareCli();
  });
  afterAll(async () => {
    await driver?.close();
    rmSync(dir, { recursive: true, force: true });
    await disposeCli();
  });

  it("a folder through the command line, then a copy into a bucket that sends only the chunks it lacks", async () => {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 15, nodes: 3000, capabilities });
    const folder = join(dir, "cli");
    const env = serverEnv(server, { NEO4J_BACKUP_DIR: folder });
    const first = await runCli(["create", "--snapshot", "--compression", "zstd", "--keep", "all", "--json"], {
      env,
    });
    expect(first.code, first.stderr).toBe(0);
    const one = jsonOf<{ name: string; snapshot: { chunks: number; addedChunks: number } }>(first);
    expect(one.name).toMatch(/\.snapshot$/);
    const session = driver.session();
    try {
      await session.run("MATCH (n) WITH n ORDER BY id(n) SKIP 1000 LIMIT 2 SET n.edited = true");
    } finally {
      await session.close();
    }
    const second = await runCli(
      ["create", "--snapshot", "--compression", "zstd", "--keep", "all", "--json"],
      { env },
    );
    expect(second.code, second.stderr).toBe(0);
    const two = jsonOf<{ name: string; snapshot: { chunks: number; addedChunks: number } }>(second);
    expect(two.snapshot.addedChunks).toBeLessThanOrEqual(4);
    const listed = await runCli(["list"], { env });
    expect(listed.stdout).toMatch(/SIZE\s+ADDED/);
    // exported as one ordinary file that zstd opens: the document of the snapshot
    const exportDir = join(dir, "export");
    const exported = await runCli(
      ["copy", two.name, "--to", exportDir, "--as-file", "--compression", "zstd", "--json"],
      { env },
    );
    expect(exported.code, exported.stderr).toBe(0);
    const file = jsonOf<{ name: string }>(exported).name;
    expect(file).toBe(two.name.replace(/\.snapshot$/, ".json.zst"));
    const document = execFileSync("zstd", ["-dc", join(exportDir, file)], {
      maxBuffer: 256 << 20,
    }).toString();
    expect(JSON.parse(document).data.statistics.checksum).toBe(jsonOf<{ checksum: string }>(second).checksum);
    const folderStorage = new FileSystemStorage({ directory: folder });
    expect((await collectChunks(folderStorage.listChunks())).length).toBe(
      one.snapshot.addedChunks + two.snapshot.addedChunks,
    );

    const bucket = newS3Storage();
    try {
      const copiedOne = await copyBackup({ from: folderStorage, to: bucket, name: one.name });
      expect(copiedOne.chunks).toMatchObject({ copied: one.snapshot.addedChunks, present: 0 });
      const copiedTwo = await copyBackup({ from: folderStorage, to: bucket, name: two.name });
      // the off-site bucket receives the new chunks, not the whole graph
      expect(copiedTwo.chunks!.copied).toBe(two.snapshot.addedChunks);
      expect(copiedTwo.chunks!.present).toBeGreaterThan(10);
      expect(copiedTwo.entry).toMatchObject({ valid: true, snapshot: { chunks: two.snapshot.chunks } });
      const before = (await fingerprintDatabase(driver)).total;
      await clearDatabase(driver);
      const restored = await restoreBackup({ driver, storage: bucket, name: two.name });
      expect(restored.verification?.equal).toBe(true);
      expect((await fingerprintDatabase(driver)).total).toBe(before);
    } finally {
      await removePrefix(bucket.prefix);
    }
  }, 300_000);

  it("round trip with every value type: the snapshot reads as the bytes of a plain backup, restores and verifies equal", async () => {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 11, nodes: 1500, capabilities });
    const before = (await fingerprintDatabase(driver)).total;
    const storage = new MemoryStorage();
    const snapshot = await createBackup({
      driver,
      storage,
      reason: "snapshot",
      snapshot: true,
      compression: "zstd",
    });
    expect(snapshot.name).toMatch(/^neo4j_backup_\d{8}_\d{6}\.snapshot$/);
    expect(snapshot.snapshot).toMatchObject({
      chunks: expect.any(Number),
      addedChunks: snapshot.snapshot!.chunks,
    });
    const plain = await createBackup({ driver, storage, reason: "plain", prefix: "plain" });
    const snapshotBytes = await bytesOf(storage, snapshot.name);
    const plainBytes = await bytesOf(storage, plain.name);
    // the same records in the same order: only the metadata line differs (its time and reason)
    const body = (b: Buffer) => b.subarray(b.indexOf(0x0a)).toString("utf8");
    expect(body(snapshotBytes).replace(/"metadata_checksum":"[^"]+"/, "")).toBe(
      body(plainBytes).replace(/"metadata_checksum":"[^"]+"/, ""),
    );
    expect(snapshot.snapshot!.logicalBytes).toBe(snapshotBytes.length);
    expect(JSON.parse(snapshotBytes.toString("utf8")).data.statistics.checksum).toBe(snapshot.checksum);
    const report = await validateBackup({ storage, name: snapshot.name });
    expect(report.valid, JSON.stringify(report.problems)).toBe(true);
    const [entry] = (await listBackups(storage)).filter((e) => e.name === snapshot.name);
    expect(entry).toMatchObject({
      compression: "zstd",
      encrypted: false,
      valid: true,
      snapshot: snapshot.snapshot,
    });

    await clearDatabase(driver);
    const restored = await restoreBackup({ driver, storage, name: snapshot.name });
    expect(restored.verification?.equal, restored.verification?.differences.join("\n")).toBe(true);
    expect((await fingerprintDatabase(driver)).total).toBe(before);
  }, 240_000);

  it("after edits, creates and deletes the next snapshot stores only the chunks around them", async () => {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 12, nodes: 6000, capabilities });
    const storage = new MemoryStorage();
    const first = await createBackup({
      driver,
      storage,
      reason: "first",
      snapshot: true,
      compression: "zstd",
      keep: Infinity,
    });
    const session = driver.session();
    try {
      await session.run("MATCH (n) WITH n ORDER BY id(n) SKIP 40 LIMIT 3 SET n.edited = 'yes'");
      await session.run("MATCH (n) WHERE NOT (n)--() WITH n ORDER BY id(n) SKIP 100 LIMIT 1 DELETE n");
      await session.run("CREATE (:Added {at: 1})");
    } finally {
      await session.close();
    }
    const second = await createBackup({
      driver,
      storage,
      reason: "second",
      snapshot: true,
      compression: "zstd",
      keep: Infinity,
    });
    const sizes = second.snapshot!;
    expect(first.snapshot!.chunks).toBeGreaterThan(20);
    // metadata and statistics, plus at most two chunks for each of the three places edited
    expect(sizes.addedChunks).toBeLessThanOrEqual(2 + 3 * 2);
    expect(sizes.addedBytes).toBeLessThan(sizes.storedBytes * 0.25);
    const stored = (await collectChunks(storage.listChunks())).reduce((sum, c) => sum + c.size, 0);
    expect(stored).toBe(first.snapshot!.addedBytes + sizes.addedBytes);
    // the metrics: logical and stored bytes of the storage's snapshots, and their ratio
    const metrics = await collectMetrics({ storage });
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(metrics)?.[1]);
    const manifests = first.bytes + second.bytes;
    expect(value("neo4j_backup_snapshots")).toBe(2);
    expect(value("neo4j_backup_snapshots_logical_bytes")).toBe(
      first.snapshot!.logicalBytes + sizes.logicalBytes,
    );
    expect(value("neo4j_backup_snapshots_stored_bytes")).toBe(stored + manifests);
    expect(value("neo4j_backup_snapshots_deduplication_ratio")).toBeCloseTo(
      (first.snapshot!.logicalBytes + sizes.logicalBytes) / (stored + manifests),
      6,
    );
  }, 240_000);

  const tools = haveTools("age-keygen");
  it.skipIf(!tools)(
    "encrypted: chunk ids are keyed, chunks are age files, the reader needs an identity; a passphrase is refused",
    async () => {
      await clearDatabase(driver);
      await loadSampleGraph(driver, { seed: 13, nodes: 500, capabilities });
      const keyFile = join(dir, "key.txt");
      execFileSync("age-keygen", ["-o", keyFile], { stdio: "ignore" });
      const identity = readFileSync(keyFile, "utf8");
      const recipient = execFileSync("age-keygen", ["-y", keyFile]).toString().trim();
      const storage = new MemoryStorage();
      await expect(
        createBackup({
          driver,
          storage,
          reason: "x",
          snapshot: true,
          encryption: { passphrase: "secret words" },
        }),
      ).rejects.toMatchObject({ code: "INVALID_OPTIONS" });
      const snapshot = await createBackup({
        driver,
        storage,
        reason: "encrypted",
        snapshot: true,
        compression: "zstd",
        encryption: { recipients: [recipient] },
      });
      const manifest = await readManifest(storage, snapshot.name);
      expect(manifest).toMatchObject({
        ids: "hmac-sha256",
        encoding: { compression: "zstd", encrypted: true },
      });
      const [id] = manifest.chunks[1]!;
      const stored = await storage.readChunk(id);
      expect(Buffer.from(stored).subarray(0, 21).toString("latin1")).toBe("age-encryption.org/v1");
      const plain = await decodeWhole("chunk", stored, manifest.encoding, { identities: [identity] });
      // the id is not the hash of the plaintext: it cannot confirm a guess of the content
      expect(id).not.toBe(plainChunkId("zstd", plain));
      await expect(bytesOf(storage, snapshot.name)).rejects.toMatchObject({ code: "KEY_REQUIRED" });
      const bytes = await bytesOf(storage, snapshot.name, [identity]);
      expect(JSON.parse(bytes.toString("utf8")).data.statistics.checksum).toBe(snapshot.checksum);
      // a second snapshot to the same recipient shares every unchanged chunk
      const again = await createBackup({
        driver,
        storage,
        reason: "again",
        snapshot: true,
        compression: "zstd",
        encryption: { recipients: [recipient] },
        keep: Infinity,
      });
      expect(again.snapshot!.addedChunks).toBe(2);
    },
    240_000,
  );

  it("a missing or a changed chunk: restore refuses before writing, naming the chunk", async () => {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 14, nodes: 3000, capabilities });
    const storage = new MemoryStorage();
    const snapshot = await createBackup({ driver, storage, reason: "damage", snapshot: true });
    const manifest = await readManifest(storage, snapshot.name);
    const [victim] = manifest.chunks[Math.floor(manifest.chunks.length / 2)]!;
    const original = Buffer.from(await storage.readChunk(victim));
    const counts = await countGraph(driver, undefined);

    const flipped = Buffer.from(original);
    const at = Math.floor(flipped.length / 2);
    flipped[at] = flipped[at]! ^ 0x01;
    await storage.removeChunk(victim);
    await storage.putChunk(victim, flipped);
    await expect(
      restoreBackup({ driver, storage, name: snapshot.name, mode: "replace" }),
    ).rejects.toMatchObject({
      message: expect.stringContaining(victim),
    });
    expect(await countGraph(driver, undefined)).toEqual(counts);

    await storage.removeChunk(victim);
    await expect(
      restoreBackup({ driver, storage, name: snapshot.name, mode: "replace" }),
    ).rejects.toMatchObject({
      message: expect.stringMatching(new RegExp(`${victim} is missing`)),
    });
    expect(await countGraph(driver, undefined)).toEqual(counts);
  }, 240_000);
});
