/**
 * Retention policies with the semantics of restic's `forget`, in UTC. Pure: no storage, no clock.
 *
 * The backups of a group are walked newest first. Each counted rule (`keepLast`, `keepHourly`, …)
 * keeps a backup when the backup's bucket (its hour, day, ISO week, month or year; every backup is
 * its own bucket for `keepLast`) differs from the bucket of the last backup that rule kept, until
 * the rule's count is used up: so `keepDaily: 7` keeps the newest backup of each of the 7 newest
 * days that have one. When a rule still has counts left at the oldest backup, that backup is kept
 * too ("oldest daily", as restic ≥ 0.17 does): the history reaches as far back as it can.
 * `keepWithin` keeps every backup newer than the duration before the group's newest backup. A
 * backup is kept when any rule keeps it, and the reasons name every rule that did. The newest
 * backup is always kept.
 */
import { BackupError } from "../errors.js";

/**
 * A retention policy: how many backups to keep per hour, day, ISO week, month and year (UTC), the
 * newest few regardless of time, and everything within a duration of the newest. Each count is a
 * whole number ≥ 0 (0 or absent: the rule is not used), or -1 / `Infinity` for unlimited.
 */
export interface RetentionPolicy {
  /** Keep the newest n backups. */
  keepLast?: number;
  /** Keep the newest backup of each of the newest n hours (UTC) that have one. */
  keepHourly?: number;
  /** Keep the newest backup of each of the newest n days (UTC) that have one. */
  keepDaily?: number;
  /** Keep the newest backup of each of the newest n ISO 8601 weeks (Monday to Sunday, UTC) that have one. */
  keepWeekly?: number;
  /** Keep the newest backup of each of the newest n months (UTC) that have one. */
  keepMonthly?: number;
  /** Keep the newest backup of each of the newest n years (UTC) that have one. */
  keepYearly?: number;
  /**
   * Keep every backup newer than this duration before the group's newest backup: numbers followed
   * by `y` (years), `m` (months), `d` (days), `h` (hours), like `30d`, `12h` or `2y5m`.
   */
  keepWithin?: string;
}

/** The counted rules of a policy, in the order restic applies (and names) them. */
export const COUNTED_RULES = [
  "keepLast",
  "keepHourly",
  "keepDaily",
  "keepWeekly",
  "keepMonthly",
  "keepYearly",
] as const;

/** One of the counted rules. */
export type CountedRule = (typeof COUNTED_RULES)[number];

/** The word a rule's reasons use: `keepDaily` keeps a backup as its day's `daily` backup. */
const RULE_WORD: Record<CountedRule, string> = {
  keepLast: "last",
  keepHourly: "hourly",
  keepDaily: "daily",
  keepWeekly: "weekly",
  keepMonthly: "monthly",
  keepYearly: "yearly",
};

/** A duration of `keepWithin`, in calendar units. */
export interface CalendarDuration {
  years: number;
  months: number;
  days: number;
  hours: number;
}

/**
 * Parses a `keepWithin` duration (`30d`, `12h`, `2y5m`, `1y2m3d4h`): numbers each followed by
 * `y`, `m`, `d` or `h`, at least one of them not zero.
 * @throws BackupError `INVALID_OPTIONS`
 */
export function parseCalendarDuration(text: string, what = "keepWithin"): CalendarDuration {
  const invalid = () =>
    new BackupError(
      "INVALID_OPTIONS",
      `${what} must be a duration like 30d, 12h or 2y5m (numbers followed by y, m, d or h), not ${JSON.stringify(text)}`,
    );
  if (typeof text !== "string" || !/^(\d+[ymdh])+$/.test(text.trim())) throw invalid();
  const out: CalendarDuration = { years: 0, months: 0, days: 0, hours: 0 };
  const unit = { y: "years", m: "months", d: "days", h: "hours" } as const;
  for (const [, n, u] of text.trim().matchAll(/(\d+)([ymdh])/g))
    out[unit[u as keyof typeof unit]] += Number(n);
  if (out.years + out.months + out.days + out.hours === 0) throw invalid();
  return out;
}

/**
 * Checks a policy: every count a whole number ≥ 0, -1 or Infinity; `keepWithin` a duration; and at
 * least one rule in use. `names` maps a field to what the caller calls it (a CLI flag) for messages.
 * @throws BackupError `INVALID_OPTIONS`
 */
