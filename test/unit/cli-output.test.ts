/** What the command shows: formatting, terminal capabilities, and the progress display. */
import { describe, expect, it } from "vitest";
import { Progress } from "../../src/cli/progress.js";
import {
  detectTerminal,
  localeIsUtf8,
  type OutputStream,
  palette,
  stripAnsi,
  symbols,
  type TerminalCapabilities,
} from "../../src/cli/terminal.js";
import {
  formatAge,
  formatBytes,
  formatClock,
  formatCount,
  formatDuration,
  formatInstant,
  formatRows,
  formatSigned,
  formatTable,
} from "../../src/cli/text.js";

describe("formatting", () => {
  it("groups thousands and signs changes", () => {
    expect(formatCount(1245)).toBe("1,245");
    expect(formatSigned(50)).toBe("+50");
    expect(formatSigned(-1200)).toBe("-1,200");
    expect(formatSigned(0)).toBe("0");
  });

  it("shows sizes, durations, clocks, ages and instants the way people read them", () => {
    expect([formatBytes(999), formatBytes(195_500), formatBytes(1_200_000)]).toEqual([
      "999 B",
      "195.5 kB",
      "1.2 MB",
    ]);
    expect([formatDuration(850), formatDuration(2300), formatDuration(65_000)]).toEqual([
      "850 ms",
      "2.3 s",
      "1 min 5 s",
    ]);
    expect([formatClock(7000), formatClock(750_000), formatClock(3_723_000)]).toEqual([
      "0:07",
      "12:30",
      "1:02:03",
    ]);
    expect([
      formatAge(5000),
      formatAge(5 * 60_000),
      formatAge(3 * 3_600_000),
      formatAge(3 * 86_400_000),
    ]).toEqual(["just now", "5 minutes ago", "3 hours ago", "3 days ago"]);
    expect(formatInstant("2025-01-28T14:30:22.123Z")).toBe("2025-01-28 14:30:22 UTC");
    expect(formatInstant("not a date")).toBe("not a date");
  });

  it("aligns rows and tables", () => {
    expect(
      formatRows([
        ["Nodes", "1"],
        ["Relationships", "2"],
      ]),
    ).toEqual(["  Nodes:         1", "  Relationships: 2"]);
    expect(
      formatTable(
        ["NAME", "KIND"],
        [
          ["a.json", "backup"],
          ["longer.json", "safety"],
        ],
      ),
    ).toEqual(["NAME         KIND", "a.json       backup", "longer.json  safety"]);
  });
});

describe("terminal capabilities", () => {
  const tty = (hasColors = true): OutputStream => ({
    write: () => true,
    isTTY: true,
    columns: 100,
    hasColors: () => hasColors,
  });
  const utf8 = { LANG: "en_US.UTF-8" };

  it("piped output is plain: no colours, no Unicode", () => {
    expect(detectTerminal({ write: () => true }, { env: utf8 })).toEqual({
      tty: false,
      color: false,
      unicode: false,
      columns: 80,
    });
  });

  it("a UTF-8 terminal with colours gets both; NO_COLOR, --no-color and TERM=dumb take colours away", () => {
    expect(detectTerminal(tty(), { env: utf8 })).toEqual({
      tty: true,
      color: true,
      unicode: true,
      columns: 100,
    });
    expect(detectTerminal(tty(), { env: { ...utf8, NO_COLOR: "1" } }).color).toBe(false);
    expect(detectTerminal(tty(), { env: { ...utf8, NO_COLOR: "" } }).color).toBe(true);
    expect(detectTerminal(tty(), { env: utf8, color: false }).color).toBe(false);
    expect(detectTerminal(tty(false), { env: utf8 }).color).toBe(false);
    expect(detectTerminal(tty(), { env: { ...utf8, TERM: "dumb" } })).toMatchObject({
      tty: false,
      color: false,
    });
  });

  it("Unicode needs a UTF-8 locale", () => {
    expect(localeIsUtf8({ LANG: "C" }, "linux")).toBe(false);
    expect(localeIsUtf8({ LC_ALL: "de_DE.utf8" }, "linux")).toBe(true);
    expect(localeIsUtf8({}, "win32")).toBe(false);
    expect(localeIsUtf8({ WT_SESSION: "x" }, "win32")).toBe(true);
    expect(detectTerminal(tty(), { env: { LANG: "C" } }).unicode).toBe(false);
  });

  it("styles are escape codes only with colour; ASCII symbols carry no marks", () => {
    expect(palette(true).red("x")).toBe("\x1b[31mx\x1b[39m");
    expect(palette(false).red("x")).toBe("x");
    expect(stripAnsi(palette(true).bold(palette(true).green("ok")))).toBe("ok");
    expect(symbols(false)).toMatchObject({ bullet: "-", done: "", fail: "" });
    expect(symbols(true)).toMatchObject({ bullet: "•", done: "✓ " });
  });
});

