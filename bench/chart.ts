/**
 * The report's chart as a self-contained SVG, built as plain text: time relative to each side's
 * baseline (log scale) for backups and restores, and the client's peak RSS.
 */
import { sizeLabel } from "./common.js";
import {
  type BenchResult,
  type Family,
  METHOD_INFO,
  METHODS,
  type MethodId,
  ratio,
  type SizeResult,
  summarise,
} from "./results.js";

const COLOURS: Record<Family, string> = {
  baseline: "#8c8c8c",
  library: "#1f6feb",
  apoc: "#e8871e",
  python: "#2da44e",
};

const WIDTH = 980;
const LABEL_X = 16;
const BAR_X0 = 330;
const BAR_X1 = 850;
const ROW = 17;
const BAR = 12;

interface Row {
  label: string;
  value: number;
  /** The value is only a lower bound (a run hit its time limit). */
  lowerBound: boolean;
  family: Family;
  text: string;
}

interface Group {
  title: string;
  rows: Row[];
}

const esc = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

function text(x: number, y: number, s: string, attrs = ""): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${esc(s)}</text>`;
}

/** Ticks 1, 2, 5 × 10^k inside [lo, hi]. */
function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++)
    for (const m of [1, 2, 5]) {
      const t = m * 10 ** e;
      if (t >= lo * 0.999 && t <= hi * 1.001) ticks.push(t);
    }
  return ticks;
}

/** The largest 1, 2 or 5 × 10^k at or below x. */
function niceFloor(x: number): number {
  const e = 10 ** Math.floor(Math.log10(x));
  return [5, 2, 1].map((m) => m * e).find((t) => t <= x) ?? e;
}

const tickLabel = (t: number, unit: string) =>
  `${t >= 1 ? t.toLocaleString("en-US") : t.toPrecision(1)}${unit}`;

/** One panel: a title, an axis with ticks and reference lines, and one bar per row in groups. */
function panel(
  top: number,
  title: string,
  groups: Group[],
  scale: "log" | "linear",
  references: { value: number; label: string }[],
  unit: string,
): { svg: string; height: number } {
  const values = groups.flatMap((g) => g.rows.map((r) => r.value)).filter((v) => v > 0);
  const refValues = references.map((r) => r.value);
  let x: (v: number) => number;
  let ticks: number[];
  let lo: number;
  if (scale === "log") {
    lo = niceFloor(Math.min(...values, ...refValues) / 1.05);
    const hi = 10 ** Math.ceil(Math.log10(Math.max(...values, ...refValues) * 1.05));
    const span = Math.log10(hi) - Math.log10(lo);
    x = (v) => BAR_X0 + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / span) * (BAR_X1 - BAR_X0);
    ticks = logTicks(lo, hi);
  } else {
    lo = 0;
    const step = 50;
    const hi = Math.ceil((Math.max(...values, ...refValues) * 1.05) / step) * step;
    x = (v) => BAR_X0 + (v / hi) * (BAR_X1 - BAR_X0);
    ticks = [];
    for (let t = 0; t <= hi; t += hi > 400 ? 100 : step) ticks.push(t);
  }
  const out: string[] = [];
  out.push(text(LABEL_X, top + 16, title, 'font-size="14" font-weight="bold"'));
  const axisY = top + 42;
  let y = axisY + 8;
  const bodyStart = y;
  for (const g of groups) {
    out.push(text(LABEL_X, y + 12, g.title, 'font-weight="bold" fill="#333"'));
    y += ROW;
    for (const r of g.rows) {
      const w = Math.max(1, x(r.value) - BAR_X0);
      const fill = COLOURS[r.family];
      out.push(text(LABEL_X + 12, y + 10, r.label, 'fill="#333"'));
      out.push(
        `<rect x="${BAR_X0}" y="${(y + (ROW - BAR) / 2 - 2).toFixed(1)}" width="${w.toFixed(1)}" height="${BAR}" fill="${fill}"${
          r.lowerBound ? ` fill-opacity="0.35" stroke="${fill}" stroke-dasharray="4 2"` : ""
        }/>`,
      );
      // a white halo keeps the value readable across grid and reference lines
      out.push(
        text(
          BAR_X0 + w + 6,
          y + 10,
          r.text,
          'fill="#333" stroke="#fff" stroke-width="3" paint-order="stroke"',
        ),
      );
      y += ROW;
    }
    y += 6;
  }
  const bodyEnd = y;
  // grid lines under the bars, reference lines over them
  const grid = [
    `<line x1="${BAR_X0}" y1="${axisY}" x2="${BAR_X1}" y2="${axisY}" stroke="#999"/>`,
    ...ticks.map(
      (t) =>
        `<line x1="${x(t).toFixed(1)}" y1="${axisY - 3}" x2="${x(t).toFixed(1)}" y2="${bodyEnd}" stroke="#e5e5e5"/>` +
        text(x(t), axisY - 6, tickLabel(t, unit), 'text-anchor="middle" font-size="10" fill="#666"'),
    ),
  ];
  const overlay = references.map(
    (r) =>
      `<line x1="${x(r.value).toFixed(1)}" y1="${bodyStart}" x2="${x(r.value).toFixed(1)}" y2="${bodyEnd}" stroke="#d1242f" stroke-dasharray="5 3"/>` +
      text(x(r.value) + 3, bodyEnd - 2, r.label, 'font-size="10" fill="#d1242f"'),
  );
  return { svg: [...grid, ...out, ...overlay].join("\n"), height: bodyEnd - top + 10 };
}

function sizeTitle(s: SizeResult): string {
  return `${sizeLabel(s.size)} nodes (${s.nodes.toLocaleString("en-US")} nodes, ${s.relationships.toLocaleString("en-US")} relationships)`;
}

function ratioGroups(result: BenchResult, methods: MethodId[], baseline: MethodId): Group[] {
  return result.sizes.map((s) => ({
    title: sizeTitle(s),
    rows: methods.flatMap((m): Row[] => {
      const r = ratio(summarise(s.measurements[m]), summarise(s.measurements[baseline]));
      if (!r) return [];
      const info = METHOD_INFO[m];
      const bound = r.bound === ">" ? "> " : r.bound === "<" ? "< " : "";
      const note = r.bound === ">" ? " (timed out)" : "";
      return [
        {
          label: info.label,
          value: r.value,
          lowerBound: r.bound === ">",
          family: info.family,
          text: `${bound}${r.value < 10 ? r.value.toFixed(2) : r.value.toFixed(0)}×${note}`,
        },
      ];
    }),
  }));
}

function rssGroups(result: BenchResult): Group[] {
  return result.sizes.map((s) => ({
    title: sizeTitle(s),
    rows: METHODS.flatMap((m): Row[] => {
      const sum = summarise(s.measurements[m]);
      if (!sum || !Number.isFinite(sum.peakRssMb)) return [];
      const info = METHOD_INFO[m];
      return [
        {
          label: info.label,
          value: sum.peakRssMb,
          lowerBound: false,
          family: info.family,
          text: `${sum.peakRssMb.toFixed(0)} MB`,
        },
      ];
    }),
  }));
}

/** Renders the chart of a harness run as an SVG document. */
export function renderChart(result: BenchResult): string {
  const parts: string[] = [];
  let top = 52;
  const backup = panel(
    top,
    "Backup: median time ÷ raw driver drain (log scale, lower is better)",
    ratioGroups(result, ["drain", "backup", "backup-threads", "apoc-export", "python-backup"], "drain"),
    "log",
    [{ value: 1.15, label: "goal 1.15×" }],
    "×",
  );
  parts.push(backup.svg);
  top += backup.height + 16;
  const restore = panel(
    top,
    "Restore: median time ÷ plain UNWIND … CREATE (log scale, lower is better)",
    ratioGroups(
      result,
      ["plain", "restore", "restore-threads", "apoc-import", "apoc-restore", "python-restore"],
      "plain",
    ),
    "log",
    [{ value: 1.3, label: "goal 1.3×" }],
    "×",
  );
  parts.push(restore.svg);
  top += restore.height + 16;
  const rss = panel(
    top,
    "Client peak RSS, median (MB)",
    rssGroups(result),
    "linear",
    [{ value: 250, label: "goal < 250 MB" }],
    "",
  );
  parts.push(rss.svg);
  top += rss.height + 10;
  const legend = (["baseline", "library", "apoc", "python"] as const).map((f, i) => {
    const lx = LABEL_X + i * 190;
    const name = {
      baseline: "baseline",
      library: "this library",
      apoc: "APOC",
      python: "Python neo4j-backup",
    }[f];
    return `<rect x="${lx}" y="30" width="12" height="12" fill="${COLOURS[f]}"/>${text(lx + 18, 40, name)}`;
  });
  const date = result.started.slice(0, 10);
  const header = text(
    LABEL_X,
    20,
    `neo4j-backup benchmark, ${date}: ${result.runs} run${result.runs === 1 ? "" : "s"} per measurement, Neo4j ${result.machine.neo4j}, ${result.machine.cpus} CPUs`,
    'font-size="15" font-weight="bold"',
  );
  const footer = text(
    LABEL_X,
    top + 8,
    "Dashed bars: the run was stopped at its time limit, so the true value is larger.",
    'font-size="11" fill="#666"',
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${top + 20}" viewBox="0 0 ${WIDTH} ${top + 20}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<title>neo4j-backup benchmark: backup and restore time relative to their baselines, and client peak RSS</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    header,
    ...legend,
    ...parts,
    footer,
    "</svg>",
    "",
  ].join("\n");
}