export function assertPolicy(
  policy: RetentionPolicy,
  names: Partial<Record<keyof RetentionPolicy, string>> = {},
): void {
  if (!policy || typeof policy !== "object")
    throw new BackupError("INVALID_OPTIONS", "a retention policy must be an object");
  const known = new Set<string>([...COUNTED_RULES, "keepWithin"]);
  for (const key of Object.keys(policy)) {
    if (!known.has(key)) throw new BackupError("INVALID_OPTIONS", `unknown retention rule ${key}`);
  }
  let used = false;
  for (const rule of COUNTED_RULES) {
    const n = policy[rule];
    if (n === undefined) continue;
    if (!(n === -1 || n === Number.POSITIVE_INFINITY || (Number.isInteger(n) && n >= 0))) {
      throw new BackupError(
        "INVALID_OPTIONS",
        `${names[rule] ?? rule} must be a whole number of at least 0, or -1 (or Infinity) for unlimited, not ${n}`,
      );
    }
    if (n !== 0) used = true;
  }
  if (policy.keepWithin !== undefined) {
    parseCalendarDuration(policy.keepWithin, names.keepWithin ?? "keepWithin");
    used = true;
  }
  if (!used) {
    throw new BackupError(
      "INVALID_OPTIONS",
      "a retention policy needs at least one rule that keeps something (keepLast, keepDaily, … or keepWithin)",
    );
  }
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** The ISO 8601 week of a date in UTC: `2025-W01` for 2024-12-30. */
export function isoWeek(date: Date): string {
  // the Thursday of the date's week decides the week's year (ISO 8601)
  const day = date.getUTCDay() || 7;
  const thursday = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 4 - day));
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 / 7) + 1;
  return `${year}-W${pad(week)}`;
}

/** The bucket of a date under a rule, in UTC (`keepLast`: every backup its own). */
function bucketOf(rule: CountedRule, date: Date, index: number): string {
  const y = pad(date.getUTCFullYear(), 4);
  const m = pad(date.getUTCMonth() + 1);
  const d = pad(date.getUTCDate());
  switch (rule) {
    case "keepLast":
      return `#${index}`;
    case "keepHourly":
      return `${y}-${m}-${d} ${pad(date.getUTCHours())}`;
    case "keepDaily":
      return `${y}-${m}-${d}`;
    case "keepWeekly":
      return isoWeek(date);
    case "keepMonthly":
      return `${y}-${m}`;
    case "keepYearly":
      return y;
  }
}

/** A backup as a policy sees it: a time. */
export interface Dated {
  date: Date;
}

/** What a policy decides for one backup. */
export interface PolicyDecision<T extends Dated> {
  item: T;
  /** Whether the backup is kept. */
  keep: boolean;
  /**
   * Why it is kept, restic's way: `last`, `hourly`, `daily`, `weekly`, `monthly`, `yearly` (with
   * `oldest ` before it when the rule kept the oldest backup because counts were left), `within 30d`,
   * and `newest` when only the rule that the newest backup stays kept it. Empty when removed.
   */
  reasons: string[];
}

/**
 * Applies `policy` to the backups of one group. Returns a decision for every backup, newest first
 * (sorted by `date`, the order of `items` kept between equal dates). Pure.
 * @throws BackupError `INVALID_OPTIONS` when the policy is not valid
 */
export function applyPolicy<T extends Dated>(
  items: readonly T[],
  policy: RetentionPolicy,
): PolicyDecision<T>[] {
  assertPolicy(policy);
  const list = items
    .map((item, i) => ({ item, i }))
    .sort((a, b) => b.item.date.getTime() - a.item.date.getTime() || a.i - b.i)
    .map(({ item }) => item);
  if (list.length === 0) return [];
  const rules = COUNTED_RULES.filter((r) => (policy[r] ?? 0) !== 0).map((rule) => ({
    rule,
    left: policy[rule] === -1 ? Number.POSITIVE_INFINITY : policy[rule]!,
    last: undefined as string | undefined,
  }));
  const within = policy.keepWithin === undefined ? undefined : parseCalendarDuration(policy.keepWithin);
  const newest = list[0]!.date;
  const since = within
    ? Date.UTC(
        newest.getUTCFullYear() - within.years,
        newest.getUTCMonth() - within.months,
        newest.getUTCDate() - within.days,
        newest.getUTCHours() - within.hours,
        newest.getUTCMinutes(),
        newest.getUTCSeconds(),
        newest.getUTCMilliseconds(),
      )
    : undefined;
  return list.map((item, index) => {
    const reasons: string[] = [];
    if (since !== undefined && item.date.getTime() > since) reasons.push(`within ${policy.keepWithin}`);
    const oldest = index === list.length - 1;
    for (const r of rules) {
      if (r.left <= 0) continue;
      const bucket = bucketOf(r.rule, item.date, index);
      if (bucket === r.last && !oldest) continue;
      reasons.push(bucket === r.last ? `oldest ${RULE_WORD[r.rule]}` : RULE_WORD[r.rule]);
      r.last = bucket;
      r.left--;
    }
    // a guard: every valid rule keeps the newest backup already
    if (index === 0 && reasons.length === 0) reasons.push("newest");
    return { item, keep: reasons.length > 0, reasons };
  });
}
