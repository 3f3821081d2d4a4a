/**
 * Progress of long operations, in phases. On a terminal: one line redrawn in place with a bar,
 * counts, rate and ETA (a spinner and the elapsed time when the total is unknown), each finished
 * phase left on screen. Piped: a plain line when a phase starts and every few seconds, no escape
 * codes.
 */

import {
  type OutputStream,
  type Palette,
  type Symbols,
  stripAnsi,
  type TerminalCapabilities,
} from "./terminal.js";
import { formatClock, formatCount, formatDuration, formatRate } from "./text.js";

/** Options of {@link Progress}. */
export interface ProgressOptions {
  /** Where progress goes (stderr, so stdout stays for results). */
  stream: OutputStream;
  terminal: TerminalCapabilities;
  paint: Palette;
  symbols: Symbols;
  /** False: print nothing at all. */
  enabled: boolean;
  /** Piped output: at most one line per phase this often; default 5 s. */
  intervalMs?: number;
  /** Terminal redraw period; default 120 ms. */
  redrawMs?: number;
  /** Clock in milliseconds; default `performance.now`. */
  now?: () => number;
}

interface Phase {
  label: string;
  unit: string;
  total: number | undefined;
  done: number;
  started: number;
  lastLine: number;
}

const BAR_WIDTH = 24;

/** A phase-by-phase progress display; see the module comment. */
export class Progress {
  private phase: Phase | undefined;
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  private drawn = false;
  private readonly now: () => number;
  private readonly intervalMs: number;

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? (() => performance.now());
    this.intervalMs = options.intervalMs ?? 5000;
  }

  /** Starts a phase (ending the previous one). `total` undefined: the amount of work is unknown. */
  start(label: string, total?: number, unit = ""): void {
    if (this.phase?.label === label) {
      if (total !== undefined) this.phase.total = total;
      return;
    }
    this.finishPhase();
    const now = this.now();
    this.phase = { label, unit, total, done: 0, started: now, lastLine: now };
    if (!this.options.enabled) return;
    if (this.options.terminal.tty) {
      this.draw();
      this.timer ??= setInterval(() => this.draw(), this.options.redrawMs ?? 120);
      this.timer.unref();
    } else {
      const of = total !== undefined ? ` (${formatCount(total)}${unit ? ` ${unit}` : ""})` : "";
      this.line(`${label}${of}...`);
      this.timer ??= setInterval(() => this.maybeLine(), Math.min(this.intervalMs, 1000));
      this.timer.unref();
    }
  }

  /** Records the work done in the current phase. */
  update(done: number, total?: number): void {
    const phase = this.phase;
    if (!phase) return;
    phase.done = done;
    if (total !== undefined) phase.total = total;
    if (!this.options.enabled) return;
    if (!this.options.terminal.tty) this.maybeLine();
  }

  /** Prints a line without disturbing the display. */
  note(text: string): void {
    if (!this.options.enabled) return;
    this.clear();
    this.line(text);
    if (this.options.terminal.tty && this.phase) this.draw();
  }

  /** Ends the display: the current phase is finished and the timer stopped. */
  end(): void {
    this.finishPhase();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Ends the display without finishing the phase (the operation failed): the bar is erased. */
  abandon(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
    this.phase = undefined;
  }

  /** The text of the current display line (without escape codes); for tests. */
  render(): string {
    return this.phase ? stripAnsi(this.describe(this.phase, false)) : "";
  }

  private finishPhase(): void {
    const phase = this.phase;
    this.phase = undefined;
    if (!phase || !this.options.enabled || !this.options.terminal.tty) return;
    this.clear();
    this.line(this.describe(phase, true));
  }

  private maybeLine(): void {
    const phase = this.phase;
    if (!phase || this.now() - phase.lastLine < this.intervalMs) return;
    phase.lastLine = this.now();
    this.line(stripAnsi(this.describe(phase, false)));
  }

  private draw(): void {
    const phase = this.phase;
    if (!phase) return;
    this.frame++;
    const text = this.describe(phase, false);
    const width = this.options.terminal.columns - 1;
    const visible = stripAnsi(text);
    const fitted = visible.length > width ? `${visible.slice(0, width - 1)}…` : text;
    this.options.stream.write(`\r${fitted}\x1b[K`);
    this.drawn = true;
  }

  private clear(): void {
    if (this.drawn && this.options.terminal.tty) this.options.stream.write("\r\x1b[K");
    this.drawn = false;
  }

  private line(text: string): void {
    this.options.stream.write(`${text}\n`);
  }

  /** One line about a phase: running (bar or spinner) or finished. */
  private describe(phase: Phase, finished: boolean): string {
    const { paint, symbols, terminal } = this.options;
    const elapsed = this.now() - phase.started;
    const unit = phase.unit ? ` ${phase.unit}` : "";
    const rate = elapsed > 0 ? (phase.done / elapsed) * 1000 : 0;
    if (finished) {
      const count = phase.done > 0 ? `: ${formatCount(phase.done)}${unit}` : "";
      const speed = phase.done > 0 && elapsed >= 200 ? `, ${formatRate(rate)}` : "";
      return `${paint.green(symbols.done)}${phase.label}${count} ${paint.dim(`in ${formatDuration(elapsed)}${speed}`)}`;
    }
    if (!terminal.tty) return this.describePlain(phase, elapsed, rate);
    const spin = symbols.spinner[this.frame % symbols.spinner.length]!;
    const lead = `${paint.cyan(spin)} `;
    if (phase.total === undefined || phase.total <= 0) {
      const count = phase.done > 0 ? ` ${formatCount(phase.done)}${unit},` : "";
      return `${lead}${phase.label}${count} ${paint.dim(formatDuration(elapsed))}`;
    }
    const fraction = Math.min(1, phase.done / phase.total);
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = `[${symbols.barFull.repeat(filled)}${symbols.barEmpty.repeat(BAR_WIDTH - filled)}]`;
    const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
    const eta =
      phase.done > 0 && rate > 0
        ? `ETA ${formatClock(((phase.total - phase.done) / rate) * 1000)}`
        : "ETA -:--";
    const counts = `${formatCount(phase.done)}/${formatCount(phase.total)}${unit}`;
    return `${lead}${phase.label} ${paint.cyan(bar)} ${percent} ${counts} ${paint.dim(`${formatRate(rate)} ${eta}`)}`;
  }

  /** A running phase as a log line: `Writing nodes: 150/300 nodes (50%), 1,200/s, ETA 0:03`. */
  private describePlain(phase: Phase, elapsed: number, rate: number): string {
    const unit = phase.unit ? ` ${phase.unit}` : "";
    const parts: string[] = [];
    if (phase.total !== undefined && phase.total > 0) {
      const percent = Math.floor(Math.min(1, phase.done / phase.total) * 100);
      parts.push(`${formatCount(phase.done)}/${formatCount(phase.total)}${unit} (${percent}%)`);
      if (phase.done > 0 && rate > 0) {
        parts.push(formatRate(rate), `ETA ${formatClock(((phase.total - phase.done) / rate) * 1000)}`);
      }
    } else if (phase.done > 0) {
      parts.push(`${formatCount(phase.done)}${unit}`, formatRate(rate));
    }
    parts.push(`${formatDuration(elapsed)} elapsed`);
    return `${phase.label}: ${parts.join(", ")}`;
  }
}
