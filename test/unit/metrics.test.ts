/**
 * The Prometheus metrics: the exposition text checked by a real parser (the official Python
 * client's, installed by scripts/prometheus/parser.mjs into the cache), and what collectMetrics
 * reads from a storage — a real backup file, a recorded failure — without a database.
 */
import { spawnSync } from "node:child_process";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import neo4j from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ParsedFamily, parseExposition } from "../../scripts/prometheus/parser.mjs";
import {
  BackupError,
  collectMetrics,
  createBackup,
  FileSystemStorage,
  MemoryStorage,
  readIndex,
  renderExposition,
} from "../../src/index.js";
import { FIXTURES_DIR } from "../support/fixtures.js";
import { closedPort } from "../support/ports.js";

/** The parser needs python3 with venv; CI (NEO4J_BACKUP_REQUIRE_TOOLS=1) must have it. */
function parserAvailable(): boolean {
  const python = spawnSync(process.env.PYTHON || "python3", ["-c", "import venv"]);
  if (python.status === 0) return true;
  if (process.env.NEO4J_BACKUP_REQUIRE_TOOLS === "1")
    throw new Error("the metrics tests need python3 with venv");
  return false;
}

const withParser = parserAvailable() ? it : it.skip;

const byName = (families: ParsedFamily[]) => new Map(families.map((f) => [f.name, f]));
const sampleValue = (families: ParsedFamily[], name: string, labels: Record<string, string> = {}) =>
  byName(families)
    .get(name)
    ?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe("renderExposition", () => {
  withParser(
    "writes HELP and TYPE lines and samples that the Prometheus parser reads back exactly, escapes included",
    () => {
      const tricky = 'back\\slash "quoted"\nnew line';
      const text = renderExposition([
        {
          name: "neo4j_backup_test_gauge",
          help: "A help text with a \\ and a\nnewline.",
          type: "gauge",
          samples: [
            { labels: { database: tricky }, value: 1.5 },
            { labels: { database: "plain" }, value: Number.NaN },
            { labels: { database: "up" }, value: Number.POSITIVE_INFINITY },
            { labels: { database: "down" }, value: Number.NEGATIVE_INFINITY },
            { value: -0.25 },
          ],
        },
        { name: "neo4j_backup_empty", help: "left out", type: "gauge", samples: [] },
        {
          name: "neo4j_backup_runs_total",
          help: "Runs.",
          type: "counter",
          samples: [{ labels: { o: "x" }, value: 3 }],
        },
      ]);
      expect(text).toContain(
        'neo4j_backup_test_gauge{database="back\\\\slash \\"quoted\\"\\nnew line"} 1.5\n',
      );
      expect(text).not.toContain("neo4j_backup_empty");
      expect(text.endsWith("\n")).toBe(true);
      const parsed = parseExposition(text);
      expect(parsed.map((f) => [f.name, f.type])).toEqual([
        ["neo4j_backup_test_gauge", "gauge"],
        ["neo4j_backup_runs", "counter"],
      ]);
      expect(parsed[0]!.help).toBe("A help text with a \\ and a\nnewline.");
      expect(parsed[0]!.samples.map((s) => [s.labels.database, s.value])).toEqual([
        [tricky, 1.5],
        ["plain", "nan"],
        ["up", "inf"],
        ["down", "-inf"],
        [undefined, -0.25],
      ]);
      expect(parsed[1]!.samples).toEqual([{ name: "neo4j_backup_runs_total", labels: { o: "x" }, value: 3 }]);
    },
  );

  it("refuses names that are not metric or label names", () => {
    expect(() =>
      renderExposition([{ name: "bad-name", help: "", type: "gauge", samples: [{ value: 1 }] }]),
    ).toThrow(BackupError);
    expect(() =>
      renderExposition([
        { name: "ok", help: "", type: "gauge", samples: [{ labels: { "a-b": "x" }, value: 1 }] },
      ]),
    ).toThrow(/label name/);
  });
});

