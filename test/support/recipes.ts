/**
 * The recipe files of examples/operations/, read for the tests — and a `neo4j-backup` on PATH for
 * running their commands as written (a wrapper around the command under test).
 */
import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { cliCommand } from "./cli-run.js";

/** The folder of the recipes. */
export const RECIPES_DIR = fileURLToPath(new URL("../../examples/operations/", import.meta.url));

/** How the container and CI recipes start the published command. */
export const NPX_PREFIX = "npx --yes neo4j-backup@0.1.0";

/** A recipe's text. */
export function recipe(file: string): Promise<string> {
  return readFile(join(RECIPES_DIR, file), "utf8");
}

/** A YAML recipe, parsed (strictly: a syntax error throws). */
// biome-ignore lint/suspicious/noExplicitAny: the tests walk documents of several shapes
export async function readRecipeYaml(file: string): Promise<any> {
  return parse(await recipe(file), { strict: true, uniqueKeys: true });
}

/** A crontab's environment settings (`NAME=value` lines), which cron gives every job. */
export function crontabVariables(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split("\n")
      .map((line) => /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!] as const),
  );
}

/** The entries of a crontab: five time fields and the command (comments and settings left out). */
export function crontabEntries(text: string): { pattern: string; command: string }[] {
  return text
    .split("\n")
    .filter(
      (line) => line.trim() !== "" && !line.startsWith("#") && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(line.trim()),
    )
    .map((line) => {
      const fields = line.trim().split(/\s+/);
      return { pattern: fields.slice(0, 5).join(" "), command: fields.slice(5).join(" ") };
    });
}

/** `npx --yes neo4j-backup@…` as the command on PATH. */
export function withLocalCommand(script: string): string {
  return script.replaceAll(NPX_PREFIX, "neo4j-backup");
}

/**
 * A folder with `neo4j-backup` (the command under test) and `check-backups.sh` (the recipe), to put
 * first on PATH. Call after prepareCli().
 */
export async function commandFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "neo4j-backup-bin-"));
  const { command, args } = cliCommand();
  const quoted = [command, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  await writeFile(join(dir, "neo4j-backup"), `#!/bin/sh\nexec ${quoted} "$@"\n`);
  await writeFile(join(dir, "check-backups.sh"), await recipe("check-backups.sh"));
  await chmod(join(dir, "neo4j-backup"), 0o755);
  await chmod(join(dir, "check-backups.sh"), 0o755);
  return dir;
}
