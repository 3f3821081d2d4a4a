#!/usr/bin/env node
// @ts-check
/**
 * @file Development tool: a real parser of the Prometheus text format for the tests — the official
 * Python client's (`prometheus_client.parser`), installed once with pip into a virtual environment
 * under `~/.cache/neo4j-backup/python/` (`NEO4J_BACKUP_CACHE` moves it).
 *
 * Library use:
 *   import { parseExposition } from "./scripts/prometheus/parser.mjs";
 *   const families = parseExposition(text);   // installs the parser first if it is missing
 *
 * CLI use:
 *   node scripts/prometheus/parser.mjs install     creates the environment if missing (needs python3 with venv)
 *   node scripts/prometheus/parser.mjs parse <file  prints the families as JSON
 *
 * Only node: builtins are used; pip fetches the package from PyPI.
 */

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The prometheus-client release the tests parse with. */
export const PROMETHEUS_CLIENT_VERSION = "0.26.0";

/** @returns {string} the cache root (`$NEO4J_BACKUP_CACHE` or `~/.cache/neo4j-backup`). */
export function cacheRoot() {
  return process.env.NEO4J_BACKUP_CACHE || path.join(os.homedir(), ".cache", "neo4j-backup");
}

/** @returns {string} the virtual environment's folder */
export function environmentPath() {
  return path.join(cacheRoot(), "python", `prometheus-client-${PROMETHEUS_CLIENT_VERSION}`);
}

/** @returns {string} its python */
function environmentPython() {
  return path.join(environmentPath(), "bin", "python");
}

const PARSE = `
import json, math, sys
from prometheus_client.parser import text_string_to_metric_families
def number(v):
    return v if math.isfinite(v) else repr(v)
out = []
for f in text_string_to_metric_families(sys.stdin.read()):
    out.append({"name": f.name, "type": f.type, "help": f.documentation,
                "samples": [{"name": s.name, "labels": s.labels, "value": number(s.value)} for s in f.samples]})
print(json.dumps(out))
`;

/** @returns {boolean} whether the environment has the parser */
function installed() {
  const python = environmentPython();
  if (!fs.existsSync(python)) return false;
  const check = spawnSync(
    python,
    [
      "-c",
      "import prometheus_client; print(prometheus_client.__version__ if hasattr(prometheus_client, '__version__') else '')",
    ],
    { encoding: "utf8" },
  );
  return check.status === 0;
}

/**
 * Creates the virtual environment with prometheus-client unless it is there.
 * @param {{ log?: (msg: string) => void }} [options]
 * @returns {string} the environment's python
 */
export function ensurePrometheusParser(options = {}) {
  if (installed()) return environmentPython();
  const python = process.env.PYTHON || "python3";
  const dir = environmentPath();
  const partial = `${dir}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  options.log?.(`creating ${dir} with prometheus-client ${PROMETHEUS_CLIENT_VERSION} (once)`);
  const steps = [
    [python, ["-m", "venv", partial]],
    [
      path.join(partial, "bin", "python"),
      [
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        `prometheus-client==${PROMETHEUS_CLIENT_VERSION}`,
      ],
    ],
  ];
  for (const [command, args] of /** @type {[string, string[]][]} */ (steps)) {
    const run = spawnSync(command, args, { stdio: ["ignore", "inherit", "inherit"] });
    if (run.status !== 0) {
      fs.rmSync(partial, { recursive: true, force: true });
      throw new Error(
        `${command} ${args.join(" ")} failed (exit ${run.status}${run.error ? `, ${run.error.message}` : ""}); the parser needs python3 with venv (Debian: apt-get install python3 python3-venv)`,
      );
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(partial, dir);
  // a venv's scripts name its folder: the renamed one runs through its python, which stays valid
  return environmentPython();
}

/**
 * @typedef {object} ParsedFamily
 * @property {string} name
 * @property {string} type
 * @property {string} help
 * @property {{ name: string, labels: Record<string, string>, value: number | string }[]} samples
 *   non-finite values as Python spells them: "nan", "inf", "-inf"
 */

/**
 * Parses exposition text with prometheus_client; throws with the parser's message when it refuses it.
 * @param {string} text
 * @returns {ParsedFamily[]}
 */
export function parseExposition(text) {
  const python = ensurePrometheusParser();
  const run = spawnSync(python, ["-c", PARSE], { input: text, encoding: "utf8" });
  if (run.status !== 0)
    throw new Error(`prometheus_client refused the text: ${run.stderr.trim().split("\n").at(-1)}`);
  return JSON.parse(run.stdout);
}

async function cli() {
  const [command] = process.argv.slice(2);
  if (command === "install") {
    console.log(ensurePrometheusParser({ log: console.log }));
    return;
  }
  if (command === "parse") {
    console.log(JSON.stringify(parseExposition(fs.readFileSync(0, "utf8")), null, 2));
    return;
  }
  console.error("usage: node scripts/prometheus/parser.mjs install | parse <file");
  process.exitCode = 2;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await cli();
