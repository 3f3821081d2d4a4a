/**
 * `npm run bench:scaling`: how a backup's and a restore's time divide between the client and the
 * server, and what happens when they stop sharing a machine or a network hop comes between them.
 *
 * Loads the sample graph (BENCH_SIZES, default 100k domain nodes) into a local Neo4j 5.26, backs it
 * up once, then measures the raw drain, createBackup into an empty folder and into a folder holding
 * an earlier backup, the plain writer and restoreBackup RUNS times each (BENCH_RUNS, default 3),
 * every run a fresh process, in each setup of BENCH_SETUPS (default `shared,split,split+2ms`):
 *
 * - `shared`: client and server may use both cores, as in `npm run bench`;
 * - `split`: the client is pinned to core 1 and every thread of the server's JVM to core 0
 *   (taskset): two one-core machines joined by a link without latency;
 * - `split+<n>ms`: the same with a round-trip time of n ms between them: the client connects
 *   through bench/delay-proxy.mjs (pinned to the server's core), which forwards every byte n/2 ms
 *   after it arrived, in both directions.
 *
 * With BENCH_THREADS (default 2; 1 leaves them out) every run also takes a first backup and a restore
 * whose verification read on that many worker threads: what the extra threads buy in each setup.
 * Every measurement runs the built package (`builtWorker` in common.ts).
 *
 * For each it prints the wall time, the client's CPU time (the measuring process, user + system),
 * the server's (the JVM's, from /proc/<pid>/stat) and the proxy's, as medians. Client CPU close to
 * the wall time means the client's one thread is the limit: a faster or bigger server would not
 * shorten the run.
 * The server's and the proxy's CPU time are read before and after the whole worker process, whose
 * start-up the wall time leaves out: on small graphs their share can exceed 100 %.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import neo4j from "neo4j-driver";
import { startNeo4j } from "../scripts/neo4j/server.mjs";
import { clearDatabase, loadSampleGraph } from "../scripts/sample-graph/index.js";
import { builtWorker, median, type Run, runMeasurement, runWorkerOnce } from "./common.js";

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU milliseconds (user + system, every thread) a process has used so far. */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // the fields after the command name, which is in parentheses and may hold spaces
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** Runs a command, throwing with its output when it fails. */
function run(command: string, args: string[]): void {
  const r = spawnSync(command, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")}: ${r.stderr || r.stdout}`);
}

/** A measuring setup: where the client and server run and the round-trip time between them. */
interface Setup {
  name: string;
  split: boolean;
  rttMs: number;
}

function parseSetup(text: string): Setup {
  const m = /^(shared|split)(?:\+(\d+(?:\.\d+)?)ms)?$/.exec(text.trim());
  if (!m) throw new Error(`BENCH_SETUPS: "${text}" is not shared, split or split+<n>ms`);
  return { name: text.trim(), split: m[1] === "split", rttMs: Number(m[2] ?? 0) };
}

/** Pins every thread of the server JVM to `cpus` (e.g. "0" or "0,1"). */
function pinServer(pid: number, cpus: string): void {
  run("taskset", ["-a", "-p", "-c", cpus, String(pid)]);
}

/** The delay proxy of a setup with a round-trip time: its process and the URI to connect to. */
interface Proxy {
  process: ChildProcess;
  uri: string;
}

/** Starts bench/delay-proxy.mjs in front of `target` (a bolt:// URI), pinned to core 0. */
async function startProxy(target: string, rttMs: number): Promise<Proxy> {
  const { hostname, port: targetPort } = new URL(target);
  const child = spawn(
    "taskset",
    [
      "-c",
      "0",
      process.execPath,
      join(import.meta.dirname, "delay-proxy.mjs"),
      hostname,
      targetPort,
      String(rttMs / 2),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const [line] = (await once(child.stdout!, "data")) as [Buffer];
  const port = /^ready (\d+)/.exec(line.toString())?.[1];
  if (!port) throw new Error(`delay proxy: ${line.toString()}`);
  return { process: child, uri: `bolt://127.0.0.1:${port}` };
}

/** One measured run with the server's (and the proxy's) CPU time over it. */
interface Sample extends Run {
  clientCpuMs: number;
  serverCpuMs: number;
  proxyCpuMs: number;
}

function measure(setup: Setup, serverPid: number, proxyPid: number | undefined, args: string[]): Sample {
  const worker = [builtWorker(), ...args];
  const [command, commandArgs] = setup.split
    ? ["taskset", ["-c", "1", process.execPath, ...worker]]
    : [process.execPath, worker];
  const proxyCpu = () => (proxyPid === undefined ? 0 : processCpuMs(proxyPid));
  const before = [processCpuMs(serverPid), proxyCpu()] as const;
  const r = runMeasurement(command as string, commandArgs as string[], args[0]!) as Run;
  const serverCpuMs = processCpuMs(serverPid) - before[0];
  const proxyCpuMs = proxyCpu() - before[1];
  if (typeof r.cpuMs !== "number") throw new Error(`${args[0]}: the worker reported no cpuMs`);
  return { ...r, clientCpuMs: r.cpuMs, serverCpuMs, proxyCpuMs };
}

/**
 * What is measured, in this order in every run: the drain; a first backup (into an empty folder);
 * a backup into a folder that holds one earlier backup (the default retention keeps one: the new
 * file is read back and validated before the older one is removed); the plain writer; the restore;
 * then, with `threads` above 1, a first backup and a restore whose verification read on that many
 * worker threads (`parallel`).
 */
function modesOf(threads: number): string[] {
  const modes = ["drain", "first backup", "backup", "plain", "restore"];
  return threads > 1 ? [...modes, `first backup, ${threads} threads`, `restore, ${threads} threads`] : modes;
}

/** The worker's arguments for `mode`: backups go to folders of their own, never to `dir`. */
function workerArgs(
  mode: string,
  conn: string[],
  dir: string,
  name: string,
  round: number,
  threads: number,
): string[] {
  const parallel = JSON.stringify({ threads });
  if (mode === "first backup") return ["backup", ...conn, join(dir, `first-${round}`)];
  if (mode.startsWith("first backup, "))
    return ["backup", ...conn, join(dir, `first-${round}`), "", parallel];
  // measured backups stay apart from `dir`: their retention would remove the restores' file
  if (mode === "backup") return ["backup", ...conn, join(dir, "steady")];
  if (mode.startsWith("restore, ")) return ["restore", ...conn, dir, name, parallel];
  return [mode, ...conn, dir, name];
}

async function main(): Promise<void> {
  const size = Number(process.env.BENCH_SIZES ?? 100_000);
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const setups = (process.env.BENCH_SETUPS ?? "shared,split,split+2ms").split(",").map(parseSetup);
  const threads = Number(process.env.BENCH_THREADS ?? 2);
  const modes = modesOf(threads);
  const server = await startNeo4j({ line: "5.26", heap: "2g", pageCache: "2g" });
  const driver = neo4j.driver(server.uri, neo4j.auth.basic(server.username, server.password));
  const conn = [server.uri, server.username, server.password];
  const dir = mkdtempSync(join(tmpdir(), "neo4j-backup-scaling-"));
  const rows: string[] = [];
  let proxy: Proxy | undefined;
  try {
    await clearDatabase(driver);
    const loaded = await loadSampleGraph(driver, { nodes: size, seed: 1, special: false });
    console.log(`loaded ${loaded.nodes} nodes, ${loaded.relationships} relationships`);
    const name = runWorkerOnce(["backup", ...conn, dir]).name!;
    runWorkerOnce(["backup", ...conn, join(dir, "steady")]); // the earlier backup of every measured one
    for (const setup of setups) {
      pinServer(server.pid, setup.split ? "0" : "0-1");
      proxy = setup.rttMs > 0 ? await startProxy(server.uri, setup.rttMs) : undefined;
      const uri = proxy?.uri ?? server.uri;
      const samples = new Map<string, Sample[]>(modes.map((m) => [m, []]));
      try {
        for (let i = 0; i < runs; i++) {
          for (const mode of modes) {
            if (mode === "plain" || mode.startsWith("restore")) await clearDatabase(driver);
            const args = workerArgs(mode, [uri, ...conn.slice(1)], dir, name, i, threads);
            const s = measure(setup, server.pid, proxy?.process.pid, args);
            if (mode.startsWith("first backup")) rmSync(args[4]!, { recursive: true, force: true });
            samples.get(mode)!.push(s);
            console.log(
              `${setup.name} ${mode} run ${i + 1}: ${(s.ms / 1000).toFixed(2)} s, client CPU ${(s.clientCpuMs / 1000).toFixed(2)} s, server CPU ${(s.serverCpuMs / 1000).toFixed(2)} s`,
            );
          }
        }
      } finally {
        proxy?.process.kill();
        proxy = undefined;
        pinServer(server.pid, "0-1");
      }
      for (const mode of modes) {
        const list = samples.get(mode)!;
        const wall = median(list.map((s) => s.ms));
        const client = median(list.map((s) => s.clientCpuMs));
        const serverCpu = median(list.map((s) => s.serverCpuMs));
        const proxyCpu = median(list.map((s) => s.proxyCpuMs));
        const share = (ms: number) => `${(ms / 1000).toFixed(2)} s (${Math.round((100 * ms) / wall)} %)`;
        rows.push(
          `| ${setup.name} | ${mode} | ${(wall / 1000).toFixed(2)} s | ${share(client)} | ${share(serverCpu)} | ${setup.rttMs > 0 ? share(proxyCpu) : "–"} |`,
        );
      }
    }
  } finally {
    proxy?.process.kill();
    rmSync(dir, { recursive: true, force: true });
    await driver.close();
    await server.stop();
  }
  console.log(`\nNeo4j ${server.version}; ${size.toLocaleString("en-US")} nodes; ${runs} runs each, medians`);
  console.log(
    "| setup | measurement | wall | client CPU (÷ wall) | server CPU (÷ wall) | proxy CPU (÷ wall) |",
  );
  console.log("|---|---|---|---|---|---|");
  for (const row of rows) console.log(row);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
