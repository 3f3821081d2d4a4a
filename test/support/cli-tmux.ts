/**
 * A real terminal for the command: a tmux session on a private server socket, driven by send-keys
 * and read with capture-pane.
 */
import { execFileSync } from "node:child_process";
import { cliCommand, cliEnv, ROOT } from "./cli-run.js";
import { haveTools } from "./tools.js";

/** True when tmux can be started (required under `.ci/run`, see tools.ts). */
export function hasTmux(): boolean {
  return haveTools("tmux");
}

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/** One tmux session running a shell in which the command is typed. */
export class TerminalSession {
  private readonly socket = `neo4j-backup-cli-test-${process.pid}-${Date.now()}`;
  private readonly name = "cli";
  private runs = 0;

  /** Starts a 120×40 terminal whose shell has `env` (UTF-8 locale and a colour TERM by default). */
  constructor(env: Record<string, string>) {
    const exports = Object.entries({ LANG: "C.UTF-8", TERM: "xterm-256color", ...env })
      .map(([k, v]) => `export ${k}=${quote(v)}`)
      .join("; ");
    this.tmux("new-session", "-d", "-s", this.name, "-x", "120", "-y", "40", "-c", ROOT, "sh");
    this.tmux("set-option", "-t", this.name, "history-limit", "5000");
    // the exports are typed, then the screen is cleared, so they never show in a capture
    this.typeLine(`${exports}; unset NO_COLOR FORCE_COLOR; clear`);
  }

  private tmux(...args: string[]): string {
    // the tmux server takes its environment from the command that starts it: a clean one
    return execFileSync("tmux", ["-L", this.socket, ...args], { encoding: "utf8", env: cliEnv() });
  }

  /**
   * Clears the screen (and waits until it is clear, so nothing earlier can match), then types the
   * neo4j-backup command with `args` (and `env`), followed by `echo "[exit N #run]"`; returns the
   * run's number for {@link waitForExit}.
   */
  async run(args: string[], env: Record<string, string> = {}): Promise<number> {
    this.typeLine("clear");
    await this.waitFor({ test: (screen: string) => screen.trim().split("\n").length <= 1 });
    const { command, args: prefix } = cliCommand();
    const assignments = Object.entries(env).map(([k, v]) => `${k}=${quote(v)}`);
    const line = [...assignments, ...[command, ...prefix, ...args].map(quote)].join(" ");
    const id = ++this.runs;
    this.typeLine(`${line}; echo "[exit $? #${id}]"`);
    return id;
  }

  /** Waits until run `id` has finished; returns its exit code and the screen. */
  async waitForExit(id: number, timeoutMs = 60_000): Promise<{ code: number; screen: string }> {
    const pattern = new RegExp(`\\[exit (\\d+) #${id}\\]`);
    const screen = await this.waitFor(pattern, timeoutMs);
    return { code: Number(pattern.exec(screen)![1]), screen };
  }

  /** Types `text` and Enter. */
  typeLine(text: string): void {
    this.tmux("send-keys", "-t", this.name, "-l", text);
    this.tmux("send-keys", "-t", this.name, "Enter");
  }

  /** The screen's text; with `escapes`, the colour escape sequences as well. */
  capture(escapes = false): string {
    return this.tmux("capture-pane", "-p", "-J", ...(escapes ? ["-e"] : []), "-t", this.name);
  }

  /** Waits until the screen matches `pattern`; returns the screen. */
  async waitFor(pattern: Pick<RegExp, "test">, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.capture();
      if (pattern.test(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`the terminal never showed ${pattern}:\n${screen}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Ends the session and its private tmux server. */
  close(): void {
    try {
      this.tmux("kill-server");
    } catch {
      // already gone
    }
  }
}
