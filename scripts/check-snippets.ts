/**
 * Type-checks the TypeScript and JavaScript code blocks of README.md and docs/*.md against the
 * library's source: each block becomes a module of its own (with `neo4j-backup` mapped to
 * src/index.ts), and tsc checks them all in strict mode. A snippet may use only what
 * scripts/snippets/context.d.ts declares (`driver`, `storage`, `migrate`) besides its imports.
 * Errors are reported at the line of the Markdown file. Run by `npm run typecheck`.
 *
 *   tsx scripts/check-snippets.ts [file.md …]
 */
import { execFile } from "node:child_process";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));

/** One fenced code block: where it is, and its text. */
export interface Snippet {
  file: string;
  /** Line of the first line of code (1-based). */
  line: number;
  language: "ts" | "js";
  code: string;
}

/** The ```ts and ```js blocks of a Markdown text. */
export function extractSnippets(file: string, markdown: string): Snippet[] {
  const out: Snippet[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|typescript|js|javascript)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    const language = open[1]!.startsWith("t") ? "ts" : "js";
    out.push({ file, line: start + 1, language, code: lines.slice(start, end).join("\n") });
    i = end;
  }
  return out;
}

/** Type-checks the snippets; returns the errors as `file:line: message`, empty when all pass. */
export async function checkSnippets(snippets: Snippet[]): Promise<string[]> {
  const folder = join(ROOT, "node_modules", ".cache", "snippets", String(process.pid));
  await rm(folder, { recursive: true, force: true });
  await mkdir(folder, { recursive: true });
  const where = new Map<string, Snippet>();
  try {
    for (const [i, snippet] of snippets.entries()) {
      const name = `snippet-${i}.${snippet.language}`;
      where.set(name, snippet);
      // `export {}` makes every block a module (own scope, top-level await)
      await writeFile(join(folder, name), `${snippet.code}\nexport {};\n`);
    }
    await writeFile(join(folder, "tsconfig.json"), JSON.stringify(tsconfig(folder), null, 2));
    const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
    const output = await promisify(execFile)(process.execPath, [tsc, "-p", join(folder, "tsconfig.json")], {
      cwd: folder,
      maxBuffer: 16 << 20,
    }).then(
      () => "",
      (error: { stdout?: string; message: string }) => error.stdout || error.message,
    );
    return output
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => locate(l, where));
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

function tsconfig(folder: string) {
  const src = (path: string) => relative(folder, join(ROOT, "src", path));
  return {
    compilerOptions: {
      target: "ES2022",
      lib: ["ES2023"],
      module: "ESNext",
      moduleResolution: "Bundler",
      types: ["node"],
      typeRoots: [relative(folder, join(ROOT, "node_modules", "@types"))],
      strict: true,
      noEmit: true,
      allowJs: true,
      checkJs: true,
      skipLibCheck: true,
      esModuleInterop: true,
      isolatedModules: true,
      baseUrl: ".",
      paths: {
        "neo4j-backup": [src("index.ts")],
        "neo4j-backup/format": [src("format/index.ts")],
        "neo4j-backup/testing": [src("testing/index.ts")],
        "neo4j-backup/dashboard": [src("dashboard/index.ts")],
      },
    },
    include: ["*.ts", "*.js", relative(folder, join(ROOT, "scripts", "snippets", "context.d.ts"))],
  };
}

/** `snippet-3.ts(2,7): error TS…` → `docs/x.md:57:7: error TS…`; other lines as they are. */
function locate(line: string, where: Map<string, Snippet>): string {
  const match = /^(snippet-\d+\.[tj]s)\((\d+),(\d+)\): (.*)$/.exec(line);
  const snippet = match && where.get(match[1]!);
  if (!match || !snippet) return line;
  return `${relative(ROOT, snippet.file)}:${snippet.line + Number(match[2]) - 1}:${match[3]}: ${match[4]}`;
}

/** README.md and every Markdown file in docs/. */
async function documentationFiles(): Promise<string[]> {
  const docs = (await readdir(join(ROOT, "docs")))
    .filter((n) => n.endsWith(".md"))
    .map((n) => join(ROOT, "docs", n));
  return [join(ROOT, "README.md"), ...docs];
}

async function main(): Promise<void> {
  const files =
    process.argv.length > 2 ? process.argv.slice(2).map((f) => resolve(f)) : await documentationFiles();
  const snippets: Snippet[] = [];
  for (const file of files) snippets.push(...extractSnippets(file, await readFile(file, "utf8")));
  const errors = await checkSnippets(snippets);
  if (errors.length > 0) {
    console.error(`${errors.join("\n")}\n\nThe code snippets of the documentation do not type-check.`);
    process.exitCode = 1;
    return;
  }
  console.log(`${snippets.length} code snippets in ${files.length} documentation files type-check.`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
