/**
 * Questions on the terminal: a yes/no confirmation and a password read without echo. Prompts go to
 * stderr, so stdout stays for results.
 */
import type { OutputStream } from "./terminal.js";

/** A readable terminal (or any stream, in tests). */
export interface PromptInput extends NodeJS.EventEmitter {
  isTTY?: boolean;
  setRawMode?: (mode: boolean) => unknown;
  setEncoding?: (encoding: BufferEncoding) => unknown;
  resume(): unknown;
  pause(): unknown;
}

/** Where prompts read and write. */
export interface PromptStreams {
  input: PromptInput;
  output: OutputStream;
}

/** Thrown when Ctrl-C is pressed at a prompt. */
export class PromptInterrupted extends Error {
  constructor() {
    super("interrupted at the prompt");
    this.name = "PromptInterrupted";
  }
}

/**
 * Reads one line from a terminal without echoing it (raw mode): Enter ends it, Backspace deletes,
 * Ctrl-U clears, Ctrl-C rejects with {@link PromptInterrupted}, escape sequences (arrow keys) are
 * ignored. Nothing typed is ever written to the output.
 */
export function readSecret(prompt: string, { input, output }: PromptStreams): Promise<string> {
  output.write(prompt);
  const raw = typeof input.setRawMode === "function" && input.isTTY === true;
  if (raw) input.setRawMode!(true);
  input.setEncoding?.("utf8");
  input.resume();
  return new Promise((resolve, reject) => {
    let value = "";
    let inEscape = false;
    const finish = () => {
      input.off("data", onData);
      input.off("end", onEnd);
      if (raw) input.setRawMode!(false);
      input.pause();
      output.write("\n");
    };
    const onEnd = () => {
      finish();
      resolve(value);
    };
    const onData = (chunk: string | Buffer) => {
      for (const ch of String(chunk)) {
        if (inEscape) {
          if (/[A-Za-z~]/.test(ch)) inEscape = false;
          continue;
        }
        if (ch === "\r" || ch === "\n" || ch === "\u0004") {
          finish();
          resolve(value);
          return;
        }
        if (ch === "\u0003") {
          finish();
          reject(new PromptInterrupted());
          return;
        }
        if (ch === "\u001b") inEscape = true;
        else if (ch === "\u007f" || ch === "\b") value = [...value].slice(0, -1).join("");
        else if (ch === "\u0015") value = "";
        else if (ch >= " ") value += ch;
      }
    };
    input.on("data", onData);
    input.on("end", onEnd);
  });
}

/**
 * Asks a yes/no question; true only for `y` or `yes` (any case). Enter, end of input and Ctrl-C
 * answer no.
 */
export async function confirm(question: string, { input, output }: PromptStreams): Promise<boolean> {
  const { createInterface } = await import("node:readline");
  const rl = createInterface({
    input: input as NodeJS.ReadableStream,
    output: output as NodeJS.WritableStream,
    terminal: input.isTTY === true,
  });
  return new Promise((resolve) => {
    let settled = false;
    const done = (answer: boolean) => {
      if (settled) return;
      settled = true;
      rl.close();
      resolve(answer);
    };
    rl.on("SIGINT", () => {
      output.write("\n");
      done(false);
    });
    rl.on("close", () => done(false));
    rl.question(question, (answer) => done(/^\s*y(es)?\s*$/i.test(answer)));
  });
}
