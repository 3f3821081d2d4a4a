/**
 * The run of one command: where output goes and how it looks, secrets to keep out of it, the
 * progress display, Ctrl-C, and clean-up. Human text goes to stdout, progress and prompts to
 * stderr; with `--json`, stdout carries exactly one JSON document and errors are JSON on stderr.
 */
import type { Logger } from "../index.js";
import { CliError, describeError, type ErrorContext, type ErrorReport } from "./errors.js";
import { EXIT, type ExitCode } from "./exit-codes.js";
import { Progress } from "./progress.js";
import type { PromptInput } from "./prompt.js";
import {
  detectTerminal,
  type OutputStream,
  type Palette,
  palette,
  type Symbols,
  symbols,
  type TerminalCapabilities,
} from "./terminal.js";

/** The storage options every command accepts. */
export interface StorageChoice {
  /** `--storage`: a folder, or `s3://bucket/prefix`. */
  location?: string;
  s3Endpoint?: string;
  s3Region?: string;
  s3ForcePathStyle?: boolean;
  /** `--s3-max-attempts`: attempts per S3 request, retries included. */
  s3MaxAttempts?: number;
}

/** Options every command accepts. */
export interface GlobalOptions {
  /** The backup folder. */
  dir: string;
  /** `--storage` and the S3 options (`--storage` wins over `--dir`). */
  storage?: StorageChoice;
  json?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  /** False with `--no-color`. */
  color?: boolean;
}

/** The process streams and environment a command runs with (replaceable in tests). */
export interface CliIO {
  stdout: OutputStream;
  stderr: OutputStream;
  stdin: PromptInput;
  env: NodeJS.ProcessEnv;
}

/** Everything a command needs from its surroundings. */
export class CliContext {
  readonly stdoutTerm: TerminalCapabilities;
  readonly stderrTerm: TerminalCapabilities;
  /** Styles and symbols for stdout. */
  readonly paint: Palette;
  readonly sym: Symbols;
  /** Styles and symbols for stderr. */
  readonly errPaint: Palette;
  readonly errSym: Symbols;
  /** Fires on the first Ctrl-C; operations stop (a replace restore puts the old contents back). */
  readonly signal: AbortSignal;
  /** What connection errors are worded with; filled in by the connection. */
  readonly errorContext: ErrorContext = {};
  private readonly controller = new AbortController();
  private readonly secrets = new Set<string>();
  private readonly cleanups: (() => Promise<void> | void)[] = [];
  private progressDisplay: Progress | undefined;

  constructor(
    readonly options: GlobalOptions,
    readonly io: CliIO,
  ) {
    const detect = { color: options.color, env: io.env };
    this.stdoutTerm = detectTerminal(io.stdout, detect);
    this.stderrTerm = detectTerminal(io.stderr, detect);
    this.paint = palette(this.stdoutTerm.color);
    this.sym = symbols(this.stdoutTerm.unicode);
    this.errPaint = palette(this.stderrTerm.color);
    this.errSym = symbols(this.stderrTerm.unicode);
    this.signal = this.controller.signal;
    const fromEnv = io.env.NEO4J_PASSWORD;
    if (fromEnv) this.addSecret(fromEnv);
    const passphrase = io.env.NEO4J_BACKUP_PASSPHRASE;
    if (passphrase) this.addSecret(passphrase);
  }

  /** True with `--json`. */
  get json(): boolean {
    return this.options.json === true;
  }

  /** Keeps `value` out of every line this command writes. */
  addSecret(value: string): void {
    if (value.length >= 3) this.secrets.add(value);
  }

  /** `text` with every secret replaced by `***`. */
  scrub(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join("***");
    return out;
  }

  /** Writes human-readable lines to stdout (nothing with `--json` or `--quiet`). */
  print(...lines: string[]): void {
    if (this.json || this.options.quiet) return;
    this.progressDisplay?.end();
    this.io.stdout.write(this.scrub(`${lines.join("\n")}\n`));
  }

