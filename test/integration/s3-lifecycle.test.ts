/**
 * The operations and the command with backups in S3 (versitygw, or S3_ENDPOINT): create (through
 * the spool: S3 has no in-place writer), the index object, retention, restore and replace restore
 * with the safety backup in the bucket, status, copies between a folder and the bucket, and the
 * command's --storage s3://… with its S3 options.
 */
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearDatabase, loadSampleGraph } from "../../scripts/sample-graph/index.js";
import { EXIT } from "../../src/cli/exit-codes.js";
import {
  backupStatus,
  copyBackup,
  countGraph,
  createBackup,
  FileSystemStorage,
  INDEX_FILE_NAME,
  listBackups,
  restoreBackup,
} from "../../src/index.js";
import { cliEnv, disposeCli, jsonOf, prepareCli, runCli, serverEnv } from "../support/cli-run.js";
import { buildDocument, chunks } from "../support/documents.js";
import { listKeys, listUploads, newS3Storage, removePrefix, s3Service } from "../support/s3.js";
import { driverFor, testServers } from "../support/servers.js";

/** A clock that moves one second per call, so backups made in one test get distinct names. */
function ticking(start = Date.UTC(2026, 0, 1)): () => Date {
  let t = start;
  return () => {
    t += 1000;
    return new Date(t);
  };
}

const folders: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "neo4j-backup-s3-"));
  folders.push(dir);
  return dir;
}
const prefixes: string[] = [];
function bucketStorage() {
  const storage = newS3Storage({ lockPollMs: 200 });
  prefixes.push(storage.prefix);
  return storage;
}

afterAll(async () => {
  for (const dir of folders.splice(0)) await rm(dir, { recursive: true, force: true });
  for (const prefix of prefixes.splice(0)) await removePrefix(prefix);
});

describe("copyBackup between a folder and a bucket (no database)", () => {
  it("copies into the bucket and back, validated and indexed, and never overwrites", async () => {
    const folder = new FileSystemStorage({ directory: await tempDir() });
    const name = "neo4j_backup_20250128_143022.json";
    await folder.write(name, chunks(buildDocument()));
    const bucket = bucketStorage();
    const up = await copyBackup({ from: folder, to: bucket });
    expect(up).toMatchObject({
      name,
      from: folder.describe(),
      to: bucket.describe(),
      entry: { valid: true },
    });
    expect(await listKeys(bucket.prefix)).toEqual([bucket.keyOf(INDEX_FILE_NAME), bucket.keyOf(name)]);
    expect((await listBackups(bucket)).map((e) => e.name)).toEqual([name]);
    await expect(copyBackup({ from: folder, to: bucket, name })).rejects.toMatchObject({
      code: "BACKUP_EXISTS",
    });
    const back = new FileSystemStorage({ directory: await tempDir() });
    const down = await copyBackup({ from: bucket, to: back, name });
    expect(down.entry.checksum).toBe(up.entry.checksum);
    expect((await readdir(back.directory)).sort()).toEqual([INDEX_FILE_NAME, name].sort());
    expect(await listUploads(bucket.prefix)).toEqual([]);
  });

  it("a copy that does not validate is removed from the target, which keeps no entry", async () => {
    const directory = await tempDir();
    const name = "neo4j_backup_20250128_143022.json";
    await writeFile(
      join(directory, name),
      buildDocument().replace('"system.db.runQuery"', '"system.db.runQuerY"'),
    );
    const bucket = bucketStorage();
    await expect(
      copyBackup({ from: new FileSystemStorage({ directory }), to: bucket, name }),
    ).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
    });
    expect(await bucket.list()).toEqual([]);
  });
});

