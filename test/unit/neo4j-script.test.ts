/**
 * scripts/neo4j/server.mjs as a command: asking for help or mistyping an option starts nothing.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseArgs } from "../../scripts/neo4j/server.mjs";

const script = join(import.meta.dirname, "..", "..", "scripts", "neo4j", "server.mjs");
const cache = mkdtempSync(join(tmpdir(), "neo4j-script-"));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

const run = (...args: string[]) =>
  spawnSync(process.execPath, [script, ...args], {
    encoding: "utf8",
    env: { ...process.env, NEO4J_BACKUP_CACHE: cache },
    timeout: 30_000,
  });

describe("scripts/neo4j/server.mjs", () => {
  it("prints its usage for --help and -h with any command, and starts nothing", () => {
    for (const args of [
      ["start", "--help"],
      ["start", "-h", "--line", "latest"],
      ["--help"],
      ["stop", "--help"],
    ]) {
      const r = run(...args);
      expect(r.status, args.join(" ")).toBe(0);
      expect(r.stdout).toMatch(/^Usage: node scripts\/neo4j\/server\.mjs <command>/);
    }
    expect(existsSync(join(cache, "run"))).toBe(false);
    expect(existsSync(join(cache, "neo4j"))).toBe(false);
  });

  it("refuses an unknown option or argument (exit 2) and starts nothing", () => {
    for (const args of [
      ["start", "--bogus"],
      ["start", "--apoc", "-x"],
      ["stop", "extra"],
      ["start", "--line"],
    ]) {
      const r = run(...args);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/unknown option|unexpected argument|needs a value/);
    }
    expect(existsSync(join(cache, "run"))).toBe(false);
  });

  it("parses each command's own options", () => {
    expect(parseArgs(["start", "--line", "latest", "--apoc", "--heap=1g"])).toEqual({
      command: "start",
      flags: { line: "latest", apoc: true, heap: "1g" },
      help: false,
    });
    expect(parseArgs(["status", "--apoc"]).error).toBe('unknown option --apoc for "status"');
    expect(parseArgs(["frob"]).error).toBe('unknown command "frob"');
  });
});
