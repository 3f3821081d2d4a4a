/** scheduleBackups: backups (or auto-backups) at the times of a cron pattern, in this process. */
import { BackupError } from "../errors.js";
import { resolveThresholds } from "../lifecycle/change-decision.js";
import { type AutoBackupOptions, autoBackup } from "./auto-backup.js";
import { assertCreateOptions } from "./backup-under-lock.js";
import { createBackup } from "./create-backup.js";
import { type BackupSchedule, type RunBody, type ScheduleCallbacks, startSchedule } from "./schedule.js";

/**
 * Options of {@link scheduleBackups}: those of autoBackup (and so of createBackup, without `name`),
 * less `signal` and `onDecision` — `stop()` is how a run is aborted — plus the schedule's own.
 */
export type ScheduleBackupsOptions = Omit<AutoBackupOptions, "signal" | "onDecision"> &
  ScheduleCallbacks & {
    /**
     * A cron pattern: 5 fields (`0 3 * * *`: every day at 03:00), or 6 with seconds first; also
     * `@daily`, `@hourly` and the like. Read by croner.
     */
    schedule: string;
    /** An IANA time zone (`Europe/Berlin`) the pattern's times are in; default the process's local time. */
    timezone?: string;
    /** Each run is an autoBackup: a backup only when the graph changed enough. Default false. */
    auto?: boolean;
  };

/** The reason of a scheduled backup when none is given. */
export function scheduledReason(pattern: string): string {
  return `Scheduled backup (${pattern})`;
}

/**
 * Backs up at the times of `schedule` (with `auto`: only when the graph changed enough), in this
 * process, until `stop()`. Runs never overlap: a time that comes while a backup runs is skipped
 * and reported, and the storage lock keeps other processes' backups apart. A failed run is reported
 * (and, unless `recordFailure: false`, recorded in the index for monitoring); the schedule goes on.
 * A machine that sleeps through scheduled times runs once shortly after it wakes (within 30
 * seconds), not once per missed time. See docs/operations.md.
 *
 * @throws BackupError `INVALID_OPTIONS` — a pattern or time zone that croner does not accept,
 *   missing `driver` or `storage`, options createBackup would refuse.
 */
export function scheduleBackups(options: ScheduleBackupsOptions): BackupSchedule {
  if (!options || typeof options !== "object")
    throw new BackupError("INVALID_OPTIONS", "scheduleBackups needs an options object");
  const { schedule, timezone, auto, onRun, onSuccess, onFailure, onSkip, ...backupOptions } = options;
  const common = { recordFailure: true, ...backupOptions };
  assertCreateOptions({ ...common, reason: common.reason ?? scheduledReason(schedule) });
  if (auto) resolveThresholds(common.thresholds);
  const run = async (signal: AbortSignal): Promise<RunBody> => {
    if (auto) {
      const { decision, backup } = await autoBackup({ ...common, signal });
      return backup ? { outcome: "backed-up", backup, decision } : { outcome: "not-needed", decision };
    }
    const backup = await createBackup({
      ...common,
      reason: common.reason ?? scheduledReason(schedule),
      signal,
    });
    return { outcome: "backed-up", backup };
  };
  return startSchedule({
    pattern: schedule,
    timezone,
    logger: common.logger,
    run,
    onRun,
    onSuccess,
    onFailure,
    onSkip,
  });
}
