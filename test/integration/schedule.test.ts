/**
 * scheduleBackups on real servers: backups at the pattern's times (every few seconds here), auto runs
 * that back up only after a change, a failed run that is reported and recorded while the schedule
 * goes on, and stop({ abort: true }) during a backup publishing nothing. collectMetrics reads the
 * outcome.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import neo4j, { type Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearDatabase, loadSampleGraph } from "../../scripts/sample-graph/index.js";
import {
  collectMetrics,
  FileSystemStorage,
  listBackups,
  readIndex,
  type ScheduledRun,
  scheduleBackups,
  validateBackup,
} from "../../src/index.js";
import { closedPort } from "../support/ports.js";
import { driverFor, testServers } from "../support/servers.js";

/** Resolves with the first run `pick` accepts. */
function waitForRun(pick: (run: ScheduledRun) => boolean, timeoutMs = 60_000) {
  let accept: (run: ScheduledRun) => void = () => {};
  const done = new Promise<ScheduledRun>((resolve, reject) => {
    accept = resolve;
    setTimeout(() => reject(new Error("no such run in time")), timeoutMs).unref();
  });
  return { done, offer: (run: ScheduledRun) => pick(run) && accept(run) };
}

describe.each(testServers())("scheduleBackups on Neo4j $version ($label)", (server) => {
  let driver: Driver;
  let root: string;

  beforeAll(async () => {
    driver = driverFor(server);
    root = await mkdtemp(join(tmpdir(), "neo4j-backup-schedule-"));
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 21, nodes: 300, special: false });
  });

  afterAll(async () => {
    await driver?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("backs up at the pattern's times, reports each run, and the metrics show the newest backup", async () => {
    const storage = new FileSystemStorage({ directory: join(root, "plain") });
    const successes: ScheduledRun[] = [];
    const second = waitForRun(() => successes.length >= 2);
    const schedule = scheduleBackups({
      driver,
      storage,
      schedule: "*/2 * * * * *",
      keep: 5,
      onSuccess: (run) => {
        successes.push(run);
        second.offer(run);
      },
    });
    expect(schedule.nextRun()).toBeInstanceOf(Date);
    try {
      await second.done;
    } finally {
      await schedule.stop();
    }
    expect(successes.map((r) => r.outcome)).toEqual(["backed-up", "backed-up"]);
    expect(successes[0]!.backup!.metadata.reason).toBe("Scheduled backup (*/2 * * * * *)");
    const listed = await listBackups(storage);
    expect(listed.map((e) => e.name).sort()).toEqual(successes.map((r) => r.backup!.name).sort());
    for (const e of listed) expect((await validateBackup({ storage, name: e.name })).valid).toBe(true);
    const text = await collectMetrics({ storage, driver });
    const newest = successes[1]!.backup!;
    expect(text).toContain(
      `neo4j_backup_last_success_nodes{database="${newest.metadata.database}"} ${newest.nodeCount}`,
    );
    expect(text).toMatch(/^neo4j_backup_backups_kept\{database="[^"]+"\} 2$/m);
    expect(text).toMatch(/^neo4j_backup_database_up\{database="[^"]+"\} 1$/m);
    expect(text).toMatch(/^neo4j_backup_changes_since_last_backup\{database="[^"]+",element="nodes"\} 0$/m);
  });

  it("with auto, backs up only after the graph changed enough", async () => {
    const storage = new FileSystemStorage({ directory: join(root, "auto") });
    const outcomes: string[] = [];
    const schedule = scheduleBackups({ driver, storage, schedule: "0 3 * * *", auto: true, keep: 5 });
    try {
      outcomes.push((await schedule.runNow()).outcome);
      outcomes.push((await schedule.runNow()).outcome);
      await loadSampleGraph(driver, { seed: 22, nodes: 80, special: false });
      const third = await schedule.runNow();
      outcomes.push(third.outcome);
      expect(third.decision?.reason).toMatch(/nodes/);
    } finally {
      await schedule.stop();
    }
    expect(outcomes).toEqual(["backed-up", "not-needed", "backed-up"]);
    expect(await listBackups(storage)).toHaveLength(2);
  });

  it("a failed run is reported and recorded, and the schedule goes on", async () => {
    const storage = new FileSystemStorage({ directory: join(root, "failing") });
    const unreachable = neo4j.driver(
      `bolt://127.0.0.1:${await closedPort()}`,
      neo4j.auth.basic("neo4j", "x-unused"),
      {
        maxTransactionRetryTime: 0,
      },
    );
    const failures: ScheduledRun[] = [];
    const twice = waitForRun(() => failures.length >= 2);
    const schedule = scheduleBackups({
      driver: unreachable,
      storage,
      schedule: "*/2 * * * * *",
      onFailure: (run) => {
        failures.push(run);
        twice.offer(run);
      },
    });
    try {
      await twice.done;
      expect(schedule.stopped).toBe(false);
      expect(schedule.nextRun()).toBeInstanceOf(Date);
    } finally {
      await schedule.stop();
      await unreachable.close();
    }
    expect(failures.map((r) => (r.error as { code?: string }).code)).toEqual(["CONNECTION", "CONNECTION"]);
    const recorded = (await readIndex(storage)).failures ?? [];
    expect(recorded.map((f) => f.code)).toEqual(["CONNECTION", "CONNECTION"]);
    expect(await collectMetrics({ storage })).toMatch(
      /^neo4j_backup_last_failure_timestamp_seconds \d+(\.\d+)?$/m,
    );
  });

  it("stop({ abort: true }) during a backup publishes nothing and leaves no temporary file; the next schedule backs up", async () => {
    await loadSampleGraph(driver, { seed: 23, nodes: 6000, special: false });
    const directory = join(root, "abort");
    const storage = new FileSystemStorage({ directory });
    let stopping: Promise<ScheduledRun | null> | undefined;
    const schedule = scheduleBackups({
      driver,
      storage,
      schedule: "0 3 * * *",
      onProgress: (p) => {
        if (p.phase === "nodes" && !stopping) stopping = schedule.stop({ abort: true });
      },
    });
    const run = await schedule.runNow();
    expect(run.outcome).toBe("aborted");
    expect((await stopping)?.outcome).toBe("aborted");
    expect(await storage.list()).toEqual([]);
    expect((await readdir(directory)).filter((n) => n.endsWith(".tmp"))).toEqual([]);
    expect((await readIndex(storage)).failures ?? []).toEqual([]);
    const again = scheduleBackups({ driver, storage, schedule: "0 3 * * *" });
    try {
      const next = await again.runNow();
      expect(next.outcome, String((next.error as Error | undefined)?.message)).toBe("backed-up");
      expect((await validateBackup({ storage, name: next.backup!.name })).valid).toBe(true);
    } finally {
      await again.stop();
    }
  });
});
