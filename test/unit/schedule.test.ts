/**
 * The schedule's own behaviour, with a job of its own instead of a backup (scheduleBackups runs
 * real backups in test/integration/schedule.test.ts) and a fake clock: times of the pattern, no
 * overlap, failures reported and the schedule going on, stop waiting or aborting, runs missed
 * while the machine slept, time zones.
 */
import neo4j from "neo4j-driver";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BackupError, MemoryStorage, type ScheduledRun, scheduleBackups } from "../../src/index.js";
import { type RunBody, type ScheduleSpec, startSchedule } from "../../src/operations/schedule.js";

/** A job whose runs end when the test says so. */
function controlledJob() {
  const runs: { signal: AbortSignal; finish: (body: RunBody) => void; fail: (error: unknown) => void }[] = [];
  const run = (signal: AbortSignal) =>
    new Promise<RunBody>((resolve, reject) => {
      const entry = { signal, finish: resolve, fail: reject };
      runs.push(entry);
      signal.addEventListener("abort", () => reject(signal.reason));
    });
  return { runs, run };
}

function recorder() {
  const events: string[] = [];
  const ended: ScheduledRun[] = [];
  const callbacks: Partial<ScheduleSpec> = {
    onRun: ({ trigger }) => events.push(`run:${trigger}`),
    onSuccess: (r) => {
      events.push(`success:${r.outcome}`);
      ended.push(r);
    },
    onFailure: (r) => {
      events.push(`failure:${(r.error as Error).message}`);
      ended.push(r);
    },
    onSkip: (r) => {
      events.push("skip");
      ended.push(r);
    },
  };
  return { events, ended, callbacks };
}

