/**
 * The snapshot report's chart as a self-contained SVG, built as plain text: for each size and
 * change model, what the storage holds after each day, in full zstd backups — the snapshots, restic's
 * repository, and a full backup a day — with the goal (1.6× after 30 days) as a line.
 */
import { sizeLabel } from "./common.js";
import { fullBytesOn, type ModelResult, type SnapshotBenchResult } from "./snapshot-results.js";

const PANEL_W = 320;
const PANEL_H = 230;
const MARGIN = { left: 48, right: 12, top: 46, bottom: 40 };
const GOAL = 1.6;

const SERIES = [
  { key: "full", label: "a full zstd backup a day", colour: "#8c8c8c", dash: "2 3" },
  { key: "restic", label: "restic (its repository)", colour: "#e8871e", dash: "6 3" },
  { key: "ours", label: "snapshots (manifests and chunks)", colour: "#1f6feb", dash: "" },
] as const;

const esc = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
const text = (x: number, y: number, s: string, attrs = "") =>
  `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${esc(s)}</text>`;

/** Each day's storage of one model, in full zstd backups of that day. */
function curves(m: ModelResult): Record<(typeof SERIES)[number]["key"], number[]> {
  return {
    ours: m.days.map((d) => d.snapshotStoreBytes / fullBytesOn(m, d.day)),
    restic: m.days.map((d) => d.restic.repositoryBytes / fullBytesOn(m, d.day)),
    full: m.days.map((d) => d.day),
  };
}

/** A step of 1, 2 or 5 × 10^k giving about five ticks up to `hi`. */
function tickStep(hi: number): number {
  const raw = hi / 5;
  const e = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((k) => k * e).find((s) => s >= raw) ?? raw;
}

function panel(x0: number, y0: number, title: string, m: ModelResult): string {
  const c = curves(m);
  const days = m.days.length;
  const hi = Math.max(...c.full, ...c.restic, ...c.ours, GOAL) * 1.05;
  const w = PANEL_W - MARGIN.left - MARGIN.right;
  const h = PANEL_H - MARGIN.top - MARGIN.bottom;
  const px = (day: number) => x0 + MARGIN.left + ((day - 1) / Math.max(1, days - 1)) * w;
  const py = (v: number) => y0 + MARGIN.top + h - (v / hi) * h;
  const out: string[] = [text(x0 + MARGIN.left, y0 + 18, title, 'font-size="13" font-weight="bold"')];
  const step = tickStep(hi);
  for (let t = 0; t <= hi; t += step) {
    out.push(
      `<line x1="${px(1).toFixed(1)}" x2="${px(days).toFixed(1)}" y1="${py(t).toFixed(1)}" y2="${py(t).toFixed(1)}" stroke="#e5e5e5"/>`,
      text(px(1) - 6, py(t) + 4, `${t.toLocaleString("en-US")}×`, 'text-anchor="end" fill="#555"'),
    );
  }
  for (const day of [1, ...Array.from({ length: Math.floor(days / 5) }, (_, i) => (i + 1) * 5)].filter(
    (d) => d <= days,
  ))
    out.push(text(px(day), y0 + MARGIN.top + h + 16, String(day), 'text-anchor="middle" fill="#555"'));
  out.push(text(px((days + 1) / 2), y0 + PANEL_H - 6, "day", 'text-anchor="middle" fill="#555"'));
  // the goal: 1.6 full backups after 30 days
  out.push(
    `<line x1="${px(1).toFixed(1)}" x2="${px(days).toFixed(1)}" y1="${py(GOAL).toFixed(1)}" y2="${py(GOAL).toFixed(1)}" stroke="#2da44e" stroke-dasharray="4 3"/>`,
    text(px(1) + 4, py(GOAL) - 4, `goal ${GOAL}×`, 'fill="#2da44e"'),
  );
  // the last day's values, kept 12 px apart so that close ones stay readable
  const taken: number[] = [];
  for (const s of SERIES) {
    const points = c[s.key].map((v, i) => `${px(i + 1).toFixed(1)},${py(v).toFixed(1)}`).join(" ");
    out.push(
      `<polyline points="${points}" fill="none" stroke="${s.colour}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""}/>`,
    );
    const last = c[s.key][c[s.key].length - 1]!;
    let y = py(last) - 5;
    while (taken.some((t) => Math.abs(t - y) < 12)) y += 12;
    taken.push(y);
    out.push(text(px(days) - 2, y, `${last.toFixed(1)}×`, `text-anchor="end" fill="${s.colour}"`));
  }
  return out.join("\n");
}

/** The chart of a run: one panel per size and model, side by side, and the legend. */
export function renderSnapshotChart(result: SnapshotBenchResult): string {
  const panels = result.sizes.flatMap((s) =>
    s.models.map((m) => ({ title: `${sizeLabel(s.size)}, ${m.model}`, m })),
  );
  const perRow = Math.min(3, panels.length);
  const rows = Math.ceil(panels.length / perRow);
  const width = Math.max(perRow * PANEL_W + 20, 780);
  const height = rows * PANEL_H + 60;
  const body = panels.map((p, i) =>
    panel(10 + (i % perRow) * PANEL_W, Math.floor(i / perRow) * PANEL_H, p.title, p.m),
  );
  const spacing = (width - 20) / SERIES.length;
  const legend = SERIES.map((s, i) => {
    const x = 20 + i * spacing;
    const y = rows * PANEL_H + 30;
    return [
      `<line x1="${x}" x2="${x + 28}" y1="${y - 4}" y2="${y - 4}" stroke="${s.colour}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""}/>`,
      text(x + 34, y, s.label, 'fill="#333"'),
    ].join("\n");
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="11">`,
    `<title>Storage after each day of snapshots, restic and full backups, in full zstd backups</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...body,
    ...legend,
    text(
      20,
      rows * PANEL_H + 50,
      `storage after each day, in full zstd backups of that day · ${result.started.slice(0, 10)}`,
      'fill="#777"',
    ),
    "</svg>",
    "",
  ].join("\n");
}
