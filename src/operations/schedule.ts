/**
 * Runs on a cron schedule (croner): one run at a time — a time that comes while a run is still
 * going is skipped and reported —, every run's outcome reported, and a stop that waits for the
 * running one or aborts it through its AbortSignal. What a run does is the caller's
 * (scheduleBackups: a backup).
 */
import { Cron } from "croner";
import type { BackupResult } from "../backup/run-backup.js";
import { BackupError } from "../errors.js";
import type { AutoBackupDecision } from "../lifecycle/change-decision.js";
import { type Logger, silentLogger } from "../logger.js";

/** How a scheduled run ended. */
export type ScheduledRunOutcome = "backed-up" | "not-needed" | "failed" | "aborted" | "skipped";

/** One run of a schedule, as its callbacks and `lastResult` report it. */
export interface ScheduledRun {
  /**
   * `backed-up`; `not-needed` (an auto run whose decision was no); `failed` (`error` says why; the
   * schedule goes on); `aborted` (stopped by `stop({ abort: true })`: nothing was published);
   * `skipped` (the previous run was still running, or the schedule was stopping: nothing ran).
   */
  outcome: ScheduledRunOutcome;
  /** `schedule` for a time of the cron pattern, `manual` for {@link BackupSchedule.runNow}. */
  trigger: "schedule" | "manual";
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
  /** The new backup (`backed-up`). */
  backup?: BackupResult;
  /** The auto-backup decision (runs with `auto`). */
  decision?: AutoBackupDecision;
  /** The failure (`failed`), or the abort (`aborted`): usually a BackupError. */
  error?: unknown;
  /** Why a run was skipped. */
  skipReason?: string;
}

/** Runs counted by outcome since the schedule started. */
export type ScheduledRunCounts = Record<ScheduledRunOutcome, number>;

/** The handle {@link scheduleBackups} returns. */
export interface BackupSchedule {
  /** The cron pattern. */
  readonly pattern: string;
  /** The time zone its times are read in (an IANA name), or undefined for the process's local time. */
  readonly timezone: string | undefined;
  /** When the next run is due; null once stopped. */
  nextRun(): Date | null;
  /** The last run that ran (skipped ones are not kept here); null before the first. */
  readonly lastResult: ScheduledRun | null;
  /** True while a run is going. */
  readonly running: boolean;
  /** True once {@link stop} was called. */
  readonly stopped: boolean;
  /** Runs by outcome since the start (skipped ones included). */
  readonly counts: Readonly<ScheduledRunCounts>;
  /**
   * Runs now, outside the pattern (skipped, as a scheduled time would be, while a run is going).
   * @throws BackupError `INVALID_OPTIONS` once stopped.
   */
  runNow(): Promise<ScheduledRun>;
  /**
   * Stops the schedule: no run starts after this. A running backup is waited for (default) or, with
   * `abort: true`, aborted — nothing is published then. Resolves with that run, or null when none
   * was running. Calling it again waits for the same run.
   */
  stop(options?: { abort?: boolean }): Promise<ScheduledRun | null>;
}

/** What a run reports; the timing is added by the schedule. */
export type RunBody = Pick<ScheduledRun, "outcome" | "backup" | "decision" | "error">;

/** The callbacks of a schedule; an exception thrown by one is logged and otherwise ignored. */
export interface ScheduleCallbacks {
  /** A run starts. */
  onRun?: (run: { trigger: ScheduledRun["trigger"]; startedAt: Date }) => void;
  /** A run ended `backed-up` or `not-needed`. */
  onSuccess?: (run: ScheduledRun) => void;
  /** A run ended `failed`; the schedule goes on. */
  onFailure?: (run: ScheduledRun) => void;
  /** A time came while a run was going, or while stopping: nothing ran. */
  onSkip?: (run: ScheduledRun) => void;
}

/** What {@link startSchedule} needs. */
export interface ScheduleSpec extends ScheduleCallbacks {
  pattern: string;
  timezone?: string;
  logger?: Logger;
  /** One run; it reports failures as outcomes and ends `aborted` when `signal` fires. */
  run: (signal: AbortSignal) => Promise<RunBody>;
}

/** Checks an IANA time zone name (`Europe/Berlin`, `UTC`) with the runtime's own list. */
function assertTimeZone(timezone: string): void {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
  } catch {
    throw new BackupError(
      "INVALID_OPTIONS",
      `time zone ${JSON.stringify(timezone)} is not one: use an IANA name such as UTC, Europe/Berlin or America/New_York`,
    );
  }
}

