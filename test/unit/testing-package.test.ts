/**
 * neo4j-backup/testing as users get it: the built files (from the last `npm run build`; skipped
 * before the first build), loaded through the package's exports from ESM and from CommonJS, run
 * the storage contract suite under node:test.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const files = ["testing.js", "testing.cjs", "testing.d.ts", "testing.d.cts"];
const built = existsSync(new URL("../../dist/index.js", import.meta.url));

function runNode(script: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--test-reporter=tap", script], { cwd: root });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, output }));
  });
}

describe.skipIf(!built)("neo4j-backup/testing from the build (npm run build)", () => {
  it("the build emits the suite for ESM and CommonJS, with types for both", () => {
    const missing = files.filter((file) => !existsSync(new URL(`../../dist/${file}`, import.meta.url)));
    expect(missing).toEqual([]);
  });

  it.each(["test/support/package-contract.mjs", "test/support/package-contract.cjs"])(
    "%s runs the suite for MemoryStorage and FileSystemStorage under node:test, and passes",
    async (script) => {
      const { code, output } = await runNode(script);
      // 26 checks for MemoryStorage (with replace and chunks), 29 for FileSystemStorage (with
      // openWriter, replace and chunks)
      expect(output).toMatch(/^# pass 55$/m);
      expect(output).toMatch(/^# fail 0$/m);
      expect(code).toBe(0);
    },
    30_000,
  );
});