describe("startSchedule", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2025-03-10T02:59:00.000Z"));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("runs at the pattern's times and reports the next one", async () => {
    const job = controlledJob();
    const schedule = startSchedule({ pattern: "0 3 * * *", timezone: "UTC", run: job.run });
    expect(schedule.nextRun()?.toISOString()).toBe("2025-03-10T03:00:00.000Z");
    await vi.advanceTimersByTimeAsync(59_000);
    expect(job.runs).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(job.runs).toHaveLength(1);
    expect(schedule.running).toBe(true);
    job.runs[0]!.finish({ outcome: "backed-up" });
    await vi.advanceTimersByTimeAsync(0);
    expect(schedule.running).toBe(false);
    expect(schedule.lastResult).toMatchObject({ outcome: "backed-up", trigger: "schedule" });
    expect(schedule.nextRun()?.toISOString()).toBe("2025-03-11T03:00:00.000Z");
    await schedule.stop();
  });

  it("never overlaps: a time that comes while a run is going is skipped and reported", async () => {
    const job = controlledJob();
    const { events, callbacks } = recorder();
    const schedule = startSchedule({ pattern: "*/10 * * * * *", run: job.run, ...callbacks });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(job.runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(job.runs).toHaveLength(1);
    expect(events).toEqual(["run:schedule", "skip", "skip"]);
    expect(schedule.counts.skipped).toBe(2);
    const manual = await schedule.runNow();
    expect(manual).toMatchObject({
      outcome: "skipped",
      trigger: "manual",
      skipReason: expect.stringMatching(/still running/),
    });
    job.runs[0]!.finish({ outcome: "not-needed" });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(job.runs).toHaveLength(2);
    expect(schedule.lastResult?.outcome).toBe("not-needed");
    await schedule.stop({ abort: true });
  });

  it("a failed run is reported and the schedule goes on", async () => {
    const job = controlledJob();
    const { events, callbacks } = recorder();
    const schedule = startSchedule({ pattern: "*/10 * * * * *", run: job.run, ...callbacks });
    await vi.advanceTimersByTimeAsync(10_000);
    job.runs[0]!.fail(new BackupError("CONNECTION", "the server went away"));
    await vi.advanceTimersByTimeAsync(0);
    expect(schedule.lastResult).toMatchObject({ outcome: "failed", error: expect.any(BackupError) });
    await vi.advanceTimersByTimeAsync(10_000);
    job.runs[1]!.finish({ outcome: "backed-up" });
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toEqual([
      "run:schedule",
      "failure:the server went away",
      "run:schedule",
      "success:backed-up",
    ]);
    expect(schedule.counts).toMatchObject({ failed: 1, "backed-up": 1 });
    await schedule.stop();
  });

  it("a callback that throws is logged and changes nothing", async () => {
    const job = controlledJob();
    const warnings: string[] = [];
    const logger = {
      debug() {},
      info() {},
      error() {},
      warn: (_: object, msg?: string) => warnings.push(msg ?? ""),
    };
    const schedule = startSchedule({
      pattern: "*/10 * * * * *",
      run: job.run,
      logger,
      onSuccess: () => {
        throw new Error("listener bug");
      },
    });
    const run = schedule.runNow();
    job.runs[0]!.finish({ outcome: "backed-up" });
    expect((await run).outcome).toBe("backed-up");
    expect(warnings).toContain("a schedule callback threw");
    await schedule.stop();
  });

  it("stop() waits for the running backup; no run starts after it", async () => {
    const job = controlledJob();
    const schedule = startSchedule({ pattern: "*/10 * * * * *", run: job.run });
    await vi.advanceTimersByTimeAsync(10_000);
    let stopped: ScheduledRun | null | undefined;
    void schedule.stop().then((r) => {
      stopped = r;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBeUndefined();
    expect(job.runs[0]!.signal.aborted).toBe(false);
    job.runs[0]!.finish({ outcome: "backed-up" });
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toMatchObject({ outcome: "backed-up" });
    expect(schedule.nextRun()).toBeNull();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(job.runs).toHaveLength(1);
    await expect(schedule.runNow()).rejects.toMatchObject({ code: "INVALID_OPTIONS" });
  });

  it("stop({ abort: true }) aborts the running backup through its signal: the run ends aborted, not failed", async () => {
    const job = controlledJob();
    const { events, callbacks } = recorder();
    const schedule = startSchedule({ pattern: "*/10 * * * * *", run: job.run, ...callbacks });
    await vi.advanceTimersByTimeAsync(10_000);
    const stopped = await schedule.stop({ abort: true });
    expect(job.runs[0]!.signal.aborted).toBe(true);
    expect(stopped).toMatchObject({
      outcome: "aborted",
      error: expect.objectContaining({ code: "ABORTED" }),
    });
    expect(events).toEqual(["run:schedule"]);
    expect(schedule.stopped).toBe(true);
    expect(await schedule.stop()).toBeNull();
  });

  it("times missed while the machine slept make one run shortly after it wakes, not one each", async () => {
    const job = controlledJob();
    const schedule = startSchedule({ pattern: "0 * * * *", timezone: "UTC", run: job.run });
    // the wall clock jumps 4.5 hours ahead while timers stand still (a suspended machine): five
    // times (03:00 … 07:00) were missed, and the next one is half an hour away
    vi.setSystemTime(new Date("2025-03-10T07:30:00.000Z"));
    await vi.advanceTimersByTimeAsync(30_000);
    expect(job.runs).toHaveLength(1);
    job.runs[0]!.finish({ outcome: "backed-up" });
    await vi.advanceTimersByTimeAsync(0);
    expect(schedule.nextRun()?.toISOString()).toBe("2025-03-10T08:00:00.000Z");
    await vi.advanceTimersByTimeAsync(29 * 60_000);
    expect(job.runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(job.runs).toHaveLength(2);
    job.runs[1]!.finish({ outcome: "backed-up" });
    await schedule.stop();
  });

  it("reads the pattern in the given time zone (and the process's local time without one)", async () => {
    const run = async (): Promise<RunBody> => ({ outcome: "backed-up" });
    const berlin = startSchedule({ pattern: "0 3 * * *", timezone: "Europe/Berlin", run });
    expect(berlin.nextRun()?.toISOString()).toBe("2025-03-11T02:00:00.000Z");
    const ny = startSchedule({ pattern: "0 3 * * *", timezone: "America/New_York", run });
    expect(ny.nextRun()?.toISOString()).toBe("2025-03-10T07:00:00.000Z");
    await berlin.stop();
    await ny.stop();
  });

  it("says once what is wrong with a time zone, and what to use", () => {
    const run = async (): Promise<RunBody> => ({ outcome: "backed-up" });
    const error = (() => {
      try {
        startSchedule({ pattern: "0 3 * * *", timezone: "Mars/Base", run });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).toBe(
      'time zone "Mars/Base" is not one: use an IANA name such as UTC, Europe/Berlin or America/New_York',
    );
  });

  it("refuses a pattern or time zone croner does not accept", () => {
    const run = async (): Promise<RunBody> => ({ outcome: "backed-up" });
    for (const [pattern, timezone] of [
      ["61 3 * * *", undefined],
      ["0 3 * *", undefined],
      ["", undefined],
      ["0 3 * * *", "Nowhere/Bad"],
    ] as const) {
      expect(() => startSchedule({ pattern, timezone, run }), `${pattern} ${timezone}`).toThrow(
        expect.objectContaining({ code: "INVALID_OPTIONS" }),
      );
    }
  });
});

describe("scheduleBackups", () => {
  it("checks its options before anything is scheduled", () => {
    const driver = neo4j.driver("bolt://127.0.0.1:1", neo4j.auth.basic("neo4j", "unused-here"));
    const storage = new MemoryStorage();
    try {
      expect(() => scheduleBackups({ storage, schedule: "0 3 * * *" } as never)).toThrow(/driver/);
      expect(() => scheduleBackups({ driver, storage, schedule: "not a pattern" })).toThrow(
        expect.objectContaining({ code: "INVALID_OPTIONS" }),
      );
      expect(() =>
        scheduleBackups({ driver, storage, schedule: "0 3 * * *", auto: true, thresholds: { nodes: -1 } }),
      ).toThrow(/threshold nodes/);
      expect(() => scheduleBackups({ driver, storage, schedule: "0 3 * * *", keep: 0 })).toThrow(
        expect.objectContaining({ code: "INVALID_OPTIONS" }),
      );
    } finally {
      void driver.close();
    }
  });
});