  /** Writes the one JSON document of `--json` to stdout. */
  result(value: unknown): void {
    if (!this.json) return;
    this.progressDisplay?.end();
    this.io.stdout.write(this.scrub(`${JSON.stringify(value, null, 2)}\n`));
  }

  /** Writes a line to stderr (a note or warning; not with `--json`, whose stderr carries only errors). */
  note(text: string): void {
    if (this.json) return;
    if (this.progressDisplay) this.progressDisplay.note(this.scrub(text));
    else this.io.stderr.write(this.scrub(`${text}\n`));
  }

  /**
   * The progress display (on stderr): bars on a terminal, plain lines when piped; silent with
   * `--quiet`, and with `--json` unless stderr is a terminal.
   */
  progress(): Progress {
    this.progressDisplay ??= new Progress({
      stream: { write: (text: string) => this.io.stderr.write(this.scrub(text)) },
      terminal: this.stderrTerm,
      paint: this.errPaint,
      symbols: this.errSym,
      enabled: !this.options.quiet && (this.stderrTerm.tty || !this.json),
    });
    return this.progressDisplay;
  }

  /**
   * The library's log on stderr: everything with `--verbose`; otherwise warnings, errors, and a note
   * when the operation waits for another process's lock on the backup folder.
   */
  logger(): Logger {
    const verbose = this.options.verbose === true;
    const line =
      (level: string, shown: boolean) =>
      (obj: object, msg?: string): void => {
        const holder = (obj as { holder?: unknown }).holder;
        if (!verbose && typeof holder === "string") {
          this.note(`Waiting for ${holder}: it holds the lock on the backup folder`);
          return;
        }
        if (!shown) return;
        const fields = Object.keys(obj).length ? ` ${JSON.stringify(obj)}` : "";
        this.note(`${level}: ${msg ?? ""}${verbose ? fields : ""}`);
      };
    return {
      debug: line("debug", verbose),
      info: line("info", verbose),
      warn: line("warning", true),
      error: line("error", verbose),
    };
  }

  /** True when questions can be asked: stdin and stderr are terminals. */
  canPrompt(): boolean {
    return this.io.stdin.isTTY === true && this.io.stderr.isTTY === true;
  }

  /** Runs `fn` at the end of the command (closing the driver), whatever happened. */
  onCleanup(fn: () => Promise<void> | void): void {
    this.cleanups.push(fn);
  }

  /** Stops running operations (first Ctrl-C). */
  interrupt(): void {
    this.controller.abort(new CliError("ABORTED", "interrupted", EXIT.interrupted));
  }

  /** Reports a failure (one line, or JSON on stderr) and returns its exit code. */
  fail(error: unknown): ExitCode {
    const report: ErrorReport = describeError(error, this.errorContext);
    this.progressDisplay?.abandon();
    if (this.json) {
      this.io.stderr.write(this.scrub(`${JSON.stringify(report)}\n`));
    } else {
      const hint = report.hint ? `; ${report.hint}` : "";
      this.io.stderr.write(this.scrub(`${this.errPaint.red("error:")} ${report.message}${hint}\n`));
      if (this.options.verbose) this.io.stderr.write(this.scrub(`${describeStack(error)}\n`));
    }
    return report.exitCode;
  }

  /** Ends the progress display and runs the clean-ups. */
  async close(): Promise<void> {
    this.progressDisplay?.end();
    for (const fn of this.cleanups.reverse()) {
      try {
        await fn();
      } catch {
        // closing is best effort: the command's outcome is already decided
      }
    }
  }
}

/** The stack of an error and of its causes (for `--verbose`). */
function describeStack(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const e = current as { stack?: string; cause?: unknown };
    parts.push(depth === 0 ? (e.stack ?? String(current)) : `Caused by: ${e.stack ?? String(current)}`);
    current = e.cause;
  }
  return parts.join("\n");
}
