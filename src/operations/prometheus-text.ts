/**
 * The Prometheus text exposition format, version 0.0.4: `# HELP` and `# TYPE` lines, then one
 * line per sample, with label values escaped. Pure.
 */
import { BackupError } from "../errors.js";

/** The content type of the text this module writes. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** One sample of a metric: its labels and value. */
export interface MetricSample {
  labels?: Readonly<Record<string, string>>;
  value: number;
}

/** A metric and its samples, as written together. */
export interface MetricFamily {
  /** `[a-zA-Z_:][a-zA-Z0-9_:]*`; a counter's ends in `_total`. */
  name: string;
  /** One line of text. */
  help: string;
  type: "gauge" | "counter";
  samples: MetricSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** `\` and newlines escaped, as HELP text needs. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** `\`, `"` and newlines escaped, as label values need. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** A sample value as the format spells it: `NaN`, `+Inf`, `-Inf`, or the number. */
export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return "";
  for (const [name] of entries) {
    if (!LABEL_NAME.test(name) || name.startsWith("__")) {
      throw new BackupError("INVALID_OPTIONS", `${JSON.stringify(name)} is not a Prometheus label name`);
    }
  }
  return `{${entries.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(",")}}`;
}

/** The families as exposition text; families without samples are left out. */
export function renderExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    if (!METRIC_NAME.test(family.name)) {
      throw new BackupError(
        "INVALID_OPTIONS",
        `${JSON.stringify(family.name)} is not a Prometheus metric name`,
      );
    }
    if (family.samples.length === 0) continue;
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      lines.push(`${family.name}${formatLabels(sample.labels)} ${formatSampleValue(sample.value)}`);
    }
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
