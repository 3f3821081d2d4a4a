/**
 * The layering of src/ (see .dependency-cruiser.cjs and docs/development.md): the rules hold for
 * the real tree, and they catch a violation when there is one.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const CONFIG = join(ROOT, ".dependency-cruiser.cjs");
const DEPCRUISE = join(ROOT, "node_modules", "dependency-cruiser", "bin", "dependency-cruiser.mjs");

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** Runs dependency-cruiser on `cwd`'s src/ with the project's rules; returns the violations. */
async function cruise(cwd: string): Promise<Violation[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [DEPCRUISE, "src", "--config", CONFIG, "--output-type", "json"],
    { cwd, maxBuffer: 64 * 1024 * 1024 },
  ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));
  return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

const scratch: string[] = [];
afterAll(async () => {
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});

async function tree(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "neo4j-backup-layers-"));
  scratch.push(dir);
  await writeFile(join(dir, "tsconfig.json"), await readFile(join(ROOT, "tsconfig.json"), "utf8"));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sourceFiles(path)));
    else if (entry.name.endsWith(".ts")) out.push(path);
  }
  return out;
}

describe("layering", () => {
  it("src/ has no import cycle and no import against the layers", async () => {
    expect(await cruise(ROOT)).toEqual([]);
  }, 60_000);

  it("the rules catch a pipeline calling an operation, a cycle, and the CLI reaching inside", async () => {
    const dir = await tree({
      "src/backup/run-backup.ts":
        'import { createBackup } from "../operations/create-backup.js";\nexport const run = () => createBackup;\n',
      "src/operations/create-backup.ts":
        'import { run } from "../backup/run-backup.js";\nexport const createBackup = () => run;\n',
      "src/cli/main.ts": 'import { run } from "../backup/run-backup.js";\nexport const main = run;\n',
    });
    const rules = (await cruise(dir)).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    expect(rules).toContain("backup-pipeline: src/backup/run-backup.ts → src/operations/create-backup.ts");
    expect(rules).toContain("cli-uses-the-public-api: src/cli/main.ts → src/backup/run-backup.ts");
    expect(rules.some((r) => r.startsWith("no-circular:"))).toBe(true);
  }, 60_000);

  it("the rules catch the dashboard reaching below the public API, and a module importing the dashboard", async () => {
    const dir = await tree({
      "src/index.ts": 'export { createBackup } from "./operations/create-backup.js";\n',
      "src/operations/create-backup.ts":
        'import { startDashboard } from "../dashboard/index.js";\nexport const createBackup = () => startDashboard;\n',
      "src/dashboard/index.ts": 'export { startDashboard } from "./server.js";\n',
      "src/dashboard/server.ts":
        'import { createBackup } from "../operations/create-backup.js";\nimport { createBackup as viaApi } from "../index.js";\nexport const startDashboard = () => [createBackup, viaApi];\n',
    });
    const rules = (await cruise(dir)).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    expect(rules).toContain(
      "dashboard-uses-the-public-api: src/dashboard/server.ts → src/operations/create-backup.ts",
    );
    expect(rules).toContain(
      "entry-points-are-not-imported-inside: src/operations/create-backup.ts → src/dashboard/index.ts",
    );
    // the public API itself is what the dashboard may import
    expect(rules).not.toContain("dashboard-uses-the-public-api: src/dashboard/server.ts → src/index.ts");
  }, 60_000);

  it("only graph/ opens sessions or runs Cypher", async () => {
    const session = /\.session\(|\.executeQuery\(|\.beginTransaction\(|\.executeRead\(|\.executeWrite\(/;
    const cypher = /["'`](?:MATCH|CREATE|MERGE|SHOW|DROP|CALL|UNWIND)\b[^"'`]*["'`]/;
    const offenders: string[] = [];
    for (const file of await sourceFiles(join(ROOT, "src"))) {
      const path = relative(ROOT, file);
      if (path.startsWith(join("src", "graph"))) continue;
      // comments may name Cypher; code may not
      const text = (await readFile(file, "utf8"))
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/^\s*\/\/.*$/gm, "");
      if (session.test(text) || cypher.test(text)) offenders.push(path);
    }
    expect(offenders).toEqual([]);
  });
});
