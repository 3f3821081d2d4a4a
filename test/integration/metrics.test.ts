/**
 * collectMetrics against a real server: the same series and labels whether the database answers
 * or not (and without a connection), and "last success" as the newest valid backup of each series —
 * a newer truncated file and a safety backup taken before a restore do not count.
 */
import { spawnSync } from "node:child_process";
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
import { promtoolTest, seriesOf } from "../support/promtool.js";
import { RECIPES_DIR } from "../support/recipes.js";
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

  it("the alert rules of examples/operations/alerts.yml pass promtool and fire on real expositions, and only then", async () => {
    const rules = join(RECIPES_DIR, "alerts.yml");
    const check = spawnSync("promtool", ["check", "rules", rules], { encoding: "utf8" });
    expect([check.status, check.stdout]).toEqual([0, expect.stringContaining("SUCCESS: 5 rules found")]);
    const storage = new FileSystemStorage({ directory: join(root, "alerts") });
    await createBackup({ driver, storage, series: "nightly", reason: "nightly" });
    const scrape = async (d: Driver) => {
      const scrapedAt = new Date();
      return seriesOf(await collectMetrics({ storage, driver: d, now: () => scrapedAt }), scrapedAt, 14_400);
    };
    const healthy = await scrape(driver);
    const serverDown = await scrape(down);
    // a backup that fails after the last success is recorded
    await createBackup({ driver: down, storage, reason: "fails", recordFailure: true }).catch(
      () => undefined,
    );
    const failed = await scrape(driver);
    const db = { database: "neo4j" };
    const none = (alertname: string, eval_time: string) => ({ alertname, eval_time, exp_alerts: [] });
    const all = [
      "Neo4jBackupTooOld",
      "Neo4jBackupFailed",
      "Neo4jBackupUnhealthy",
      "Neo4jDatabaseDown",
      "Neo4jRestoreUnfinished",
    ];
    const tests = [
      {
        // healthy (scraped on day 7): nothing fires within a day; two days on without a new
        // backup, TooOld does
        interval: "1m",
        input_series: healthy,
        alert_rule_test: [
          ...all.map((name) => none(name, "7d1h")),
          ...all.map((name) => none(name, "7d47h")),
          {
            alertname: "Neo4jBackupTooOld",
            eval_time: "7d49h",
            exp_alerts: [
              {
                exp_labels: { ...db, series: "nightly", severity: "critical" },
                exp_annotations: { summary: "No valid nightly backup of neo4j in the last two days" },
              },
            ],
          },
        ],
      },
      {
        // the database down: after 5 minutes, and the backup alerts stay quiet
        interval: "1m",
        input_series: serverDown,
        alert_rule_test: [
          none("Neo4jDatabaseDown", "3m"),
          {
            alertname: "Neo4jDatabaseDown",
            eval_time: "10m",
            exp_alerts: [
              {
                exp_labels: { ...db, severity: "critical" },
                exp_annotations: { summary: "Neo4j database neo4j does not answer the backup tool" },
              },
            ],
          },
          none("Neo4jBackupFailed", "10m"),
          none("Neo4jBackupUnhealthy", "30m"),
        ],
      },
      {
        interval: "1m",
        input_series: failed,
        alert_rule_test: [
          {
            alertname: "Neo4jBackupFailed",
            eval_time: "2m",
            exp_alerts: [
              {
                exp_labels: { ...db, severity: "warning" },
                exp_annotations: {
                  summary: "The last backup of neo4j failed: see the job's log or `neo4j-backup status`",
                },
              },
            ],
          },
          none("Neo4jDatabaseDown", "10m"),
        ],
      },
    ];
    const result = await promtoolTest(rules, tests);
    expect(result.code, result.output).toBe(0);
    // and the test bites: the healthy scrape does not make TooOld fire an hour after it
    const wrong = await promtoolTest(rules, [
      { ...tests[0]!, alert_rule_test: [{ ...tests[0]!.alert_rule_test[10]!, eval_time: "7d1h" }] },
    ]);
    expect(wrong.code, wrong.output).not.toBe(0);
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
