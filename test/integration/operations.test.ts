/**
 * The recipes of docs/operations.md run as written against real servers: the crontab's commands,
 * the systemd service's ExecStart lines, the CronJob's and the CI snippets' commands, the Python
 * snippet with python3 — and the `schedule` and `metrics` commands they rely on, including
 * `/metrics`, `/healthz` and a clean stop on SIGTERM.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import type { Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseExposition } from "../../scripts/prometheus/parser.mjs";
import { clearDatabase, loadSampleGraph } from "../../scripts/sample-graph/index.js";
import { EXIT } from "../../src/cli/exit-codes.js";
import { FileSystemStorage, listBackups, readIndex, validateBackup } from "../../src/index.js";
import { disposeCli, jsonOf, prepareCli, runCli, serverEnv } from "../support/cli-run.js";
import {
  commandFolder,
  crontabEntries,
  crontabVariables,
  readRecipeYaml,
  recipe,
  withLocalCommand,
} from "../support/recipes.js";
import { driverFor, type TestServer, testServers } from "../support/servers.js";

/** Runs a shell script as the recipe's scheduler would, with the command under test on PATH. */
function sh(script: string, env: NodeJS.ProcessEnv): { code: number; stdout: string; stderr: string } {
  const run = spawnSync("bash", ["-c", script], { env, encoding: "utf8", timeout: 180_000 });
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

/** A running `schedule` process and its output lines. */
function startSchedule(args: string[], env: NodeJS.ProcessEnv) {
  const child: ChildProcess = spawn("neo4j-backup", args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let stderr = "";
  let buffer = "";
  child.stdout!.on("data", (d) => {
    buffer += d;
    const parts = buffer.split("\n");
    buffer = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr!.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const waitFor = async (pick: (line: Record<string, unknown>) => boolean, timeoutMs = 90_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find(pick);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no such line in time:\n${lines.join("\n")}\n${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { child, lines, exited, waitFor, stderr: () => stderr };
}

beforeAll(() => prepareCli());
afterAll(() => disposeCli());

describe.each(testServers())("operations recipes on Neo4j $version ($label)", (server: TestServer) => {
  let driver: Driver;
  let root: string;
  let bin: string;
  let envFile: string;
  const env = (extra: Record<string, string | undefined> = {}) => {
    const base = serverEnv(server, extra);
    return { ...base, PATH: `${bin}${delimiter}${base.PATH ?? ""}` };
  };

  beforeAll(async () => {
    driver = driverFor(server);
    root = await mkdtemp(join(tmpdir(), "neo4j-backup-ops-"));
    bin = await commandFolder();
    envFile = join(root, "env");
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 31, nodes: 200, special: false });
  });

  afterAll(async () => {
    await driver?.close();
    await rm(root, { recursive: true, force: true });
    await rm(bin, { recursive: true, force: true });
  });

  it("crontab: the backup line backs up, the check line is silent when healthy, the metrics line writes the textfile", async () => {
    const dir = join(root, "cron");
    // the folder is made when the job is set up; no backup in it yet
    await mkdir(dir, { recursive: true });
    const textfile = join(root, "neo4j_backup.prom");
    await writeFile(
      envFile,
      `NEO4J_URI=${server.uri}\nNEO4J_USERNAME=${server.username}\nNEO4J_PASSWORD=${server.password}\nNEO4J_BACKUP_DIR=${dir}\n`,
      { mode: 0o600 },
    );
    const entries = crontabEntries(await recipe("crontab")).map((e) =>
      e.command
        .replaceAll("/etc/neo4j-backup/env", envFile)
        .replaceAll("/var/lib/node_exporter/textfile/neo4j_backup.prom", textfile),
    );
    // cron's environment: its own PATH, no connection variables, then the crontab's settings (its
    // PATH with this test's command folder where the recipe has /usr/local/bin)
    const cronDefault = { PATH: "/usr/bin:/bin", HOME: process.env.HOME, SHELL: "/bin/sh" };
    const settings = crontabVariables(await recipe("crontab"));
    expect(settings.PATH?.split(":")).toContain("/usr/local/bin");
    const cronEnv = { ...cronDefault, ...settings, PATH: settings.PATH!.replace("/usr/local/bin", bin) };
    // without the crontab's PATH the command is not found (what happens to a crontab without it)
    expect(sh(entries[0]!, cronDefault).code).toBe(127);
    const check = sh(entries[1]!, cronEnv);
    expect([check.code, check.stdout]).toEqual([
      EXIT.unhealthy,
      "neo4j-backup: the backups need attention: run neo4j-backup status\n",
    ]);
    const backup = sh(entries[0]!, cronEnv);
    // --quiet: nothing on success, so cron mails nothing
    expect([backup.code, backup.stdout, backup.stderr]).toEqual([0, "", ""]);
    expect(await listBackups(new FileSystemStorage({ directory: dir }))).toHaveLength(1);
    const again = sh(entries[1]!, cronEnv);
    expect([again.code, again.stdout]).toEqual([0, ""]);
    const metrics = sh(entries[2]!, cronEnv);
    expect(metrics.code, metrics.stderr).toBe(0);
    const families = parseExposition(await readFile(textfile, "utf8"));
    const healthy = families.find((f) => f.name === "neo4j_backup_healthy")!;
    expect(healthy.samples[0]!.value).toBe(1);
    expect((await readdir(root)).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("systemd: the service's ExecStart lines run in order, and status exit 5 would fail the unit", async () => {
    const dir = join(root, "systemd");
    // the folder is made when the unit is installed; no backup in it yet
    await mkdir(dir, { recursive: true });
    const service = await recipe("neo4j-backup.service");
    const lines = [...service.matchAll(/^ExecStart=\/usr\/local\/bin\/(.*)$/gm)].map((m) => m[1]!);
    const unitEnv = env({ NEO4J_BACKUP_DIR: dir });
    const before = sh(lines[1]!, unitEnv);
    expect(before.code).toBe(EXIT.unhealthy); // no backup yet: not in SuccessExitStatus, the unit fails
    for (const line of lines) {
      const run = sh(line, unitEnv);
      expect([0, 4], `${line}: ${run.stderr}`).toContain(run.code);
    }
    expect(await listBackups(new FileSystemStorage({ directory: dir }))).toHaveLength(1);
  });

  it("the Kubernetes CronJob's container command backs up with the Job's environment", async () => {
    const dir = join(root, "k8s");
    const job = await readRecipeYaml("cronjob.yaml");
    const container = job.spec.jobTemplate.spec.template.spec.containers[0];
    const command = withLocalCommand([...container.command, ...container.args].join(" "));
    const vars = Object.fromEntries(
      container.env.map((e: { name: string; value?: string }) => [e.name, e.value] as const),
    );
    expect(vars.NEO4J_BACKUP_DIR).toBe("/backups");
    const run = sh(command, env({ NEO4J_BACKUP_DIR: dir }));
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ backedUp: true });
  });

  it("GitHub Actions and GitLab CI: the backup carries the commit; a failed backup fails the step", async () => {
    const dir = join(root, "ci");
    const sha = "0123456789abcdef0123456789abcdef01234567";
    const github = await readRecipeYaml("github-actions.yml");
    const step = github.jobs.backup.steps.find(
      (s: { name?: string }) => s.name === "Back up before deploying",
    );
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the recipe's own placeholder syntax
    const script = withLocalCommand(step.run.replaceAll("${{ github.sha }}", sha));
    const work = await mkdtemp(join(root, "gh-"));
    const ok = sh(`set -eo pipefail; cd '${work}'; ${script}`, env({ NEO4J_BACKUP_DIR: dir }));
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^backed up: neo4j_backup_\d{8}_\d{6}(_\d+)?\.json$/m);
    const failed = sh(
      `set -eo pipefail; cd '${work}'; ${script}`,
      env({ NEO4J_BACKUP_DIR: dir, NEO4J_PASSWORD: "wrong-password-for-ci" }),
    );
    expect(failed.code).toBe(EXIT.connection);
    const gitlab = await readRecipeYaml("gitlab-ci.yml");
    const lines = (gitlab.backup.script as string[]).map(withLocalCommand).join("\n");
    const lab = sh(
      `set -eo pipefail; cd '${work}'; ${lines}`,
      env({ NEO4J_BACKUP_DIR: dir, CI_COMMIT_SHA: sha }),
    );
    expect(lab.code, lab.stderr).toBe(0);
    const reasons = (await listBackups(new FileSystemStorage({ directory: dir }), {})).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining([`Pre-deploy ${sha}`]));
  });

  it("the Python snippet reads the result and the exit code (python3)", async () => {
    const dir = join(root, "python");
    const file = join(import.meta.dirname, "..", "..", "examples", "operations", "backup_from_python.py");
    const ok = spawnSync("python3", [file, "From Python"], {
      env: env({ NEO4J_BACKUP_DIR: dir }),
      encoding: "utf8",
    });
    expect(ok.status, ok.stderr).toBe(0);
    const result = JSON.parse(ok.stdout);
    expect(result).toMatchObject({ ok: true, backup: { name: expect.stringMatching(/^neo4j_backup_/) } });
    expect(result.backup.nodeCount).toBeGreaterThan(0);
    const failed = spawnSync("python3", [file], {
      env: env({ NEO4J_BACKUP_DIR: dir, NEO4J_PASSWORD: "wrong-password-python" }),
      encoding: "utf8",
    });
    expect(failed.status).toBe(EXIT.connection);
    expect(JSON.parse(failed.stdout)).toMatchObject({
      ok: false,
      exitCode: EXIT.connection,
      error: { code: "AUTHENTICATION" },
    });
    expect(failed.stdout + failed.stderr).not.toContain("wrong-password-python");
    // without the command on PATH: a clear error, no traceback
    const missing = spawnSync("python3", [file], {
      env: { ...env({ NEO4J_BACKUP_DIR: dir }), PATH: "/usr/bin:/bin" },
      encoding: "utf8",
    });
    expect([missing.status, missing.stderr]).toEqual([127, ""]);
    expect(JSON.parse(missing.stdout)).toMatchObject({
      ok: false,
      exitCode: 127,
      error: { code: "NOT_INSTALLED", message: "neo4j-backup was not found on PATH" },
    });
  });

  it("the sidecar's schedule command: JSON lines, /metrics and /healthz, a clean stop on SIGTERM (exit 0)", async () => {
    const dir = join(root, "sidecar");
    const compose = await readRecipeYaml("compose.yaml");
    const command: string[] = [...compose.services.backup.command];
    const at = command.indexOf("schedule");
    // the recipe's own arguments, with a pattern that comes every 2 seconds and any free port
    const args = command
      .slice(at)
      .map((a, i, all) => (i === 1 ? "*/2 * * * * *" : all[i - 1] === "--metrics-port" ? "0" : a));
    args[args.indexOf("--metrics-host") + 1] = "127.0.0.1";
    const proc = startSchedule(["--dir", dir, ...args], env());
    try {
      const started = await proc.waitFor((l) => l.event === "started");
      const metricsUrl = started.metrics as string;
      expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      await proc.waitFor((l) => l.event === "run" && l.outcome === "backed-up");
      await proc.waitFor((l) => l.event === "run" && l.outcome === "not-needed");
      const health = await fetch(metricsUrl.replace("/metrics", "/healthz"));
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: "ok", nextRun: expect.any(String) });
      const metrics = await fetch(metricsUrl);
      expect(metrics.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
      const text = await metrics.text();
      expect(text).not.toContain(server.password);
      const families = parseExposition(text);
      const runs = families.find((f) => f.name === "neo4j_backup_schedule_runs")!;
      expect(runs.samples.find((s) => s.labels.outcome === "backed-up")!.value).toBe(1);
      expect(families.find((f) => f.name === "neo4j_backup_healthy")!.samples[0]!.value).toBe(1);
    } finally {
      proc.child.kill("SIGTERM");
    }
    // a run may have been going when the signal came: then it was aborted and the exit is 130
    const code = await proc.exited;
    const aborted = proc.lines.some((l) => l.includes('"outcome":"aborted"'));
    expect(code).toBe(aborted ? EXIT.interrupted : EXIT.ok);
    expect(proc.lines.at(-1)).toMatch(new RegExp(`"event":"stopped","exitCode":${code}`));
    expect(proc.lines.join("\n") + proc.stderr()).not.toContain(server.password);
  });

  it("schedule --threads 2: each run reads on worker threads with connections of their own, and publishes a valid backup", async () => {
    const dir = join(root, "schedule-threads");
    // human lines: --verbose's log lines go to stderr (with --json they are not written)
    const proc = startSchedule(
      ["--dir", dir, "--verbose", "schedule", "*/2 * * * * *", "--threads", "2", "--keep", "all"],
      env(),
    );
    let name: string | undefined;
    try {
      const deadline = Date.now() + 90_000;
      while (!name && Date.now() < deadline) {
        name = proc.lines.map((l) => / backed up (\S+):/.exec(l)?.[1]).find(Boolean);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      proc.child.kill("SIGTERM");
    }
    await proc.exited;
    expect(name, `${proc.lines.join("\n")}\n${proc.stderr()}`).toBeDefined();
    expect(proc.stderr()).toContain("backup reads on worker threads");
    const storage = new FileSystemStorage({ directory: dir });
    const report = await validateBackup({ storage, name: name! });
    expect(report.valid, JSON.stringify(report.problems)).toBe(true);
    const { records } = await driver.executeQuery("MATCH (n) RETURN count(n) AS n");
    expect(report.nodeCount).toBe(records[0]!.get("n").toNumber());
    expect(proc.lines.join("\n") + proc.stderr()).not.toContain(server.password);
    const refused = await runCli(["--dir", dir, "schedule", "0 3 * * *", "--threads", "0"], {
      env: serverEnv(server),
    }).catch((e) => e);
    expect(refused.code).toBe(EXIT.usage);
    expect(refused.stderr).toContain("--threads");
  });

  it("metrics once: healthy and changed counts; --storage-only needs no server; exit 0 when unhealthy", async () => {
    const dir = join(root, "metrics");
    const none = await runCli(["--dir", dir, "metrics", "--storage-only"], { env: serverEnv(server) }).catch(
      (e) => e,
    );
    expect(none.code).toBe(EXIT.failure); // no backup folder yet
    await runCli(["--dir", dir, "create", "--reason", "for metrics"], { env: serverEnv(server) });
    await loadSampleGraph(driver, { seed: 32, nodes: 20, special: false });
    const run = await runCli(["--dir", dir, "metrics"], { env: serverEnv(server) });
    expect(run.code, run.stderr).toBe(0);
    const families = parseExposition(run.stdout);
    const changes = families.find((f) => f.name === "neo4j_backup_changes_since_last_backup")!;
    expect(changes.samples.find((s) => s.labels.element === "nodes")!.value).toBe(20);
    const offline = await runCli(["--dir", dir, "metrics", "--json"], {
      env: serverEnv(server, { NEO4J_URI: "bolt://127.0.0.1:9" }),
    });
    expect(offline.code).toBe(0);
    // the database label stays while the server does not answer (from the storage's newest backup)
    expect(jsonOf<{ text: string }>(offline).text).toMatch(
      /^neo4j_backup_database_up\{database="neo4j"\} 0$/m,
    );
    const old = await runCli(["--dir", dir, "metrics", "--storage-only", "--max-age", "0.000001"], {
      env: serverEnv(server),
    });
    expect(old.code).toBe(0);
    expect(old.stdout).toMatch(/^neo4j_backup_healthy\{database="neo4j"\} 0$/m);
    expect((await readIndex(new FileSystemStorage({ directory: dir }))).failures ?? []).toEqual([]);
    // --output into a folder that does not exist: a usage error naming it, before anything is read
    const missing = join(root, "no-such-folder", "neo4j_backup.prom");
    const nowhere = await runCli(["--dir", dir, "metrics", "--storage-only", "--output", missing], {
      env: serverEnv(server),
    }).catch((e) => e);
    expect(nowhere.code).toBe(EXIT.usage);
    expect(nowhere.stderr).toContain(
      `--output ${missing}: the folder ${join(root, "no-such-folder")} does not exist`,
    );
    expect(nowhere.stderr).not.toContain("ENOENT");
  });
});