describe("collectMetrics without a database", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "neo4j-backup-metrics-"));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  withParser("an empty storage: no backup (time 0), none kept, unhealthy with one problem", async () => {
    const families = parseExposition(await collectMetrics({ storage: new MemoryStorage() }));
    expect(sampleValue(families, "neo4j_backup_last_success_timestamp_seconds")).toBe(0);
    expect(sampleValue(families, "neo4j_backup_backups_kept")).toBe(0);
    expect(sampleValue(families, "neo4j_backup_healthy")).toBe(0);
    expect(sampleValue(families, "neo4j_backup_health_problems")).toBe(1);
    expect(sampleValue(families, "neo4j_backup_last_failure_timestamp_seconds")).toBe(0);
    expect(byName(families).has("neo4j_backup_last_success_size_bytes")).toBe(false);
    expect(byName(families).has("neo4j_backup_database_up")).toBe(false);
    for (const family of families) expect(family.name).toMatch(/^neo4j_backup_/);
  });

  withParser("a backup file: its time, size, counts and duration, labelled with its database", async () => {
    const directory = join(root, "one");
    const storage = new FileSystemStorage({ directory });
    await storage.init();
    const name = "neo4j_backup_20250128_143022.json";
    await copyFile(join(FIXTURES_DIR, "v2-reindented.json"), join(directory, name));
    const { size } = (await storage.stat(name))!;
    const now = () => new Date("2025-01-29T14:30:22.123Z");
    const text = await collectMetrics({ storage, database: "neo4j", now });
    const families = parseExposition(text);
    const db = { database: "neo4j" };
    expect(sampleValue(families, "neo4j_backup_last_success_timestamp_seconds", db)).toBe(
      Date.parse("2025-01-28T14:30:22.123Z") / 1000,
    );
    expect(sampleValue(families, "neo4j_backup_last_success_size_bytes", db)).toBe(size);
    expect(sampleValue(families, "neo4j_backup_last_success_nodes", db)).toBe(3);
    expect(sampleValue(families, "neo4j_backup_last_success_relationships", db)).toBe(2);
    expect(sampleValue(families, "neo4j_backup_last_success_duration_seconds", db)).toBe(0.877);
    expect(sampleValue(families, "neo4j_backup_backups_kept", db)).toBe(1);
    expect(sampleValue(families, "neo4j_backup_healthy", db)).toBe(1);
    expect(sampleValue(families, "neo4j_backup_max_age_seconds", db)).toBe(7 * 86400);
    // another database has no backup here
    const other = parseExposition(await collectMetrics({ storage, database: "other", now }));
    expect(sampleValue(other, "neo4j_backup_backups_kept", { database: "other" })).toBe(0);
    expect(sampleValue(other, "neo4j_backup_healthy", { database: "other" })).toBe(0);
  });

  withParser(
    "a backup that fails with recordFailure is recorded in the index and becomes the last failure; without it nothing is written",
    async () => {
      const port = await closedPort();
      const driver = neo4j.driver(`bolt://127.0.0.1:${port}`, neo4j.auth.basic("neo4j", "unused-here"), {
        maxTransactionRetryTime: 0,
        connectionTimeout: 2000,
      });
      try {
        const storage = new MemoryStorage();
        const plain = await createBackup({ driver, storage, reason: "not recorded" }).catch((e) => e);
        expect(plain).toBeInstanceOf(BackupError);
        expect(await storage.readIndex()).toBeUndefined();
        const before = Date.now();
        const recorded = await createBackup({
          driver,
          storage,
          reason: "recorded",
          recordFailure: true,
        }).catch((e) => e);
        expect(recorded.code).toBe(plain.code);
        const failures = (await readIndex(storage)).failures ?? [];
        expect(failures).toEqual([
          expect.objectContaining({ operation: "backup", database: null, code: recorded.code }),
        ]);
        const families = parseExposition(await collectMetrics({ storage }));
        const at = sampleValue(families, "neo4j_backup_last_failure_timestamp_seconds") as number;
        expect(at * 1000).toBeGreaterThanOrEqual(before - 1000);
        expect(at * 1000).toBeLessThanOrEqual(Date.now() + 1000);
      } finally {
        await driver.close();
      }
    },
    60_000,
  );

  withParser(
    "an index written before failures were recorded still reads, and one with them keeps them",
    async () => {
      const storage = new MemoryStorage();
      await storage.writeIndex(
        JSON.stringify({
          format: "neo4j-backup-index",
          version: 1,
          updated: "2025-01-01T00:00:00.000Z",
          backups: [],
          restores: [],
          failures: [
            {
              at: "2025-01-02T03:00:00.000Z",
              operation: "auto-backup",
              database: "neo4j",
              code: "CONNECTION",
              message: "x",
            },
          ],
        }),
      );
      expect((await readIndex(storage)).failures).toHaveLength(1);
      const families = parseExposition(await collectMetrics({ storage, database: "neo4j" }));
      expect(
        sampleValue(families, "neo4j_backup_last_failure_timestamp_seconds", { database: "neo4j" }),
      ).toBe(Date.parse("2025-01-02T03:00:00.000Z") / 1000);
    },
  );
});
