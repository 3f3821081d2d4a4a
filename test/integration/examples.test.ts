/** The runnable examples, run as a user would run them (separate processes), against real servers. */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearDatabase, loadSampleGraph } from "../../scripts/sample-graph/index.js";
import { createDistributionBackup, FileSystemStorage, fingerprintDatabase } from "../../src/index.js";
import { driverFor, type TestServer, testServers } from "../support/servers.js";

function runExample(
  server: TestServer,
  directory: string,
  file: string,
  args: string[] = [],
): Promise<{ code: number; output: Record<string, unknown>; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join("examples", file), ...args], {
      env: {
        ...process.env,
        NEO4J_URI: server.uri,
        NEO4J_USERNAME: server.username,
        NEO4J_PASSWORD: server.password,
        BACKUP_DIR: directory,
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) => {
      // the last line is the example's result; pino lines (warn and above) come before it
      const lines = stdout.trim().split("\n");
      try {
        resolve({ code: code ?? -1, output: JSON.parse(lines.at(-1)!), stderr });
      } catch {
        reject(new Error(`${file} printed no result (exit ${code}): ${stdout}\n${stderr}`));
      }
    });
  });
}

describe.each(testServers())("examples on Neo4j $version ($label)", (server) => {
  let driver: Driver;
  let directory: string;

  beforeAll(async () => {
    driver = driverFor(server);
    directory = await mkdtemp(join(tmpdir(), "neo4j-backup-examples-"));
  });

  afterAll(async () => {
    await driver?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it("app-startup restores the bundled backup on a new installation, then leaves the database alone", async () => {
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 11, nodes: 300, special: false });
    const bundle = await fingerprintDatabase(driver);
    await createDistributionBackup({ driver, storage: new FileSystemStorage({ directory }) });
    await clearDatabase(driver);
    const first = await runExample(server, directory, "app-startup.ts");
    expect(first).toMatchObject({ code: 0, output: { outcome: "restored", restored: true } });
    expect((await fingerprintDatabase(driver)).total).toBe(bundle.total);
    const second = await runExample(server, directory, "app-startup.ts");
    expect(second).toMatchObject({ code: 0, output: { outcome: "not-empty", restored: false } });
  });

  it("learning-job backs up after a significant import and not after an insignificant one", async () => {
    const big = await runExample(server, directory, "learning-job.ts", ["60"]);
    expect(big.code).toBe(0);
    expect(big.output).toMatchObject({ backedUp: true, reason: expect.stringMatching(/\+60 nodes/) });
    const again = await runExample(server, directory, "learning-job.ts", ["60"]);
    expect(again.output).toMatchObject({ backedUp: false, name: null });
  });

  it("upgrade migrates after a backup, and rolls back to it when the migration fails", async () => {
    const ok = await runExample(server, directory, "upgrade.ts", ["2.0.0"]);
    expect(ok).toMatchObject({ code: 0, output: { upgraded: true } });
    const before = await fingerprintDatabase(driver);
    const failed = await runExample(server, directory, "upgrade.ts", ["3.0.0", "--fail"]);
    expect(failed.code).toBe(1);
    expect(failed.output).toMatchObject({
      upgraded: false,
      rolledBackTo: expect.stringMatching(/^pre_upgrade_backup_/),
      error: "migration step 2 failed",
    });
    expect((await fingerprintDatabase(driver)).total).toBe(before.total);
  });
});