describe.each(testServers())("backups in S3 on Neo4j $version ($label)", (server) => {
  let driver: Driver;
  let loaded: { nodes: number; relationships: number };

  beforeAll(async () => {
    driver = driverFor(server);
    await prepareCli();
    await clearDatabase(driver);
    loaded = await loadSampleGraph(driver, { seed: 7, nodes: 300, special: true });
  });

  afterAll(async () => {
    await driver?.close();
    await disposeCli();
  });

  it("create, index, retention, status, restore and replace restore with the storage in a bucket", async () => {
    const storage = bucketStorage();
    const now = ticking();
    const first = await createBackup({ driver, storage, reason: "first", now });
    const second = await createBackup({ driver, storage, reason: "second", now });
    expect(second.removed).toEqual([first.name]);
    expect(await listKeys(storage.prefix)).toEqual([
      storage.keyOf(INDEX_FILE_NAME),
      storage.keyOf(second.name),
    ]);
    expect(await listBackups(storage)).toMatchObject([
      { name: second.name, checksum: second.checksum, valid: true },
    ]);
    const status = await backupStatus({ driver, storage });
    expect(status).toMatchObject({ lastBackup: { name: second.name }, recommendation: { backup: false } });
    const replaced = await restoreBackup({ driver, storage, mode: "replace" });
    expect(replaced).toMatchObject({ name: second.name, verification: { equal: true } });
    expect(replaced.safetyBackup).toMatch(/^safety_backup_/);
    expect((await storage.list()).map((b) => b.name).sort()).toEqual(
      [replaced.safetyBackup, second.name].sort(),
    );
    await clearDatabase(driver);
    const restored = await restoreBackup({ driver, storage, name: second.name });
    expect(restored.verification?.equal).toBe(true);
    expect(await countGraph(driver, undefined)).toMatchObject({
      nodes: loaded.nodes,
      relationships: loaded.relationships,
    });
    expect(await listUploads(storage.prefix)).toEqual([]);
  });

  it("the command: create, list, status, info, restore and copy with --storage s3://…", async () => {
    const service = s3Service();
    const storage = bucketStorage();
    const location = `s3://${service.bucket}/${storage.prefix}`;
    const s3Args = [
      "--storage",
      location,
      ...(service.endpoint ? ["--s3-endpoint", service.endpoint] : []),
      "--s3-region",
      service.region,
      ...(service.forcePathStyle ? ["--s3-force-path-style"] : []),
    ];
    const aws = {
      AWS_ACCESS_KEY_ID: service.credentials?.accessKeyId,
      AWS_SECRET_ACCESS_KEY: service.credentials?.secretAccessKey,
    };
    const cli = (args: string[], env = serverEnv(server, aws)) => runCli([...s3Args, ...args], { env });

    const created = await cli(["create", "--reason", "to the bucket", "--json"]);
    expect(created.code, created.stderr).toBe(EXIT.ok);
    const name = jsonOf<{ name: string }>(created).name;
    const listed = await cli(["list"], cliEnv(aws));
    expect(listed.stdout).toContain(`1 backup in ${location}`);
    expect(listed.stdout).toContain(name);
    const info = await cli(["info", name], cliEnv(aws));
    expect(info.code, info.stderr).toBe(EXIT.ok);
    const status = await cli(["status", "--json"]);
    expect(jsonOf(status)).toMatchObject({ lastBackup: { name } });
    const restored = await cli(["restore", "--mode", "replace", "--yes", "--json"]);
    expect(restored.code, restored.stderr).toBe(EXIT.ok);
    expect(jsonOf(restored)).toMatchObject({ name, verification: { equal: true } });

    const folder = await tempDir();
    const down = await cli(["copy", name, "--to", folder], cliEnv(aws));
    expect(down.code, down.stderr).toBe(EXIT.ok);
    expect(down.stdout).toContain(`Copied ${name}`);
    expect(await readdir(folder)).toContain(name);
    const again = await cli(["copy", name, "--to", folder, "--json"], cliEnv(aws));
    expect(again.code).toBe(EXIT.refused);
    expect(JSON.parse(again.stderr)).toMatchObject({ code: "BACKUP_EXISTS" });
    const other = bucketStorage();
    const up = await runCli(
      ["--dir", folder, "copy", "--to", `s3://${service.bucket}/${other.prefix}`, ...s3Args.slice(2)],
      { env: cliEnv(aws) },
    );
    expect(up.code, up.stderr).toBe(EXIT.ok);
    expect((await other.list()).map((b) => b.name)).toEqual([name]);
    // the secret key is never printed, and a missing bucket is one line with a remedy
    const missing = await runCli(
      ["--storage", "s3://no-such-bucket-neo4j-backup/x", ...s3Args.slice(2), "list"],
      {
        env: cliEnv(aws),
      },
    );
    expect(missing.code).toBe(EXIT.failure);
    expect(missing.stderr).toMatch(
      /the bucket no-such-bucket-neo4j-backup does not exist.*; check the bucket in --storage/,
    );
    for (const run of [created, listed, info, status, restored, down, again, up, missing]) {
      if (aws.AWS_SECRET_ACCESS_KEY) expect(run.stdout + run.stderr).not.toContain(aws.AWS_SECRET_ACCESS_KEY);
    }
  });
});
