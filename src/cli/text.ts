/**
 * Numbers, sizes, durations and ages as people read them. Pure functions.
 */

/** `1245` → `1,245`. */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** `+50`, `-3`, `0`. */
export function formatSigned(n: number): string {
  return n > 0 ? `+${formatCount(n)}` : formatCount(n);
}

/** Bytes in B, kB, MB, GB (powers of 1000, one decimal). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = "B";
  for (const next of units) {
    if (value < 1000) break;
    value /= 1000;
    unit = next;
  }
  return `${value.toFixed(1)} ${unit}`;
}

/** `850 ms`, `2.3 s`, `1 min 5 s`, `2 h 3 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** A clock for ETAs: `0:07`, `12:30`, `1:02:03`. */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** How long ago, in the largest sensible unit: `just now`, `5 minutes ago`, `3 days ago`. */
export function formatAge(ms: number): string {
  if (ms < 0) return "in the future";
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return "just now";
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"} ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return plural(minutes, "minute");
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return plural(hours, "hour");
  return plural(Math.floor(hours / 24), "day");
}

/** An ISO 8601 instant as `2025-01-28 14:30:22 UTC`; other text unchanged. */
export function formatInstant(iso: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  return `${new Date(time).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** A rate per second: `12,345/s`. */
export function formatRate(perSecond: number): string {
  return `${formatCount(Math.round(perSecond))}/s`;
}

/** A percentage with one decimal: `10.0%`. */
export function formatPercent(value: number): string {
  return `${value.toFixed(1)}%`;
}

/** Aligns `label: value` rows (labels padded to the widest). */
export function formatRows(rows: ReadonlyArray<readonly [string, string]>, indent = "  "): string[] {
  const width = Math.max(0, ...rows.map(([label]) => label.length)) + 1;
  return rows.map(([label, value]) => `${indent}${`${label}:`.padEnd(width + 1)}${value}`);
}

/** A table with a header row, columns padded to their widest cell (the last column is not padded). */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** The first letter in upper case (to start a sentence with a phrase). */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A validation problem with its place: `message (line 5, data.nodes[3])` (the place once, even when the message names it). */
export function formatProblem(problem: {
  message: string;
  location: { line?: number | null; path: string };
}): string {
  const { line, path } = problem.location;
  const where = [line ? `line ${line}` : "", path].filter(Boolean).join(", ");
  // damage below the JSON (a compressed or encrypted layer) has no place in it
  if (where === "") return problem.message;
  return problem.message.includes(`(${where})`) ? problem.message : `${problem.message} (${where})`;
}
