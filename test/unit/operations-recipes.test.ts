/**
 * The recipes of docs/operations.md, as files under examples/operations/: each parses as what it
 * claims to be and says what the documentation says it does. (test/integration/operations.test.ts
 * runs their commands against a real server.)
 */
import { spawnSync } from "node:child_process";
import { chmod, copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseSchedule } from "../../src/operations/schedule.js";
import { crontabEntries, crontabVariables, RECIPES_DIR, readRecipeYaml, recipe } from "../support/recipes.js";

const DOCS = await readFile(new URL("../../docs/operations.md", import.meta.url), "utf8");
/** The nightly recipes' series and policy, and the CI recipes': each purpose keeps its own backups. */
const NIGHTLY = "--series nightly --keep-daily 7 --keep-weekly 4 --keep-monthly 6";
const PRE_DEPLOY = "--series pre-deploy --keep-last 5";

describe("the recipes", () => {
  it("docs/operations.md shows every recipe file", async () => {
    for (const file of [
      "crontab",
      "check-backups.sh",
      "neo4j-backup.service",
      "neo4j-backup.timer",
      "cronjob.yaml",
      "compose.yaml",
      "github-actions.yml",
      "gitlab-ci.yml",
      "backup_from_python.py",
      "alerts.yml",
    ]) {
      expect(DOCS, file).toContain(`examples/operations/${file}`);
    }
  });

  it("every recipe that backs up names its series and its retention, and the docs show the same", async () => {
    for (const file of ["crontab", "neo4j-backup.service", "cronjob.yaml", "compose.yaml"]) {
      const text = (await recipe(file)).replace(/",\s*"|\n\s*- "?|"/g, " ").replace(/\s+/g, " ");
      expect(text, file).toContain(NIGHTLY);
    }
    for (const file of ["github-actions.yml", "gitlab-ci.yml"])
      expect(await recipe(file), file).toContain(PRE_DEPLOY);
    expect(DOCS).toContain(NIGHTLY);
    expect(DOCS).toContain(PRE_DEPLOY);
  });

  it("crontab: every line is a five-field pattern croner accepts and a command that reads the env file", async () => {
    const entries = crontabEntries(await recipe("crontab"));
    expect(entries.map((e) => e.pattern)).toEqual(["17 3 * * *", "0 * * * *", "* * * * *"]);
    // cron's own PATH (/usr/bin:/bin) lacks where npm installs commands globally
    expect(crontabVariables(await recipe("crontab")).PATH?.split(":")).toContain("/usr/local/bin");
    for (const { pattern, command } of entries) {
      expect(() => parseSchedule(pattern)).not.toThrow();
      expect(command).toMatch(/^set -a && \. \/etc\/neo4j-backup\/env && /);
      expect(command).not.toMatch(/--password|-p /);
    }
    expect(entries[0]!.command).toContain(`neo4j-backup create --auto --quiet ${NIGHTLY}`);
    expect(spawnSync("sh", ["-n", join(RECIPES_DIR, "check-backups.sh")]).status).toBe(0);
  });

  it("the systemd timer is persistent with a randomized delay, and the service runs create --auto then status", async () => {
    const timer = await recipe("neo4j-backup.timer");
    expect(timer).toMatch(/^Persistent=true$/m);
    expect(timer).toMatch(/^RandomizedDelaySec=\S+$/m);
    const service = await recipe("neo4j-backup.service");
    expect(service).toMatch(/^Type=oneshot$/m);
    expect(service.match(/^ExecStart=.*$/gm)).toEqual([
      `ExecStart=/usr/local/bin/neo4j-backup create --auto --quiet ${NIGHTLY}`,
      "ExecStart=/usr/local/bin/neo4j-backup status --max-age 2",
    ]);
    expect(service).toMatch(/^SuccessExitStatus=4$/m);
  });

  it("systemd-analyze verify accepts the service and the timer (and refuses a broken timer)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "neo4j-backup-systemd-"));
    try {
      // verify checks that ExecStart's program exists: a stand-in where the recipe expects the command
      const program = join(dir, "neo4j-backup");
      await writeFile(program, "#!/bin/sh\n");
      await chmod(program, 0o755);
      await writeFile(join(dir, "env"), "");
      const service = (await recipe("neo4j-backup.service"))
        .replaceAll("/usr/local/bin/neo4j-backup", program)
        .replaceAll("/etc/neo4j-backup/env", join(dir, "env"));
      await writeFile(join(dir, "neo4j-backup.service"), service);
      await copyFile(join(RECIPES_DIR, "neo4j-backup.timer"), join(dir, "neo4j-backup.timer"));
      const units = [join(dir, "neo4j-backup.timer"), join(dir, "neo4j-backup.service")];
      const good = spawnSync("systemd-analyze", ["verify", "--man=no", ...units], { encoding: "utf8" });
      expect(good.stderr).toBe("");
      expect(good.status).toBe(0);
      const broken = (await recipe("neo4j-backup.timer")).replace(
        /^OnCalendar=.*$/m,
        "OnCalendar=not a time",
      );
      await writeFile(join(dir, "neo4j-backup.timer"), broken);
      const bad = spawnSync("systemd-analyze", ["verify", "--man=no", ...units], { encoding: "utf8" });
      expect(bad.status).not.toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("the service runs as its own user, writes only its state folder, and systemd-analyze security rates it OK (≤ 2.0)", async () => {
    const service = await recipe("neo4j-backup.service");
    expect(service).toMatch(/^User=neo4j-backup$/m);
    expect(service).toMatch(/^StateDirectory=neo4j-backup$/m);
    expect(service).toMatch(/^ProtectSystem=strict$/m);
    expect(service).toMatch(/^CapabilityBoundingSet=$/m);
    // V8 needs writable executable memory: a unit with MemoryDenyWriteExecute=true stops Node.js
    expect(service).not.toMatch(/^MemoryDenyWriteExecute=/m);
    const exposure = async (text: string) => {
      const dir = await mkdtemp(join(tmpdir(), "neo4j-backup-systemd-"));
      try {
        await writeFile(join(dir, "neo4j-backup.service"), text);
        const r = spawnSync(
          "systemd-analyze",
          ["security", "--offline=true", "--no-pager", "neo4j-backup.service"],
          {
            cwd: dir,
            encoding: "utf8",
          },
        );
        const level = /Overall exposure level for neo4j-backup\.service: (\d+\.\d)/.exec(r.stdout);
        expect(level, r.stdout + r.stderr).not.toBeNull();
        return Number(level![1]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    };
    const level = await exposure(service);
    expect(level).toBeLessThanOrEqual(2.0);
    expect(service, "the header states the rating").toContain(`rates it ${level.toFixed(1)} OK`);
    // the same unit without its hardening (as root, no sandbox) is rated unsafe
    const bare = service
      .replace(/\n# \/var\/lib\/neo4j-backup, created[\s\S]*$/, "\n")
      .replace(/^(User|Group)=.*\n/gm, "");
    expect(await exposure(bare)).toBeGreaterThan(9);
  });

  it("the Kubernetes CronJob forbids concurrent runs and takes the password from a Secret", async () => {
    const job = await readRecipeYaml("cronjob.yaml");
    expect(job).toMatchObject({ apiVersion: "batch/v1", kind: "CronJob" });
    expect(job.spec.concurrencyPolicy).toBe("Forbid");
    expect(() => parseSchedule(job.spec.schedule)).not.toThrow();
    const container = job.spec.jobTemplate.spec.template.spec.containers[0];
    expect(container.args).toEqual(["create", "--auto", "--json", ...NIGHTLY.split(" ")]);
    const password = container.env.find((e: { name: string }) => e.name === "NEO4J_PASSWORD");
    expect(password).toEqual({
      name: "NEO4J_PASSWORD",
      valueFrom: { secretKeyRef: { name: "neo4j-backup", key: "password" } },
    });
  });

  it("the sidecar runs schedule in the foreground with metrics and a health check on /healthz", async () => {
    const compose = await readRecipeYaml("compose.yaml");
    const sidecar = compose.services.backup;
    const at = sidecar.command.indexOf("schedule");
    expect(at).toBeGreaterThan(0);
    expect(() => parseSchedule(sidecar.command[at + 1])).not.toThrow();
    expect(sidecar.command).toEqual(expect.arrayContaining(["--auto", "--json", "--metrics-port", "9464"]));
    expect(sidecar.command.join(" ")).toContain(NIGHTLY);
    expect(sidecar.healthcheck.test.join(" ")).toContain("/healthz");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the recipe's own placeholder syntax
    expect(sidecar.environment.NEO4J_PASSWORD).toBe("${NEO4J_PASSWORD}");
  });

  it("the CI snippets back up with the commit in the reason before the deploy, which depends on it", async () => {
    const github = await readRecipeYaml("github-actions.yml");
    expect(github.jobs.deploy.needs).toBe("backup");
    const step = github.jobs.backup.steps.find(
      (s: { name?: string }) => s.name === "Back up before deploying",
    );
    expect(step.run).toContain(`create --json ${PRE_DEPLOY} --reason "Pre-deploy \${{ github.sha }}"`);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the recipe's own placeholder syntax
    expect(github.jobs.backup.env.NEO4J_PASSWORD).toBe("${{ secrets.NEO4J_PASSWORD }}");
    const gitlab = await readRecipeYaml("gitlab-ci.yml");
    expect(gitlab.stages).toEqual(["backup", "deploy"]);
    expect(gitlab.backup.stage).toBe("backup");
    expect(gitlab.deploy.stage).toBe("deploy");
    expect(gitlab.backup.script[0]).toContain(
      `create --json ${PRE_DEPLOY} --reason "Pre-deploy $CI_COMMIT_SHA"`,
    );
  });

  it("the Python snippet compiles with python3", () => {
    const python = spawnSync(
      "python3",
      [
        "-c",
        "import ast,sys; ast.parse(open(sys.argv[1]).read())",
        join(RECIPES_DIR, "backup_from_python.py"),
      ],
      {
        encoding: "utf8",
      },
    );
    if (python.error) return; // no python3: the integration test runs it where there is one
    expect(python.stderr).toBe("");
    expect(python.status).toBe(0);
  });

  it("yaml parses a document strictly (a broken recipe would fail above)", () => {
    expect(() => parse("a: [1, 2\nb: 3")).toThrow();
  });
});
