/**
 * collectMetrics against a real server: the same series and labels whether the database answers
 * or not (and without a connection), and "last success" as the newest valid backup of each series —
 * a newer truncated file and a safety backup taken before a restore do not count.
 */
import { mkdtemp, rm, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import neo4j, { type Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ParsedFamily, parseExposition } from "../../scripts/prometheus/parser.mjs";
import { clearDatabase, loadSampleGraph } from "../../scripts/sample-graph/index.js";
import {
  type BackupResult,
  collectMetrics,
  createBackup,
  FileSystemStorage,
  listBackups,
  restoreBackup,
} from "../../src/index.js";
import { closedPort } from "../support/ports.js";
import { driverFor, testServers } from "../support/servers.js";

/** Every series of an exposition as `name{label="value",…}`, sorted: what a scrape would store. */
function seriesSet(families: ParsedFamily[]): string[] {
  return families
    .flatMap((f) =>
      f.samples.map(
        (s) =>
          `${s.name}{${Object.entries(s.labels)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => `${k}="${v}"`)
            .join(",")}}`,
      ),
    )
    .sort();
}

const value = (families: ParsedFamily[], name: string, labels: Record<string, string> = {}) =>
  families
    .find((f) => f.samples.some((s) => s.name === name))
    ?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    ?.value;

/** When the index says a backup was taken, in Unix seconds. */
async function at(storage: FileSystemStorage, r: BackupResult): Promise<number> {
  const entry = (await listBackups(storage)).find((e) => e.name === r.name);
  return Date.parse(entry!.created) / 1000;
}

describe.each(testServers())("collectMetrics on Neo4j $version ($label)", (server) => {
  let driver: Driver;
  let down: Driver;
  let root: string;

  beforeAll(async () => {
    driver = driverFor(server);
    down = neo4j.driver(`bolt://127.0.0.1:${await closedPort()}`, neo4j.auth.basic("neo4j", "unused-here"), {
      maxTransactionRetryTime: 0,
      connectionTimeout: 2000,
    });
    root = await mkdtemp(join(tmpdir(), "neo4j-backup-metrics-"));
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 41, nodes: 120, special: false });
  });

  afterAll(async () => {
    await driver?.close();
    await down?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("the same series and labels with the database up, down and without a connection; NaN where unknown", async () => {
    const storage = new FileSystemStorage({ directory: join(root, "stable") });
    await createBackup({ driver, storage, series: "nightly", reason: "nightly" });
    const up = parseExposition(await collectMetrics({ storage, driver }));
    const downText = await collectMetrics({ storage, driver: down });
    const whenDown = parseExposition(downText);
    expect(seriesSet(whenDown)).toEqual(seriesSet(up));
    const home = { database: "neo4j" };
    expect(value(up, "neo4j_backup_database_up", home)).toBe(1);
    expect(value(whenDown, "neo4j_backup_database_up", home)).toBe(0);
    expect(value(up, "neo4j_backup_database_nodes", home)).toBe(120);
    expect(value(whenDown, "neo4j_backup_database_nodes", home)).toBe("nan");
    expect(value(up, "neo4j_backup_changes_since_last_backup_ratio", { ...home, element: "nodes" })).toBe(0);
    expect(value(whenDown, "neo4j_backup_backup_recommended", home)).toBe("nan");
    // what the storage says is the same either way
    expect(value(whenDown, "neo4j_backup_last_success_nodes", { ...home, series: "nightly" })).toBe(120);
    // without a connection: the backups' series, with the same labels
    const storageOnly = parseExposition(await collectMetrics({ storage }));
    const backupSeries = (f: ParsedFamily[]) =>
      seriesSet(f).filter((s) => !s.includes("_database_") && !/changes_since|recommended/.test(s));
    expect(backupSeries(storageOnly)).toEqual(backupSeries(up));
    expect(
      seriesSet(storageOnly).every(
        (s) => s.includes('database="neo4j"') || /storage_pending|snapshots/.test(s),
      ),
    ).toBe(true);
  });

  it("last success is the newest valid backup of each series: not a newer truncated file, not a safety backup", async () => {
    const directory = join(root, "success");
    const storage = new FileSystemStorage({ directory });
    const nightly1 = await createBackup({ driver, storage, series: "nightly", keep: 5, reason: "nightly" });
    const deploy = await createBackup({
      driver,
      storage,
      series: "pre-deploy",
      keep: 5,
      reason: "pre-deploy",
    });
    const nightly2 = await createBackup({ driver, storage, series: "nightly", keep: 5, reason: "nightly" });
    // the newest nightly backup is cut short on disk (a full disk, a copy that stopped)
    await truncate(join(directory, nightly2.name), 2000);
    const restored = await restoreBackup({ driver, storage, name: deploy.name, mode: "replace" });
    const safety = (await listBackups(storage)).find((e) => e.kind === "safety");
    expect(safety?.name).toBe(restored.safetyBackup);
    const families = parseExposition(await collectMetrics({ storage, driver }));
    const of = (series: string) => ({ database: "neo4j", series });
    expect(value(families, "neo4j_backup_last_success_timestamp_seconds", of("nightly"))).toBe(
      await at(storage, nightly1),
    );
    expect(value(families, "neo4j_backup_last_success_timestamp_seconds", of("pre-deploy"))).toBe(
      await at(storage, deploy),
    );
    expect(value(families, "neo4j_backup_last_success_size_bytes", of("nightly"))).toBe(nightly1.bytes);
    // no series of its own for the safety backup; its time apart
    const labelled = families.find((f) => f.name === "neo4j_backup_last_success_timestamp_seconds")!;
    expect(labelled.samples.map((s) => s.labels.series).sort()).toEqual(["nightly", "pre-deploy"]);
    expect(value(families, "neo4j_backup_last_safety_backup_timestamp_seconds", { database: "neo4j" })).toBe(
      Date.parse(safety!.created) / 1000,
    );
    // the truncated newest file makes the storage unhealthy
    expect(value(families, "neo4j_backup_healthy", { database: "neo4j" })).toBe(0);
  });
});