/** A progress display writing into an array, with a clock the test moves. */
function display(terminal: Partial<TerminalCapabilities>, color = false) {
  const written: string[] = [];
  let now = 0;
  const caps: TerminalCapabilities = { tty: false, color, unicode: false, columns: 120, ...terminal };
  const progress = new Progress({
    stream: { write: (text: string) => written.push(text) },
    terminal: caps,
    paint: palette(color),
    symbols: symbols(caps.unicode),
    enabled: true,
    intervalMs: 5000,
    redrawMs: 60_000,
    now: () => now,
  });
  return {
    progress,
    written,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("progress display", () => {
  it("on a terminal: a bar with counts, rate and ETA, redrawn in place; finished phases stay", () => {
    const { progress, written, advance } = display({ tty: true, unicode: true });
    progress.start("Writing nodes", 1000, "nodes");
    advance(2000);
    progress.update(250);
    expect(progress.render()).toMatch(
      /^\S Writing nodes \[█{6}░{18}\] {2}25% 250\/1,000 nodes 125\/s ETA 0:06$/,
    );
    progress.start("Writing relationships", 10, "relationships");
    progress.end();
    const text = written.join("");
    expect(text.startsWith("\r")).toBe(true);
    expect(text).toContain("\x1b[K");
    expect(stripAnsi(text)).toContain("✓ Writing nodes: 250 nodes in 2.0 s, 125/s\n");
    expect(stripAnsi(text)).toContain("✓ Writing relationships in 0 ms\n");
  });

  it("without a total: a spinner, the count and the elapsed time", () => {
    const { progress, advance } = display({ tty: true, unicode: false });
    progress.start("Validating the file");
    advance(1500);
    expect(progress.render()).toMatch(/^[|/\\-] Validating the file 1.5 s$/);
    progress.abandon();
  });

  it("piped: a line when a phase starts and at most every interval, no escape codes", () => {
    const { progress, written, advance } = display({ tty: false });
    progress.start("Reading nodes", 100, "nodes");
    advance(1000);
    progress.update(10);
    advance(5000);
    progress.update(60);
    advance(100);
    progress.update(70);
    progress.start("Writing the file");
    progress.end();
    expect(written).toEqual([
      "Reading nodes (100 nodes)...\n",
      "Reading nodes: 60/100 nodes (60%), 10/s, ETA 0:04, 6.0 s elapsed\n",
      "Writing the file...\n",
    ]);
    expect(written.join("")).not.toMatch(/\x1b/);
  });

  it("disabled: writes nothing", () => {
    const written: string[] = [];
    const progress = new Progress({
      stream: { write: (t: string) => written.push(t) },
      terminal: { tty: true, color: true, unicode: true, columns: 80 },
      paint: palette(true),
      symbols: symbols(true),
      enabled: false,
    });
    progress.start("Writing nodes", 10, "nodes");
    progress.update(5);
    progress.note("hello");
    progress.end();
    expect(written).toEqual([]);
  });
});
