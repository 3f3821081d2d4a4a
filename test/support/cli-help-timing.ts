/**
 * How fast `neo4j-backup --help` answers, and what it loads. Not a test: a measurement to run by
 * hand after `npm run build`:
 *
 *   npx tsx test/support/cli-help-timing.ts [runs]
 *
 * Prints the median and best wall time of `node dist/cli.js --help` next to a bare `node -e 0`
 * (Node's own start-up), and the packages the help run loaded (commander only: the library,
 * neo4j-driver and zod load inside the commands).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./cli-run.js";

const runs = Number(process.argv[2] ?? 15);
const cli = join(ROOT, "dist", "cli.js");
if (!existsSync(cli)) {
  console.error("dist/cli.js is missing: run `npm run build` first");
  process.exit(1);
}

function time(args: string[]): { median: number; best: number } {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    execFileSync(process.execPath, args, { cwd: ROOT, stdio: "ignore" });
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)]!, best: samples[0]! };
}

// a resolve hook that reports every package the run loads (hooks run off the main thread: it
// reports through a MessagePort)
const hook = `
let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  const match = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(result.url);
  if (match) port.postMessage(match[1]);
  return result;
}`;
const register = `
import { register } from "node:module";
import { MessageChannel } from "node:worker_threads";
const { port1, port2 } = new MessageChannel();
const seen = new Set();
port1.on("message", (name) => seen.add(name));
port1.unref();
register("data:text/javascript,${encodeURIComponent(hook)}", { data: { port: port2 }, transferList: [port2] });
process.on("exit", () => process.stderr.write("PACKAGES " + [...seen].sort().join(",") + "\\n"));`;

const loaded = spawnSync(
  process.execPath,
  ["--import", `data:text/javascript,${encodeURIComponent(register)}`, cli, "--help"],
  { cwd: ROOT, encoding: "utf8" },
);
const packages = /PACKAGES (.*)/.exec(loaded.stderr)?.[1] ?? "(unknown)";

const bare = time(["-e", "0"]);
const help = time([cli, "--help"]);
const version = time([cli, "--version"]);
const ms = (n: number) => `${n.toFixed(0)} ms`;
console.log(`runs: ${runs} each, Node ${process.version}`);
console.log(`node -e 0            median ${ms(bare.median)}  best ${ms(bare.best)}`);
console.log(`neo4j-backup --help  median ${ms(help.median)}  best ${ms(help.best)}`);
console.log(`neo4j-backup -V      median ${ms(version.median)}  best ${ms(version.best)}`);
console.log(`packages loaded by --help: ${packages || "(none)"}`);
