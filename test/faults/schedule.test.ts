/**
 * `neo4j-backup schedule` stopped by a signal: during a scheduled backup (while it writes its file)
 * nothing is published and nothing is left half, the exit is 130; between runs the exit is 0; and
 * the next schedule's run backs up as usual.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearDatabase, loadSampleGraph } from "../../scripts/sample-graph/index.js";
import { EXIT } from "../../src/cli/exit-codes.js";
import { createBackup, FileSystemStorage, listBackups, readIndex, validateBackup } from "../../src/index.js";
import { cliCommand, disposeCli, prepareCli, serverEnv } from "../support/cli-run.js";
import { driverFor, testServers } from "../support/servers.js";
import { runScenario } from "./support/results.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A `schedule --json` process over `dir`; its lines, its exit, and a wait for a line. */
function schedule(server: Parameters<typeof serverEnv>[0], dir: string, pattern: string) {
  const { command, args } = cliCommand();
  const child = spawn(command, [...args, "--dir", dir, "schedule", pattern, "--json", "--keep", "all"], {
    env: serverEnv(server),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Record<string, unknown>[] = [];
  let buffer = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    buffer += d;
    const parts = buffer.split("\n");
    buffer = parts.pop()!;
    for (const part of parts) lines.push(JSON.parse(part));
  });
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const waitFor = async (pick: (line: Record<string, unknown>) => boolean, timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = lines.find(pick);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no such line in time: ${JSON.stringify(lines)} ${stderr}`);
      await sleep(50);
    }
  };
  return { child, lines, exited, waitFor };
}

/** Waits until a temporary file of a backup being written in place has content. */
async function untilWriting(dir: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const names = await readdir(dir).catch(() => [] as string[]);
    if (names.some((n) => n.endsWith(".tmp"))) return;
    if (Date.now() > deadline) throw new Error("no backup started writing in time");
    await sleep(10);
  }
}

beforeAll(() => prepareCli());
afterAll(() => disposeCli());

describe.each(testServers())("schedule stopped by a signal on Neo4j $version ($label)", (server) => {
  let driver: Driver;
  let root: string;

  beforeAll(async () => {
    driver = driverFor(server);
    root = await mkdtemp(join(tmpdir(), "neo4j-backup-fault-schedule-"));
  });

  afterAll(async () => {
    await driver?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("SIGTERM during a scheduled backup publishes nothing and the next run is fine", async () => {
    await runScenario("crash.schedule-sigterm", server.version, 3, async (scenario) => {
      await clearDatabase(driver);
      await loadSampleGraph(driver, { seed: 41, nodes: 40_000, special: false });
      const dir = join(root, "backups");
      const storage = new FileSystemStorage({ directory: dir });
      const previous = await createBackup({ driver, storage, reason: "previous" });

      /** After a stop: only the previous backups, valid; no temporary file; no failure recorded. */
      const expectNothingHalf = async (kept: string[]) => {
        expect((await listBackups(storage)).map((e) => e.name).sort()).toEqual([...kept].sort());
        for (const name of kept) expect((await validateBackup({ storage, name })).valid).toBe(true);
        expect((await readdir(dir)).filter((n) => n.endsWith(".tmp"))).toEqual([]);
        expect((await readIndex(storage)).failures ?? []).toEqual([]);
      };
      /** A new schedule's first run backs up a valid file; it is then stopped between runs. */
      const nextRunIsFine = async (): Promise<string> => {
        const next = schedule(server, dir, "*/2 * * * * *");
        const line = await next.waitFor((l) => l.event === "run" && l.outcome !== "skipped");
        expect(line.outcome, JSON.stringify(line)).toBe("backed-up");
        const name = (line.backup as { name: string }).name;
        expect((await validateBackup({ storage, name })).valid).toBe(true);
        next.child.kill("SIGTERM");
        await next.exited;
        return name;
      };

      const kept = [previous.name];
      for (const signal of ["SIGTERM", "SIGINT"] as const) {
        await scenario.trial(`${signal} while the scheduled backup writes its file`, async () => {
          const proc = schedule(server, dir, "*/2 * * * * *");
          await proc.waitFor((l) => l.event === "started");
          await untilWriting(dir);
          proc.child.kill(signal);
          expect(await proc.exited).toBe(EXIT.interrupted);
          // times that came while the backup ran were skipped; the one backup that ran was aborted
          const ran = proc.lines.filter((l) => l.event === "run" && l.outcome !== "skipped");
          expect(ran.map((l) => l.outcome)).toEqual(["aborted"]);
          expect(proc.lines.at(-1)).toMatchObject({ event: "stopped", exitCode: EXIT.interrupted });
          await expectNothingHalf(kept);
          kept.push(await nextRunIsFine());
        });
      }
      await scenario.trial("SIGTERM between runs", async () => {
        const proc = schedule(server, dir, "0 3 1 1 *");
        await proc.waitFor((l) => l.event === "started");
        proc.child.kill("SIGTERM");
        expect(await proc.exited).toBe(EXIT.ok);
        expect(proc.lines.map((l) => l.event)).toEqual(["started", "stopped"]);
        await expectNothingHalf(kept);
        kept.push(await nextRunIsFine());
      });
      return "40,000 nodes; the signal sent once the backup's temporary file exists";
    });
  });
});
