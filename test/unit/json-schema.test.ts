import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { backupFileJsonSchema } from "../../scripts/generate-schema.js";
import { LIBRARY_VERSION } from "../../src/version.js";

describe("published artefacts stay in step with the code", () => {
  it("docs/backup-file.schema.json is generated from the current zod schema (run `npm run schema`)", () => {
    const committed = readFileSync(new URL("../../docs/backup-file.schema.json", import.meta.url), "utf8");
    expect(committed).toBe(backupFileJsonSchema());
  });

  it("LIBRARY_VERSION equals the package version", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    expect(LIBRARY_VERSION).toBe(pkg.version);
  });
});
