/**
 * Compressed and encrypted backups of the sample graph in a real Neo4j: the round trip verifies
 * equal, the standard tools open the files, the layers are found by name everywhere (index, list,
 * replace restore with its safety backup, distribution and initialization), and the command line
 * takes its keys without ever printing them.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
import { EXIT } from "../../src/cli/exit-codes.js";
import { openBackupBytes } from "../../src/codec/open.js";
import { countGraph } from "../../src/graph/server.js";
import { listBackups } from "../../src/lifecycle/backup-index.js";
import { createBackup } from "../../src/operations/create-backup.js";
import { createDistributionBackup } from "../../src/operations/distribution.js";
import { initializeDatabase } from "../../src/operations/initialize.js";
import { restoreBackup } from "../../src/operations/restore-backup.js";
import { FileSystemStorage } from "../../src/storage/filesystem.js";
import { MemoryStorage } from "../../src/storage/memory.js";
import { fingerprintDatabase, verifyBackup } from "../../src/verify/verify-backup.js";
import { disposeCli, jsonOf, prepareCli, runCli, serverEnv } from "../support/cli-run.js";
import { TerminalSession } from "../support/cli-tmux.js";
import { driverFor, testServers } from "../support/servers.js";
import { haveTools } from "../support/tools.js";

const tools = haveTools("age", "age-keygen", "zstd", "gzip");
const PASSPHRASE = "integration passphrase 42";

describe.each(testServers())("compressed and encrypted backups on Neo4j $version ($label)", (server) => {
  let driver: Driver;
  let capabilities: ServerCapabilities;
  let dir: string;
  let keyFile: string;
  let identity: string;
  let recipient: string;

  beforeAll(async () => {
    driver = driverFor(server);
    capabilities = await detectCapabilities(driver);
    dir = mkdtempSync(join(tmpdir(), "neo4j-backup-codecs-"));
    keyFile = join(dir, "key.txt");
    if (tools) {
      execFileSync("age-keygen", ["-o", keyFile], { stdio: "ignore" });
      identity = readFileSync(keyFile, "utf8");
      recipient = execFileSync("age-keygen", ["-y", keyFile]).toString().trim();
    }
    await prepareCli();
  });
  afterAll(async () => {
    await driver?.close();
    rmSync(dir, { recursive: true, force: true });
    await disposeCli();
  });

  it.skipIf(!tools)(
    "the sample graph, zstd-compressed and age-encrypted, restores and verifies equal; age -d | zstd -d reads it; a gzip | age -r file restores",
    async () => {
      await clearDatabase(driver);
      await loadSampleGraph(driver, { seed: 5, nodes: 1500, capabilities });
      const before = (await fingerprintDatabase(driver)).total;
      const storage = new FileSystemStorage({ directory: join(dir, "zst-age") });
      const backup = await createBackup({
        driver,
        storage,
        reason: "codec round trip",
        compression: "zstd",
        encryption: { recipients: [recipient] },
      });
      expect(backup.name).toMatch(/^neo4j_backup_\d{8}_\d{6}\.json\.zst\.age$/);
      expect(backup).toMatchObject({ compression: "zstd", encrypted: true });
      const plain = execFileSync(
        "sh",
        ["-c", `age -d -i '${keyFile}' '${join(storage.directory, backup.name)}' | zstd -dq`],
        { maxBuffer: 256 << 20 },
      ).toString();
      // the decoded file is a plain backup: its statistics carry the checksum of the result
      expect(JSON.parse(plain).data.statistics.checksum).toBe(backup.checksum);
      expect(plain.length).toBeGreaterThan(backup.bytes * 3);
      await expect(restoreBackup({ driver, storage, name: backup.name })).rejects.toMatchObject({
        code: "KEY_REQUIRED",
      });
      await clearDatabase(driver);
      const restored = await restoreBackup({
        driver,
        storage,
        name: backup.name,
        decryption: { identities: [identity] },
      });
      expect(restored.verification?.equal, restored.verification?.differences.join("\n")).toBe(true);
      expect((await fingerprintDatabase(driver)).total).toBe(before);
      const verify = await verifyBackup({
        driver,
        storage,
        name: backup.name,
        decryption: { identities: [identity] },
      });
      expect(verify.equal).toBe(true);
      const [entry] = await listBackups(storage);
      expect(entry).toMatchObject({ name: backup.name, compression: "zstd", encrypted: true, valid: true });
      // the nightly case, with the recipients only: the new file is read back with its own file
      // key before the default retention removes the first
      const nightly = await createBackup({
        driver,
        storage,
        reason: "nightly",
        compression: "zstd",
        encryption: { recipients: [recipient] },
      });
      expect(nightly.removed).toEqual([backup.name]);
      expect((await listBackups(storage)).map((e) => e.name)).toEqual([nightly.name]);

      // a file the standard tools made from the plain document restores as well
      const plainFile = join(dir, "plain.json");
      writeFileSync(plainFile, plain);
      const toolMade = "tool_20250101_000000.json.gz.age";
      execFileSync("sh", [
        "-c",
        `gzip -c '${plainFile}' | age -r ${recipient} > '${join(storage.directory, toolMade)}'`,
      ]);
      await clearDatabase(driver);
      const fromTools = await restoreBackup({
        driver,
        storage,
        name: toolMade,
        decryption: { identities: [identity] },
      });
      expect(fromTools.verification?.equal).toBe(true);
      expect((await fingerprintDatabase(driver)).total).toBe(before);
      expect(readFileSync(join(storage.directory, "backup_metadata.json"), "utf8")).not.toContain(
        "AGE-SECRET",
      );
    },
    240_000,
  );

  it("gzip with a passphrase through a storage without openWriter: replace restore, safety backup alike, rollback keys", async () => {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 6, nodes: 400, capabilities });
    const storage = new MemoryStorage();
    const backup = await createBackup({
      driver,
      storage,
      reason: "gzip passphrase",
      compression: "gzip",
      encryption: { passphrase: PASSPHRASE },
    });
    expect(backup.name).toMatch(/\.json\.gz\.age$/);
    await driver.executeQuery("CREATE (:Extra {n: 1})");
    const restored = await restoreBackup({
      driver,
      storage,
      name: backup.name,
      mode: "replace",
      decryption: { passphrase: PASSPHRASE },
    });
    expect(restored.verification?.equal).toBe(true);
    expect(restored.safetyBackup).toMatch(/^safety_backup_\d{8}_\d{6}(_\d+)?\.json\.gz\.age$/);
    // the safety backup opens with the keys of the restore, and holds the replaced contents
    const listed = await listBackups(storage, { decryption: { passphrase: PASSPHRASE } });
    const safety = listed.find((e) => e.name === restored.safetyBackup);
    expect(safety).toMatchObject({ compression: "gzip", encrypted: true, valid: true });
    expect(safety!.nodeCount).toBe(restored.nodeCount + 1);
    // the nightly case through the spool: read back with its own file key, then the first removed
    const nightly = await createBackup({
      driver,
      storage,
      reason: "nightly",
      compression: "gzip",
      encryption: { passphrase: PASSPHRASE },
    });
    expect(nightly.removed).toEqual([backup.name]);
  }, 240_000);

  it("the distribution backup may be encrypted and compressed, and initializeDatabase finds it by name", async () => {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 7, nodes: 200, capabilities });
    const storage = new FileSystemStorage({ directory: join(dir, "distribution") });
    const made = await createDistributionBackup({
      driver,
      storage,
      compression: "zstd",
      encryption: { passphrase: PASSPHRASE },
    });
    expect(made.name).toBe("initial_backup.json.zst.age");
    await expect(createDistributionBackup({ driver, storage })).rejects.toMatchObject({
      code: "BACKUP_EXISTS",
    });
    await clearDatabase(driver);
    const result = await initializeDatabase({ driver, storage, decryption: { passphrase: PASSPHRASE } });
    expect(result).toMatchObject({ restored: true, outcome: "restored" });
    expect(result.restore?.name).toBe("initial_backup.json.zst.age");
    expect(result.restore?.verification?.equal).toBe(true);
  }, 240_000);

  it.skipIf(!tools)(
    "the command line: create with --recipient, list --detailed, info and restore with --identity",
    async () => {
      await clearDatabase(driver);
      await loadSampleGraph(driver, { seed: 8, nodes: 200, capabilities });
      const folder = join(dir, "cli");
      const env = serverEnv(server, { NEO4J_BACKUP_DIR: folder });
      const created = await runCli(["create", "--json", "--compression", "zstd", "--recipient", recipient], {
        env,
      });
      expect(created.code, created.stderr).toBe(0);
      const name = jsonOf<{ name: string }>(created).name;
      expect(name).toMatch(/\.json\.zst\.age$/);

      const listed = await runCli(["list", "--detailed"], { env });
      expect(listed.stdout).toMatch(/Compression:\s+zstd/);
      expect(listed.stdout).toMatch(/Encrypted:\s+yes \(age\)/);

      const noKey = await runCli(["info", name], { env });
      expect(noKey.code).toBe(2);
      expect(noKey.stderr).toMatch(/is encrypted to age recipients/);
      const otherKey = join(dir, "other.txt");
      execFileSync("age-keygen", ["-o", otherKey], { stdio: "ignore" });
      const wrong = await runCli(["info", name, "--identity", otherKey], { env });
      expect(wrong.code).toBe(1);
      const errors = wrong.stderr.split("\n").filter((line) => line.startsWith("error:"));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain(name);
      expect(errors[0]).toMatch(/no identity given matches/);

      const info = await runCli(["info", name, "--identity", keyFile], { env });
      expect(info.code, info.stderr).toBe(0);
      await clearDatabase(driver);
      const restore = await runCli(["restore", "--yes", "--identity", keyFile, "--verbose"], { env });
      expect(restore.code, restore.stderr).toBe(0);
      for (const run of [created, listed, noKey, wrong, info, restore]) {
        const all = run.stdout + run.stderr;
        for (const line of identity.split("\n").filter((l) => l.startsWith("AGE-SECRET"))) {
          expect(all).not.toContain(line);
        }
        expect(all).not.toContain(server.password);
      }
      expect(readFileSync(join(folder, "backup_metadata.json"), "utf8")).not.toContain("AGE-SECRET");
    },
    240_000,
  );

  it.skipIf(!tools || !haveTools("tmux"))(
    "on a terminal: create --passphrase asks twice without echo, and restore asks for it; age -d opens the file with it",
    async () => {
      await clearDatabase(driver);
      await loadSampleGraph(driver, { seed: 9, nodes: 150, capabilities });
      const loaded = await countGraph(driver, undefined);
      const folder = join(dir, "terminal");
      const secret = "terminal passphrase 7f3a";
      const terminal = new TerminalSession({
        NEO4J_URI: server.uri,
        NEO4J_USERNAME: server.username,
        NEO4J_PASSWORD: server.password,
        NEO4J_BACKUP_DIR: folder,
      });
      try {
        const create = await terminal.run(["create", "--compression", "gzip", "--passphrase"]);
        await terminal.waitFor(/Passphrase: /);
        terminal.typeLine(secret);
        await terminal.waitFor(/Passphrase again: /);
        terminal.typeLine(secret);
        let exit = await terminal.waitForExit(create);
        expect(exit.code, exit.screen).toBe(EXIT.ok);
        expect(exit.screen).not.toContain(secret);
        const [name] = readdirSync(folder).filter((n) => n.endsWith(".json.gz.age"));
        expect(name).toBeDefined();
        // the standard tool opens it with the same passphrase (age reads it from a terminal too)
        const plain = execFileSync(
          "script",
          ["-qec", `age -d '${join(folder, name!)}' | gunzip | sha256sum`, "/dev/null"],
          { input: `${secret}\n` },
        ).toString();
        const opened: Buffer[] = [];
        const storage = new FileSystemStorage({ directory: folder });
        for await (const c of await openBackupBytes(storage, name!, { passphrase: secret }))
          opened.push(Buffer.from(c));
        expect(plain).toContain(createHash("sha256").update(Buffer.concat(opened)).digest("hex"));

        await clearDatabase(driver);
        const restore = await terminal.run(["restore", "--yes"]);
        await terminal.waitFor(/Passphrase: /);
        terminal.typeLine(secret);
        exit = await terminal.waitForExit(restore);
        expect(exit.code, exit.screen).toBe(EXIT.ok);
        expect(exit.screen).not.toContain(secret);
        expect(await countGraph(driver, undefined)).toEqual(loaded);
        expect(readFileSync(join(folder, "backup_metadata.json"), "utf8")).not.toContain(secret);
      } finally {
        terminal.close();
      }
    },
    240_000,
  );
});
