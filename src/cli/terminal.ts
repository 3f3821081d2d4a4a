/**
 * What the output stream can show: colours, Unicode and emoji on a capable terminal; plain ASCII
 * text without escape codes when piped or redirected.
 */

/** The parts of a Node write stream that terminal detection reads. */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
  hasColors?: () => boolean;
}

/** What an output stream supports. */
export interface TerminalCapabilities {
  /** The stream is an interactive terminal (progress bars redraw in place). */
  tty: boolean;
  /** ANSI colours may be used. */
  color: boolean;
  /** Unicode symbols (bullets, bar blocks) and emoji may be used. */
  unicode: boolean;
  /** Width in columns (80 when unknown). */
  columns: number;
}

/** Options of {@link detectTerminal}. */
export interface DetectOptions {
  /** `false` when `--no-color` was given. */
  color?: boolean;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

/** True when the locale says the terminal speaks UTF-8 (or the platform's terminals always do). */
export function localeIsUtf8(env: NodeJS.ProcessEnv = process.env, platform = process.platform): boolean {
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || "";
  if (/utf-?8/i.test(locale)) return true;
  // Windows Terminal and VS Code's terminal render UTF-8 without advertising it in a locale
  return platform === "win32" && Boolean(env.WT_SESSION || env.TERM_PROGRAM === "vscode");
}

/**
 * Decides what `stream` can show. Colours need a TTY that has colours and no `NO_COLOR` (any
 * non-empty value), `TERM=dumb` or `--no-color`; Unicode needs a TTY and a UTF-8 locale. Piped
 * output is plain ASCII without escape codes.
 */
export function detectTerminal(stream: OutputStream, options: DetectOptions = {}): TerminalCapabilities {
  const env = options.env ?? process.env;
  const tty = stream.isTTY === true && env.TERM !== "dumb";
  const noColor = options.color === false || (env.NO_COLOR !== undefined && env.NO_COLOR !== "");
  const color = tty && !noColor && (stream.hasColors ? stream.hasColors() : true);
  const unicode = tty && localeIsUtf8(env, options.platform ?? process.platform);
  return { tty, color, unicode, columns: stream.columns && stream.columns > 20 ? stream.columns : 80 };
}

const CODES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
} as const;

/** A text style; the identity when colours are off. */
export type Paint = (text: string) => string;

/** The styles the command uses. */
export type Palette = Record<keyof typeof CODES, Paint>;

/** ANSI styles when `color` is true, plain text otherwise. */
export function palette(color: boolean): Palette {
  const make = ([open, close]: readonly [number, number]): Paint =>
    color ? (text) => `\x1b[${open}m${text}\x1b[${close}m` : (text) => text;
  return {
    bold: make(CODES.bold),
    dim: make(CODES.dim),
    red: make(CODES.red),
    green: make(CODES.green),
    yellow: make(CODES.yellow),
    cyan: make(CODES.cyan),
  };
}

/** Symbols in a Unicode and a plain-ASCII variant; the marks end with a space or are empty. */
export interface Symbols {
  bullet: string;
  /** Before a success. */
  done: string;
  /** Before a failure or difference. */
  fail: string;
  /** Before a warning. */
  warn: string;
  barFull: string;
  barEmpty: string;
  spinner: readonly string[];
}

/** Unicode symbols on a UTF-8 terminal; ASCII (and no marks) otherwise. */
export function symbols(unicode: boolean): Symbols {
  return unicode
    ? {
        bullet: "•",
        done: "✓ ",
        fail: "✗ ",
        warn: "⚠️  ",
        barFull: "█",
        barEmpty: "░",
        spinner: ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"],
      }
    : {
        bullet: "-",
        done: "",
        fail: "",
        warn: "Warning: ",
        barFull: "#",
        barEmpty: "-",
        spinner: ["|", "/", "-", "\\"],
      };
}

/** Removes ANSI escape sequences (to measure or log styled text). */
export function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
}
