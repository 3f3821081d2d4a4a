/** Terminal questions: a password without echo, and a yes/no confirmation. */
import { EventEmitter } from "node:events";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { confirm, PromptInterrupted, readSecret } from "../../src/cli/prompt.js";

/** A terminal's input: records raw mode, emits what the test types. */
class FakeTerminal extends EventEmitter {
  isTTY = true;
  rawModes: boolean[] = [];
  setRawMode(mode: boolean) {
    this.rawModes.push(mode);
  }
  setEncoding() {}
  resume() {}
  pause() {}
  type(text: string) {
    this.emit("data", text);
  }
}

function output() {
  const written: string[] = [];
  return { written, stream: { write: (text: string) => written.push(text) } };
}

describe("readSecret", () => {
  it("reads up to Enter in raw mode and never writes what was typed", async () => {
    const input = new FakeTerminal();
    const out = output();
    const answer = readSecret("Password: ", { input, output: out.stream });
    input.type("s3cr");
    input.type("et-Pass\r");
    expect(await answer).toBe("s3cret-Pass");
    expect(out.written.join("")).toBe("Password: \n");
    expect(input.rawModes).toEqual([true, false]);
  });

  it("handles Backspace, Ctrl-U and arrow keys", async () => {
    const input = new FakeTerminal();
    const answer = readSecret("Password: ", { input, output: output().stream });
    input.type("wrong\u0015abX\u007fc\u001b[Dd\n");
    expect(await answer).toBe("abcd");
  });

  it("rejects on Ctrl-C and leaves raw mode", async () => {
    const input = new FakeTerminal();
    const answer = readSecret("Password: ", { input, output: output().stream });
    input.type("abc\u0003");
    await expect(answer).rejects.toBeInstanceOf(PromptInterrupted);
    expect(input.rawModes).toEqual([true, false]);
  });

  it("takes what came when the input ends", async () => {
    const input = new FakeTerminal();
    const answer = readSecret("Password: ", { input, output: output().stream });
    input.type("partial");
    input.emit("end");
    expect(await answer).toBe("partial");
  });
});

describe("confirm", () => {
  const ask = async (typed: string | null) => {
    const input = new PassThrough();
    const out = new PassThrough();
    const answer = confirm("Proceed? [y/N] ", { input, output: out });
    if (typed === null) input.end();
    else input.write(typed);
    return answer;
  };

  it("is yes only for y or yes", async () => {
    expect(await ask("y\n")).toBe(true);
    expect(await ask("YES\n")).toBe(true);
    expect(await ask("\n")).toBe(false);
    expect(await ask("n\n")).toBe(false);
    expect(await ask("yep\n")).toBe(false);
  });

  it("is no when the input ends", async () => {
    expect(await ask(null)).toBe(false);
  });
});
