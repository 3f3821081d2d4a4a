/**
 * `promtool test rules` over real expositions: the samples of a scrape become input series that
 * hold their values for the whole test, with Unix times moved so that the scrape happens at
 * {@link SCRAPED_AT} on the test's clock (promtool's clock starts at the epoch).
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { parseExposition } from "../../scripts/prometheus/parser.mjs";

/** When a scrape happens on promtool's clock: day 7, so that times before it stay positive. */
export const SCRAPED_AT = 7 * 86400;

/** One `input_series` entry of a promtool test. */
export interface InputSeries {
  series: string;
  values: string;
}

/** A promtool value as the test syntax spells it. */
function promValue(value: number | string): string {
  if (value === "nan" || (typeof value === "number" && Number.isNaN(value))) return "NaN";
  if (value === "inf") return "Inf";
  if (value === "-inf") return "-Inf";
  return String(value);
}

/**
 * The samples of `text` (an exposition scraped at `scrapedAt`) as input series holding their value
 * for `points` intervals (use 1-minute intervals: an instant query looks back 5 minutes); `…_timestamp_seconds` values other than 0 ("none") are moved so that the
 * scrape is at {@link SCRAPED_AT}: "an hour before the scrape" is day 7 minus 3,600 s.
 */
export function seriesOf(text: string, scrapedAt: Date, points: number): InputSeries[] {
  const shift = scrapedAt.getTime() / 1000 - SCRAPED_AT;
  return parseExposition(text).flatMap((family) =>
    family.samples.map((sample) => {
      const labels = Object.entries(sample.labels)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(",");
      const moved =
        sample.name.endsWith("_timestamp_seconds") && typeof sample.value === "number" && sample.value !== 0
          ? sample.value - shift
          : sample.value;
      return {
        series: `${sample.name}{${labels}}`,
        // `axn`: a, n more times (the syntax takes numbers only: NaN and Inf are spelled out)
        values:
          typeof moved === "number" && Number.isFinite(moved)
            ? `${moved}x${points}`
            : Array.from({ length: points + 1 }, () => promValue(moved)).join(" "),
      };
    }),
  );
}

/** What one promtool alert test expects at one time. */
export interface AlertExpectation {
  eval_time: string;
  alertname: string;
  exp_alerts: { exp_labels: Record<string, string>; exp_annotations?: Record<string, string> }[];
}

/** Runs `promtool test rules` for `rulesFile`; resolves with its exit code and output. */
export async function promtoolTest(
  rulesFile: string,
  tests: { interval: string; input_series: InputSeries[]; alert_rule_test: AlertExpectation[] }[],
): Promise<{ code: number | null; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), "neo4j-backup-promtool-"));
  try {
    const file = join(dir, "test.yml");
    await writeFile(file, stringify({ rule_files: [rulesFile], evaluation_interval: "1m", tests }));
    const run = spawnSync("promtool", ["test", "rules", file], { encoding: "utf8" });
    if (run.error)
      throw new Error(`promtool could not be run (apt-get install prometheus): ${run.error.message}`);
    return { code: run.status, output: run.stdout + run.stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
