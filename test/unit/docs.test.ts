/**
 * The documentation names every option: each exported `…Options` type is described in
 * docs/api.md, and each of its properties appears there — in the type's own section or among the
 * common options. An option added without documentation fails this test.
 */
import { readFileSync } from "node:fs";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const API = readFileSync(new URL("../../docs/api.md", import.meta.url), "utf8");

/** The entry points whose option types docs/api.md describes: the root and neo4j-backup/dashboard. */
const ENTRIES = ["../../src/index.ts", "../../src/dashboard/index.ts"].map(
  (path) => new URL(path, import.meta.url).pathname,
);

/** The exported option types of the entry points and their property names. */
function exportedOptionTypes(): Map<string, string[]> {
  const program = ts.createProgram(ENTRIES, {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const out = new Map<string, string[]>();
  const symbols = ENTRIES.flatMap((entry) =>
    checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entry)!)!),
  );
  for (const symbol of symbols) {
    if (!symbol.name.endsWith("Options")) continue;
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const type = checker.getDeclaredTypeOfSymbol(target);
    const parts = type.isUnion() ? type.types : [type];
    out.set(symbol.name, [
      ...new Set(parts.flatMap((t) => checker.getPropertiesOfType(t).map((p) => p.name))),
    ]);
  }
  return out;
}

/** The `##` sections of docs/api.md by heading. */
function sections(): { heading: string; text: string }[] {
  return API.split(/^## /m)
    .slice(1)
    .map((part) => ({ heading: part.slice(0, part.indexOf("\n")), text: part }));
}

describe("docs/api.md", () => {
  const types = exportedOptionTypes();
  const all = sections();
  const common = all.find((s) => s.heading === "Common options")!.text;

  it("finds the option types (the check below is not empty)", () => {
    expect([...types.keys()]).toEqual(
      expect.arrayContaining([
        "CreateBackupOptions",
        "RestoreBackupOptions",
        "ValidateBackupOptions",
        "FileSystemStorageOptions",
        "DashboardOptions",
      ]),
    );
    expect(types.get("CreateBackupOptions")).toEqual(expect.arrayContaining(["fetchSize", "protect"]));
  });

  for (const [name, properties] of types) {
    it(`describes every option of ${name}`, () => {
      const own = all.filter((s) => new RegExp(`\\b${name}\\b`).test(s.text));
      expect(
        own.map((s) => s.heading),
        `a section names ${name}`,
      ).not.toEqual([]);
      const text = own.map((s) => s.text).join("\n");
      const missing = properties.filter((p) => !text.includes(`\`${p}\``) && !common.includes(`\`${p}\``));
      expect(missing, `options of ${name} that docs/api.md does not name`).toEqual([]);
    });
  }
});

describe("the check of the documentation's code snippets (npm run typecheck)", () => {
  it("reports a snippet that uses an undeclared name, at its line in the Markdown file", async () => {
    const { checkSnippets, extractSnippets } = await import("../../scripts/check-snippets.js");
    const markdown = [
      "# Example",
      "",
      "```ts",
      'import { createBackup } from "neo4j-backup";',
      'await createBackup({ driver, storage, reason: "fine" });',
      "```",
      "",
      "```ts",
      'import { restoreBackup } from "neo4j-backup";',
      "await restoreBackup({ driver: otherDriver, storage });",
      "```",
      "",
      "```console",
      "$ not checked",
      "```",
    ].join("\n");
    const snippets = extractSnippets("/docs/example.md", markdown);
    expect(snippets.map((s) => [s.line, s.language])).toEqual([
      [4, "ts"],
      [9, "ts"],
    ]);
    const errors = await checkSnippets(snippets);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/example\.md:10:31: error TS2304: Cannot find name 'otherDriver'/);
  }, 120_000);
});