/** A cron pattern and time zone croner accepts (5 fields, or 6 with seconds first), or INVALID_OPTIONS. */
export function parseSchedule(pattern: string, timezone?: string): Cron {
  if (typeof pattern !== "string" || pattern.trim() === "") {
    throw new BackupError("INVALID_OPTIONS", "`schedule` must be a cron pattern such as 0 3 * * *");
  }
  if (timezone !== undefined) assertTimeZone(timezone);
  try {
    const cron = new Cron(pattern, { paused: true, mode: "5-or-6-parts", ...(timezone ? { timezone } : {}) });
    cron.nextRun();
    return cron;
  } catch (error) {
    throw new BackupError(
      "INVALID_OPTIONS",
      `${JSON.stringify(pattern)}${timezone ? ` in time zone ${timezone}` : ""} is not a schedule: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** Starts running `spec.run` at the times of `spec.pattern`. */
export function startSchedule(spec: ScheduleSpec): BackupSchedule {
  return new CronSchedule(spec);
}

const NO_RUNS: ScheduledRunCounts = { "backed-up": 0, "not-needed": 0, failed: 0, aborted: 0, skipped: 0 };

class CronSchedule implements BackupSchedule {
  readonly pattern: string;
  readonly timezone: string | undefined;
  lastResult: ScheduledRun | null = null;
  readonly counts: ScheduledRunCounts = { ...NO_RUNS };
  private readonly cron: Cron;
  private readonly logger: Logger;
  private current: { controller: AbortController; done: Promise<ScheduledRun> } | undefined;
  private isStopped = false;

  constructor(private readonly spec: ScheduleSpec) {
    this.pattern = spec.pattern;
    this.timezone = spec.timezone;
    this.logger = spec.logger ?? silentLogger;
    this.cron = parseSchedule(spec.pattern, spec.timezone);
    this.cron.schedule(() => {
      void this.start("schedule");
    });
    this.cron.resume();
  }

  get running(): boolean {
    return this.current !== undefined;
  }

  get stopped(): boolean {
    return this.isStopped;
  }

  nextRun(): Date | null {
    return this.isStopped ? null : this.cron.nextRun();
  }

  runNow(): Promise<ScheduledRun> {
    if (this.isStopped) return Promise.reject(new BackupError("INVALID_OPTIONS", "the schedule is stopped"));
    return this.start("manual");
  }

  async stop(options: { abort?: boolean } = {}): Promise<ScheduledRun | null> {
    this.isStopped = true;
    this.cron.stop();
    const current = this.current;
    if (!current) return null;
    if (options.abort) current.controller.abort(new BackupError("ABORTED", "the schedule was stopped"));
    return current.done;
  }

  private start(trigger: ScheduledRun["trigger"]): Promise<ScheduledRun> {
    const startedAt = new Date();
    if (this.current || this.isStopped) {
      const skipReason = this.isStopped ? "the schedule is stopping" : "the previous run is still running";
      return Promise.resolve(this.finish({ outcome: "skipped", skipReason }, trigger, startedAt));
    }
    const controller = new AbortController();
    this.call("onRun", () => this.spec.onRun?.({ trigger, startedAt }));
    const done = this.spec
      .run(controller.signal)
      .catch((error): RunBody => ({ outcome: controller.signal.aborted ? "aborted" : "failed", error }))
      .then((body) => {
        this.current = undefined;
        return this.finish(body, trigger, startedAt);
      });
    this.current = { controller, done };
    return done;
  }

  /** Adds the timing, counts the run, keeps it as the last result and tells the callbacks. */
  private finish(
    body: RunBody & { skipReason?: string },
    trigger: ScheduledRun["trigger"],
    startedAt: Date,
  ): ScheduledRun {
    const finishedAt = new Date();
    const run: ScheduledRun = {
      ...body,
      trigger,
      startedAt,
      finishedAt,
      durationMs: finishedAt.getTime() - startedAt.getTime(),
    };
    this.counts[run.outcome]++;
    if (run.outcome === "skipped") {
      this.logger.warn({ skipped: run.skipReason }, "a scheduled backup was skipped");
      this.call("onSkip", () => this.spec.onSkip?.(run));
      return run;
    }
    this.lastResult = run;
    if (run.outcome === "failed") this.call("onFailure", () => this.spec.onFailure?.(run));
    if (run.outcome === "backed-up" || run.outcome === "not-needed")
      this.call("onSuccess", () => this.spec.onSuccess?.(run));
    return run;
  }

  private call(name: string, callback: () => void): void {
    try {
      callback();
    } catch (error) {
      this.logger.warn({ callback: name, err: (error as Error)?.message }, "a schedule callback threw");
    }
  }
}
